"""Editors and the loader at the same time: a load of the dataset running while an editor saves
a payer note ends with both committed (the editor's edit kept, the loader reporting it kept),
or with the editor told that the note changed under them, their text still in the form: never
a server error, never a lost edit. Two editors adding a note with the same key: the second is
told, their text still in the form.

The races run on PostgreSQL with two real connections (a thread each), stopped at the point
where the old code deadlocked or overwrote, until the other one is waiting for a lock.
SQLite has one writer at a time and no row locks, so it cannot deadlock this way: those tests
are skipped there; the rest run on both databases.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone

from codes import loader
from codes.models import Code, Source
from notes.forms import PayerNoteAdminForm
from notes.models import PayerNote
from tests.notes.conftest import change_url, logged_in, open_note

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one connection write at a time and has no row locks: there is no lock "
    "order to get wrong (run scripts/test-postgres.sh)",
)
# Real commits, seen by other connections. Each such test starts from the migrated database
# (groups and permissions) and loads the dataset itself.
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EDNA_TEXT = "Edna's edit, saved while the dataset was loading."
WAIT = 20  # seconds: far more than any step needs; a hang fails the test instead


@pytest.fixture
def dataset():
    """The shipped dataset, committed."""
    loader.load()


@pytest.fixture
def dataset_note(dataset) -> PayerNote:
    """A note as an older release of the dataset had it: the next load updates it (unless
    someone edits it first)."""
    note = PayerNote.objects.published().filter(codes__isnull=False).order_by("key").first()
    note.text = "What the previous release of the dataset said."
    PayerNote.objects.filter(pk=note.pk).update(
        text=note.text, loaded_fingerprint=note.fingerprint()
    )
    return PayerNote.objects.get(pk=note.pk)


def an_older_source_too() -> None:
    """The older release also differs in a source, which the loader writes before the notes:
    so it holds the content revision when it reaches them (the old deadlock's first half)."""
    source = Source.objects.order_by("pk").first()
    Source.objects.filter(pk=source.pk).update(
        title=Concat(F("title"), Value(" (as the older release had it)"))
    )


def logged_in_editor(make_user, name: str = "edna"):
    return logged_in(make_user(name, staff=True, editor=True))


class Worker(threading.Thread):
    """Runs `work` on a connection of its own; keeps its result or its exception."""

    def __init__(self, name: str, work):
        super().__init__(name=name, daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:  # a lock never granted fails, never hangs
                cursor.execute(f"SET lock_timeout = '{WAIT}s'")
            self.result = self.work()
        except Exception as error:  # noqa: BLE001 - the test reports it
            self.error = error
        finally:
            connection.close()


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def wait_for(condition) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def finish(*workers: Worker) -> None:
    for worker in workers:
        worker.join(WAIT * 3)
        assert not worker.is_alive(), f"{worker.name} still running"
    errors = {worker.name: repr(worker.error) for worker in workers if worker.error}
    assert not errors, errors


def paused_in(thread_name: str, event: threading.Event, go: threading.Event) -> None:
    if threading.current_thread().name == thread_name and not event.is_set():
        event.set()
        assert go.wait(WAIT), "never released"


# A load while an editor saves ------------------------------------------------------------------


@on_postgresql
@committing
@pytest.mark.parametrize("source_changed", [True, False], ids=["source-changed", "notes-only"])
def test_it_keeps_an_edit_saved_while_the_dataset_loads(make_user, dataset_note, source_changed):
    """The editor's save is under way (the note's row is theirs) when the load starts."""
    note = dataset_note
    if source_changed:
        an_older_source_too()
    editor = logged_in_editor(make_user)
    data = open_note(editor, note)
    saving, go = threading.Event(), threading.Event()

    def hold_the_save(sender, instance, **kwargs):
        paused_in("editor", saving, go)

    pre_save.connect(hold_the_save, sender=PayerNote, weak=False, dispatch_uid="hold-the-save")
    try:
        edna = Worker("editor", lambda: editor.post(change_url(note), {**data, "text": EDNA_TEXT}))
        edna.start()
        assert saving.wait(WAIT)
        load = Worker("loader", loader.load)
        load.start()
        assert wait_for(someone_waits_for_a_lock)  # the loader, behind the editor
        go.set()
        finish(edna, load)
    finally:
        pre_save.disconnect(sender=PayerNote, dispatch_uid="hold-the-save")

    assert edna.result.status_code == 302
    assert load.result.counts["payer notes"].kept == 1
    note.refresh_from_db()
    assert note.text == EDNA_TEXT
    assert note.history.first().history_user.username == "edna"
    if source_changed:  # and the rest of the load is committed too
        assert not Source.objects.filter(title__endswith="(as the older release had it)")


@on_postgresql
@committing
@pytest.mark.parametrize("source_changed", [True, False], ids=["source-changed", "notes-only"])
def test_it_tells_an_editor_whose_note_the_running_load_updates(
    make_user, dataset_note, source_changed
):
    """The load has read the note (and means to update it) when the editor saves."""
    note = dataset_note
    if source_changed:
        an_older_source_too()
    editor = logged_in_editor(make_user)
    data = open_note(editor, note)
    reading, go = threading.Event(), threading.Event()
    fingerprint = PayerNote.fingerprint

    def read_then_hold(self, code_list=None):
        if code_list is None and self.pk == note.pk:
            paused_in("loader", reading, go)
        return fingerprint(self, code_list)

    with mock.patch.object(PayerNote, "fingerprint", read_then_hold):
        load = Worker("loader", loader.load)
        load.start()
        assert reading.wait(WAIT)
        edna = Worker("editor", lambda: editor.post(change_url(note), {**data, "text": EDNA_TEXT}))
        edna.start()
        # The editor waits for the loader (or, in the old code, saved straight over it).
        assert wait_for(lambda: someone_waits_for_a_lock() or not edna.is_alive())
        go.set()
        finish(load, edna)

    assert load.result.counts["payer notes"].updated == 1
    note.refresh_from_db()
    dataset_text = note.text
    assert dataset_text not in ("What the previous release of the dataset said.", EDNA_TEXT)
    # Told, not overwritten and not lost: the conflict, with Edna's text still in the form.
    assert edna.result.status_code == 409
    page = edna.result.content.decode()
    assert "saved again after you opened it" in page
    assert edna.result.context["adminform"].form["text"].value() == EDNA_TEXT


# Two editors adding the same key ---------------------------------------------------------------


def new_note_data(note: PayerNote, key: str, text: str) -> dict:
    return {
        "key": key,
        "payer": str(note.payer_id),
        "topic": note.topic,
        "codes": [str(code.pk) for code in Code.objects.order_by("pk")[:1]],
        "status": "draft",
        "text": text,
        "source": str(note.source_id),
        "confidence": "C",
        "last_reviewed": timezone.localdate().isoformat(),
    }


def assert_told_the_key_was_taken(response, text: str) -> None:
    assert response.status_code == 409
    assert "was just added by someone else" in response.content.decode()
    form = response.context["adminform"].form
    assert form["text"].value() == text  # what they typed, still in the form
    assert "A note with this key already exists" in str(form.errors["key"])


@pytest.mark.django_db
def test_it_tells_the_second_of_two_editors_adding_the_same_key(editor, second_editor, note):
    """The race: Otto's note was saved after Edna's form checked that its key was free."""
    add_url = reverse("admin:notes_payernote_add")
    assert (
        second_editor.post(add_url, new_note_data(note, "same-key", "Otto's note.")).status_code
        == 302
    )
    validate_unique = PayerNoteAdminForm.validate_unique
    checks = []

    def checked_before_otto_saved(self):
        checks.append(self["text"].value())
        if len(checks) > 1:  # the form shown again checks against the database as it is
            validate_unique(self)

    with mock.patch.object(PayerNoteAdminForm, "validate_unique", checked_before_otto_saved):
        response = editor.post(add_url, new_note_data(note, "same-key", "Edna's note."))

    assert checks == ["Edna's note.", "Edna's note."]
    assert_told_the_key_was_taken(response, "Edna's note.")
    assert PayerNote.objects.get(key="same-key").text == "Otto's note."


@pytest.mark.django_db
def test_it_refuses_a_key_already_taken_in_the_form(editor, note):
    response = editor.post(
        reverse("admin:notes_payernote_add"), new_note_data(note, note.key, "Another note.")
    )
    assert response.status_code == 200  # the form again, as any invalid form
    assert "A note with this key already exists" in response.content.decode()
    assert response.context["adminform"].form["text"].value() == "Another note."


@on_postgresql
@committing
def test_it_tells_the_second_of_two_editors_adding_the_same_key_at_once(make_user, dataset):
    edna, otto = logged_in_editor(make_user), logged_in_editor(make_user, "otto")
    note = PayerNote.objects.order_by("pk").first()
    add_url = reverse("admin:notes_payernote_add")
    saving, go = threading.Event(), threading.Event()

    def hold_the_save(sender, instance, **kwargs):
        paused_in("edna", saving, go)

    pre_save.connect(hold_the_save, sender=PayerNote, weak=False, dispatch_uid="hold-the-add")
    try:
        first = Worker(
            "edna", lambda: edna.post(add_url, new_note_data(note, "same-key", "Edna's note."))
        )
        first.start()
        assert saving.wait(WAIT)  # Edna's form has checked the key; her insert is next
        second = Worker(
            "otto", lambda: otto.post(add_url, new_note_data(note, "same-key", "Otto's note."))
        )
        second.start()
        assert wait_for(lambda: someone_waits_for_a_lock() or not second.is_alive())
        go.set()
        finish(first, second)
    finally:
        pre_save.disconnect(sender=PayerNote, dispatch_uid="hold-the-add")

    assert first.result.status_code == 302
    assert_told_the_key_was_taken(second.result, "Otto's note.")
    assert PayerNote.objects.get(key="same-key").text == "Edna's note."


# A deadlock that still happens is tried once more ----------------------------------------------


class Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg reports for PostgreSQL's deadlock_detected


def deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = Deadlock()
    return error


@committing
def test_it_loads_again_when_postgresql_rolled_the_load_back_as_a_deadlock(dataset_note):
    write = loader.write
    calls = []

    def deadlocked_once(data):
        calls.append(1)
        if len(calls) == 1:
            raise deadlock()
        return write(data)

    with mock.patch.object(loader, "write", deadlocked_once):
        report = loader.load()

    assert len(calls) == 2
    assert report.counts["payer notes"].updated == 1


@committing
def test_it_saves_again_when_postgresql_rolled_the_save_back_as_a_deadlock(make_user, dataset_note):
    note = dataset_note
    editor = logged_in_editor(make_user)
    data = open_note(editor, note)
    save_edit = PayerNote._save_edit
    calls = []

    def deadlocked_once(self, *args):
        calls.append(1)
        if len(calls) == 1:
            raise deadlock()
        return save_edit(self, *args)

    with mock.patch.object(PayerNote, "_save_edit", deadlocked_once):
        response = editor.post(change_url(note), {**data, "text": EDNA_TEXT})

    assert response.status_code == 302
    assert len(calls) == 2
    note.refresh_from_db()
    assert note.text == EDNA_TEXT

    # Any other error of the database is not tried again.
    data = open_note(editor, note)
    failing = mock.patch.object(
        PayerNote, "_save_edit", autospec=True, side_effect=OperationalError("disk full")
    )
    with failing as broken, pytest.raises(OperationalError):
        editor.post(change_url(note), {**data, "text": "Not saved."})
    assert broken.call_count == 1
