"""Joining a session and starting a quiz are idempotent per browser: a double click, even from
a browser that has no session yet (so each of the two requests opens its own), ends in one
participant and one attempt.

What two such requests share is the CSRF cookie the browser got with the form page; each
request here is sent by its own client holding only that cookie, as a browser's two requests
do before either has a session cookie back. The sequential tests run on both databases; the
concurrent ones (threads, real commits) on PostgreSQL (scripts/test-postgres.sh).
"""

import re
import threading

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from quiz.models import Attempt, TrainingSession
from tests.quiz.conftest import make_question, make_quiz

WAIT = 20  # seconds: far more than any request needs; a hang fails the test instead


def form_page(url: str) -> tuple[str, str]:
    """A new browser opens a form page: (its CSRF cookie, the form's start key or '')."""
    browser = Client(enforce_csrf_checks=True)
    response = browser.get(url)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no session before the POST
    key = re.search(r'name="key" value="([^"]+)"', response.content.decode())
    return browser.cookies[settings.CSRF_COOKIE_NAME].value, key.group(1) if key else ""


def click(cookie: str, url: str, data: dict) -> Client:
    """One request of the double click: a client with the page's CSRF cookie and nothing else."""
    request = Client(enforce_csrf_checks=True)
    request.cookies[settings.CSRF_COOKIE_NAME] = cookie
    request.response = request.post(url, {**data, "csrfmiddlewaretoken": cookie})
    return request


def join_twice(session: TrainingSession, name: str) -> list[Client]:
    cookie, _ = form_page(f"/quiz/join?code={session.code}")
    data = {"code": session.code, "display_name": name}
    return [click(cookie, "/quiz/join", data) for _ in range(2)]


def start_twice(quiz) -> list[Client]:
    cookie, key = form_page(f"/quiz/{quiz.slug}/")
    assert key
    return [click(cookie, f"/quiz/{quiz.slug}/start", {"mode": "exam", "key": key}) for _ in "12"]


@pytest.mark.django_db
def test_a_double_click_on_join_makes_one_participant(training_session, trainer):
    first, second = join_twice(training_session, "Ana")
    assert first.response.status_code == second.response.status_code == 302
    assert first.response["Location"] == second.response["Location"]
    assert list(training_session.attempts.values_list("display_name", flat=True)) == ["Ana"]
    # Whichever session cookie the browser keeps, the attempt is its own.
    for request in (first, second):
        assert request.get(request.response["Location"]).status_code == 302
    page = trainer.get(f"/quiz/sessions/{training_session.pk}/").content.decode()
    assert "Participants (1)" in page


@pytest.mark.django_db
def test_two_browsers_are_two_participants(training_session):
    join_twice(training_session, "Ana")
    join_twice(training_session, "Ben")
    names = training_session.attempts.order_by("display_name").values_list("display_name")
    assert [name for (name,) in names] == ["Ana", "Ben"]


@pytest.mark.django_db
def test_a_signed_in_trainee_who_clicks_join_twice_is_one_participant(training_session):
    user = User.objects.create(username="ana")
    client = Client()
    client.force_login(user)
    data = {"code": training_session.code, "display_name": "Ana"}
    first, second = (client.post("/quiz/join", data) for _ in range(2))
    assert first["Location"] == second["Location"]
    assert training_session.attempts.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_double_click_on_start_makes_one_attempt(quiz):
    first, second = start_twice(quiz)
    assert first.response.status_code == second.response.status_code == 302
    assert first.response["Location"] == second.response["Location"]
    assert Attempt.objects.filter(quiz=quiz).count() == 1
    assert first.get(first.response["Location"]).status_code == 200


@pytest.mark.django_db
def test_starting_again_from_a_new_page_makes_a_new_attempt(quiz):
    start_twice(quiz)
    start_twice(quiz)
    assert Attempt.objects.filter(quiz=quiz).count() == 2


@pytest.mark.django_db
def test_another_browser_cannot_take_over_an_attempt_with_its_start_key(quiz):
    _, key = form_page(f"/quiz/{quiz.slug}/")
    own_cookie, _ = form_page(f"/quiz/{quiz.slug}/")
    other_cookie, _ = form_page(f"/quiz/{quiz.slug}/")
    mine = click(own_cookie, f"/quiz/{quiz.slug}/start", {"mode": "exam", "key": key})
    theirs = click(other_cookie, f"/quiz/{quiz.slug}/start", {"mode": "exam", "key": key})
    assert mine.response["Location"] != theirs.response["Location"]
    assert Attempt.objects.filter(quiz=quiz).count() == 2


# At the same moment, on PostgreSQL ----------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one connection write at a time: requests cannot race "
    "(run scripts/test-postgres.sh)",
)
# Real commits, seen by the other threads' connections.
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CLICKS = 6


def at_once(send) -> list:
    """`send()` from CLICKS threads released together; their results."""
    ready = threading.Barrier(CLICKS, timeout=WAIT)
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            ready.wait()
            results.append(send())
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


@pytest.fixture
def committed_session() -> TrainingSession:
    trainer = User.objects.create(username="trainer")
    question = make_question("t-race", "single", options=[("Right", True, ""), ("No", False, "")])
    session = TrainingSession.create(quiz=make_quiz("t-race", [question]), trainer=trainer)
    session.set_status(TrainingSession.Status.OPEN)
    return session


@on_postgresql
@committing
def test_clicks_on_join_at_the_same_moment_make_one_participant(committed_session):
    cookie, _ = form_page(f"/quiz/join?code={committed_session.code}")
    data = {"code": committed_session.code, "display_name": "Ana"}
    responses = at_once(lambda: click(cookie, "/quiz/join", data).response)
    assert [response.status_code for response in responses] == [302] * CLICKS
    assert len({response["Location"] for response in responses}) == 1
    assert committed_session.attempts.count() == 1


@on_postgresql
@committing
def test_clicks_on_start_at_the_same_moment_make_one_attempt(committed_session):
    quiz = committed_session.quiz
    cookie, key = form_page(f"/quiz/{quiz.slug}/")
    data = {"mode": "exam", "key": key}
    responses = at_once(lambda: click(cookie, f"/quiz/{quiz.slug}/start", data).response)
    assert [response.status_code for response in responses] == [302] * CLICKS
    assert len({response["Location"] for response in responses}) == 1
    assert Attempt.objects.filter(quiz=quiz).count() == 1
