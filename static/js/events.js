// Events: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  // Guests field: keep the number inside the allowed range as people type.
  document.querySelectorAll('input[name="guests"][max]').forEach(function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("max"), 10);
      var value = parseInt(input.value, 10);
      if (isNaN(value) || value < 0) { input.value = 0; }
      else if (value > max) { input.value = max; }
    });
  });
  // Avoid double submits of an answer on slow phone connections.
  document.querySelectorAll("form.ev-rsvp-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
