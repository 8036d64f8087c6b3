// The events page: choosing a kind filters at once (the form's button does it without JS).
(function () {
  "use strict";
  const form = document.getElementById("events-filter");
  if (!form) return;
  const select = form.querySelector("select[name=kind]");
  select.addEventListener("change", function () { form.submit(); });
})();
