"""`manage.py create_editor` makes a staff account in the payer note editors group."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from facetsite import accounts  # the prompt lives in the shared account command
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

GOOD = "quarterly payer rules change"


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("create_editor", *args, stdout=out, **options)
    return out.getvalue()


def can_sign_in(username: str, password: str) -> bool:
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="198.51.100.1")
    return authenticate(request, username=username, password=password) is not None


def test_it_creates_a_staff_editor_who_can_sign_in():
    out = run("edna", "--email", "edna@example.org", "--password", GOOD)
    user = User.objects.get(username="edna")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [PayerNote.EDITORS_GROUP]
    assert user.email == "edna@example.org"
    assert user.has_perm("notes.change_payernote") and not user.has_perm("codes.change_code")
    assert can_sign_in("edna", GOOD)
    assert "Created editor 'edna'" in out


def test_it_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACETCODER_EDITOR_PASSWORD", GOOD)
    run("edna")
    assert can_sign_in("edna", GOOD)


def test_it_prompts_for_the_password_in_a_terminal(monkeypatch):
    monkeypatch.delenv("FACETCODER_EDITOR_PASSWORD", raising=False)
    monkeypatch.setattr(accounts.sys.stdin, "isatty", lambda: True)
    answers = iter([GOOD, GOOD])
    monkeypatch.setattr(accounts.getpass, "getpass", lambda prompt: next(answers))
    run("edna")
    assert can_sign_in("edna", GOOD)


def test_it_refuses_mismatched_prompted_passwords(monkeypatch):
    monkeypatch.delenv("FACETCODER_EDITOR_PASSWORD", raising=False)
    monkeypatch.setattr(accounts.sys.stdin, "isatty", lambda: True)
    answers = iter([GOOD, GOOD + "!"])
    monkeypatch.setattr(accounts.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="do not match"):
        run("edna")
    assert not User.objects.filter(username="edna").exists()


def test_it_asks_for_a_password_when_none_can_be_prompted(monkeypatch):
    monkeypatch.delenv("FACETCODER_EDITOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="No password given"):
        run("edna")
    assert not User.objects.filter(username="edna").exists()


def test_it_is_idempotent_and_keeps_the_password_unless_given_a_new_one():
    run("edna", "--password", GOOD)
    out = run("edna")
    assert "password unchanged" in out
    assert User.objects.filter(username="edna").count() == 1
    assert can_sign_in("edna", GOOD)
    run("edna", "--password", GOOD + " again")
    assert can_sign_in("edna", GOOD + " again")
    assert User.objects.get(username="edna").groups.count() == 1


def test_it_makes_an_existing_account_an_editor():
    User.objects.create_user("olga", password=GOOD)
    run("olga")
    olga = User.objects.get(username="olga")
    assert olga.is_staff and olga.groups.filter(name=PayerNote.EDITORS_GROUP).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name!", "--password", GOOD], "Invalid username"),
        (["edna", "--password", "short"], "Password refused"),
        (["edna", "--password", "12345678901"], "Password refused"),
        (["edna", "--email", "not-an-email", "--password", GOOD], "Invalid email"),
    ],
)
def test_it_refuses_bad_input_clearly_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.exists()


def test_it_explains_a_missing_editors_group():
    Group.objects.filter(name=PayerNote.EDITORS_GROUP).delete()
    with pytest.raises(CommandError, match="run `manage.py migrate`"):
        run("edna", "--password", GOOD)
