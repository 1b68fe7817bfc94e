"""“Which MAC covers me?” (/macs/): a state or territory picked from a list (a plain GET form,
htmx optional) shows its Medicare contractor, the jurisdiction and the LCD and article numbers
with links; a table of every MAC; a reusable picker partial for other forms (the wizard's).

The expected MACs, jurisdictions and document numbers are those of the fact sheet (§12)."""

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string

from coding.engine import STATES, Mac
from notes.public import STATE_NAMES

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def text(html: str) -> str:
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html)).strip()


def result(html: str) -> str:
    """The result area: from its start to the form's button (or the end of a fragment)."""
    start = html.index('<div id="mac-result"')
    end = html.find('<button type="submit">', start)
    return html[start : end if end != -1 else len(html)]


def test_it_offers_every_state_and_territory_by_name(coder):
    html = coder.get("/macs/").content.decode()
    options = re.findall(r'<option value="([A-Z]*)"[^>]*>([^<]+)</option>', html)
    assert options[0] == ("", "Choose a state or territory")
    assert len(options) == 1 + 56  # 50 states, DC and five territories
    assert ("OH", "Ohio (OH)") in options and ("VI", "U.S. Virgin Islands (VI)") in options
    assert {code for code, _ in options[1:]} == set(STATES) == set(STATE_NAMES)
    assert '<form class="mac-form"' in html and 'method="get"' in html  # works without JS


@pytest.mark.parametrize(
    ("state", "mac", "jurisdiction", "lcd", "article"),
    [
        ("OH", "CGS (J15)", "J15", "L38773", "A58364"),
        ("ky", "CGS (J15)", "J15", "L38773", "A58364"),
        ("NY", "NGS (J6, JK)", "JK", "L35936", None),
        ("GU", "Noridian (JE)", "JE", "L38801", "A58403"),
        ("AZ", "Noridian (JF)", "JF", "L38803", "A58405"),
        ("MI", "WPS (J5, J8)", "J8", "L38841", "A58477"),
        ("PA", "Novitas (JH, JL)", "JL", "L34892", "A57826"),
        ("PR", "First Coast (JN)", "JN", "L33930", "A57787"),
        ("VA", "Palmetto GBA (JJ, JM)", "JM", "L38765", "A58350"),
    ],
)
def test_it_shows_the_mac_of_a_state_with_its_documents(
    coder, state, mac, jurisdiction, lcd, article
):
    response = coder.get(f"/macs/?state={state}")
    assert response.status_code == 200
    shown = result(response.content.decode())
    assert f"<strong>{mac}</strong>" in shown
    assert f"jurisdiction {jurisdiction}" in text(shown)
    lcd_url = f"https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid={lcd[1:]}"
    assert f'<a href="{lcd_url}" rel="noopener noreferrer">{lcd}</a>' in shown
    if article:
        url = f"https://www.cms.gov/medicare-coverage-database/view/article.aspx?articleid={article[1:]}"
        assert f'<a href="{url}" rel="noopener noreferrer">{article}</a>' in shown
    else:
        assert "Billing and coding article not available" in text(shown)
    assert f'<option value="{state.upper()}" selected>' in response.content.decode()


def test_it_says_which_macs_publish_the_t12_l1_session_rule(coder):
    assert "Published by this MAC" in text(result(coder.get("/macs/?state=OH").content.decode()))
    assert "Not settled for this MAC" in text(result(coder.get("/macs/?state=TX").content.decode()))


def test_it_shows_a_confirmed_badge_only_where_a_primary_document_gave_the_numbers(coder):
    assert "Confirmed" in text(result(coder.get("/macs/?state=OH").content.decode()))
    novitas = text(result(coder.get("/macs/?state=TX").content.decode()))
    assert "Likely" in novitas and "Confirmed" not in novitas


@pytest.mark.parametrize("state", ["ZZ", "OHIO", "1", "O H"])
def test_it_answers_an_unknown_state_with_a_400_that_says_what_to_do(coder, state):
    response = coder.get("/macs/", {"state": state})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a US state or territory from the list" in text(result(html))
    assert 'aria-invalid="true"' in html


