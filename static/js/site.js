// Pressing "/" anywhere outside a form field moves the focus to the search box:
// the one in the page when there is one, otherwise the one in the header.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const target = event.target;
  if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) {
    return;
  }
  const box =
    document.querySelector("main input[type=search]") || document.getElementById("site-search");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// With DEBUG on (`make run`), django-htmx's debug script shows the answer to an htmx request
// that failed with 400, 403 or 404 as a whole page, for Django's error pages. Ours are messages
// made to be swapped in (a wizard step, a quiz answer): caught here first (window, capturing),
// they are swapped as in production. A 500 still shows Django's debug page.
window.addEventListener(
  "htmx:beforeOnLoad",
  (event) => {
    const status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.stopPropagation();
    }
  },
  true,
);
