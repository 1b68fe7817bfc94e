"""One history record per version of a payer note: the loader used to write "Version 1" twice
(once on save, once when it set the codes)."""

import importlib

import pytest
from django.apps import apps

from notes.models import PayerNote

migration = importlib.import_module("notes.migrations.0003_one_history_record_per_version")
pytestmark = pytest.mark.django_db


def test_a_loaded_note_has_one_history_record_per_version_with_its_codes():
    note = PayerNote.objects.get(key="medicare-kx-diagnostic")
    records = list(note.history.order_by("history_id"))
    assert [record.version for record in records] == list(range(1, note.version + 1))
    assert sorted(c.code.code for c in records[0].codes.all()) == sorted(
        note.codes.values_list("code", flat=True)
    )


def test_the_migration_keeps_the_last_record_of_each_version_and_every_deletion():
    note = PayerNote.objects.get(key="medicare-kx-diagnostic")
    first = note.history.earliest("history_id")
    history = PayerNote.history.model

    def copy(**changes):
        fields = {
            f.attname: getattr(first, f.attname)
            for f in history._meta.concrete_fields
            if f.attname != "history_id"
        }
        return history.objects.create(**(fields | changes))

    duplicate = copy(history_type="~")  # what the old loader wrote when it set the codes
    next_version = copy(history_type="~", version=first.version + 1)
    deletion = copy(history_type="-")  # a deletion shares its note's last version
    total = history.objects.count()

    migration.keep_one_record_per_version(apps, None)

    kept = set(history.objects.filter(id=note.id).values_list("history_id", flat=True))
    assert {duplicate.history_id, next_version.history_id, deletion.history_id} <= kept
    assert first.history_id not in kept
    assert history.objects.count() == total - 1
