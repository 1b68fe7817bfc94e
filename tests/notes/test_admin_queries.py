"""Each back-office page runs a small, constant number of SQL queries (no N+1)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codes.models import Code
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

CODES_MODELS = [model for model in admin.site._registry if model._meta.app_label == "codes"]

# A changelist as an editor: session, user, the user's and the group's permissions, the count,
# the total count, the page of rows, one prefetch of linked codes where a column lists them,
# and the choices of up to two related-record filters (payer, modifier, source).
CHANGELIST_BUDGET = 10


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def count_queries(browser, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("model", CODES_MODELS, ids=lambda m: m._meta.model_name)
def test_it_keeps_every_changelist_within_its_query_budget(
    editor, superuser, model, django_assert_max_num_queries
):
    for browser in (editor, superuser):
        with django_assert_max_num_queries(CHANGELIST_BUDGET):
            assert browser.get(changelist(model)).status_code == 200


def add_notes(note: PayerNote, count: int) -> None:
    """More notes on the same codes, each with a history of two versions."""
    codes = list(note.codes.all())
    for index in range(count):
        extra = PayerNote.objects.create(
            key=f"extra-note-{index}",
            payer=note.payer,
            topic=note.topic,
            text=f"Extra note {index}.",
            source=note.source,
            last_reviewed=note.last_reviewed,
        )
        extra.codes.set(codes)
        note.text += f" Edit {index}."
        note.save_edit(note.version)


def test_it_runs_as_many_queries_for_many_notes_as_for_a_few(editor, note):
    code = note.codes.first()
    pages = [
        changelist(PayerNote),
        reverse("admin:codes_code_change", args=[code.pk]),
        reverse("admin:notes_payernote_history", args=[note.pk]),
    ]
    [count_queries(editor, url) for url in pages]  # warm the content type cache
    before = [count_queries(editor, url) for url in pages]
    add_notes(note, 6)
    after = [count_queries(editor, url) for url in pages]
    assert after == before


def test_it_keeps_the_note_pages_within_their_query_budgets(
    editor, note, django_assert_max_num_queries
):
    add_notes(note, 3)
    record = note.history.all()[2]
    budgets = {
        # session, user, 2 permissions, the note, its codes, the payer, source and code
        # choices, the content type for the admin log link
        reverse("admin:notes_payernote_change", args=[note.pk]): 10,
        # ... the note and its codes (checked here, then read again by the history view),
        # the latest version, the count, the page of versions and their codes
        reverse("admin:notes_payernote_history", args=[note.pk]): 12,
        # ... the two newest versions, both chosen versions with codes (validated), and the
        # two version lists of the form with their codes
        reverse("admin:notes_payernote_compare", args=[note.pk]): 15,
        # ... the version with its codes, the latest version
        reverse("admin:notes_payernote_simple_history", args=[note.pk, record.pk]): 9,
        # session, user, 2 permissions, payer, code and source choices
        reverse("admin:notes_payernote_add"): 7,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert editor.get(url).status_code == 200


def test_it_shows_a_code_with_all_its_relationships_in_a_constant_number_of_queries(
    editor, django_assert_max_num_queries
):
    code = Code.objects.filter(relations_from__isnull=False, payer_notes__isnull=False).first()
    # session, user, 2 permissions, the code, its sources, the choices of sources; relations
    # from and to it with their sources (4); one query per linked kind of record (6); the
    # content type of the admin log.
    with django_assert_max_num_queries(18):
        response = editor.get(reverse("admin:codes_code_change", args=[code.pk]))
    page = response.content.decode()
    for note in code.payer_notes.all():
        assert reverse("admin:notes_payernote_change", args=[note.pk]) in page
    for relation in code.relations_from.all():
        assert f">{relation.to_code}</a>" in page
