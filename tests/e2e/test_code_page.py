"""A coder reads a code page: every section, the family in reporting order, the payer notes with
"not available" where no source gives a payer's rule, and the way on to the next code."""

import re

import pytest
from playwright.sync_api import expect

from codes.models import Payer
from notes.models import PayerNote

pytestmark = pytest.mark.e2e

SECTIONS = [
    "Place in the family",
    "Modifiers",
    "Related codes",
    "Provider taxonomies",
    "Diagnoses",
    "Payer notes",
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
        section = payers.get_by_role("region", name=payer.name, exact=True)
        if published.filter(payer=payer).exists():
            expect(section).not_to_contain_text("Not available")
        else:
            expect(section).to_contain_text("Not available")

    family.get_by_role("link", name=re.compile("64494")).click()
    expect(page).to_have_url(re.compile(r"/codes/64494/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("64494")


def test_it_serves_a_section_on_its_own_page(page):
    page.goto("/codes/64493/payers/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("64493")
    expect(page.get_by_role("heading", level=2, name="Payer notes")).to_be_visible()
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
