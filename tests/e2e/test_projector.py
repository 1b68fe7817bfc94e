"""The trainer's projector: two trainees join and answer, the chart follows by itself, the
trainer reveals the answer; no serious accessibility problem at phone and desktop widths."""

import re

import pytest
from playwright.sync_api import expect

from quiz.models import Question, Quiz, TrainingSession
from tests.e2e.conftest import answer, current_question, make_user, sign_in
from tests.e2e.test_accessibility import layout_and_accessibility_problems

pytestmark = pytest.mark.e2e


def test_two_trainees_answer_and_the_projector_chart_follows(page, new_context):
    make_user("tess", groups=("Trainers",))
    quiz = Quiz.objects.filter(kind=Quiz.Kind.TOPIC).order_by("sort_order", "pk").first()
    sign_in(page, "tess", at="/accounts/login/")
    page.goto("/quiz/sessions/")
    page.get_by_label("Quiz").select_option(label=quiz.title)
    page.get_by_label("Name (optional)").fill("Projector group")
    page.get_by_role("button", name="Create the session").click()
    page.get_by_role("button", name="Open the session").click()
    page.get_by_role("link", name="Open the projector view").click()

    session = TrainingSession.objects.get(title="Projector group")
    expect(page.locator(".projector-code")).to_have_text(session.code)
    expect(page.locator(".qr-box svg")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the join link")).to_be_visible()
    expect(page.locator(".projector-joined")).to_contain_text("0 joined")
    assert layout_and_accessibility_problems(page) == []

    # Two trainees join from their own browsers, with the link the QR code holds.
    trainees = []
    for name in ("Ana", "Ben"):
        trainee = new_context().new_page()
        trainee.goto(f"/quiz/join?code={session.code}")
        trainee.get_by_label("Your name as the trainer will see it").fill(name)
        trainee.get_by_role("button", name="Join").click()
        expect(trainee.locator(".quiz-name")).to_contain_text("Projector group")
        trainees.append(trainee)
    expect(page.locator(".projector-joined")).to_contain_text("2 joined", timeout=15_000)

    # Both get the session's question 1 (the same order for everyone) and answer it.
    first = Question.objects.get(pk=session.question_order()[0])
    for trainee in trainees:
        _, number, question = current_question(trainee)
        assert (number, question) == (1, first)
        answer(trainee, question, right=True)
    expect(page.locator("#board")).to_contain_text("2 answers so far", timeout=15_000)
    # Both chose the same: the bar of each answer they gave is full (two of two).
    given = 1 if first.is_claim else first.options.filter(correct=True).count()
    bars = page.locator(".bar").filter(has=page.locator("progress[value='2']"))
    expect(bars).to_have_count(given)

    page.get_by_role("button", name="Reveal the answer").click()
    expect(page.get_by_role("heading", level=3, name=re.compile("^Answer: "))).to_be_visible()
    # Every right answer's bar is marked so (a question may have several right options).
    right_bars = page.locator(".bar.is-correct")
    expect(right_bars).to_have_count(given)
    for bar in right_bars.all():
        expect(bar).to_contain_text("right")
    assert layout_and_accessibility_problems(page) == []
