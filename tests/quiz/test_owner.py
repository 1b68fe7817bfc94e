"""The owner token of a trainee who has not signed in: a signed cookie, not a session."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from quiz.models import Attempt
from tests.quiz.conftest import join

pytestmark = pytest.mark.django_db


def start(client: Client, quiz) -> tuple[Attempt, str]:
    response = client.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    attempt = Attempt.objects.get(pk=response["Location"].split("/")[3])
    return attempt, f"/quiz/attempts/{attempt.pk}/1/"


def test_a_trainee_gets_a_signed_http_only_cookie_and_no_session(anonymous, quiz):
    attempt, url = start(anonymous, quiz)
    cookie = anonymous.cookies["quiz_owner"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert attempt.owner_token and attempt.owner_token in cookie.value  # signed, not bare
    assert cookie.value != attempt.owner_token
    assert settings.SESSION_COOKIE_NAME not in anonymous.cookies
    assert anonymous.get(url).status_code == 200


def test_the_cookie_is_sent_once_not_with_every_page(anonymous, quiz):
    _, url = start(anonymous, quiz)
    response = anonymous.get(url)
    assert response.status_code == 200 and "quiz_owner" not in response.cookies


@pytest.mark.parametrize("value", ["", "made-up", "t" * 32, "x" * 5000])
def test_an_altered_or_made_up_cookie_owns_nothing(anonymous, quiz, value):
    attempt, url = start(anonymous, quiz)
    stranger = Client()
    stranger.cookies["quiz_owner"] = value
    assert stranger.get(url).status_code == 404
    # Nor does the bare token, unsigned: it must come signed by the site.
    stranger.cookies["quiz_owner"] = attempt.owner_token
    assert stranger.get(url).status_code == 404


def test_the_cookie_alone_carries_the_attempts_to_another_client(anonymous, quiz):
    _, url = start(anonymous, quiz)
    other = Client()
    other.cookies["quiz_owner"] = anonymous.cookies["quiz_owner"].value
    assert other.get(url).status_code == 200


def test_a_double_click_on_join_makes_one_token_and_one_attempt(training_session):
    first = Client()
    first.get("/quiz/join")  # the form sets the CSRF cookie that both clicks send
    second = Client()  # the other click, which left before the first one's answer came
    second.cookies["csrftoken"] = first.cookies["csrftoken"].value
    url = join(first, training_session, "Ana")
    assert join(second, training_session, "Ana") == url
    assert training_session.attempts.count() == 1
    assert first.get(f"{url}1/").status_code == 200
    assert second.get(f"{url}1/").status_code == 200


def test_signing_out_forgets_the_anonymous_attempts_of_this_browser(
    anonymous, quiz, django_user_model
):
    _, url = start(anonymous, quiz)
    anonymous.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    assert anonymous.get(url).status_code == 200  # signing in part way keeps them
    response = anonymous.post("/accounts/logout/")
    assert response.cookies["quiz_owner"].value == ""  # deleted
    assert anonymous.get(url).status_code == 404


def test_a_browser_from_before_the_cookie_keeps_its_attempts(quiz):
    """A token kept in the session by the previous release is read from there once, and
    moved to the cookie."""
    attempt = Attempt.start(quiz, mode="practice", owner_token="s" * 32)
    session = SessionStore()
    session["quiz_owner"] = "s" * 32
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = client.get(f"/quiz/attempts/{attempt.pk}/1/")
    assert response.status_code == 200
    assert "quiz_owner" in response.cookies
    del client.cookies[settings.SESSION_COOKIE_NAME]
    assert client.get(f"/quiz/attempts/{attempt.pk}/1/").status_code == 200
