"""Phones and paper: no page scrolls sideways on a 360-px phone, the header is one row whose
menu works without JavaScript, tables reflow, compare stacks its codes and shows what differs,
codes never break in the middle, and each cheat sheet prints on one Letter page at 10 pt."""

import re

import pytest
from playwright.sync_api import expect

from codes.sheets import FAMILIES

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
PAGES = [
    "/",
    "/search?q=bilateral+L4-L5+and+L5-S1+medial+branch+block",
    "/codes/64493/",
    "/codes/64494/",
    "/codes/64636/",
    "/codes/64451/",
    "/codes/64494/diagnoses/",
    "/modifiers/",
    "/modifiers/KX/",
    "/taxonomies/",
    "/payers/",
    "/payers/medicare/",
    "/sources/",
    "/compare",
    "/compare?codes=64490,64493",
    "/compare?codes=64490,64493,0213T,64633",
    "/cheatsheet/",
    *[f"/cheatsheet/{slug}/" for slug in FAMILIES],
    "/wizard/",
    "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R"
    "&payer=medicare&mac=noridian-jf&intent=diagnostic",
    "/read/",
    "/check/",
    "/audit/",
    "/quiz/",
    "/quiz/join",
    "/accounts/login/",
]
UNFOLD = "document.querySelectorAll('details').forEach(d => d.open = true)"


@pytest.mark.parametrize(
    ("size", "scheme"),
    [(PHONE_360, "light"), (PHONE_360, "dark"), (TABLET, "light")],
    ids=["phone-360", "phone-360-dark", "tablet-768"],
)
def test_it_never_scrolls_sideways_on_a_phone_or_a_tablet(new_context, size, scheme):
    page = new_context(viewport=size, color_scheme=scheme).new_page()
    wide = []
    for path in PAGES:
        assert page.goto(path).ok, path
        page.evaluate(UNFOLD)  # what folds away must fit too
        overflow = page.evaluate("document.documentElement.scrollWidth") - size["width"]
        if overflow > 0:
            wide.append(f"{path} is {overflow}px wider than the screen")
    assert wide == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_it_puts_the_header_on_one_row_with_a_menu_on_a_phone(new_context, javascript):
    page = new_context(viewport=PHONE_360, java_script_enabled=javascript).new_page()
    page.goto("/codes/64493/")
    header = page.locator("header.site-header")
    brand = header.get_by_role("link", name="FacetCoder")
    menu = header.locator("summary", has_text="Menu")
    assert header.bounding_box()["height"] < 64, "one row"
    assert abs(brand.bounding_box()["y"] - menu.bounding_box()["y"]) < 16, "side by side"
    wizard = header.get_by_role("link", name="Wizard", exact=True)
    expect(wizard).to_be_hidden()
    menu.click()
    expect(wizard).to_be_visible()
    expect(header.get_by_role("searchbox", name="Search codes")).to_be_visible()
    wizard.click()
    expect(page).to_have_url(re.compile(r"/wizard/$"))


def test_it_shows_the_menu_as_a_row_on_a_desktop(new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto("/codes/64493/")
    header = page.locator("header.site-header")
    expect(header.locator("summary", has_text="Menu")).to_be_hidden()
    names = ("Codes", "Wizard", "Read a note", "History check", "Audit a claim", "Quiz", "Payers")
    for name in names:
        expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert header.bounding_box()["height"] < 80, "one row"


def test_it_never_breaks_a_claim_line_or_a_code_in_the_middle(new_context):
    page = new_context(viewport=PHONE_360).new_page()
    for path in ("/codes/64494/", "/codes/64636/", "/cheatsheet/lumbar-sacral/"):
        page.goto(path)
        page.evaluate(UNFOLD)
        broken = page.evaluate(
            """() => [...document.querySelectorAll('.claim-line, main .code')]
                .filter(e => e.getClientRects().length > 1).map(e => e.textContent.trim())"""
        )
        assert broken == [], path
        assert page.locator(".claim-line").count() > 0, path


def test_it_reflows_the_tables_of_a_code_page_into_labelled_cards(new_context):
    page = new_context(viewport=PHONE_360).new_page()
    page.goto("/codes/64494/")
    cell = page.locator("#bill td[data-label='Diagnostic block']").first
    expect(cell).to_be_visible()
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Diagnostic block"'
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_360["width"]
    # The home page's families: the lumbar column is on the screen, not cut off.
    page.goto("/")
    lumbar = page.locator("table.glance td[data-label='Lumbar or sacral']").first
    expect(lumbar).to_contain_text("64493")
    box = lumbar.bounding_box()
    assert box["x"] + box["width"] <= PHONE_360["width"]


@pytest.mark.parametrize("size", [PHONE_360, DESKTOP], ids=["phone", "desktop"])
def test_it_compares_codes_showing_the_rows_that_differ_then_all(new_context, size):
    page = new_context(viewport=size).new_page()
    page.goto("/compare?codes=64493,64494")
    rows = page.locator("table.compare tbody tr")
    differing = page.locator("table.compare tbody tr.differs")
    expect(differing.first).to_be_visible()
    expect(page.locator("table.compare tbody tr.same").first).to_be_hidden()
    shown = [row for row in rows.all() if row.is_visible()]
    assert len(shown) == differing.count() < rows.count()
    page.get_by_label("Show all rows").check()
    expect(page.locator("table.compare tbody tr.same").first).to_be_visible()
    assert all(row.is_visible() for row in rows.all())
    # Each code's cell is on the screen: stacked on a phone, side by side on a desktop.
    for code in ("64493", "+64494"):
        cell = page.locator(f"table.compare tr.differs td[data-label='{code}']").first
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], code


@pytest.mark.parametrize("slug", list(FAMILIES))
def test_it_prints_each_cheat_sheet_on_one_letter_page_at_10_pt(page, slug):
    page.goto(f"/cheatsheet/{slug}/")
    page.emulate_media(media="print")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.cheatsheet li, .cheatsheet td, .cheatsheet th')]
            .filter(e => e.offsetParent !== null)
            .map(e => parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert sizes and min(sizes) >= 10 * 96 / 72 - 0.01, "body text at 10 pt at least"
    pdf = page.pdf(format="Letter", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{slug} prints on {pages} pages"
