"""Issue 18, the editor's desk: the admin index opens with payer notes and the notes overdue
for review; the preview follows the text as it is typed, through the same sanitiser; the diff
shows before and after side by side; the source is picked by searching; dates carry no time
zone note."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notes.models import PayerNote
from tests.notes.conftest import change_url, compare_url, open_note, save

pytestmark = pytest.mark.django_db
PREVIEW = "/admin/notes/payernote/preview/"


def text(response) -> str:
    return " ".join(response.content.decode().split())


def overdue_by(note: PayerNote, days: int) -> None:
    PayerNote.objects.filter(pk=note.pk).update(
        last_reviewed=PayerNote.review_cutoff() - timedelta(days=days)
    )


def test_the_admin_index_opens_with_payer_notes_and_the_overdue_ones(editor, note):
    PayerNote.objects.update(last_reviewed=timezone.localdate())
    overdue_by(note, 30)
    page = text(editor.get("/admin/"))
    desk = page.index('id="notes-desk-heading"')
    assert desk < page.index('class="app-codes')  # above every model of the reference
    assert "Overdue for review" in page
    assert "Notes last reviewed more than 12 months ago, before" in page
    assert f'<a href="{change_url(note)}">{note.key}</a>' in page
    assert page.count('<th scope="row"> <a href="/admin/notes/payernote/') == 1


def test_the_overdue_panel_says_when_none_is_overdue(editor):
    PayerNote.objects.update(last_reviewed=timezone.localdate())
    page = text(editor.get("/admin/"))
    assert "None: every note was reviewed within 12 months." in page


def test_the_overdue_panel_lists_ten_oldest_first_and_links_the_rest(editor):
    notes = list(PayerNote.objects.order_by("key")[:12])
    assert len(notes) == 12, "the dataset has fewer than 12 payer notes"
    PayerNote.objects.update(last_reviewed=timezone.localdate())
    for days, note in enumerate(notes, start=1):
        overdue_by(note, days)
    page = text(editor.get("/admin/"))
    listed = page.split('id="overdue-heading"')[1].split("</table>")[0]
    assert listed.count("<tr>") == 11  # the head row and ten notes
    assert listed.index(notes[-1].key) < listed.index(notes[-2].key)  # oldest first
    assert notes[0].key not in listed and notes[1].key not in listed
    assert "/admin/notes/payernote/?review=overdue" in page


def test_the_index_costs_one_query_for_the_panel(editor, django_assert_num_queries):
    with django_assert_num_queries(6):
        # 1 session; 2 user; 3 the user's own and 4 their groups' permissions (has_perm,
        # the app list); 5 the overdue notes with their payers; 6 the "recent actions" box.
        editor.get("/admin/")


def test_no_panel_for_staff_who_may_not_see_notes(make_user):
    from tests.notes.conftest import logged_in

    staff = logged_in(make_user("stan", staff=True))
    page = text(staff.get("/admin/"))
    assert "Overdue for review" not in page


def test_the_preview_renders_the_typed_text_through_the_sanitiser(editor, note):
    page = text(editor.get(change_url(note)))
    assert f'hx-post="{PREVIEW}"' in page and 'hx-target="#note-preview"' in page
    assert 'id="note-preview"' in page
    response = editor.post(
        PREVIEW, {"text": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_the_preview_is_for_editors_only(viewer, outsider, editor):
    assert viewer.post(PREVIEW, {"text": "x"}).status_code == 403
    assert outsider.post(PREVIEW, {"text": "x"}).status_code == 302  # to the admin sign-in
    assert editor.get(PREVIEW).status_code == 405
    too_long = editor.post(PREVIEW, {"text": "x" * 20_001})
    assert too_long.status_code == 400 and "Too long to preview" in text(too_long)


def test_the_source_is_picked_by_searching(editor, note):
    page = text(editor.get(change_url(note)))
    assert 'class="admin-autocomplete' in page
    assert 'data-ajax--url="/admin/autocomplete/"' in page
    found = editor.get(
        "/admin/autocomplete/",
        {
            "term": note.source.title.split()[0],
            "app_label": "notes",
            "model_name": "payernote",
            "field_name": "source",
        },
    )
    assert found.status_code == 200
    assert str(note.source.pk) in [row["id"] for row in found.json()["results"]]


def test_date_fields_are_plain_dates_with_no_time_zone_note(editor, note):
    page = text(editor.get(change_url(note)))
    assert 'type="date" name="last_reviewed"' in page
    assert 'type="date" name="effective_date"' in page
    # The admin's calendar widget (vDateField) is what adds the time zone note.
    assert "vDateField" not in page


def test_a_date_from_the_date_picker_saves(editor, note):
    data = open_note(editor, note)
    response = save(editor, note, data, last_reviewed="2026-03-01", change_reason="reviewed")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.last_reviewed.isoformat() == "2026-03-01"


def test_the_diff_shows_before_and_after_side_by_side(editor, note):
    data = open_note(editor, note)
    save(editor, note, data, text=note.text + " Added words.", change_reason="add")
    page = text(editor.get(compare_url(note)))
    row = page.split('class="note-changes"')[1].split("</table>")[0]
    before, after = row.split("</th>", 4)[4].split("</td>")[:2]
    assert "<ins>" not in before and "<ins>" in after and "Added words." in after
    assert "Before on the left, after on the right" in page
    assert "css/notes-admin" in page


def test_the_loaders_version_names_who_saved_it(editor, note):
    page = text(editor.get(reverse("admin:notes_payernote_history", args=[note.pk])))
    assert "(no user recorded)" not in page
    assert "no user: the dataset loader or a script" in page
