// The portal's own script: the pages work without it; it only keeps secrets from lingering.
// A secret on the page (the install code on the reveal page, a webhook secret just made) is
// blanked when the page is left, so neither the back button nor the browser's back-forward cache
// can show it again. (No reload: these pages answer a POST, which a reload would send again.)
(function () {
  "use strict";
  function blank() {
    document.querySelectorAll("[data-secret]").forEach(function (el) {
      el.textContent = "(hidden: it is shown only once)";
    });
  }
  window.addEventListener("pagehide", blank);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { blank(); }
  });
})();
