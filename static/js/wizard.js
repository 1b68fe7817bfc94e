// The wizard without this file: the claim lines sit in a read-only field to select and copy,
// and each side on the spine diagram is a link to the step with that side switched.
// With it: a Copy button next to that field, and a side picked on the diagram switches the
// matching list below, whose change sends the whole form: picks made in quick succession all
// count, where each link alone would carry the picks as they were before the other.
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

  var SWITCHED = {
    L: { "": "L", L: "", R: "B", B: "R" },
    R: { "": "R", R: "", L: "B", B: "L" },
  };

  // Capturing: before htmx follows the link itself.
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target.closest(".wizard-sites a.facet");
      var parts = link && /^edit-(.+)-([LR])$/.exec(link.id);
      var select = parts && document.getElementById("id-" + parts[1]);
      if (!select || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      select.value = SWITCHED[parts[2]][select.value];
      link.classList.toggle("is-picked");
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
    true,
  );

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
