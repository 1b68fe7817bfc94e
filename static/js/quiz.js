// Quiz pages: the projector's "copy the join link" button. Without script the link is still
// printed on the page, so the button stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) {
      return;
    }
    var status = button.parentElement.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(
        function () {
          if (status) {
            status.textContent = button.dataset.copied;
          }
        },
        function () {
          if (status) {
            status.textContent = "Copy failed: select the link above and copy it.";
          }
        }
      );
    });
  });
})();

// The certificate's print button: the browser's own print dialog.
(function () {
  "use strict";
  document.querySelectorAll("button.print-page").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
