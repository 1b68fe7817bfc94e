"""A coder pastes an operative note and gets the joints, sides, guidance, intent and claim lines:
with JavaScript (htmx swaps the result in, no reload) and without (a plain form POST), on a
360 px phone and a 1280 px desktop, with no serious accessibility violation."""

import re

import pytest
from playwright.sync_api import Page, expect

from coding.reader import context
from tests.e2e.conftest import accessibility_problems

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def pipeline():
    """medspaCy takes seconds to load: load it before the first page waits for it (the live
    server runs in this process, so it shares the pipeline)."""
    return context.pipeline()


PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}

NOTE = (
    "PROCEDURE: Bilateral L4-5 and L5-S1 medial branch blocks.\n"
    "Under fluoroscopic guidance, the L3 and L4 medial branches and the L5 dorsal ramus were "
    "blocked bilaterally. Diagnostic block. No RFA was performed. <b>not bold</b>"
)
# Written by hand (facts §10, §4, §5): three nerves are two lumbar joints, both sides: 64493 and
# 64494, modifier 50 for Medicare, KX on diagnostic lines.
CLAIM = "64493-50-KX, 64494-50-KX"


def read_the_note(page: Page) -> None:
    page.goto("/read/")
    page.get_by_label("Paste the procedure note").fill(NOTE)
    page.get_by_label("Payer").select_option("medicare")
    page.get_by_role("button", name="Read the note").click()
    expect(page.get_by_role("heading", name="What the note says")).to_be_visible()


def assert_shows_the_reading(page: Page) -> None:
    result = page.locator("#reader-result")
    expect(result.get_by_text(CLAIM, exact=True)).to_be_visible()
    expect(result).to_contain_text("L4-L5:B,L5-S1:B")
    # The note is shown as text, never as markup; the negated RFA is marked as ignored.
    expect(result).to_contain_text("<b>not bold</b>")
    expect(result.locator("mark.is-ignored", has_text="RFA")).to_have_attribute("title", "negated")
    expect(result.locator("mark.is-used", has_text="L5")).to_be_visible()
    link = result.get_by_role("link", name="Open in the wizard")
    expect(link).to_have_attribute("href", re.compile(r"nerves=L3%3AB%2CL4%3AB%2CL5%3AB"))


def layout_and_accessibility_problems(page: Page) -> list[str]:
    problems = []
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        problems += [f"{name}: {p}" for p in accessibility_problems(page)]
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    if overflow > 0:
        problems.append(f"phone: the page is {overflow}px wider than the screen")
    return problems


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_reads_a_note_without_reloading_the_page(page, size):
    page.set_viewport_size(size)
    read_the_note(page)  # warms the address up; htmx from here on
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Read the note").click()
    expect(page.get_by_role("heading", name="What the note says")).to_be_visible()
    assert_shows_the_reading(page)
    assert page.evaluate("window.sameDocument") is True, "the form reloaded the page"
    assert layout_and_accessibility_problems(page) == []


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_reads_a_note_without_javascript(no_js_page, size):
    no_js_page.set_viewport_size(size)
    read_the_note(no_js_page)
    assert_shows_the_reading(no_js_page)


def test_the_empty_form_has_no_serious_accessibility_violation(page):
    page.goto("/read/")
    assert layout_and_accessibility_problems(page) == []
