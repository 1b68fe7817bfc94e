"""A coder turns an operative note into claim lines with the wizard, step by step from the first
step to the claim lines: with JavaScript (htmx swaps each step in, no reload) and without (each
step is a plain form)."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# The operative note: lumbar medial branch blocks under fluoroscopy, L4-L5 on both sides and
# L5-S1 on the right, diagnostic, for Medicare.
JOINTS = {"L4-L5": "B", "L5-S1": "R"}
# Written by hand: the first lumbar level 64493, the second 64494; bilateral is modifier 50 for
# Medicare; KX on diagnostic lines.
CLAIM = "64493-50-KX, 64494-RT-KX"


def next_step(page: Page, heading: str) -> None:
    page.get_by_role("button", name="Next").last.click()
    expect(page.get_by_role("heading", level=2, name=re.compile(heading))).to_be_visible()


def walk_to_the_claim_lines(page: Page) -> None:
    expect(page.get_by_role("heading", level=2, name=re.compile("procedure"))).to_be_visible()
    page.get_by_label("Injection", exact=True).check()
    next_step(page, "imaging guidance")
    page.get_by_label("Fluoroscopy", exact=True).check()
    next_step(page, "joints treated")
    for joint, side in JOINTS.items():
        page.get_by_role("combobox", name=joint, exact=True).select_option(side)
        expect(page.get_by_role("combobox", name=joint, exact=True)).to_have_value(side)
    next_step(page, "payer and claim")
    page.get_by_label("Medicare", exact=True).check()
    page.get_by_label("Diagnostic", exact=True).check()
    next_step(page, "Result")


def assert_shows_the_claim_lines(page: Page) -> None:
    expect(page.get_by_label("Claim lines")).to_have_text(CLAIM)
    expect(page.get_by_text("Levels counted: L4-L5, L5-S1 (2).")).to_be_visible()
    # The whole state is in the address: the result can be bookmarked and shared.
    for part in ("procedure=injection", "guidance=fluoroscopy", "payer=medicare"):
        expect(page).to_have_url(re.compile(part))
    expect(page.locator("main")).to_contain_text("KX")


def test_it_walks_from_the_first_step_to_the_claim_lines_without_reloading(page):
    page.goto("/wizard/")
    page.evaluate("window.sameDocument = true")
    walk_to_the_claim_lines(page)
    assert_shows_the_claim_lines(page)
    assert page.evaluate("window.sameDocument") is True, "a step reloaded the page"

    # The copy button copies the lines as they are shown.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == CLAIM

    # The bookmarked address shows the same result on its own.
    page.goto(page.url)
    expect(page.get_by_label("Claim lines")).to_have_text(CLAIM)


def test_it_walks_from_the_first_step_to_the_claim_lines_without_javascript(no_js_page):
    no_js_page.goto("/wizard/")
    walk_to_the_claim_lines(no_js_page)
    assert_shows_the_claim_lines(no_js_page)
    expect(no_js_page.get_by_role("button", name="Copy")).to_be_hidden()


def test_it_picks_joints_on_the_spine_diagram(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy")
    expect(page.get_by_role("heading", level=2, name=re.compile("joints treated"))).to_be_visible()
    page.get_by_role("link", name="L4-L5 left, not treated: add").click()
    page.get_by_role("link", name="L4-L5 right, not treated: add").click()
    page.get_by_role("link", name="L5-S1 right, not treated: add").click()
    expect(page.get_by_role("link", name="L5-S1 right, treated: remove")).to_be_visible()
    expect(page.get_by_role("combobox", name="L4-L5", exact=True)).to_have_value("B")
    next_step(page, "payer and claim")
    page.get_by_label("Medicare", exact=True).check()
    page.get_by_label("Diagnostic", exact=True).check()
    next_step(page, "Result")
    expect(page.get_by_label("Claim lines")).to_have_text(CLAIM)


def test_it_keeps_every_side_picked_on_the_diagram_in_quick_succession(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy")
    names = ["L4-L5 left", "L4-L5 right", "L5-S1 right"]
    links = [page.get_by_role("link", name=f"{n}, not treated: add") for n in names]
    links = [link.element_handle() for link in links]
    # All three before the first answer can come back.
    page.evaluate("links => links.forEach(link => link.click())", links)
    for name in names:
        expect(page.get_by_role("link", name=f"{name}, treated: remove")).to_be_visible()
    expect(page.get_by_role("combobox", name="L4-L5", exact=True)).to_have_value("B")
    expect(page.get_by_role("combobox", name="L5-S1", exact=True)).to_have_value("R")
    expect(page).to_have_url(re.compile("L4-L5"))


def test_it_picks_a_side_on_the_diagram_with_the_keyboard(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy")
    page.get_by_role("link", name="L3-L4 right, not treated: add").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="L3-L4 right, treated: remove")).to_be_focused()
    expect(page.get_by_role("combobox", name="L3-L4", exact=True)).to_have_value("R")


def test_the_middle_of_a_level_picks_both_sides_and_the_preview_counts_the_joints(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy")
    page.get_by_role("link", name="L4-L5 both sides, add").click()
    expect(page.get_by_role("combobox", name="L4-L5", exact=True)).to_have_value("B")
    expect(page.get_by_role("link", name="L4-L5 left, treated: remove")).to_be_visible()
    expect(page.get_by_text("Counts as: L4-L5 both sides (1 level).")).to_be_visible()


def test_the_nerve_preview_counts_joints_as_the_engine_does(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy&step=nerves")
    for nerve in ("L3", "L4", "L5"):
        page.get_by_role(
            "link", name=re.compile(f"^{nerve} (medial branch|dorsal ramus) both")
        ).click()
        expect(page.get_by_role("combobox", name=re.compile(f"^{nerve} "))).to_have_value("B")
    # Written by hand: L3 + L4 supply L4-L5, L4 + the L5 dorsal ramus supply L5-S1.
    expect(
        page.get_by_text("Counts as: L4-L5 both sides, L5-S1 both sides (2 levels).")
    ).to_be_visible()


def test_the_diagram_is_one_tab_stop_opening_at_lumbar_and_arrows_move(page):
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy")
    first_lumbar = page.get_by_role("link", name="L1-L2 both sides, add")
    expect(first_lumbar).to_have_attribute("tabindex", "0")
    first_lumbar.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("link", name="L3-L4 left, not treated: add")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="L3-L4", exact=True)).to_have_value("L")


def test_it_says_what_is_missing_when_a_step_comes_without_its_answer(no_js_page):
    response = no_js_page.goto("/wizard/?answered=procedure")
    assert response.status == 400
    expect(no_js_page.get_by_role("alert")).to_contain_text("Choose the procedure")
    no_js_page.get_by_label("Radiofrequency ablation", exact=True).check()
    next_step(no_js_page, "imaging guidance")


def test_it_shows_a_step_s_message_in_place_in_development_too(page, settings):
    settings.DEBUG = True  # `make run`: django-htmx adds its debug script
    page.goto("/wizard/")
    expect(page.locator("script[data-debug]")).to_have_count(1)
    # Past the browser's own check, as from an older browser: the server answers 400.
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
    with page.expect_response(lambda r: r.status == 400):
        page.get_by_role("button", name="Next").last.click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the procedure")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # still the whole page


# The same session for an ASC facility in Kentucky (CGS), written by hand: the facility reports
# a bilateral level as RT and LT lines of 1 unit; Medicare: KX on diagnostic lines.
ASC_CLAIM = "64493-RT-KX, 64493-LT-KX, 64494-RT-KX"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_it_codes_for_the_payer_mac_and_claim_type_picked_on_a_phone(page, no_js_page, javascript):
    page = page if javascript else no_js_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R")
    expect(page.get_by_role("heading", level=2, name=re.compile("payer and claim"))).to_be_visible()
    page.get_by_label("Medicare", exact=True).check()
    page.get_by_label("or the state").select_option("KY")
    page.get_by_label("ASC facility", exact=True).check()
    page.get_by_label("Diagnostic", exact=True).check()
    next_step(page, "Result")
    expect(page.get_by_label("Claim lines")).to_have_text(ASC_CLAIM)
    expect(page).to_have_url(re.compile("state=KY"))
    expect(page.locator("main")).to_contain_text("LCD L38773, billing article A58364")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


# T12-L1 and L1-L2 on the right for Medicare, no MAC: written by hand from the fact sheet, the
# T12-L1 rule depends on the MAC (a caution), two regions in one session is Medicare's limit
# broken (an error), and the frequency limits are for information.
MIXED_SEVERITIES = (
    "/wizard/?procedure=injection&guidance=fluoroscopy&joints=T12-L1:R,L1-L2:R"
    "&payer=medicare&intent=diagnostic"
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "size",
    [{"width": 360, "height": 740}, {"width": 1280, "height": 900}],
    ids=["phone", "desktop"],
)
def test_each_warning_shows_its_severity_in_its_own_colour_and_icon(new_context, size, scheme):
    page = new_context(viewport=size, color_scheme=scheme).new_page()
    page.goto(MIXED_SEVERITIES)
    looks = {}
    for severity, rule in (
        ("info", "medicare-frequency-limits"),
        ("caution", "t12-l1-rule-depends-on-mac"),
        ("error", "medicare-two-regions"),
    ):
        warning = page.locator(f"#warning-{rule}")
        expect(warning).to_have_class(re.compile(f"wizard-{severity}"))
        expect(warning.locator(".wizard-severity")).to_have_text(f"{severity.capitalize()}:")
        # A human title; the rule id only in the small print of the folded sources.
        expect(warning.locator(".wizard-anchor")).not_to_contain_text(rule)
        expect(warning.locator(".wizard-rule-id")).to_have_text(rule)
        expect(warning.locator(".wizard-sources > ul")).to_be_hidden()
        looks[severity] = warning.evaluate(
            "node => [getComputedStyle(node).backgroundColor, getComputedStyle(node).color,"
            " getComputedStyle(node.querySelector('.wizard-severity'), '::before').content]"
        )
    backgrounds = {look[0] for look in looks.values()}
    icons = {look[2] for look in looks.values()}
    assert len(backgrounds) == 3, looks
    assert len(icons) == 3 and "none" not in icons, looks
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
