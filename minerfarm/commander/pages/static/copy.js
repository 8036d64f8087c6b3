// Copy buttons: <button data-copy="ID"> copies the text of the element with that id and says
// so in the element "ID-copied" (aria-live). navigator.clipboard needs a secure context and
// the browser's permission; where it is missing or refused, the text is selected instead
// (and copied the old way where the browser still allows it), so Ctrl+C copies it.
// The buttons come hidden and are shown here, once a click on them does something: a button
// clicked before this script ran (a slow link) or where it never runs would do nothing.
document.addEventListener("click", function (event) {
  "use strict";
  const button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const status = document.getElementById(button.dataset.copy + "-copied");
  const text = source.textContent.trim();

  function say(message) {
    if (status) status.textContent = message;
  }

  function selectIt() {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(copied ? "Copied." : "Selected: press Ctrl+C (Cmd+C on a Mac) to copy.");
  }

  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { say("Copied."); }, selectIt);
  } else {
    selectIt();
  }
});

document.querySelectorAll("button[data-copy]").forEach(function (button) {
  "use strict";
  button.hidden = false;
});