def test_it_answers_htmx_with_the_result_alone(coder):
    response = coder.get("/macs/?state=WA", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="mac-result"')
    assert "<html" not in html and "Noridian (JF)" in html
    assert "HX-Request" in response["Vary"]
    bad = coder.get("/macs/?state=XX", headers=HTMX)
    assert bad.status_code == 400 and "Choose a US state" in bad.content.decode()


def test_it_lists_every_mac_with_its_states_and_documents(coder):
    html = coder.get("/macs/").content.decode()
    table = re.search(r'<table class="macs">.*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr id="mac-([a-z-]+)">', table)
    assert rows == [
        "noridian-je",
        "noridian-jf",
        "wps",
        "ngs",
        "cgs",
        "novitas",
        "first-coast",
        "palmetto",
    ]
    shown = text(table)
    for lcd in ("L38801", "L38803", "L38841", "L35936", "L38773", "L34892", "L33930", "L38765"):
        assert lcd in shown
    assert "J5: IA, KS, MO, NE" in shown and "J8: IN, MI" in shown
    assert "JE: CA, HI, NV, AS, GU, MP" in shown
    assert 'href="/payers/matrix/#mac-cgs"' in table


def test_the_picker_partial_renders_for_another_form():
    """What the wizard's payer step includes: a select named state, the MAC of the state."""
    html = render_to_string(
        "notes/macs.html#mac-picker", {"state": "TX", "mac": Mac.NOVITAS, "jurisdiction": "JH"}
    )
    assert '<select id="mac-state"' in html and 'name="state"' in html
    assert '<option value="TX" selected>Texas (TX)</option>' in html
    assert "<strong>Novitas (JH, JL)</strong>" in html and "jurisdiction JH" in text(html)
    assert "<form" not in html and "<html" not in html
    empty = render_to_string("notes/macs.html#mac-picker", {"state": "", "mac": None})
    assert "selected" not in empty and "Billing and coding article" not in empty


# Query budget ------------------------------------------------------------------------------

REVISION = "the content revision (ETag and cache key)"
PAGE = [REVISION, "the sources of the MACs' document numbers", "the dataset version (footer)"]


@pytest.mark.parametrize("url", ["/macs/", "/macs/?state=OH"])
def test_it_serves_the_page_in_its_query_budget_then_from_the_cache(
    coder, url, django_assert_num_queries
):
    cache.clear()
    with django_assert_num_queries(len(PAGE), info="\n".join(PAGE)):
        assert coder.get(url).status_code == 200
    with django_assert_num_queries(1, info=REVISION):
        assert coder.get(url).status_code == 200


def test_it_answers_htmx_and_bad_states_in_their_query_budget(coder, django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(1, info=REVISION):  # the result alone: no footer
        assert coder.get("/macs/?state=OH", headers=HTMX).status_code == 200
    with django_assert_num_queries(len(PAGE), info="\n".join(PAGE)):
        assert coder.get("/macs/?state=ZZ").status_code == 400
    repeat = PAGE[:-1]  # a bad state is never kept; the footer's dataset is, for the revision
    with django_assert_num_queries(len(repeat), info="\n".join(repeat)):
        assert coder.get("/macs/?state=ZZ").status_code == 400


def test_it_sends_no_inline_script_or_style(coder):
    html = coder.get("/macs/?state=OH").content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html


CHOOSE = "Choose a US state or territory from the list"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("<script>fz</script>", CHOOSE),
        ("9" * 5_000, CHOOSE),
        ("é☃𝔘\u202e", CHOOSE),
        ("O\x00H", "contains a NUL byte"),  # refused at the edge, before the view
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_it_answers_malformed_states_with_a_4xx_and_never_echoes_them(
    coder, state, message, headers
):
    response = coder.get("/macs/", {"state": state}, headers=headers)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<script>fz" not in html  # escaped where the address is echoed (the sign-in link)
    assert 'value="9' not in html and "selected" not in html  # never put back into the form
