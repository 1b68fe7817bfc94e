"""Trainees take quizzes to their score (with htmx and without JavaScript); a trainer runs a
training session that two trainees join from their own browsers, and follows it live."""

import re

import pytest
from playwright.sync_api import expect

from quiz.models import Question, Quiz
from tests.e2e.conftest import answer, current_question, make_user, sign_in
from tests.e2e.test_accessibility import layout_and_accessibility_problems

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_it_takes_a_quiz_to_its_score(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    quiz = Quiz.objects.filter(kind=Quiz.Kind.TOPIC).order_by("sort_order", "pk").first()
    page.goto("/quiz/")
    page.get_by_role("link", name=quiz.title).first.click()
    page.get_by_role("button", name="Start").click()
    attempt, number, question = current_question(page)
    assert number == 1
    if javascript:
        page.evaluate("window.sameDocument = true")

    # Every answer right but one, on the first question with options.
    wrong = next(pk for pk in attempt.question_ids if not Question.objects.get(pk=pk).is_claim)
    total = len(attempt.question_ids)
    for number in range(1, total + 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number} of {total}")
        attempt, _, question = current_question(page)
        answer(page, question, right=question.pk != wrong)
        if number < total:
            page.get_by_role("link", name="Next question").click()
    if javascript:
        assert page.evaluate("window.sameDocument") is True, "a question reloaded the page"
    page.get_by_role("link", name="See your results").click()

    attempt.refresh_from_db()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Results: {quiz.title}")
    score = page.get_by_role("heading", level=2, name=re.compile(r"\d+%"))
    expect(score).to_contain_text(f"{round(100 * (total - 1) / total)}%")
    expect(page.locator("main")).to_contain_text(f"{total - 1} of {total} right")
    expect(page.get_by_role("heading", level=2, name="Not right", exact=True)).to_have_count(1)
    assert attempt.answers.count() == total


def test_it_runs_a_training_session_with_two_trainees(page, new_context):
    make_user("tess", groups=("Trainers",))
    quiz = Quiz.objects.filter(kind=Quiz.Kind.TOPIC).order_by("sort_order", "pk").first()

    page.goto("/quiz/sessions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/quiz/sessions/$"))
    sign_in(page, "tess", at=None)
    expect(page.get_by_role("heading", level=1, name="Training sessions")).to_be_visible()
    page.get_by_label("Quiz").select_option(label=quiz.title)
    page.get_by_label("Name (optional)").fill("Tuesday group")
    page.get_by_role("button", name="Create the session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tuesday group")
    page.get_by_role("button", name="Open the session").click()
    expect(page.get_by_role("button", name="Close the session")).to_be_visible()
    code = page.locator(".join-code").inner_text()

    trainees = {}
    for name in ("Ana", "Ben"):
        trainee = new_context().new_page()
        trainee.goto("/quiz/join")
        # Typed as heard: lower case, with a space.
        trainee.get_by_label("Session code").fill(f"{code[:3].lower()} {code[3:].lower()}")
        trainee.get_by_label("Your name as the trainer will see it").fill(name)
        trainee.get_by_role("button", name="Join").click()
        trainees[name] = trainee

    # Ana gets the first question right, Ben wrong (a question with options for him).
    ana, ben = trainees["Ana"], trainees["Ben"]
    _, _, question = current_question(ana)
    answer(ana, question, right=True)
    _, _, question_ben = current_question(ben)
    if question_ben.is_claim:
        answer(ben, question_ben, right=True)
    else:
        answer(ben, question_ben, right=False)

    # The trainer's dashboard follows by itself (htmx polling), without a reload.
    participants = page.get_by_role("heading", level=2, name="Participants (2)")
    expect(participants).to_be_visible(timeout=15_000)
    table = page.locator("#live table").first
    expect(table.get_by_role("row", name=re.compile("^Ana"))).to_contain_text("1 of ")
    expect(table.get_by_role("row", name=re.compile("^Ben"))).to_contain_text("1 of ")

    # A trainee never reaches another trainee's answers by guessing the address.
    ana_attempt, _, _ = current_question(ana)
    response = ben.goto(ana_attempt.results_url())
    assert response.status in (403, 404)
    expect(ben.get_by_text("Ana")).to_have_count(0)


def test_it_retries_only_the_questions_missed(page):
    quiz = Quiz.objects.filter(kind=Quiz.Kind.TOPIC).order_by("sort_order", "pk").first()
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start").click()
    attempt, _, _ = current_question(page)
    # Wrong on the first two questions with options, right on the rest.
    questions = [Question.objects.get(pk=pk) for pk in attempt.question_ids]
    missed = [q.pk for q in questions if not q.is_claim][:2]
    total = len(questions)
    for number in range(1, total + 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number} of {total}")
        _, _, question = current_question(page)
        answer(page, question, right=question.pk not in missed)
        if number < total:
            page.get_by_role("link", name="Next question").click()
    page.get_by_role("link", name="See your results").click()
    expect(page.get_by_role("link", name="Retake the whole quiz")).to_be_visible()
    page.get_by_role("button", name="Retry the 2 questions you missed").click()

    retry, number, question = current_question(page)
    assert number == 1 and sorted(retry.question_ids) == sorted(missed)
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 2")
    for number in (1, 2):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number} of 2")
        _, _, question = current_question(page)
        answer(page, question, right=True)
        if number < 2:
            page.get_by_role("link", name="Next question").click()
    page.get_by_role("link", name="See your results").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("100%"))).to_be_visible()


def test_a_passed_exam_prints_a_certificate_anyone_can_check(page, new_context):
    make_user("cora")
    sign_in(page, "cora", at="/accounts/login/")
    exam = Quiz.objects.get(kind=Quiz.Kind.EXAM)
    page.goto(exam.get_absolute_url())
    expect(page.get_by_label("Exam: results at the end")).to_be_checked()
    page.get_by_role("button", name="Start").click()
    attempt, _, _ = current_question(page)
    total = len(attempt.question_ids)
    for number in range(1, total + 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number} of {total}")
        _, _, question = current_question(page)
        answer(page, question, right=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results")
    page.get_by_label("Name on the certificate").fill("Cora Reyes")
    page.get_by_role("button", name="Make my certificate").click()

    expect(page.get_by_role("heading", level=1, name="Cora Reyes")).to_be_visible()
    expect(page.locator(".certificate")).to_contain_text(exam.title)
    expect(page.locator(".certificate")).to_contain_text("100%")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    # On paper: the certificate alone, without the site's header and footer.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".certificate")).to_be_visible()
    page.emulate_media(media="screen")
    assert layout_and_accessibility_problems(page) == []
    # The verification link works for someone else.
    stranger = new_context().new_page()
    stranger.goto(page.url)
    expect(stranger.get_by_role("heading", level=1, name="Cora Reyes")).to_be_visible()
