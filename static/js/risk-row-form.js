/* Shows the hazard's cell, risk value and zone while it is scored; the server computes the
   same on saving. */
(function () {
  var form = document.getElementById("row-form");
  var letters = "ABCDE";
  var consequences = ["consequence_people", "consequence_environment", "consequence_material", "consequence_reputation"];
  function score(name) {
    var value = parseInt(form.elements[name].value, 10);
    return isNaN(value) ? null : value;
  }
  function show(kind, probability, consequence) {
    document.querySelectorAll(".rm-cell.rm-" + kind).forEach(function (el) { el.classList.remove("rm-" + kind); });
    var badge = form.querySelector('[data-kind="' + kind + '"]');
    var label = form.querySelector('[data-kind-label="' + kind + '"]');
    var cell = probability && consequence ? document.querySelector('.rm-cell[data-cell="' + letters[consequence - 1] + probability + '"]') : null;
    if (!cell) {
      badge.textContent = "–"; badge.className = "badge fs-6 text-bg-light border"; label.textContent = "";
      return;
    }
    cell.classList.add("rm-" + kind);
    badge.textContent = cell.dataset.cell + " · " + probability * consequence;
    // The cell's zone colour is a class of the matrix version (risk/matrix/zones.css).
    var zone = Array.prototype.filter.call(cell.classList, function (name) { return name.indexOf("rm-v") === 0; });
    badge.className = "badge fs-6 " + zone.join(" ");
    label.textContent = cell.dataset.zoneLabel;
  }
  function update() {
    var scored = consequences.map(score).filter(function (value) { return value !== null; });
    show("now", score("probability"), scored.length ? Math.max.apply(null, scored) : null);
    show("after", score("residual_probability"), score("residual_consequence"));
  }
  form.addEventListener("change", update);
  update();
})();
