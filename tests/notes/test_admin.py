"""Editing payer notes in the back office: no lost update, history, diff and revert, review
dates, drafts and publishing, and the loader keeping an editor's change."""

import re
from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from codes.models import Code, Payer, Revision
from notes.admin import PayerNoteAdmin
from notes.models import EditConflict, PayerNote
from tests.notes.conftest import (
    change_url,
    compare_url,
    form_data,
    history_url,
    open_note,
    revert_url,
    save,
)

pytestmark = pytest.mark.django_db


def public_note(client, url: str, note: PayerNote) -> str | None:
    """The note as the public page at `url` shows it (None when it is not shown)."""
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(
        rf'<article class="note" id="note-{note.key}">.*?</article>', page.content.decode(), re.S
    )
    return found.group(0) if found else None


def api_notes(client, code: str) -> list[dict]:
    response = client.get(f"/api/codes/{code}")
    assert response.status_code == 200
    return response.json()["payer_notes"]


# Saving and the lost-update guard ------------------------------------------------------------


def test_it_saves_an_edit_as_a_new_version_with_who_and_why(editor, note):
    data = open_note(editor, note)
    response = save(editor, note, data, text="Rewritten by an editor.", change_reason="CPB 2026")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Rewritten by an editor."
    record = note.history.first()
    assert (record.history_user, record.history_change_reason) == (editor.user, "CPB 2026")
    assert record.version == note.version == int(data["opened_version"]) + 1


def test_it_refuses_the_second_of_two_editors_saving_the_same_version(editor, second_editor, note):
    first = open_note(editor, note)
    second = open_note(second_editor, note)

    assert save(editor, note, first, text="Edna's text.").status_code == 302
    refused = save(second_editor, note, second, text="Otto's text.")

    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Someone else saved this note after you opened it" in page
    assert "edna" in page  # who
    form = refused.context["adminform"].form
    assert [(c.label, c.new) for c in form.conflict.changes] == [("Text", "Edna's text.")]
    assert form["text"].value() == "Otto's text."  # the refused text is still in the form
    note.refresh_from_db()
    assert note.text == "Edna's text."

    # After reloading the note, the second editor saves on top of the first one's change.
    reloaded = open_note(second_editor, note)
    assert reloaded["text"] == "Edna's text."
    assert save(second_editor, note, reloaded, text="Otto's text.").status_code == 302
    note.refresh_from_db()
    assert note.text == "Otto's text."
    assert [r.history_user.username for r in note.history.all()[:2]] == ["otto", "edna"]


def test_it_shows_the_other_editors_field_changes_in_the_refusal(editor, second_editor, note):
    first = open_note(editor, note)
    second = open_note(second_editor, note)
    code_ids = [
        str(pk) for pk in Code.objects.exclude(payer_notes=note).values_list("pk", flat=True)[:1]
    ]
    save(editor, note, first, text="Changed words here.", codes=first["codes"] + code_ids)
    refused = save(second_editor, note, second, text="Something else.")
    conflict = refused.context["adminform"].form.conflict
    assert {change.name for change in conflict.changes} == {"text", "codes"}
    assert [s.history_user.username for s in conflict.saves] == ["edna"]
    assert conflict.current_version == conflict.opened_version + 1


def test_it_lets_only_one_of_two_saves_win_even_when_both_passed_the_form_check(
    editor, second_editor, note
):
    """The race: the first save commits after the second request read the note (so the
    second form's version check passes) but before the second request writes."""
    first = open_note(editor, note)
    second = open_note(second_editor, note)
    assert save(editor, note, first, text="Edna won the race.").status_code == 302
    get_object = PayerNoteAdmin.get_object
    reads = []

    def read_before_the_first_save_committed(self, request, object_id, from_field=None):
        found = get_object(self, request, object_id, from_field)
        if not reads:
            reads.append(found)
            found.version = int(second["opened_version"])  # as it was a moment earlier
        return found

    with mock.patch.object(PayerNoteAdmin, "get_object", read_before_the_first_save_committed):
        refused = save(second_editor, note, second, text="Otto lost the race.")

    assert reads[0].version == int(second["opened_version"])  # the stale read happened
    assert refused.status_code == 409
    assert refused.context["adminform"].form.conflict.saves[0].history_user == editor.user
    note.refresh_from_db()
    assert note.text == "Edna won the race."
    assert note.version == int(first["opened_version"]) + 1


def test_it_writes_nothing_for_a_save_from_a_stale_version(note):
    one, two = PayerNote.objects.get(pk=note.pk), PayerNote.objects.get(pk=note.pk)
    opened = one.version
    one.text = "First."
    one.save_edit(opened)
    records = note.history.count()
    two.text = "Second."
    with pytest.raises(EditConflict) as refused:
        two.save_edit(opened, codes=[])
    note.refresh_from_db()
    assert note.text == "First." and note.codes.exists()
    assert note.history.count() == records
    assert refused.value.current_version == opened + 1


