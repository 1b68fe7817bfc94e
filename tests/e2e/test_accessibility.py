"""Every main page, in a real browser: no serious or critical axe-core violation at phone and
desktop widths, in light and dark; no sideways scrolling on a 375-px phone; visible focus."""

import re

import pytest
from playwright.sync_api import expect

from quiz.models import Quiz
from tests.e2e.conftest import (
    PHONE,
    WIDTHS,
    accessibility_problems,
    answer,
    current_question,
    make_user,
    sign_in,
)

pytestmark = pytest.mark.e2e


MAIN_PAGES = [
    "/",
    "/search?q=lumbar",
    "/codes/64493/",
    "/codes/64636/",
    "/codes/0216T/payers/",
    "/modifiers/",
    "/modifiers/50/",
    "/taxonomies/",
    "/payers/",
    "/payers/medicare/",
    "/sources/",
    "/compare?codes=64490,64493",
    "/cheatsheet/",
    "/cheatsheet/lumbar/",
    "/wizard/",
    "/wizard/?procedure=injection&guidance=fluoroscopy",
    pytest.param(
        "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R"
        "&payer=medicare&intent=diagnostic",
        id="/wizard/ result",
    ),
    pytest.param(
        "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R",
        id="/wizard/ payer step",
    ),
    "/quiz/",
    "/quiz/join",
    "/accounts/login/",
    "/admin/login/",
]


def layout_and_accessibility_problems(page) -> list[str]:
    """Every rule at both widths in light; in dark, what the colours change: the contrast."""
    problems = []
    page.emulate_media(color_scheme="light")
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        problems += [f"{name}: {p}" for p in accessibility_problems(page)]
    page.emulate_media(color_scheme="dark")
    problems += [f"dark: {p}" for p in accessibility_problems(page, rules=["color-contrast"])]
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    if overflow > 0:
        problems.append(f"phone: the page is {overflow}px wider than the screen")
    return problems


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_it_has_no_serious_accessibility_violation_on_a_phone_or_a_desktop(page, path):
    response = page.goto(path)
    assert response.status == 200
    assert layout_and_accessibility_problems(page) == []


def test_it_has_no_serious_accessibility_violation_on_the_unknown_code_page(page):
    response = page.goto("/codes/6449/")
    assert response.status == 404
    assert layout_and_accessibility_problems(page) == []


def test_it_has_no_serious_accessibility_violation_in_the_payer_note_editor(page):
    make_user("edith", groups=("Payer note editors",), staff=True)
    sign_in(page, "edith")
    page.goto("/admin/notes/payernote/")
    assert layout_and_accessibility_problems(page) == []
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("[name=text]")).to_be_visible()
    assert layout_and_accessibility_problems(page) == []


def test_it_has_no_serious_accessibility_violation_while_taking_a_quiz(page):
    quiz = Quiz.objects.filter(kind=Quiz.Kind.TOPIC).order_by("sort_order", "pk").first()
    page.goto(quiz.get_absolute_url())
    assert layout_and_accessibility_problems(page) == []
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Question 1 of")
    assert layout_and_accessibility_problems(page) == []
    _, _, question = current_question(page)
    answer(page, question, right=True)  # the feedback
    assert layout_and_accessibility_problems(page) == []
    page.goto(page.url.rsplit("/", 2)[0] + "/results")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results")
    assert layout_and_accessibility_problems(page) == []


def test_it_has_no_serious_accessibility_violation_on_the_trainers_dashboard(page):
    make_user("tess", groups=("Trainers",))
    sign_in(page, "tess", at="/accounts/login/")
    page.goto("/quiz/sessions/")
    assert layout_and_accessibility_problems(page) == []
    page.get_by_role("button", name="Create the session").click()
    page.get_by_role("button", name="Open the session").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Participants"))).to_be_visible()
    assert layout_and_accessibility_problems(page) == []


def test_it_shows_where_the_keyboard_focus_is(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    outline = skip_link.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
