/* The checkout's live parts: the countdown, status polling with in-place updates, the
   return redirect, the sandbox panel and opening a refund link (copy buttons and the
   language switcher are js/gateway.js's, loaded before this). The server renders every
   state; without this script the page still shows what to pay and where. */
(function () {
  "use strict";

  var POLL_MS = 3000, MAX_BACKOFF_MS = 30000, RETURN_SECONDS = 5;
  var root, pollTimer, tickTimer, returnTimer, failures = 0, autoReturn = false;

  var announce = window.gateway.announce, showCopyButtons = window.gateway.showCopyButtons;

  /* The countdown: from the seconds the server counted, not the device's clock. */
  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function startCountdown() {
    clearInterval(tickTimer);
    var el = root && root.querySelector("[data-countdown]");
    if (!el) { return; }
    var end = Date.now() + parseInt(el.getAttribute("data-countdown"), 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = clock(left);
      el.closest(".timer").classList.toggle("urgent", left < 120);
      if (left === 0) { clearInterval(tickTimer); poll(); }
    };
    tick();
    tickTimer = setInterval(tick, 1000);
  }

  /* Polling: the status endpoint says when the page would look different; then the page is
     fetched again and its card swapped in, so there is one renderer: the server. */
  function schedule(ms) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, ms);
  }

  function poll() {
    if (!root || root.getAttribute("data-final") === "1") { return; }
    if (document.hidden) { return; }  // resumes on visibilitychange
    check().then(function () { failures = 0; }, function () { failures += 1; }).then(function () {
      schedule(Math.min(POLL_MS * Math.pow(2, failures), MAX_BACKOFF_MS));
    });
  }

  function check() {
    return fetch(root.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (status) {
        if (status.state !== root.getAttribute("data-state")) { return refresh(status); }
      });
  }

  function refresh(status) {
    var url = location.pathname + location.search;
    return fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("checkout");
        if (!next) { return; }
        var screenChanged = status.screen !== screenOf(root);
        if (status.final && root.getAttribute("data-final") !== "1") { autoReturn = true; }
        root.replaceWith(next);
        root = next;
        announce([status.message, enhance(root)].join(" "));
        if (screenChanged) {
          var title = document.getElementById("title");
          var lost = !document.activeElement || document.activeElement === document.body;
          if (title && lost) { title.focus({ preventScroll: true }); }  // focus was in the old card
          document.title = (title ? title.textContent + " · " : "") + document.title.split(" · ").pop();
        }
      });
  }

  function screenOf(el) {
    var screen = el.querySelector(".screen");
    var match = screen && screen.className.match(/screen-([a-z_]+)/);
    return match ? match[1] : "";
  }

  /* Back to the merchant a few seconds after the invoice ends while the page was open; a
     page opened after the end (a receipt looked up later) stays put. */
  function startReturn() {
    clearInterval(returnTimer);
    var box = root.querySelector("[data-return]");
    if (!box || !autoReturn) { return ""; }
    var line = box.querySelector(".return-auto"), text = box.querySelector("[data-return-text]");
    var left = RETURN_SECONDS;
    var render = function () {
      text.textContent = text.getAttribute("data-return-text").replace("{seconds}", left);
    };
    line.hidden = false;
    render();
    returnTimer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(returnTimer);
        location.assign(box.getAttribute("data-return"));
      } else {
        render();
      }
    }, 1000);
    box.querySelector("[data-stay]").addEventListener("click", function () {
      clearInterval(returnTimer);
      line.hidden = true;
    });
    return text.textContent;
  }

  /* Returns what a screen reader should hear besides the status: the coming redirect. */
  function enhance(scope) {
    showCopyButtons(scope);
    startCountdown();
    return startReturn();
  }

  /* The sandbox panel: submit in the background, then let the poller show the result. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-async") || !window.fetch) { return; }
    event.preventDefault();
    var data = new FormData(form, event.submitter);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return check(); })
      .then(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        schedule(POLL_MS);
      }, function () {  // let the server show what went wrong, as without script
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = event.submitter.name;
        input.value = event.submitter.value;
        form.appendChild(input);
        form.submit();
      });
  });

  /* The receipt: the browser's print dialog, which also saves it as PDF (checkout.css's
     print rules leave the receipt alone on the page). */
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { poll(); }
  });

  /* The refund link carries its code after "#", which no server ever receives: post it,
     and drop it from the address bar and the history first. */
  function openRefund() {
    var form = document.querySelector("form[data-refund-code]");
    var code = window.location.hash.slice(1);
    if (!form || !code || form.querySelector("[aria-invalid]")) { return; }
    try { code = decodeURIComponent(code); } catch (e) { return; }
    window.history.replaceState(null, "", window.location.pathname);
    form.elements.token.value = code;
    form.hidden = true;
    document.querySelector(".opening").hidden = false;
    form.submit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    openRefund();
    root = document.getElementById("checkout");
    if (!root) { return; }
    enhance(root);
    schedule(POLL_MS);
  });
})();
