// The wizard without this file: the claim lines sit in a read-only field to select and copy.
// With it: a Copy button. It also lets htmx swap in the wizard's 400 answers (the step again,
// with what is wrong), which htmx would otherwise drop.
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

  // A 400 from the wizard is the step again with what is wrong: swap it in like any step.
  // htmx drops 4xx answers by default, and in development django-htmx would show them as an
  // error page instead; this listener runs first (capture phase) and keeps them to htmx.
  function isWizardStepWithError(event) {
    var detail = event.detail;
    return detail.xhr.status === 400 && detail.target && detail.target.id === "wizard";
  }

  document.addEventListener(
    "htmx:beforeOnLoad",
    function (event) {
      if (isWizardStepWithError(event)) {
        event.stopPropagation();
      }
    },
    true
  );
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isWizardStepWithError(event)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
