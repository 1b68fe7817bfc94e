"""Pages that show a trainee's answers, scores or name are for their viewer alone: each sends
`Cache-Control: private, no-store`, so no proxy or shared cache keeps one and hands it to
someone else, and the browser does not store it."""

import pytest
from django.test import Client
from django.utils.cache import get_max_age

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def assert_private(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")
    assert "public" not in directives
    assert get_max_age(response) in (None, 0)


@pytest.fixture
def answered_trainee(trainee_a, single_question) -> Client:
    option = single_question.options.get(text="+64494 again").pk
    assert trainee_a.post(f"{trainee_a.attempt_url}2/", {"option": option}).status_code == 302
    return trainee_a


def test_a_trainees_pages_are_private(answered_trainee):
    attempt = answered_trainee.attempt_url
    for url, headers in [
        ("/quiz/", {}),  # their history
        (attempt, {}),
        (f"{attempt}1/", {}),
        (f"{attempt}2/", {}),  # the feedback on their answer
        (f"{attempt}2/", HTMX),
        (f"{attempt}results", {}),
        ("/quiz/join", {}),
    ]:
        response = answered_trainee.get(url, headers=headers)
        assert response.status_code in (200, 302), url
        assert_private(response)


def test_answering_is_private(answered_trainee, multiple_question):
    option = multiple_question.options.get(text="Ablation").pk
    for headers in ({}, HTMX):
        response = answered_trainee.post(
            f"{answered_trainee.attempt_url}3/", {"option": [option]}, headers=headers
        )
        assert_private(response)


def test_the_timer_is_private(anonymous, timed_quiz):
    started = anonymous.post(f"/quiz/{timed_quiz.slug}/start", {"mode": "exam"})
    assert_private(started)
    attempt = started["Location"].rsplit("/", 2)[0]
    response = anonymous.get(f"{attempt}/time", headers=HTMX)
    assert response.status_code == 200
    assert_private(response)


def test_joining_is_private(anonymous, training_session):
    response = anonymous.post("/quiz/join", {"code": training_session.code, "display_name": "Ana"})
    assert response.status_code == 302
    assert_private(response)


def test_the_trainers_pages_are_private(trainer, training_session, answered_trainee):
    dashboard = f"/quiz/sessions/{training_session.pk}/"
    for url, headers in [
        ("/quiz/sessions/", {}),
        (dashboard, {}),
        (dashboard, HTMX),  # the poll
        (f"{dashboard}answers.csv", {}),
    ]:
        response = trainer.get(url, headers=headers)
        assert response.status_code == 200, url
        assert_private(response)
    assert_private(trainer.post(f"{dashboard}status", {"status": "closed"}))
