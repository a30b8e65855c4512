/* The sharing page's "Copy link" buttons: the clipboard API where the page may use it (HTTPS or localhost),
 * else the browser's copy command on the selected link; when both are refused, the link stays selected in
 * its text field for Ctrl+C.  No domain state, no fetch(): a button names the field it copies
 * (data-copy-field="<id>"). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function say(button, text) {
    var note = button.parentNode.querySelector(".copied-note");
    if (note) note.textContent = text;
  }

  function selectField(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }

  function fallback(button, field) {
    selectField(field);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    say(button, copied ? "Copied." : "Press Ctrl+C (⌘C) to copy the selected link.");
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-copy-field]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyField);
    if (!field) return;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(button, "Copied."); },
        function () { fallback(button, field); }
      );
    } else {
      fallback(button, field);
    }
  });

  // a click in a link's field selects all of it, ready to copy by hand
  document.addEventListener("focusin", function (evt) {
    if (evt.target.matches && evt.target.matches("input[data-share-link]")) selectField(evt.target);
  });
})();
