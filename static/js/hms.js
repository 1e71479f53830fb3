/* Small behaviours shared by every page, bound by data attributes instead of inline handlers
   (the Content-Security-Policy allows no inline script):
   data-confirm on a form or submit button asks before sending, data-autosubmit on a field sends
   its form when it changes, data-print prints the page, data-back goes back in the history
   (its href is the way when there is none), data-scroll-to opens the page at that element. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], a[data-back]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  function scrollToFocus() {
    var marker = document.querySelector("[data-scroll-to]");
    var target = marker && document.getElementById(marker.dataset.scrollTo);
    if (target) { target.scrollIntoView({behavior: "instant"}); }
  }
  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    var target = summary || document.querySelector("main .is-invalid:not([type=hidden])");
    if (target) { target.focus(); }
  }
  function onLoad() { scrollToFocus(); focusErrors(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
})();
