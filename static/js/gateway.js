/* What every page's script does: the "js" class (styles hide what the script replaces),
   copy buttons and selects that submit their form when changed. The checkout adds its live
   parts in checkout/checkout.js, which uses announce and showCopyButtons from here. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function announce(text) {
    var region = document.getElementById("announcer");
    if (region) { region.textContent = ""; region.textContent = text; }
  }

  /* Copy buttons: shown only when they can work. */
  function showCopyButtons(scope) {
    if (!navigator.clipboard && !document.queryCommandSupported) { return; }
    scope.querySelectorAll("[data-copy]").forEach(function (b) { b.hidden = false; });
  }

  function copy(button) {
    var text = button.getAttribute("data-copy");
    var done = function () {
      var label = button.textContent;
      button.classList.add("copied");
      button.textContent = button.getAttribute("data-copied");
      announce(button.textContent);
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } finally { area.remove(); }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) { copy(button); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit")) { event.target.form.submit(); }
  });

  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });

  window.gateway = { announce: announce, showCopyButtons: showCopyButtons };
})();
