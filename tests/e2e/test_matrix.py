"""The payer matrix and "Which MAC covers me?" in a real browser: no serious or critical axe-core
violation at 360 and 1280 px, light and dark; no sideways scrolling of the page on a 360-px
phone (the matrix scrolls inside its own focusable region); the MAC picker with and without
JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import accessibility_problems

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 760}
DESKTOP = {"width": 1280, "height": 900}


def problems_at_both_widths(page) -> list[str]:
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, size in (("360px", SMALL_PHONE), ("1280px", DESKTOP)):
            page.set_viewport_size(size)
            problems += [f"{scheme} {name}: {p}" for p in accessibility_problems(page)]
    page.set_viewport_size(SMALL_PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth") - SMALL_PHONE["width"]
    if overflow > 0:
        problems.append(f"360px: the page is {overflow}px wider than the screen")
    return problems


@pytest.mark.parametrize(
    "path", ["/payers/matrix/", "/macs/", "/macs/?state=OH", "/macs/?state=ZZ"]
)
def test_it_has_no_serious_accessibility_violation_at_360_and_1280_px(page, path):
    response = page.goto(path)
    assert response.status == (400 if path.endswith("ZZ") else 200)
    assert problems_at_both_widths(page) == []


def test_the_matrix_scrolls_inside_its_region_with_the_payer_column_in_view(page):
    page.set_viewport_size(SMALL_PHONE)
    page.goto("/payers/matrix/")
    region = page.get_by_role("region", name="Payer rules for facet joint procedures")
    region.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(region).to_be_focused()
    assert region.evaluate("r => r.scrollLeft") > 0  # the keyboard scrolls the table
    header = page.locator("#mac-novitas th")
    header.scroll_into_view_if_needed()
    expect(header).to_contain_text("Medicare: Novitas (JH, JL)")
    # The row header stays at the region's left edge while the cells scroll past.
    assert abs(header.bounding_box()["x"] - region.bounding_box()["x"]) < 2


def test_the_mac_picker_answers_on_change_with_javascript(page):
    page.goto("/macs/")
    page.get_by_label("State or territory").select_option("KY")
    result = page.locator("#mac-result")
    expect(result).to_contain_text("CGS (J15)")
    expect(result.get_by_role("link", name="L38773")).to_have_attribute(
        "href", "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=38773"
    )
    expect(page).to_have_url("/macs/?state=KY")


def test_the_mac_picker_works_without_javascript(no_js_page, live_server):
    no_js_page.goto(f"{live_server.url}/macs/")
    no_js_page.get_by_label("State or territory").select_option("NY")
    no_js_page.get_by_role("button", name="Show the MAC").click()
    expect(no_js_page.locator("#mac-result")).to_contain_text("NGS (J6, JK)")
    expect(no_js_page.locator("#mac-result")).to_contain_text("jurisdiction JK")
