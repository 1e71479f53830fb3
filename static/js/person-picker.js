/* The person picker (units/widgets/person_picker.html, people_picker.html): htmx fetches the
   matches as the user types; this file makes the list a keyboard-usable listbox (arrows move,
   Enter chooses, Escape closes), puts the chosen user name where the form reads it, and, for
   several people, keeps a list of removable chips over the plain text area. */
(function () {
  "use strict";

  function parts(picker) {
    return {
      input: picker.querySelector("[data-picker-input]"),
      value: picker.querySelector("[data-picker-value]"),
      list: picker.querySelector("[role=listbox]"),
      live: picker.querySelector("[data-picker-live]"),
      chosen: picker.querySelector("[data-picker-chosen]"),
      multiple: picker.hasAttribute("data-picker-multiple")
    };
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option][data-value]"));
  }

  function close(p) {
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function highlight(p, index) {
    var all = options(p.list);
    all.forEach(function (option, i) {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) {
      p.input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({block: "nearest"});
    }
  }

  function activeIndex(p) {
    return options(p.list).findIndex(function (o) { return o.classList.contains("active"); });
  }

  function usernames(p) {
    return p.value.value.split(/[\n,;]/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s; });
  }

  function addChip(p, key, label) {
    var item = document.createElement("li");
    item.className = "list-inline-item badge text-bg-light border person-chip";
    item.dataset.value = key;
    item.textContent = label + " ";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close btn-close-sm";
    remove.setAttribute("data-picker-remove", "");
    remove.setAttribute("aria-label", (p.chosen.dataset.removeLabel || "Remove") + " " + label);
    item.appendChild(remove);
    p.chosen.appendChild(item);
  }

  function choose(p, option) {
    var key = option.dataset.value;
    if (p.multiple) {
      var keys = usernames(p);
      if (keys.indexOf(key) === -1) {
        keys.push(key);
        p.value.value = keys.join("\n");
        addChip(p, key, option.dataset.label);
      }
      p.input.value = "";
    } else {
      p.value.value = key;
      p.input.value = option.dataset.label;
    }
    if (p.live) { p.live.textContent = option.dataset.label; }
    close(p);
  }

  function setUp(picker) {
    if (picker.dataset.pickerReady) { return; }
    picker.dataset.pickerReady = "1";
    var p = parts(picker);
    if (p.multiple) {
      // With JavaScript the chips and the search box replace the plain list of user names.
      p.value.classList.add("d-none");
      p.input.classList.remove("d-none");
    }
    p.input.addEventListener("input", function () {
      if (!p.multiple) { p.value.value = ""; }
    });
    p.input.addEventListener("keydown", function (event) {
      var all = options(p.list);
      var open = !p.list.hidden && all.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        var index = activeIndex(p);
        index = event.key === "ArrowDown" ? Math.min(index + 1, all.length - 1)
                                          : Math.max(index - 1, 0);
        highlight(p, index);
      } else if (event.key === "Enter") {
        if (open && activeIndex(p) >= 0) {
          event.preventDefault();
          choose(p, all[activeIndex(p)]);
        } else if (p.multiple) {
          event.preventDefault();  // Enter in the search box never sends the whole form.
        }
      } else if (event.key === "Escape" && !p.list.hidden) {
        event.preventDefault();
        close(p);
      }
    });
    p.input.addEventListener("blur", function () {
      window.setTimeout(function () { close(p); }, 150);
    });
    p.list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option][data-value]");
      if (option) {
        event.preventDefault();
        choose(p, option);
      }
    });
    p.list.addEventListener("htmx:afterSwap", function () {
      var status = p.list.querySelector("[data-picker-status]");
      if (p.live && status) { p.live.textContent = status.textContent.trim(); }
      var any = p.list.querySelector("[role=option]");
      p.list.hidden = !any;
      p.input.setAttribute("aria-expanded", any ? "true" : "false");
      p.input.removeAttribute("aria-activedescendant");
    });
    if (p.chosen) {
      p.chosen.addEventListener("click", function (event) {
        var button = event.target.closest("[data-picker-remove]");
        if (!button) { return; }
        var chip = button.closest("[data-value]");
        p.value.value = usernames(p).filter(function (k) { return k !== chip.dataset.value; })
          .join("\n");
        chip.remove();
        p.input.focus();
      });
    }
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-person-picker]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(); });
  } else {
    setUpAll();
  }
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();
