// Forms that ask first: <form data-confirm="question"> (a static file: the CSP allows no
// inline on* handlers).
document.addEventListener("submit", function (event) {
  "use strict";
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
