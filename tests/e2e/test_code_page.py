"""A coder reads a code page: how to bill it first, every section, the family in reporting order,
the payer notes one payer at a time (the last one chosen remembered) with "not available" where
no source gives a payer's rule, and the way on to the next code."""

import re

import pytest
from playwright.sync_api import expect

from codes.models import Payer
from notes.models import PayerNote

pytestmark = pytest.mark.e2e

SECTIONS = [
    "How to bill it",
    "Payer notes",
    "Place in the family",
    "Modifiers",
    "Related codes",
    "Provider taxonomies",
    "Diagnoses",
    "What some sources get wrong",
    "Sources",
]


def test_it_shows_everything_about_a_code_and_leads_on_to_the_next_level(page):
    page.goto("/codes/64493/")
    expect(page.get_by_role("heading", level=1)).to_have_text("64493")
    for title in SECTIONS:
        expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()

    family = page.get_by_role("list", name="Reporting order")
    expect(family.get_by_role("listitem")).to_have_count(3)
    expect(family).to_contain_text("once per day")

    payers = page.get_by_role("region", name="Payer notes")
    published = PayerNote.objects.published().filter(codes__code="64493")
    for payer in Payer.objects.all():
        payers.locator(f"#payer-{payer.slug} > summary").click()
        section = payers.get_by_role("region", name=payer.name, exact=True)
        expect(section).to_be_visible()
        if published.filter(payer=payer).exists():
            expect(section).not_to_contain_text("Not available")
        else:
            expect(section).to_contain_text("Not available")
        expect(payers.locator("details.payer[open]")).to_have_count(1)  # one payer at a time

    family.get_by_role("link", name=re.compile("64494")).click()
    expect(page).to_have_url(re.compile(r"/codes/64494/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("64494")


def test_it_serves_a_section_on_its_own_page(page):
    page.goto("/codes/64493/payers/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("64493")
    expect(page.get_by_role("heading", level=2, name="Payer notes")).to_be_visible()
    page.locator("#payer-medicare > summary").click()
    expect(page.get_by_role("link", name="Medicare").first).to_be_visible()


def test_it_offers_search_results_for_an_unknown_code(page):
    response = page.goto("/codes/6449/")
    assert response.status == 404
    expect(page.locator("main a[href='/codes/64493/']")).to_be_visible()


def test_it_serves_the_kept_page_working_like_a_fresh_one(page):
    assert page.request.get("/codes/64490/").ok  # the first visit renders the page and keeps it
    response = page.goto("/codes/64490/")
    assert response.ok and response.headers.get("etag")
    expect(page.get_by_role("heading", level=1)).to_have_text("64490")
    expect(page.get_by_role("heading", level=2, name="Sources", exact=True)).to_be_visible()
    # htmx and the site's script run from the site's own files (a CSP violation fails the test).
    assert page.evaluate("() => typeof window.htmx") == "object"
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search codes")).to_be_focused()


def test_it_answers_how_to_bill_it_in_the_first_screen_and_opens_the_case_in_the_wizard(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/codes/64494/")
    card = page.get_by_role("region", name="How to bill it")
    expect(card).to_contain_text("64493-50-KX")
    expect(card.locator("strong.claim-line").first).to_have_text("64494-50-KX")
    assert card.bounding_box()["y"] < 900, "the card starts in the first screen"
    payers = page.get_by_role("region", name="Payer notes")
    box = payers.bounding_box()
    assert box["y"] + box["height"] < 2 * 900 + 200, "card and payer tabs in about two screens"
    card.locator("a.wizard-link[href*='joints=L4-L5%3AB%2CL5-S1%3AB']").first.click()
    expect(page).to_have_url(re.compile(r"/wizard/\?.*joints=L4-L5(:|%3A)B(,|%2C)L5-S1(:|%3A)B"))
    expect(page.locator("main")).to_contain_text("64494-50-KX")


def test_it_remembers_the_payer_last_opened_on_the_next_code_page(page):
    page.goto("/codes/64493/")
    page.locator("#payer-aetna > summary").click()
    expect(page.get_by_role("region", name="Aetna", exact=True)).to_be_visible()
    page.goto("/codes/64494/")
    expect(page.locator("#payer-aetna")).to_have_attribute("open", "")
    expect(page.locator("#payer-medicare")).not_to_have_attribute("open", "")
    page.goto("/codes/64494/#payer-cigna")  # an address naming a payer opens that one
    expect(page.locator("#payer-cigna")).to_have_attribute("open", "")


def test_it_opens_a_payer_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/codes/64493/")
    page.locator("#payer-medicare > summary").click()
    expect(page.get_by_role("region", name=re.compile("^Medicare"))).to_be_visible()
    expect(page.locator("#payer-medicare .note").first).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_answers_how_to_bill_it_first_on_a_phone(new_context, scheme):
    phone = {"width": 360, "height": 740}
    page = new_context(viewport=phone, color_scheme=scheme).new_page()
    page.goto("/codes/64494/")
    card = page.get_by_role("region", name="How to bill it")
    # Written by hand: 64494 is the second lumbar level, beside 64493; both sides for Medicare
    # is modifier 50, with KX on a diagnostic line.
    expect(card.locator("strong.claim-line").first).to_have_text("64494-50-KX")
    assert card.bounding_box()["y"] < 2 * phone["height"], "the card within the first two screens"
    # A claim line never breaks in the middle, and every source list is folded to its count.
    line = card.locator("strong.claim-line").first
    assert line.bounding_box()["height"] < 2 * float(
        line.evaluate("node => parseFloat(getComputedStyle(node).lineHeight) || 24")
    )
    folded = page.locator("details.cited")
    assert folded.count() > 0
    expect(folded.first.locator("summary")).to_have_text(re.compile(r"^\d+ sources$"))
    expect(folded.first.locator("ul")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
