// Copy buttons for claim lines, on any page that loads this file: without it the lines sit in
// read-only output to select and copy; with it, each [data-copy] button (hidden in the HTML)
// shows and copies the text of the element it names, also after htmx swaps new lines in.
(function () {
  "use strict";

  function revealCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function say(statusId, message) {
    var status = document.getElementById(statusId);
    if (status) {
      status.textContent = message;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    revealCopyButtons(document);
  });
  document.addEventListener("htmx:load", function (event) {
    revealCopyButtons(event.target);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.dataset.copy);
    var statusId = button.dataset.copyStatus;
    if (!field) {
      return;
    }
    var selectForManualCopy = function () {
      if (field.select) {
        field.focus();
        field.select();
      } else {
        var range = document.createRange();
        range.selectNodeContents(field);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }
      say(statusId, "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
    };
    if (!navigator.clipboard) {
      selectForManualCopy();
      return;
    }
    var text = field.value !== undefined ? field.value : field.textContent;
    navigator.clipboard.writeText(text).then(function () {
      say(statusId, "Copied: " + text);
    }, selectForManualCopy);
  });
})();
