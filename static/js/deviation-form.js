/* The report form: the unit's name beside its code, one click sends one report, and the
   fields that apply only after an earlier answer (data-shown-when: the field's name,
   data-shown-for: the values) open when they apply. A field holding input or an error is never
   hidden, and a hidden field is still sent: it is one form, and nothing typed is lost. A section
   whose fields are all hidden is hidden too. Without JavaScript every field is shown. */
(function () {
  var form = document.getElementById("report-form");
  var unit = document.getElementById("id_unit");
  var unitName = document.getElementById("report-unit-name");
  var options = document.getElementById("report-units").options;
  var button = form.querySelector("button[type=submit]");
  function showUnitName() {
    var value = unit.value.trim().toLowerCase();
    var name = "";
    for (var i = 0; i < options.length; i++) {
      if (options[i].value.toLowerCase() === value) { name = options[i].textContent; break; }
    }
    unitName.textContent = name;
  }
  unit.addEventListener("input", showUnitName);
  showUnitName();

  var conditional = Array.prototype.slice.call(form.querySelectorAll("[data-shown-when]"));
  function chosen(name) {
    var field = form.elements[name];
    return field ? field.value : "";  // a radio group's RadioNodeList gives the checked value
  }
  function holdsInput(wrapper) {
    if (wrapper.querySelector(".is-invalid, .invalid-feedback")) { return true; }
    return Array.prototype.some.call(wrapper.querySelectorAll("input, textarea, select"), function (field) {
      return field.value.trim() !== "";
    });
  }
  function showWhatApplies() {
    conditional.forEach(function (wrapper) {
      var applies = wrapper.dataset.shownFor.split(" ").indexOf(chosen(wrapper.dataset.shownWhen)) >= 0;
      wrapper.hidden = !applies && !holdsInput(wrapper);
    });
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.report-section"), function (section) {
      var fields = section.querySelectorAll(".report-field");
      section.hidden = fields.length > 0 && Array.prototype.every.call(fields, function (field) { return field.hidden; });
    });
  }
  form.addEventListener("change", showWhatApplies);
  showWhatApplies();
  // One click, one report (the server also knows a form sent twice).
  form.addEventListener("submit", function () { setTimeout(function () { button.disabled = true; }, 0); });
  window.addEventListener("pageshow", function () { button.disabled = false; });
})();
