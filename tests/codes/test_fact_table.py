"""A small table of facts copied by hand from the fact sheet (shared/reference/facts.md),
checked against what the app shows in its code API and on its pages (issue 16, item 7).

Each row names its section of the fact sheet; nothing here is computed by the code under test.
"""

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db

# code: (add-on?, primary codes, max per day, confidence tag), §1 and §3 of the fact sheet.
CODES = {
    "64490": (False, [], None, "C"),  # §1 [C] CA, NorPA
    "64491": (True, ["64490"], None, "C"),  # §1: 64491 with 64490
    "64492": (True, ["64490", "64491"], 1, "C"),  # §1: once per day
    "64493": (False, [], None, "C"),  # §1 [C] NorPA
    "64494": (True, ["64493"], None, "C"),  # §1: 64494 with 64493
    "64495": (True, ["64493", "64494"], 1, "C"),  # §1: once per day
    "64633": (False, [], None, "L"),  # §3 [L] justmypassion + pattern
    "64634": (True, ["64633"], None, "L"),  # §3 [L], several units allowed
    "64635": (False, [], None, "C"),  # §3 [C] CA
    "64636": (True, ["64635"], None, "C"),  # §3 [C] CA, several units allowed
}


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html))


@pytest.mark.parametrize(("code", "fact"), CODES.items())
def test_it_shows_each_code_as_the_fact_sheet_has_it(coder, code, fact):
    add_on, primaries, max_per_day, tag = fact
    data = coder.get(f"/api/codes/{code}").json()
    assert data["add_on"] is add_on
    assert sorted(data["primary_codes"]) == primaries
    assert data["max_per_day"] == max_per_day
    assert data["confidence"] == tag


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("64495", "64495"),  # §10.3: the third lumbar level is 64495, not 64494
        ("64636", "several units are allowed"),  # §3: 64636 per additional joint
        ("64493", "Replaced 64470-64476"),  # §1: created 2010, replacing 64470-64476
        ("64633", "Replaced 64622, 64623, 64626, 64627"),  # §3: replacing 64622/23/26/27
    ],
)
def test_it_shows_the_fact_on_the_code_page(coder, code, text):
    assert text in page_text(coder, f"/codes/{code}/")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        # §5 [C] NorQA: 64492/64495 non-covered, paid on appeal only.
        ("64492 and 64495 are non-covered", "C"),
        # §12 [L]: MAC jurisdictions by state.
        ("CGS J15: KY, OH", "L"),
        # §5 [L]: CGS effective date from one secondary site.
        ("took effect on 2 May 2021", "L"),
        # §4 [L]: ASC facility claims use RT/LT lines.
        ("ASC", "L"),
    ],
)
def test_it_tags_medicare_notes_as_the_fact_sheet_does(coder, text, tag):
    notes = [
        note
        for code in ("64493", "64495")
        for note in coder.get(f"/api/codes/{code}").json()["payer_notes"]
    ]
    matching = [n for n in notes if n["payer_slug"] == "medicare" and text in n["text"]]
    assert matching, text
    assert {n["confidence"] for n in matching} == {tag}
