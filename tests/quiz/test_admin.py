"""The back office: questions and quizzes are edited in the admin, with the same checks as the
loader, and a claim question shows the answer the engine computes."""

import pytest

from quiz.models import Question, Quiz

pytestmark = pytest.mark.django_db


def question_form(**overrides) -> dict:
    data = {
        "key": "admin-made",
        "kind": "claim",
        "prompt": "Enter the claim lines.",
        "scenario": "Right L4-L5 facet injection under fluoroscopy, therapeutic.",
        "explanation": "One right-sided lumbar level.",
        "tags": ["nerves-as-levels"],
        "procedure": "injection",
        "guidance": "fluoroscopy",
        "joints": "L4-L5:R",
        "nerves": "",
        "payer_format": "medicare",
        "intent": "therapeutic",
        "sources": ["fcsocg"],
        "options-TOTAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def with_source_ids(data: dict) -> dict:
    from codes.models import Source

    data["sources"] = [Source.objects.get(key=key).pk for key in data["sources"]]
    return data


def test_the_admin_lists_and_edits_questions_and_quizzes(superuser):
    assert superuser.get("/admin/quiz/question/").status_code == 200
    assert superuser.get("/admin/quiz/question/?q=third").status_code == 200
    assert superuser.get("/admin/quiz/quiz/").status_code == 200
    quiz = Quiz.objects.get(slug="mixed-exam")
    assert superuser.get(f"/admin/quiz/quiz/{quiz.pk}/change/").status_code == 200
    for url in ("trainingsession", "attempt", "answer"):
        assert superuser.get(f"/admin/quiz/{url}/").status_code == 200


def test_a_claim_question_shows_the_engines_answer(superuser):
    question = Question.objects.get(key="mixed-sides-medicare")
    page = superuser.get(f"/admin/quiz/question/{question.pk}/change/").content.decode()
    assert "<code>64493-50-KX</code>" in page and "<code>64494-RT-KX</code>" in page


def test_a_new_claim_question_is_checked_by_the_engine(superuser):
    response = superuser.post("/admin/quiz/question/add/", with_source_ids(question_form()))
    assert response.status_code == 302
    assert Question.objects.get(key="admin-made").expected_text() == "64493-RT"
    bad = question_form(key="admin-bad", joints="L6-L7:R")
    response = superuser.post("/admin/quiz/question/add/", with_source_ids(bad))
    assert response.status_code == 200
    assert "The coding engine cannot code this scenario" in response.content.decode()
    no_line = question_form(key="admin-no-line", guidance="none")
    response = superuser.post("/admin/quiz/question/add/", with_source_ids(no_line))
    assert "ask it as a choice question" in response.content.decode()
    assert not Question.objects.filter(key__in=["admin-bad", "admin-no-line"]).exists()


def test_a_choice_question_needs_exactly_one_right_option(superuser):
    data = question_form(
        key="admin-single",
        kind="single",
        joints="",
        procedure="",
        guidance="",
        payer_format="",
        intent="",
        **{
            "options-TOTAL_FORMS": "2",
            "options-0-position": "0",
            "options-0-text": "A",
            "options-0-correct": "on",
            "options-1-position": "1",
            "options-1-text": "B",
            "options-1-correct": "on",
        },
    )
    response = superuser.post("/admin/quiz/question/add/", with_source_ids(data))
    assert "exactly one right option" in response.content.decode()
    del data["options-1-correct"]
    data["options-1-tag"] = "third-level"
    assert superuser.post("/admin/quiz/question/add/", data).status_code == 302
    assert Question.objects.get(key="admin-single").options.count() == 2


def test_stored_answers_cannot_be_edited_in_the_admin(superuser):
    response = superuser.get("/admin/quiz/answer/add/")
    assert response.status_code == 403


def test_a_quiz_slug_cannot_take_the_address_of_another_page(superuser):
    data = {
        "slug": "join",
        "title": "Join",
        "kind": "topic",
        "pass_mark": "70",
        "sort_order": "0",
        "quiz_questions-TOTAL_FORMS": "0",
        "quiz_questions-INITIAL_FORMS": "0",
        "quiz_questions-MIN_NUM_FORMS": "0",
        "quiz_questions-MAX_NUM_FORMS": "1000",
    }
    response = superuser.post("/admin/quiz/quiz/add/", data)
    assert "is used by another page" in response.content.decode()
    data["slug"] = "join-us"
    assert superuser.post("/admin/quiz/quiz/add/", data).status_code == 302
