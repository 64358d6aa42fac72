/* The authorize flow's hand-off: post the new key to the application at once (the button
   stays for a browser without scripts). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
