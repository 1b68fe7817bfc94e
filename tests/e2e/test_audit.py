"""An auditor pastes a claim on /audit/ and reads each line's problems and the corrected claim:
with JavaScript (htmx swaps the result in, no reload; a Copy button) and without (a plain GET
form), on a 360-px phone and a 1280-px desktop, light and dark, with the axe check."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import accessibility_problems

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
# Written by hand from the fact sheet (§2, §4, §13): bilateral L4-L5 and L5-S1 billed with two
# units on the add-on and fluoroscopy on top. On a Medicare practitioner claim a bilateral level
# is one line with 50 and 1 unit, and 77003 is included in 64490-64495.
CLAIM = "64493-50\n64494-50 x2\n77003"
CORRECTED = "64493-50, 64494-50"


def audit(page: Page) -> None:
    page.get_by_label("Claim lines, as billed").fill(CLAIM)
    page.get_by_label("Payer").select_option("medicare")
    page.get_by_role("button", name="Audit the claim").click()


def assert_shows_the_audit(page: Page) -> None:
    result = page.locator("#audit-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Errors found")
    rows = result.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("ok")
    expect(rows.nth(1)).to_contain_text("bilateral-as-units")
    expect(rows.nth(2)).to_contain_text("imaging-billed")
    expect(result.get_by_label("Corrected claim")).to_have_value(CORRECTED)
    # Each problem names its sources, each a link to the sources page.
    expect(rows.nth(2).get_by_role("link").first).to_have_attribute(
        "href", re.compile("^/sources/#source-")
    )
    # The address holds the claim: the audit can be bookmarked and shared.
    expect(page).to_have_url(re.compile(r"claim=64493-50"))


def layout_problems(page: Page, axe: bool = True) -> list[str]:
    """Axe's serious and critical findings (light at both widths, dark contrast) and sideways
    scrolling. ``axe=False`` for a page without JavaScript: axe.run waits on timers that never
    fire there (the same markup is checked with JavaScript)."""
    problems = []
    page.emulate_media(color_scheme="light")
    for name, size in (("phone", SMALL_PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        if axe:
            problems += [f"{name}: {p}" for p in accessibility_problems(page)]
        overflow = page.evaluate("document.documentElement.scrollWidth") - size["width"]
        if overflow > 0:
            problems.append(f"{name}: the page is {overflow}px wider than the screen")
    if axe:
        page.emulate_media(color_scheme="dark")
        problems += [f"dark: {p}" for p in accessibility_problems(page, rules=["color-contrast"])]
    return problems


def test_it_audits_a_claim_with_javascript_without_reloading(page):
    page.set_viewport_size(SMALL_PHONE)
    page.goto("/audit/")
    page.evaluate("window.sameDocument = true")
    audit(page)
    assert_shows_the_audit(page)
    assert page.evaluate("window.sameDocument") is True, "the audit reloaded the page"
    # The copy button copies the corrected claim as it is shown.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == CORRECTED
    assert layout_problems(page) == []


def test_it_audits_a_claim_without_javascript(no_js_page):
    no_js_page.set_viewport_size(DESKTOP)
    no_js_page.goto("/audit/")
    audit(no_js_page)
    assert_shows_the_audit(no_js_page)
    # Without JavaScript the corrected claim is there to select; no Copy button shows.
    expect(no_js_page.get_by_role("button", name="Copy")).to_be_hidden()
    assert layout_problems(no_js_page, axe=False) == []


def test_a_link_with_the_claim_opens_its_audit(page):
    page.goto("/audit/?claim=64635-LT%2C+64636-LT&procedure=rfa&guidance=fluoroscopy"
              "&joints=L4-L5%3AL%2C+L5-S1%3AB")  # fmt: skip
    result = page.locator("#audit-result")
    expect(result).to_contain_text("differs-from-scenario")
    expect(result.get_by_label("Corrected claim")).to_have_value("64635-LT, 64636-50")
    expect(page.locator("details.audit-scenario")).to_have_attribute("open", "")