@pytest.mark.parametrize("version", ["", "abc", "1.5", "-1", "0", "99999999"])
def test_it_refuses_a_form_with_a_missing_or_malformed_version(editor, note, version):
    data = open_note(editor, note)
    response = save(editor, note, data, opened_version=version, text="Should not be saved.")
    assert response.status_code == 400
    assert "does not say which version" in response.content.decode()
    note.refresh_from_db()
    assert note.text != "Should not be saved."


@pytest.mark.parametrize("note_id", ["999999", "abc", "-1"])
def test_it_explains_an_unknown_note_instead_of_failing(editor, note_id):
    response = editor.get(f"/admin/notes/payernote/{note_id}/change/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()
    for path in ("history/", "history/compare/", "history/1/"):
        response = editor.get(f"/admin/notes/payernote/{note_id}/{path}")
        assert response.status_code == 404, path
        assert "There is no payer note with the id" in response.content.decode()
    response = editor.post(f"/admin/notes/payernote/{note_id}/history/1/revert/")
    assert response.status_code == 404


# History, diff and revert --------------------------------------------------------------------


def test_it_lists_who_changed_what_and_when_in_the_history(editor, note):
    data = open_note(editor, note)
    save(editor, note, data, text="A brand new sentence.", change_reason="Policy update")
    response = editor.get(history_url(note))
    assert response.status_code == 200
    page = response.content.decode()
    assert "edna" in page and "Policy update" in page
    assert "<ins>A brand new sentence.</ins>" in page
    assert "(current)" in page


def test_it_compares_any_two_versions_codes_included(editor, note):
    codes_before = [str(c) for c in note.codes.all()]  # in code order
    data = open_note(editor, note)
    save(editor, note, data, text="Version two text.")
    data = open_note(editor, note)
    save(editor, note, data, codes=[], text="Version three text.")
    oldest, _, newest = reversed(note.history.all()[:3])

    response = editor.get(compare_url(note), {"old": oldest.pk, "new": newest.pk})

    assert response.status_code == 200
    changes = {c.name: c for c in response.context["changes"]}
    assert set(changes) == {"text", "codes"}
    assert changes["codes"].old == ", ".join(codes_before)
    assert changes["codes"].new == "(none)"
    assert ("ins", "Version three text.") in changes["text"].segments
    # The pair may come in either order; the older one is always shown first.
    swapped = editor.get(compare_url(note), {"old": newest.pk, "new": oldest.pk})
    assert swapped.context["old"] == oldest


def test_it_compares_the_latest_change_by_default(editor, note):
    data = open_note(editor, note)
    save(editor, note, data, url="https://example.org/policy")
    response = editor.get(compare_url(note))
    assert [(c.label, c.new) for c in response.context["changes"]] == [
        ("URL", "https://example.org/policy")
    ]


@pytest.mark.parametrize(
    "query", [{"old": "abc", "new": "1"}, {"old": "999999999"}, {"new": ""}, {"old": "1;drop"}]
)
def test_it_refuses_versions_that_are_not_of_this_note(editor, note, query):
    response = editor.get(compare_url(note), query)
    assert response.status_code == 400
    assert "cannot be compared" in response.content.decode()


def test_it_refuses_to_compare_with_a_version_of_another_note(editor, note):
    other = PayerNote.objects.exclude(pk=note.pk).first()
    response = editor.get(
        compare_url(note), {"old": other.history.first().pk, "new": note.history.first().pk}
    )
    assert response.status_code == 400


def test_it_reverts_to_a_past_version_as_a_new_entry_in_the_history(editor, note):
    original_text = note.text
    original_codes = set(note.codes.all())
    data = open_note(editor, note)
    save(editor, note, data, text="A mistake.", codes=[])
    note.refresh_from_db()
    past = note.history.filter(text=original_text).first()

    response = editor.post(revert_url(note, past), {"opened_version": note.version})

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == original_text
    assert set(note.codes.all()) == original_codes
    latest = note.history.first()
    assert latest.history_change_reason.startswith(f"Reverted to version {past.version}")
    assert latest.history_user == editor.user
    assert latest.version == note.version == past.version + 2
    assert note.history.filter(text="A mistake.").exists()  # nothing is lost by reverting


def test_it_offers_the_revert_from_a_past_version_page(editor, note):
    data = open_note(editor, note)
    save(editor, note, data, text="Newer.")
    past = note.history.all()[1]
    page = editor.get(reverse("admin:notes_payernote_simple_history", args=[note.pk, past.pk]))
    assert page.status_code == 200
    assert revert_url(note, past) in page.content.decode()
    assert ("Text", past.text) in page.context["rows"]


def test_it_refuses_a_revert_based_on_a_stale_version(editor, second_editor, note):
    data = open_note(editor, note)
    save(editor, note, data, text="Edna's text.")
    note.refresh_from_db()
    past = note.history.all()[1]
    stale = note.version
    data = open_note(second_editor, note)
    save(second_editor, note, data, text="Otto's newer text.")

    response = editor.post(revert_url(note, past), {"opened_version": stale})

    assert response.status_code == 409
    assert "otto" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "Otto's newer text."


@pytest.mark.parametrize("opened", ["", "abc"])
def test_it_refuses_a_revert_without_a_version(editor, note, opened):
    past = note.history.first()
    response = editor.post(revert_url(note, past), {"opened_version": opened})
    assert response.status_code == 400
    assert note.history.first() == past


def test_it_refuses_a_revert_by_get_or_by_someone_who_may_only_view(viewer, note):
    past = note.history.first()
    assert viewer.get(revert_url(note, past)).status_code == 405
    response = viewer.post(revert_url(note, past), {"opened_version": note.version})
    assert response.status_code == 403
    page = viewer.get(reverse("admin:notes_payernote_simple_history", args=[note.pk, past.pk]))
    assert page.status_code == 200 and revert_url(note, past) not in page.content.decode()


def test_it_accepts_no_edits_through_the_version_page(editor, note):
    past = note.history.first()
    url = reverse("admin:notes_payernote_simple_history", args=[note.pk, past.pk])
    response = editor.post(url, {"text": "Sneaked in."})
    assert response.status_code == 405
    note.refresh_from_db()
    assert note.text != "Sneaked in."


# Review dates --------------------------------------------------------------------------------


def test_it_marks_a_note_reviewed_today_by_the_editor(editor, note):
    PayerNote.objects.filter(pk=note.pk).update(last_reviewed=date(2020, 1, 1))
    data = open_note(editor, note)
    assert save(editor, note, data, mark_reviewed="on").status_code == 302
    note.refresh_from_db()
    assert note.last_reviewed == timezone.localdate()
    assert note.reviewer == editor.user
    assert not note.review_overdue


def test_it_flags_and_filters_notes_not_reviewed_for_twelve_months(editor, note):
    today = timezone.localdate()
    others = PayerNote.objects.exclude(pk=note.pk)
    others.update(last_reviewed=today - timedelta(days=365))  # exactly twelve months: not yet
    PayerNote.objects.filter(pk=note.pk).update(last_reviewed=today - timedelta(days=366))

    overdue = editor.get(reverse("admin:notes_payernote_changelist"), {"review": "overdue"})
    current = editor.get(reverse("admin:notes_payernote_changelist"), {"review": "current"})

    assert [n.pk for n in overdue.context["cl"].result_list] == [note.pk]
    assert note.pk not in {n.pk for n in current.context["cl"].result_list}
    assert current.context["cl"].result_count == others.count()
    assert PayerNote.objects.get(pk=note.pk).review_overdue
    assert not any(n.review_overdue for n in others)


def test_it_marks_reviewed_and_publishes_through_list_actions(editor, note):
    changelist = reverse("admin:notes_payernote_changelist")
    PayerNote.objects.filter(pk=note.pk).update(last_reviewed=date(2020, 1, 1))
    response = editor.post(
        changelist, {"action": "mark_reviewed_today", "_selected_action": [note.pk]}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.last_reviewed, note.reviewer) == (timezone.localdate(), editor.user)
    assert note.history.first().history_change_reason == "Marked reviewed"


# Drafts, publishing and the public pages -----------------------------------------------------


def test_it_keeps_a_new_note_as_a_draft_until_it_is_published(editor, client, note):
    code = note.codes.first()
    add = editor.get(reverse("admin:notes_payernote_add"))
    assert add.context["adminform"].form["status"].value() == PayerNote.Status.DRAFT
    data = form_data(
        add,
        key="draft-note-from-the-admin",
        payer=str(note.payer_id),
        topic="documentation",
        codes=[str(code.pk)],
        text="Document **each level** treated.",
        source=str(note.source_id),
        confidence="C",
        last_reviewed=timezone.localdate().isoformat(),
    )
    assert editor.post(reverse("admin:notes_payernote_add"), data).status_code == 302
    draft = PayerNote.objects.get(key="draft-note-from-the-admin")
    assert draft.status == PayerNote.Status.DRAFT
    assert draft.history.first().history_user == editor.user
    assert "Document **each level** treated." not in [
        n["text"] for n in api_notes(client, code.code)
    ]

    before = Revision.current().number
    editor.post(
        reverse("admin:notes_payernote_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert Revision.current().number > before
    assert "Document **each level** treated." in [n["text"] for n in api_notes(client, code.code)]

    editor.post(
        reverse("admin:notes_payernote_changelist"),
        {"action": "unpublish", "_selected_action": [draft.pk]},
    )
    assert "Document **each level** treated." not in [
        n["text"] for n in api_notes(client, code.code)
    ]
    assert PayerNote.objects.get(pk=draft.pk).status == PayerNote.Status.DRAFT


def test_it_saves_a_published_note_back_to_draft_from_the_form(editor, client, note):
    code = note.codes.first().code
    data = open_note(editor, note)
    save(editor, note, data, status="draft")
    assert note.text not in [n["text"] for n in api_notes(client, code)]


def test_it_refreshes_the_public_data_when_a_note_is_edited(editor, client, note):
    code = note.codes.first().code
    assert note.text in [n["text"] for n in api_notes(client, code)]
    before = Revision.current().number
    data = open_note(editor, note)
    save(editor, note, data, text="Updated rule for this quarter.")
    assert Revision.current().number > before
    texts = [n["text"] for n in api_notes(client, code)]
    assert "Updated rule for this quarter." in texts and note.text not in texts


def test_it_keeps_an_edit_made_in_the_admin_when_the_dataset_is_loaded_again(editor, note):
    data = open_note(editor, note)
    save(editor, note, data, text="Kept over a reload.", mark_reviewed="on")
    out = StringIO()
    call_command("load_reference", stdout=out)
    note.refresh_from_db()
    assert note.text == "Kept over a reload."
    assert note.reviewer == editor.user
    assert "kept (edited since loaded)" in out.getvalue()


def test_it_tells_the_editor_whether_the_loader_may_still_update_a_note(editor, note):
    page = editor.get(change_url(note)).content.decode()
    assert "As loaded from the dataset" in page
    data = open_note(editor, note)
    save(editor, note, data, text="Edited.")
    page = editor.get(change_url(note)).content.decode()
    assert "Edited since it was loaded: load_reference keeps this version." in page


def test_it_previews_the_note_sanitised(editor, note):
    PayerNote.objects.filter(pk=note.pk).update(
        text="See [the policy](https://example.org) <script>alert(1)</script>"
    )
    page = editor.get(change_url(note)).content.decode()
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">the policy</a>' in page
    assert "<script>alert(1)" not in page


def test_it_makes_no_new_version_when_a_note_is_saved_unchanged(editor, note):
    records, version = note.history.count(), note.version
    data = open_note(editor, note)
    # Browsers send line breaks as CRLF; the note's text is the same.
    response = save(editor, note, data, text=data["text"].replace("\n", "\r\n"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.version, note.history.count()) == (version, records)
    assert "\r" not in note.text


def test_it_refuses_to_restore_a_version_whose_payer_is_gone(editor, note):
    original = note.payer
    gone = Payer.objects.create(slug="gone-payer", name="A payer removed since")
    data = open_note(editor, note)
    save(editor, note, data, payer=str(gone.pk))
    data = open_note(editor, note)
    save(editor, note, data, payer=str(original.pk))
    note.refresh_from_db()
    with_gone_payer = note.history.all()[1]
    assert with_gone_payer.payer_id == gone.pk
    gone.delete()

    response = editor.post(revert_url(note, with_gone_payer), {"opened_version": note.version})

    assert response.status_code == 400
    assert "cannot be restored" in response.content.decode()
    note.refresh_from_db()
    assert note.payer == original


def test_it_refreshes_the_cached_code_and_payer_pages_on_edit_publish_and_unpublish(
    editor, client, note
):
    pages = [note.codes.first().get_absolute_url(), note.payer.get_absolute_url()]
    etags = [client.get(url)["ETag"] for url in pages]  # rendered and cached
    data = open_note(editor, note)
    save(editor, note, data, text="New wording for *this* quarter.")
    for url, etag in zip(pages, etags, strict=True):
        shown = public_note(client, url, note)
        assert "New wording for <em>this</em> quarter." in shown, url
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200

    changelist = reverse("admin:notes_payernote_changelist")
    editor.post(changelist, {"action": "unpublish", "_selected_action": [note.pk]})
    assert all(public_note(client, url, note) is None for url in pages)
    editor.post(changelist, {"action": "publish", "_selected_action": [note.pk]})
    assert all(public_note(client, url, note) is not None for url in pages)


def test_it_clears_the_public_review_overdue_flag_when_an_editor_reviews_the_note(
    editor, client, note
):
    url = note.codes.first().get_absolute_url()
    note.last_reviewed = date(2020, 1, 1)
    note.save_edit(note.version)
    assert "Check overdue" in public_note(client, url, note)
    data = open_note(editor, note)
    save(editor, note, data, mark_reviewed="on")
    shown = public_note(client, url, note)
    assert "Check overdue" not in shown
    assert f"Checked against its source {timezone.localdate():%Y-%m-%d}" in shown
