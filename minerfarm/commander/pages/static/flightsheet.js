// The flight sheet without a round trip: choosing a coin hides the wallets, pools and miners
// of other coins (each option's data-coins). Without this script the server does the same
// when the form is submitted (a static file: the CSP allows no inline script).
(function () {
  "use strict";
  function filter(form, changed) {
    const coin = form.querySelector("[data-flight-coin]").value;
    form.querySelectorAll("option[data-coins]").forEach(function (option) {
      // On load the page keeps what the server kept (a selection shown with its error).
      const fits = !coin || option.dataset.coins.split(" ").indexOf(coin) >= 0 ||
        (!changed && option.selected);
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) option.parentElement.value = "";
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-flight-coin]")) filter(event.target.form, true);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-flight-coin]").forEach(function (select) { filter(select.form, false); });
  });
}());
