"""Citations name the primary document (issue 16, item 1; facts.md "How the app cites").

A secondary copy (a forum post, a code-lookup site, a public repository) is shown only as "as
quoted in …" under its primary; it is never the only source beside a Confirmed badge, and the
app's own fact sheet is no source at all.
"""

import re
from html import unescape

import pytest

from codes.models import (
    Code,
    Confidence,
    DiagnosisLink,
    Misconception,
    Modifier,
    ModifierGuidance,
    Relation,
    Rule,
    Source,
    Taxonomy,
)
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

SECONDARY = {"secondary", "seed"}


def text(response) -> str:
    assert response.status_code == 200
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html))


@pytest.mark.parametrize(
    "model",
    [Code, Relation, Modifier, ModifierGuidance, Taxonomy, DiagnosisLink, Rule, Misconception],
)
def test_it_backs_no_confirmed_fact_with_secondary_sources_alone(model):
    confirmed = model.objects.filter(confidence=Confidence.CONFIRMED).prefetch_related("sources")
    assert confirmed
    only_secondary = [
        str(fact) for fact in confirmed if {s.kind for s in fact.sources.all()} <= SECONDARY
    ]
    assert only_secondary == []


def test_it_backs_no_confirmed_payer_note_with_a_secondary_source():
    notes = PayerNote.objects.filter(confidence=Confidence.CONFIRMED).select_related("source")
    assert notes
    assert [n.key for n in notes if n.source.kind in SECONDARY] == []


def test_it_no_longer_cites_its_own_fact_sheet(coder):
    assert not Source.objects.filter(title__icontains="fact sheet").exists()
    assert "fact sheet" not in text(coder.get("/sources/")).lower()


def test_it_cites_the_cgs_lcd_and_article_by_number_version_and_date(coder):
    page = text(coder.get("/sources/"))
    assert "CGS LCD L38773: Facet Joint Interventions for Pain Management (version 32)" in page
    assert "Number L38773 Version 32 Dated 23 Jul 2026" in page
    assert "Number A58364 Version 42 Dated 17 Sep 2026" in page
    lcd = Source.objects.get(number="L38773")
    assert (
        lcd.url == "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=38773&ver=32"
    )
    article = Source.objects.get(number="A58364")
    assert article.url == (
        "https://www.cms.gov/medicare-coverage-database/view/article.aspx?articleid=58364&ver=42"
    )


def test_it_shows_the_copy_we_read_as_quoted_in_under_the_primary(coder):
    page = text(coder.get("/codes/64493/"))
    assert (
        "CGS LCD L38773: Facet Joint Interventions for Pain Management (version 32) "
        "(as quoted in a public policy file that checks its quotes against the CMS Coverage API"
    ) in page
    assert "repo tejavardhanreddy01/precertly, data/policies" not in page


def test_it_groups_the_sources_page_by_kind(coder):
    page = text(coder.get("/sources/"))
    headings = [
        "Local coverage determination (LCD)",
        "Billing and coding article",
        "CPT (AMA)",
        "CDC (ICD-10-CM)",
        "Secondary source",
    ]
    for heading in headings:
        assert heading in page


def test_it_re_cites_the_covered_diagnosis_list_to_the_noridian_article():
    note = PayerNote.objects.select_related("source").get(key="medicare-icd10-list")
    assert note.source.number == "A58403"
    assert note.source.kind == "article"


def test_it_keeps_source_details_in_the_code_api(coder):
    sources = {s["key"]: s for s in coder.get("/api/codes/0215T").json()["sources"]}
    lcd = sources["l38773q"]
    assert (lcd["kind"], lcd["number"], lcd["version"], lcd["date"]) == (
        "lcd",
        "L38773",
        "32",
        "2026-07-23",
    )


# "Last reviewed" says what was reviewed (issue 16, item 3) ------------------------------------


def test_it_shows_the_policy_version_and_date_beside_the_date_it_was_checked(coder):
    page = text(coder.get("/payers/unitedhealthcare/"))
    assert (
        "UnitedHealthcare policy 2017T0004AA, dated 1 Mar 2017 (current version not verified)"
        in page
    )
    assert "Checked against its source" in page
    assert "Policy overdue for review" in page
    assert "Last reviewed" not in page


def test_it_does_not_flag_a_current_lcd_as_overdue(coder):
    notes = coder.get("/api/codes/64493").json()["payer_notes"]
    lcd_notes = [n for n in notes if n["policy_number"] == "L38773"]
    assert lcd_notes
    for note in lcd_notes:
        assert note["policy_version"] == "32"
        assert note["policy_date"] == "2026-07-23"
        assert note["policy_older_than_review_cycle"] is False
    uhc = [n for n in notes if n["policy_number"] == "2017T0004AA"]
    assert uhc and all(n["policy_older_than_review_cycle"] for n in uhc)
