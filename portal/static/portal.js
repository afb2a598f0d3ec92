// The portal's own script: the pages work without it; it only keeps secrets from lingering.
// An install code on the reveal page is blanked when the page is left, so neither the back
// button nor the browser's back-forward cache can show it again.
(function () {
  "use strict";
  function blank() {
    document.querySelectorAll("[data-secret]").forEach(function (el) { el.textContent = ""; });
  }
  window.addEventListener("pagehide", blank);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.body.hasAttribute("data-secret-page")) {
      blank();
      window.location.reload();
    }
  });
})();
