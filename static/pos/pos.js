/* The point of sale: a keypad (or products), a tip, Charge → the checkout in a frame → Paid.
   Amounts are integers of minor units (BigInt), never floats; the server computes the
   invoice's amount again from the same decimal string, so this page only shows it. */
(function () {
  "use strict";
  var root = document.getElementById("pos");
  if (!root) return;
  var decimals = parseInt(root.getAttribute("data-decimals"), 10) || 0;
  var separator = root.getAttribute("data-separator") || ".";
  var entry = "";      // what was typed, e.g. "12.34"
  var cart = {};       // product position -> quantity
  var pressKey = null; // one per sale: a double tap or a retry sends the same key
  var busy = false, poll = null, audio = null;
  var $ = function (id) { return document.getElementById(id); };

  function units(text) {
    var parts = text.split(".");
    var fraction = (parts[1] || "").padEnd(decimals, "0");
    return BigInt(parts[0] || "0") * 10n ** BigInt(decimals) + BigInt(fraction || "0");
  }
  function decimal(value) {  // minor units -> "12.34"
    var text = value.toString().padStart(decimals + 1, "0");
    return decimals ? text.slice(0, -decimals) + "." + text.slice(-decimals) : text;
  }
  function shown(value) { return decimal(value).replace(".", separator); }
  function cartUnits() {
    var total = 0n;
    document.querySelectorAll(".pos-product").forEach(function (button) {
      var quantity = cart[button.getAttribute("data-index")] || 0;
      total += BigInt(button.getAttribute("data-units")) * BigInt(quantity);
    });
    return total;
  }
  function subtotal() { return Object.keys(cart).length ? cartUnits() : units(entry || "0"); }
  function tip() {
    var checked = document.querySelector("input[name=tip]:checked");
    return checked ? checked.value : "";
  }
  function tipUnits(value) {  // percent of value, rounded up, as the server does
    var percent = tip();
    if (!percent) return 0n;
    var places = (percent.split(".")[1] || "").length;
    var numerator = value * BigInt(percent.replace(".", ""));
    var denominator = 100n * 10n ** BigInt(places);
    return (numerator + denominator - 1n) / denominator;
  }
  function render() {
    var value = subtotal();
    $("pos-amount").textContent = Object.keys(cart).length || !entry
      ? shown(value) : entry.replace(".", separator);
    document.querySelectorAll(".pos-product").forEach(function (button) {
      var badge = button.querySelector("[data-quantity]");
      var quantity = cart[button.getAttribute("data-index")] || 0;
      badge.hidden = !quantity;
      badge.textContent = "× " + quantity;
    });
    var line = $("pos-total-line");
    if (line) {
      var extra = tipUnits(value);
      line.hidden = !extra;
      $("pos-total").textContent = shown(value + extra);
    }
    $("pos-charge").disabled = busy || value <= 0n;
  }
  function edited() { pressKey = null; $("pos-error").hidden = true; render(); }

  function press(key) {
    cart = {};
    if (key === "back") entry = entry.slice(0, -1);
    else if (key === ".") { if (decimals && entry.indexOf(".") < 0) entry = (entry || "0") + "."; }
    else {
      var fraction = entry.split(".")[1];
      if (fraction !== undefined && fraction.length >= decimals) return;
      if (entry.replace(".", "").length >= 12) return;
      entry = entry === "0" ? key : entry + key;
    }
    edited();
  }
  document.querySelectorAll(".pos-key").forEach(function (button) {
    button.addEventListener("click", function () { press(button.getAttribute("data-key")); });
  });
  document.querySelectorAll(".pos-product").forEach(function (button) {
    button.addEventListener("click", function () {
      var index = button.getAttribute("data-index");
      entry = "";
      cart[index] = Math.min((cart[index] || 0) + 1, 99);
      edited();
    });
  });
  document.querySelectorAll("input[name=tip]").forEach(function (input) {
    input.addEventListener("change", edited);
  });
  $("pos-clear").addEventListener("click", function () { entry = ""; cart = {}; edited(); });
  document.addEventListener("keydown", function (event) {
    if (!$("keypad-view").hidden && /^[0-9]$/.test(event.key)) press(event.key);
    else if (!$("keypad-view").hidden && (event.key === "." || event.key === ",")) press(".");
    else if (!$("keypad-view").hidden && event.key === "Backspace") press("back");
  });

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function tone() {  // a short rising two-note chime, made here: no sound file to fetch
    if (!audio) return;
    [[880, 0], [1320, 0.16]].forEach(function (note) {
      var osc = audio.createOscillator(), gain = audio.createGain(), at = audio.currentTime + note[1];
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(at); osc.stop(at + 0.32);
    });
  }
  function show(view) {
    ["keypad-view", "pay-view", "paid-view"].forEach(function (id) { $(id).hidden = id !== view; });
  }
  function keypad() {
    clearInterval(poll); poll = null;
    $("pos-frame").removeAttribute("src");
    entry = ""; cart = {}; busy = false;
    show("keypad-view"); edited();
  }
  function paid(price) {
    clearInterval(poll); poll = null;
    $("pos-paid-amount").textContent = price.replace(".", separator);
    show("paid-view");
    tone();
    setTimeout(keypad, 4000);
  }
  function watch(sale) {
    poll = setInterval(function () {
      fetch(sale.status_url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || !poll) return;
          if (body.state === "paid") paid(sale.price);
          else if (body.state === "over") { keypad(); $("pos-over").hidden = false; }
        })
        .catch(function () {});
    }, 2000);
  }
  $("pos-charge").addEventListener("click", function () {
    if (busy) return;
    var AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!audio && AudioContext) audio = new AudioContext();  // allowed: inside the tap
    if (audio && audio.state === "suspended") audio.resume();
    pressKey = pressKey || newKey();
    var body = { key: pressKey, tip: tip() };
    if (Object.keys(cart).length) body.items = cart; else body.amount = decimal(subtotal());
    busy = true; render();
    $("pos-over").hidden = true;
    fetch(root.getAttribute("data-charge-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": document.querySelector("input[name=csrfmiddlewaretoken]").value
      },
      body: JSON.stringify(body)
    })
      .then(function (response) { return response.json(); })
      .then(function (sale) {
        if (sale.error) throw new Error(sale.error.message);
        $("pos-frame").src = sale.checkout_url;
        show("pay-view");
        watch(sale);
      })
      .catch(function (error) {
        busy = false;
        $("pos-error").textContent = error.message;
        $("pos-error").hidden = false;
        render();
      });
  });
  $("pos-cancel").addEventListener("click", keypad);
  render();
})();
