// Forms that ask first: <form data-confirm="question"> (a static file: the CSP allows no
// inline on* handlers).
document.addEventListener("submit", function (event) {
  "use strict";
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// A confirmation ("Renamed.") comes as ?done=... after a form's redirect: shown once, so the
// flag leaves the address bar (a reload or a bookmark does not say it again).
(function () {
  "use strict";
  const url = new URL(window.location.href);
  if (!url.searchParams.has("done")) return;
  url.searchParams.delete("done");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
})();
