// Django's admin and treebeard's tree, made to meet WCAG 2.1 AA where their markup falls short:
// - an editable cell of a change list or a tabular inline gets its column's heading as its
//   name, and an autocomplete box its field's label (1.3.1, 4.1.2);
// - treebeard's expand/collapse links, which it draws without text, get a name (2.4.4, 4.1.2);
// - the date and the time box of a date-time field get the field's label (1.3.1);
// - the search icons of the two-list picker are images with a name, not bare spans (4.1.2).
"use strict";
(function () {
  function columnHeadings(table) {
    // One heading per column, a heading spanning several columns repeated for each.
    const names = [];
    const header = table.querySelector("thead tr");
    if (!header) return names;
    Array.from(header.children).forEach((th) => {
      for (let i = 0; i < (th.colSpan || 1); i += 1) names.push(th.textContent.trim());
    });
    return names;
  }

  function nameTableFields(root) {
    // The change list's editable cells and the rows of tabular inlines: each field is named
    // by its column's heading (and, in a change list, its row).
    root.querySelectorAll("#result_list, .inline-group .tabular table").forEach((table) => {
      const headings = columnHeadings(table);
      const inList = table.id === "result_list";
      table.querySelectorAll("tbody tr").forEach((row) => {
        const rowName = inList ? (row.querySelector("th") || row).textContent.trim() : "";
        let column = 0;
        Array.from(row.children).forEach((cell) => {
          const heading = headings[column] || "";
          column += cell.colSpan || 1;
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
            if ((field.labels && field.labels.length) || field.getAttribute("aria-label")) return;
            const name = [heading, rowName].filter(Boolean).join(": ");
            if (name) field.setAttribute("aria-label", name);
          });
        });
      });
    });
  }

  function nameAutocompletes(root) {
    // select2's box takes the name of the field it stands for.
    root.querySelectorAll(".select2-selection:not([aria-label])").forEach((box) => {
      const container = box.closest(".select2-container");
      const select = container && container.previousElementSibling;
      const label = select && select.id && document.querySelector(`label[for="${select.id}"]`);
      if (!label) return;
      const name = label.textContent.replace(/:\s*$/, "").trim();
      box.setAttribute("aria-label", name);
      box.querySelectorAll("[role=textbox]").forEach((shown) => {
        if (!shown.getAttribute("aria-label")) shown.setAttribute("aria-label", name);
      });
    });
  }

  function nameTreeToggles(root) {
    root.querySelectorAll("a.treebeard-collapse:not([aria-label])").forEach((link) => {
      const row = link.closest("tr");
      const named = row && row.querySelector("a:not(.treebeard-collapse)");
      const name = (named || row || link).textContent.trim() || link.getAttribute("href");
      const expanded = link.classList.contains("treebeard-expanded");
      link.setAttribute("aria-label", name);
      link.setAttribute("aria-expanded", expanded ? "true" : "false");
    });
  }

  function nameDateTimeParts(root) {
    root.querySelectorAll(".datetime").forEach((box) => {
      const row = box.closest(".form-row, .fieldBox, div");
      const label = row && row.querySelector("label");
      const name = label ? label.textContent.replace(/:\s*$/, "").trim() : "";
      box.querySelectorAll("input:not([type=hidden])").forEach((field, index) => {
        if ((field.labels && field.labels.length) || field.getAttribute("aria-label")) return;
        const english = (document.documentElement.lang || "").startsWith("en");
        const parts = english ? ["date", "time"] : ["dato", "klokkeslett"];
        const part = parts[index === 0 ? 0 : 1];
        field.setAttribute("aria-label", name ? name + " (" + part + ")" : part);
      });
    });
  }

  function roleForIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
  }

  function improve() {
    nameTableFields(document);
    nameAutocompletes(document);
    nameTreeToggles(document);
    nameDateTimeParts(document);
    roleForIcons(document);
  }

  document.addEventListener("DOMContentLoaded", () => {
    improve();
    // treebeard draws and redraws its toggles after loading: name them as they come.
    new MutationObserver(improve).observe(document.body, { childList: true, subtree: true });
  });
})();
