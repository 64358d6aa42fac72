/* What every page's script does: the "js" class (styles hide what the script replaces),
   copy buttons, the dashboard's menu button and selects that submit their form when
   changed. The checkout adds its live parts in checkout/checkout.js, which uses announce
   and showCopyButtons from here. */
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

  /* The dashboard's menu button (phones): opens and closes the navigation. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button");
    if (!button) { return; }
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.closest(".topbar").classList.toggle("menu-open", open);
  });

  /* The payment-link form: only the price fields of the chosen pricing. */
  function showPricing(form) {
    var chosen = form.querySelector('input[name="pricing"]:checked');
    if (!chosen) { return; }
    form.querySelectorAll("[data-pricing]").forEach(function (fields) {
      fields.hidden = fields.getAttribute("data-pricing") !== chosen.value;
    });
  }

  /* A date and time typed in the browser's time zone: the server stores UTC and renders a
     stored time in UTC, shown here in the local zone; the hidden field tells the server the
     zone, and the hint says which. A form sent back with errors keeps what was typed. */
  function localTimes(scope) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var text = document.getElementById("in-zone");
    if (!zone) { return; }
    scope.querySelectorAll("[data-timezone-of]").forEach(function (hidden) {
      var input = document.getElementById(hidden.getAttribute("data-timezone-of"));
      if (!hidden.value && input.value) {
        var at = new Date(input.value + "Z");
        var pad = function (n) { return String(n).padStart(2, "0"); };
        input.value = at.getFullYear() + "-" + pad(at.getMonth() + 1) + "-" + pad(at.getDate()) +
          "T" + pad(at.getHours()) + ":" + pad(at.getMinutes());
      }
      hidden.value = zone;
      var hint = input.closest(".form-field").querySelector(".hint");
      if (hint && text) { hint.textContent = text.content.textContent.replace("{zone}", zone); }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit")) { event.target.form.submit(); }
    if (event.target.name === "pricing") { showPricing(event.target.form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showCopyButtons(document);
    document.querySelectorAll("form").forEach(showPricing);
    localTimes(document);
  });

  window.gateway = { announce: announce, showCopyButtons: showCopyButtons };
})();
