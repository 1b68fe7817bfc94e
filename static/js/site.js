// Pressing "/" anywhere outside a form field moves the focus to the search box:
// the one in the page when there is one, otherwise the one in the header (opening the
// phone's menu when it holds it).
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
    const menu = box.closest("details");
    if (menu) {
      menu.open = true;
    }
    box.focus();
    box.select();
  }
});

// The header's menu: a button that opens it on a phone (a <details>, which works without
// this script); kept open as a row on wider screens.
const wideScreen = window.matchMedia("(min-width: 75rem)");
function layOutMenu() {
  const menu = document.getElementById("site-menu");
  if (menu) {
    menu.open = wideScreen.matches;
  }
}
wideScreen.addEventListener("change", layOutMenu);
document.addEventListener("DOMContentLoaded", layOutMenu);

// Payer notes, one payer at a time (<details name="payer">): the payer last opened is
// remembered in this browser and opened again on the next code page, unless the address
// names another one (#payer-aetna).
const PAYER_KEY = "facetcoder.payer";
function rememberedPayer() {
  try {
    return window.localStorage.getItem(PAYER_KEY);
  } catch {
    return null; // storage switched off: nothing remembered
  }
}
function openPayer(root) {
  const wanted = window.location.hash.slice(1) || rememberedPayer();
  const chosen = wanted && root.querySelector(`details.payer[id="${CSS.escape(wanted)}"]`);
  if (chosen && !root.querySelector("details.payer[open]")) {
    chosen.open = true;
  }
}
document.addEventListener("DOMContentLoaded", () => {
  for (const root of document.querySelectorAll(".payer-tabs")) {
    openPayer(root);
  }
});
document.addEventListener(
  "toggle",
  (event) => {
    const details = event.target;
    if (details instanceof HTMLDetailsElement && details.matches(".payer") && details.open) {
      try {
        window.localStorage.setItem(PAYER_KEY, details.id);
      } catch {
        // storage switched off: nothing to remember
      }
    }
  },
  true,
);
// A link to something folded away (#modifier-KX, #payer-aetna) unfolds it.
function openTarget() {
  const id = window.location.hash.slice(1);
  const target = id && document.getElementById(id);
  const details = target && target.closest("details");
  if (details) {
    details.open = true;
  }
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);

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
