"""Payer note text is a small Markdown subset (links, lists, emphasis), rendered sanitised:
no script, event handler or javascript: link ever reaches a page."""

import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from codes.templatetags.facet import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from notes.models import PayerNote

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<details open ontoggle=alert(1)>",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "<<script>script>alert(1)<</script>/script>",
]


class Tags(HTMLParser):
    """Every tag and attribute of an HTML fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def link_scheme(href: str) -> str | None:
    """The scheme a browser reads from an href (WHATWG URL parsing: surrounding control
    characters and spaces dropped, tabs and newlines removed); None for a relative link."""
    url = href.strip("".join(map(chr, range(0x21)))).translate({9: None, 10: None, 13: None})
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else None


def assert_safe(html: str) -> None:
    """Only the allowed tags and attributes, and links a browser opens as http(s) or mail."""
    for tag, attrs in Tags(html).tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, name)
            if name == "href":
                assert link_scheme(value) in {None, "http", "https", "mailto"}, value


@pytest.mark.parametrize("attack", ATTACKS)
def test_it_never_lets_scripts_handlers_or_javascript_links_through(attack):
    html = render_markdown(f"Before. {attack} After.")
    assert_safe(html)
    lowered = html.lower()
    for needle in ("<script", "onerror", "onload", "onclick", "ontoggle", "javascript:"):
        assert needle not in lowered, needle
    assert "Before." in html


@given(
    st.lists(
        st.sampled_from(ATTACKS + ["*em*", "**strong**", "- item\n", "[ok](https://a.example)"])
        | st.text(max_size=20),
        max_size=8,
    )
)
@settings(max_examples=200, deadline=None)
def test_it_keeps_any_mix_of_text_and_attacks_safe(pieces):
    assert_safe(render_markdown(" ".join(pieces)))


def test_it_renders_links_lists_and_emphasis():
    html = render_markdown(
        "Covered *only* with **prior authorization**:\n\n"
        "- first level\n- second level\n\n"
        "See [the LCD](https://www.cms.gov/medicare-coverage-database/)."
    )
    assert "<em>only</em>" in html
    assert "<strong>prior authorization</strong>" in html
    assert "<ul>\n<li>first level</li>\n<li>second level</li>\n</ul>" in html
    assert (
        '<a href="https://www.cms.gov/medicare-coverage-database/" '
        'rel="noopener noreferrer nofollow">the LCD</a>'
    ) in html


def test_it_keeps_the_words_of_removed_markup_as_text():
    html = render_markdown('Limit <b onclick="x()">two</b> sessions.')
    assert "two" in html and "<b" not in html


def test_it_sanitises_through_the_template_filter():
    template = Template("{% load facet %}{{ text|markdown }}")
    html = template.render(Context({"text": "[x](javascript:alert(1)) <script>bad()</script>"}))
    assert_safe(html)


@pytest.mark.django_db
def test_it_keeps_injected_markup_of_a_note_off_the_public_pages(client):
    note = PayerNote.objects.published().filter(codes__isnull=False).order_by("key").first()
    note.text = "Visible words. " + " ".join(ATTACKS)
    note.save()
    for url in (note.codes.first().get_absolute_url(), note.payer.get_absolute_url()):
        page = client.get(url)
        assert page.status_code == 200
        # The note's rendered text, on the page as a coder sees it.
        text = re.search(
            rf'id="note-{note.key}">.*?<div class="prose">(.*?)</div>', page.content.decode(), re.S
        ).group(1)
        assert "Visible words." in text
        assert_safe(text)
        for needle in ("<script", "onerror", "onload", "onclick", "ontoggle", "javascript:"):
            assert needle not in text.lower(), (url, needle)


def test_it_renders_a_list_written_straight_after_a_line_of_text():
    html = render_markdown("Covered diagnoses:\n- M47.816\n- M47.817\n\nCheck each MAC.")
    assert "<p>Covered diagnoses:</p>" in html
    assert "<ul>\n<li>M47.816</li>\n<li>M47.817</li>\n</ul>" in html
    assert "<p>Check each MAC.</p>" in html
