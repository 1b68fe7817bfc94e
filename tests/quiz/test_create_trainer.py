"""`manage.py create_trainer` makes an account in the Trainers group, with no admin access."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from quiz.models import TRAINERS_GROUP

pytestmark = pytest.mark.django_db
GOOD = "a trainer's long passphrase"


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("create_trainer", *args, stdout=out, **options)
    return out.getvalue()


def can_sign_in(username: str, password: str) -> bool:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.1")
    return authenticate(request, username=username, password=password) is not None


def test_it_creates_a_trainer_who_runs_sessions_but_not_the_admin():
    assert "Created trainer 'tess' in “Trainers”." in run("tess", password=GOOD)
    user = User.objects.get(username="tess")
    assert user.groups.filter(name=TRAINERS_GROUP).exists()
    assert not user.is_staff and not user.is_superuser
    assert can_sign_in("tess", GOOD)
    browser = Client()
    browser.force_login(user)
    assert browser.get("/quiz/sessions/").status_code == 200
    assert browser.get("/admin/").status_code == 302  # to the admin's sign-in


def test_running_it_again_keeps_the_password_and_restores_the_group():
    run("tess", password=GOOD)
    user = User.objects.get(username="tess")
    user.groups.clear()
    assert "(password unchanged)" in run("tess")
    assert user.groups.filter(name=TRAINERS_GROUP).exists()
    assert can_sign_in("tess", GOOD)


def test_it_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACETCODER_TRAINER_PASSWORD", GOOD)
    run("tess")
    assert can_sign_in("tess", GOOD)


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["bad name!"], {"password": GOOD}, "Invalid username"),
        (["tess"], {"password": "short"}, "Password refused"),
        (["tess"], {"password": GOOD, "email": "not-an-address"}, "Invalid email address"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(args, options, message):
    with pytest.raises(CommandError, match=message):
        run(*args, **options)
    assert not User.objects.exists()
