"""Every page's frame: the header's menu marks the section the page is in, as rendered once per
process and section (codes/templatetags/frame.py)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def current(html: str) -> list[str]:
    """The names of the menu's links marked as the current page."""
    menu = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    return re.findall(r'aria-current="page">([^<]+)</a>', menu)


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", ["Codes"]),
        ("/search?q=lumbar", ["Codes"]),
        ("/codes/64493/", ["Codes"]),
        ("/wizard/", ["Wizard"]),
        ("/read/", ["Read a note"]),
        ("/check/", ["History check"]),
        ("/audit/", ["Audit a claim"]),
        ("/quiz/", ["Quiz"]),
        ("/quiz/join", ["Quiz"]),
        ("/payers/medicare/", ["Payers"]),
        ("/modifiers/", []),
        ("/sources/", []),
    ],
)
def test_the_menu_marks_the_section_of_the_page(coder, path, section):
    # Every section in turn from one cache: a menu kept for one section is never shown in another.
    for other in ("/quiz/", "/wizard/", "/modifiers/", "/"):
        coder.get(other)
    assert current(coder.get(path).content.decode()) == section
