/* The report form: the unit's name beside its code, and one click sends one report. */
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
  // One click, one report (the server also knows a form sent twice).
  form.addEventListener("submit", function () { setTimeout(function () { button.disabled = true; }, 0); });
  window.addEventListener("pageshow", function () { button.disabled = false; });
})();
