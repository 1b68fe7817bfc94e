"""Personas of the back office, each a logged-in browser (a Django test client)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from notes.models import PayerNote

PASSWORD = "a long passphrase for tests"


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, *, staff=False, superuser=False, editor=False):
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=staff or superuser, is_superuser=superuser
        )
        if editor:
            user.groups.add(Group.objects.get(name=PayerNote.EDITORS_GROUP))
        return user

    return make


def logged_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    browser.user = user
    return browser


@pytest.fixture
def editor(make_user) -> Client:
    """Keeps payer notes current: staff, in the "Payer note editors" group."""
    return logged_in(make_user("edna", staff=True, editor=True))


@pytest.fixture
def second_editor(make_user) -> Client:
    """Another editor, working on the same notes at the same time."""
    return logged_in(make_user("otto", staff=True, editor=True))


@pytest.fixture
def superuser(make_user) -> Client:
    return logged_in(make_user("sam", superuser=True))


@pytest.fixture
def viewer(make_user) -> Client:
    """Staff who may view payer notes but not change them (no such group ships)."""
    user = make_user("vera", staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_payernote"))
    return logged_in(user)


@pytest.fixture
def outsider(make_user) -> Client:
    """Has an account (signed in) but is neither staff nor in any group."""
    return logged_in(make_user("olga"))


@pytest.fixture
def note() -> PayerNote:
    """A published payer note of the shipped dataset that lists at least one code."""
    found = (
        PayerNote.objects.published().filter(codes__isnull=False).distinct().order_by("key").first()
    )
    assert found is not None, "the dataset has no published payer note with codes"
    return found


# Admin change forms, as a browser uses them


def change_url(note: PayerNote) -> str:
    return reverse("admin:notes_payernote_change", args=[note.pk])


def history_url(note: PayerNote) -> str:
    return reverse("admin:notes_payernote_history", args=[note.pk])


def compare_url(note: PayerNote) -> str:
    return reverse("admin:notes_payernote_compare", args=[note.pk])


def revert_url(note: PayerNote, record) -> str:
    return reverse("admin:notes_payernote_revert", args=[note.pk, record.pk])


def form_data(response, **changes) -> dict:
    """What a browser posts back from an admin change form as it was rendered (the form and
    its inline formsets), plus `changes`."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "" if value is None else str(value)
    data.update(changes)
    return data


def open_note(browser, note: PayerNote) -> dict:
    response = browser.get(change_url(note))
    assert response.status_code == 200
    return form_data(response)


def save(browser, note: PayerNote, data: dict, **changes):
    return browser.post(change_url(note), {**data, **changes})
