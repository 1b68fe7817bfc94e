// The auditor without this file: the corrected claim sits in a read-only field to select and
// copy. With it: a Copy button next to that field, also after htmx swaps a new audit in.
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
      field.focus();
      field.select();
      say(statusId, "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
    };
    if (!navigator.clipboard) {
      selectForManualCopy();
      return;
    }
    navigator.clipboard.writeText(field.value).then(function () {
      say(statusId, "Copied: " + field.value);
    }, selectForManualCopy);
  });
})();
