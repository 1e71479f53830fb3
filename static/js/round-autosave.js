/* The inspection round page never loses an answer. The checklist answers and the measure
   checks (forms with data-autosave) are saved as they are given: the same form is posted with
   an X-Autosave header and the server answers JSON with the rows' new fingerprints. Any other
   form on the page (a finding, the notes) first waits for those saves, and so does their own
   Save button when an autosave is on its way. Leaving the page with input not saved yet asks
   first. Without JavaScript the Save buttons do the same work. */
(function () {
  "use strict";
  var autosaved = Array.prototype.slice.call(document.querySelectorAll("form[data-autosave]"));
  var dirty = [];  // forms with input not saved yet
  var TYPING_PAUSE = 800;  // ms after the last key before a comment is saved

  function markDirty(form) { if (dirty.indexOf(form) < 0) { dirty.push(form); } }
  function markClean(form) { dirty = dirty.filter(function (f) { return f !== form; }); }

  function say(form, key, isError) {
    var status = form.querySelector("[data-autosave-status]");
    if (!status) { return; }
    status.textContent = status.dataset[key] || "";
    status.classList.toggle("text-danger", !!isError);
    status.classList.toggle("text-secondary", !isError);
  }

  function save(form) {
    if (form.saving) { form.again = true; return form.saving; }
    form.again = false;
    window.clearTimeout(form.typing);
    say(form, "saving");
    form.saving = window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {"X-Autosave": "1"},
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") !== 0) { throw new Error("refused"); }
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (!result.ok) {
        say(form, result.body.conflicts ? "conflict" : "failed", true);
        return false;
      }
      Object.keys(result.body.shown).forEach(function (pk) {
        var input = form.elements["shown_" + pk];
        if (input) { input.value = result.body.shown[pk]; }
      });
      if (!form.again) { markClean(form); say(form, "saved"); }
      return true;
    }).catch(function () {
      say(form, "failed", true);
      return false;
    }).then(function (ok) {
      form.saving = null;
      return form.again ? save(form) : ok;
    });
    return form.saving;
  }

  autosaved.forEach(function (form) {
    // Fields placed inside the form but belonging to another (a follow-up's) are not its own.
    form.addEventListener("change", function (event) {
      if (event.target.form === form) { markDirty(form); save(form); }
    });
    form.addEventListener("input", function (event) {
      if (event.target.form !== form || event.target.type === "radio") { return; }
      markDirty(form);
      window.clearTimeout(form.typing);
      form.typing = window.setTimeout(function () { save(form); }, TYPING_PAUSE);
    });
  });

  // Every other form: note typing; before it is sent, the answers are saved first.
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && autosaved.indexOf(form) < 0) { markDirty(form); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (autosaved.indexOf(form) >= 0) {
      // Save pressed while the same answers are still being autosaved: send the form once
      // that save is done and has given the rows their new fingerprints, or the server
      // would take the user's own autosave for someone else's change (409).
      if (form.saving && !form.flushed) {
        event.preventDefault();
        var own = event.submitter;
        form.saving.then(function () {
          form.flushed = true;
          if (form.requestSubmit) { form.requestSubmit(own || undefined); } else { form.submit(); }
        });
        return;
      }
      window.clearTimeout(form.typing);  // the form sends what a pending autosave would
      markClean(form);
      return;
    }
    var pending = autosaved.filter(function (f) { return dirty.indexOf(f) >= 0 || f.saving; });
    if (!pending.length || form.flushed) { markClean(form); return; }
    event.preventDefault();
    var submitter = event.submitter;
    Promise.all(pending.map(save)).then(function (results) {
      if (results.every(Boolean)) {
        form.flushed = true;
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      }
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
