"""A coder checks a confirmatory block against the patient's earlier sessions on /check/: with
JavaScript (htmx adds history rows without a reload) and without (each button is a plain form
post), on a 360-px phone and a 1280-px desktop, in light, dark and print."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import accessibility_problems

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
# Prefilled as the wizard links to the check: the contract's example session.
START = (
    "/check/?procedure=mbb&joints=L4-L5:B,L5-S1:B&guidance=fluoroscopy&intent=diagnostic"
    "&payer=medicare&mac=cgs"
)
# Written by hand from the fact sheet (§11): a block 21 days after a first block with 90% relief
# at the same joints is a second diagnostic block, covered, with KX on both lumbar lines.
HISTORY = [
    ("2026-02-09", "MBB", "L4-L5:B,L5-S1:B", "90", ""),
    ("2025-06-01", "RFA", "C5-C6:R", "60", "7"),
]


def fill_the_check(page: Page) -> None:
    page.get_by_label("Date of the session").fill("2026-03-02")
    for number, (day, procedure, sites, relief, months) in enumerate(HISTORY, start=1):
        if number > 1:
            page.get_by_role("button", name="Add a row").click()
        expect(page.get_by_label(f"Session {number}: date")).to_be_visible()
        page.get_by_label(f"Session {number}: date").fill(day)
        page.get_by_label(f"Session {number}: procedure").select_option(label=procedure)
        page.locator(f"#h-{number - 1}-sites").fill(sites)
        page.get_by_label(f"Session {number}: relief %").fill(relief)
        page.get_by_label(f"Session {number}: months of relief").fill(months)
    page.get_by_role("button", name="Check the session").click()


def assert_shows_the_result(page: Page) -> None:
    outcome = page.locator("#outcome")
    expect(outcome.locator(".check-verdict-text")).to_have_text("Covered")
    expect(outcome.locator(".check-kind")).to_have_text("Second (confirmatory) diagnostic block")
    expect(outcome.locator(".check-earliest")).to_have_text("2026-03-02")
    expect(outcome).to_contain_text("64493-50-KX, 64494-50-KX")
    expect(outcome.get_by_role("img", name=re.compile("^Lumbar region"))).to_be_visible()
    expect(outcome.get_by_role("img", name=re.compile("^Cervical region"))).to_be_visible()


def layout_problems(page: Page) -> list[str]:
    problems = []
    page.emulate_media(color_scheme="light")
    for name, size in (("phone", SMALL_PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        problems += [f"{name}: {p}" for p in accessibility_problems(page)]
        overflow = page.evaluate("document.documentElement.scrollWidth") - size["width"]
        if overflow > 0:
            problems.append(f"{name}: the page is {overflow}px wider than the screen")
    page.emulate_media(color_scheme="dark")
    problems += [f"dark: {p}" for p in accessibility_problems(page, rules=["color-contrast"])]
    return problems


def test_it_checks_a_session_with_javascript_adding_rows_without_reloading(page):
    """Axe runs here, at both widths and in dark: the page's HTML is the same without JavaScript
    (axe itself needs JavaScript)."""
    page.set_viewport_size(SMALL_PHONE)
    page.goto(START)
    page.evaluate("window.sameDocument = true")
    fill_the_check(page)
    assert_shows_the_result(page)
    # Adding the row did not reload; the check itself is a plain post.
    assert page.get_by_label("Session 2: date").input_value() == "2025-06-01"
    assert layout_problems(page) == []


def test_it_adds_a_row_with_htmx_in_place(page):
    page.goto(START)
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Session 1: date").fill("2026-02-09")
    page.get_by_role("button", name="Add a row").click()
    expect(page.get_by_label("Session 2: date")).to_be_focused()
    assert page.evaluate("window.sameDocument") is True, "adding a row reloaded the page"
    expect(page.get_by_label("Session 1: date")).to_have_value("2026-02-09")


def test_it_checks_a_session_without_javascript(no_js_page):
    no_js_page.set_viewport_size(DESKTOP)
    no_js_page.goto(START)
    fill_the_check(no_js_page)
    assert_shows_the_result(no_js_page)
    # Removing a row is a plain post too.
    no_js_page.get_by_label("Remove session 1").check()
    no_js_page.get_by_role("button", name="Check the session").click()
    expect(no_js_page.locator(".check-kind")).to_have_text("First diagnostic block")


def test_the_chart_reads_in_dark_mode_and_in_print(page):
    page.goto(START)
    fill_the_check(page)
    mark = page.locator(".chart-current circle").first
    page.emulate_media(color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark_fill = mark.evaluate("node => getComputedStyle(node).fill")
    assert dark_fill != background
    assert dark_fill not in ("none", "rgb(0, 0, 0)")
    page.emulate_media(media="print", color_scheme="light")
    expect(page.locator("#check-form")).to_be_hidden()
    expect(page.locator("#outcome")).to_be_visible()
    assert mark.evaluate("node => getComputedStyle(node).stroke") == "rgb(0, 0, 0)"


def test_it_shows_the_prior_authorisation_summary(page):
    page.goto(START)
    fill_the_check(page)
    page.get_by_role("button", name="Prior-authorisation summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prior-authorisation summary")
    expect(page.locator(".check-verdict-text")).to_have_text("Covered")
    page.get_by_role("button", name="Back to the check").click()
    expect(page.get_by_label("Session 2: date")).to_have_value("2025-06-01")
