from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from codes.caching import kept, revision
from codes.models import Dataset

# The header menu's sections: (name, URL name, label).
SECTIONS = (
    ("codes", "codes:home", "Codes"),
    ("wizard", "coding:wizard", "Wizard"),
    ("reader", "coding:reader", "Read a note"),
    ("check", "coding:check", "History check"),
    ("audit", "coding:audit", "Audit a claim"),
    ("quiz", "quiz:list", "Quiz"),
    ("payers", "codes:payers", "Payers"),
)


def section(path: str) -> str:
    """The main section a path belongs to, as the header's menu marks it ('' for none)."""
    if path in ("/", "/search") or path.startswith("/codes/"):
        return "codes"
    if path.startswith("/wizard/"):
        return "wizard"
    exact = {"/read/": "reader", "/check/": "check", "/audit/": "audit"}
    if path in exact:
        return exact[path]
    for prefix, name in (("/quiz/", "quiz"), ("/payers/", "payers")):
        if path.startswith(prefix):
            return name
    return ""


def latest_dataset() -> Dataset | None:
    return Dataset.objects.order_by("-pk").first()


def frame(request: HttpRequest) -> dict:
    """What every page's frame (base.html) needs:

    - `dataset`: the loaded dataset's version and date, kept for the content revision (loading
      a dataset moves it on): a template that reads it costs the revision's query, which the
      reference and quiz pages read anyway, and on a miss one more;
    - `site_section`: the menu's section this page is in, which the menu rendered once per
      section marks (codes/templatetags/frame.py).
    """
    return {
        "dataset": SimpleLazyObject(lambda: kept(revision(request), "dataset", latest_dataset)),
        "site_section": section(request.path),
    }
