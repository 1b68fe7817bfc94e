"""Who may do what in the back office: editors edit payer notes and only view the rest;
superusers do everything; signed-in outsiders and anonymous visitors get nothing."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from codes.models import Code
from notes.models import PayerNote
from tests.notes.conftest import form_data, open_note, save

pytestmark = pytest.mark.django_db


def reference_models() -> list:
    """Every model of the reference data with a page in the admin."""
    return [
        model
        for model in apps.get_app_config("codes").get_models()
        if model in admin.site._registry
    ]


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_it_gives_editors_exactly_note_editing_and_viewing_the_rest():
    group = Group.objects.get(name=PayerNote.EDITORS_GROUP)
    expected = {"notes.add_payernote", "notes.change_payernote", "notes.view_payernote"} | {
        f"codes.view_{model._meta.model_name}" for model in reference_models()
    }
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == expected


def test_it_lets_an_editor_open_every_reference_list(editor):
    for model in reference_models():
        assert editor.get(changelist(model)).status_code == 200, model


def test_it_lets_an_editor_change_and_add_notes(editor, note):
    assert save(editor, note, open_note(editor, note), text="Edited.").status_code == 302
    note.refresh_from_db()
    assert note.text == "Edited."
    assert editor.get(reverse("admin:notes_payernote_add")).status_code == 200


def test_it_shows_an_editor_codes_read_only(editor):
    code = Code.objects.first()
    url = reverse("admin:codes_code_change", args=[code.pk])
    page = editor.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    summary = code.summary
    response = editor.post(url, {"summary": "Changed by an editor.", "code": code.code})
    assert response.status_code == 403
    code.refresh_from_db()
    assert code.summary == summary
    assert editor.get(reverse("admin:codes_code_add")).status_code == 403


def test_it_refuses_an_editor_deleting_a_note(editor, note):
    url = reverse("admin:notes_payernote_delete", args=[note.pk])
    assert editor.get(url).status_code == 403
    assert editor.post(url, {"post": "yes"}).status_code == 403
    changelist_page = editor.get(changelist(PayerNote))
    actions = [name for name, _ in changelist_page.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"publish", "unpublish", "mark_reviewed_today"} <= set(actions)
    editor.post(
        changelist(PayerNote),
        {"action": "delete_selected", "_selected_action": [note.pk], "post": "yes"},
    )
    assert PayerNote.objects.filter(pk=note.pk).exists()


def test_it_keeps_editors_away_from_user_accounts(editor):
    assert editor.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_it_lets_a_superuser_do_everything(superuser, note):
    assert superuser.get(reverse("admin:auth_user_changelist")).status_code == 200
    code = Code.objects.filter(relations_from__isnull=False, payer_notes__isnull=False).first()
    url = reverse("admin:codes_code_change", args=[code.pk])
    page = superuser.get(url)
    assert page.context["has_change_permission"]
    response = superuser.post(url, form_data(page, summary="Changed by a superuser."))
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.summary == "Changed by a superuser."
    assert code.relations_from.exists() and code.payer_notes.exists()  # inlines untouched
    response = superuser.post(
        reverse("admin:notes_payernote_delete", args=[note.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not PayerNote.objects.filter(pk=note.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/notes/payernote/",
        "/admin/notes/payernote/1/change/",
        "/admin/notes/payernote/1/history/compare/",
        "/admin/codes/code/",
    ],
)
def test_it_sends_outsiders_and_anonymous_visitors_to_the_login(outsider, client, path):
    for browser in (outsider, client):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_refuses_an_outsiders_revert(outsider, note):
    record = note.history.first()
    url = reverse("admin:notes_payernote_revert", args=[note.pk, record.pk])
    response = outsider.post(url, {"opened_version": note.version})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_shows_a_note_read_only_to_someone_who_may_only_view_it(viewer, note):
    page = viewer.get(reverse("admin:notes_payernote_change", args=[note.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert 'name="text"' not in page.content.decode()
    response = viewer.post(
        reverse("admin:notes_payernote_change", args=[note.pk]),
        {"text": "Changed by a viewer.", "opened_version": note.version},
    )
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.text != "Changed by a viewer."
