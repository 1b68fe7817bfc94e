"""A database made by the previous layout's migrations (commit 3b8389c: payer notes in `codes`,
codes 0004 and quiz 0002) migrates to today's layout with every row intact, and back.

The database is taken back to that layout's migrations, filled through the models as they were
then, and migrated forward: every row of every table must come through unchanged (the payer
notes' tables under their new names), except the content types of the moved models, which now
belong to `notes`. A later migration that changes rows on purpose has to say so here.
"""

import importlib
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from django.apps import apps as installed_apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

# The previous layout's migrations of its own apps; every other app (Django's, the third-party
# ones) stays at its latest migration, and apps that did not exist then are taken out.
OLD_LAYOUT = {"codes": "0004_payer_note_editors", "quiz": "0002_trainers_group"}
NEW_APPS = ("notes",)
# The payer notes' tables, then and now.
MOVED_TABLES = {
    "codes_payernote": "notes_payernote",
    "codes_payernote_codes": "notes_payernote_codes",
    "codes_historicalpayernote": "notes_historicalpayernote",
    "codes_historicalpayernote_codes": "notes_historicalpayernote_codes",
}
MOVED_CONTENT_TYPES = {
    ("codes", model) for model in ("payernote", "historicalpayernote", "historicalpayernote_codes")
}
EDITORS = "Payer note editors"
PASSWORD = "a long passphrase for tests"


def old_layout(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    targets = []
    for app, leaf in executor.loader.graph.leaf_nodes():
        if app in NEW_APPS:
            targets.append((app, None))
        else:
            targets.append((app, OLD_LAYOUT.get(app, leaf)))
    return targets


def migrate(to: str):
    """Migrate the test database to the previous layout ("old") or to today's ("latest");
    returns the models as that state has them."""
    executor = MigrationExecutor(connection)
    targets = old_layout(executor) if to == "old" else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    # Content types move between apps here; the process-wide cache would still have them.
    ContentType.objects.clear_cache()
    state = MigrationExecutor(connection).loader.project_state(
        [target for target in targets if target[1] is not None]
    )
    return state.apps


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table but the migration log, table by table, in a stable order."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":
                continue
            cursor.execute(f"SELECT * FROM {quote(table)}")  # names from introspection
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


# Later migrations that add columns on purpose: the new columns of each table, with the value
# every old row gets (codes 0006: a source's number, version, date and quoted_in, issue 16;
# notes 0002: a note's payer matrix column, figure and MAC, issue 12).
NO_MATRIX_CELL = {"matrix_column": "", "figure": "", "mac": ""}
ADDED_COLUMNS = {
    "codes_source": {"number": "", "version": "", "date": None, "quoted_in": ""},
    "quiz_attempt": {"start_key": "", "kind": "quiz", "retry_of_id": None},
    "quiz_quiz": {"shuffle": True},
    # A JSON column reads back as its text in a raw SELECT, on SQLite and on PostgreSQL alike
    # (Django leaves psycopg's jsonb decoding off).
    "quiz_trainingsession": {"revealed": "[]"},
    "quiz_question": {"payer": "", "mac": "", "claim_type": "", "bilateral": ""},
    "notes_payernote": NO_MATRIX_CELL,
    "notes_historicalpayernote": NO_MATRIX_CELL,
}
# A table of ADDED_COLUMNS under its name in the previous layout.
OLD_NAMES = {new: old for old, new in MOVED_TABLES.items()}


def columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def with_added_columns(rows: list[tuple], old: list[str], new: list[str], added: dict) -> list:
    """Old rows as they read after the migration: the same values, the added columns filled."""
    return sorted(
        (
            tuple({**added, **dict(zip(old, row, strict=True))}[name] for name in new)
            for row in rows
        ),
        key=repr,
    )


def schema_names(tables) -> dict[str, list[str]]:
    """The names of each table's indexes and constraints (and sequences, on PostgreSQL)."""
    names = {}
    with connection.cursor() as cursor:
        for table in tables:
            found = list(connection.introspection.get_constraints(cursor, table))
            if connection.vendor == "postgresql":
                found += [s["name"] for s in connection.introspection.get_sequences(cursor, table)]
            names[table] = sorted(found)
    return names


def names_django_gives_new_notes_tables() -> set[str]:
    """The index and constraint names Django gives the notes tables when it creates them."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in installed_apps.get_app_config("notes").get_models(include_auto_created=True):
            editor.create_model(model)
    return set(re.findall(r'(?:CONSTRAINT|INDEX) "([^"]+)"', "\n".join(editor.collected_sql)))


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 30, tzinfo=UTC)


def fill_old_database(old) -> dict:
    """Users, an editor's payer notes with their history and a log entry, a training session
    with its participants' attempts and answers, written through the models of the previous
    layout (simple-history's records as it wrote them: one per save, with the codes saved)."""
    User = old.get_model("auth", "User")
    Group = old.get_model("auth", "Group")
    # The groups as their migrations make them (a test before this one may have emptied the
    # database); both functions keep what is already there.
    for migration in (
        "codes.migrations.0004_payer_note_editors",
        "quiz.migrations.0002_trainers_group",
    ):
        importlib.import_module(migration).create_group(old, None)
    editor = User.objects.create(
        username="mig-edna", password=make_password(PASSWORD), is_staff=True
    )
    editor.groups.add(Group.objects.get(name=EDITORS))
    trainer = User.objects.create(username="mig-tom", password=make_password(PASSWORD))
    trainer.groups.add(Group.objects.get(name="Trainers"))
    trainee = User.objects.create(username="mig-tina", password=make_password(PASSWORD))

    Code = old.get_model("codes", "Code")
    z1, z2, z3 = (
        Code.objects.create(
            code=code,
            code_set="CPT",
            summary=f"Test code {code}",
            region="lumbar_sacral",
            procedure="injection",
            guidance="fluoroscopy_ct",
            unit_basis="level",
        )
        for code in ("Z9001", "Z9002", "Z9003")
    )
    payer = old.get_model("codes", "Payer").objects.create(slug="mig-payer", name="Mig Payer")
    source = old.get_model("codes", "Source").objects.create(
        key="mig-source", title="Mig Payer policy", kind="payer"
    )

    Note = old.get_model("codes", "PayerNote")
    Record = old.get_model("codes", "HistoricalPayerNote")
    RecordCode = old.get_model("codes", "HistoricalPayerNote_codes")

    def note(key, versions, *, delete_at=None):
        """A note saved once per version: (text, codes, user, when, reason)."""
        text, codes, _, _, _ = versions[-1]
        row = Note.objects.create(
            key=key,
            payer=payer,
            source=source,
            topic="frequency",
            text=text,
            last_reviewed=date(2026, 3, 1),
            version=len(versions),
        )
        row.codes.set(codes)
        # A record's codes are copies of the note's rows in the notes-codes table, ids included.
        link_ids = dict(Note.codes.through.objects.filter(payernote=row).values_list("code", "id"))
        for number, (text, codes, user, when, reason) in enumerate(versions, start=1):
            record = Record.objects.create(
                id=row.id,
                key=key,
                payer_id=payer.id,
                source_id=source.id,
                topic="frequency",
                text=text,
                last_reviewed=date(2026, 3, 1),
                version=number,
                history_date=when,
                history_change_reason=reason,
                history_type="+" if number == 1 else "~",
                history_user=user,
            )
            for code in codes:
                RecordCode.objects.create(
                    id=link_ids[code.id], history=record, payernote_id=row.id, code=code
                )
        if delete_at:
            record.pk = None
            record.history_type, record.history_date = "-", delete_at
            record.save()
            Note.objects.filter(pk=row.id).delete()
        return row.id

    edited = note(
        "mig-edited",
        [
            ("Two levels a session.", [z1], None, at(2), ""),
            ("Two levels a session, four a year.", [z1, z2], editor, at(3), "Frequency limit"),
            ("Two levels a session, four sessions a year.", [z1, z2], editor, at(4), "Wording"),
        ],
    )
    single = note("mig-single", [("Prior authorization required.", [z3], None, at(2), "")])
    deleted = note("mig-deleted", [("Withdrawn policy.", [z3], None, at(2), "")], delete_at=at(5))

    ContentType = old.get_model("contenttypes", "ContentType")
    log = old.get_model("admin", "LogEntry").objects.create(
        action_time=at(3),
        user=editor,
        content_type=ContentType.objects.get(app_label="codes", model="payernote"),
        object_id=str(edited),
        object_repr="Mig Payer: Frequency (mig-edited)",
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Text", "Codes"]}}]',
    )

    Quiz = old.get_model("quiz", "Quiz")
    Question = old.get_model("quiz", "Question")
    quiz = Quiz.objects.create(slug="mig-quiz", title="Mig quiz")
    single_choice = Question.objects.create(
        key="mig-choice",
        kind="single",
        scenario="Right L4-L5 facet injection under fluoroscopy.",
        prompt="Which code?",
        explanation="One level: 64493.",
    )
    claim = Question.objects.create(
        key="mig-claim",
        kind="claim",
        scenario="Bilateral L4-L5 and L5-S1 injections.",
        prompt="Enter the claim lines.",
        explanation="Two levels, both sides.",
        procedure="injection",
        guidance="fluoroscopy",
        joints="L4-L5:B, L5-S1:B",
        payer_format="medicare",
        intent="diagnostic",
    )
    old.get_model("quiz", "Option").objects.create(
        question=single_choice, position=1, text="64493", correct=True
    )
    QuizQuestion = old.get_model("quiz", "QuizQuestion")
    QuizQuestion.objects.create(quiz=quiz, question=single_choice, position=1)
    QuizQuestion.objects.create(quiz=quiz, question=claim, position=2)
    session = old.get_model("quiz", "TrainingSession").objects.create(
        id=uuid.UUID("5e55105e-0000-4000-8000-000000000001"),
        quiz=quiz,
        trainer=trainer,
        title="Tuesday cohort",
        code="MIG7KQ",
        status="open",
        created_at=at(6),
        opened_at=at(6),
    )
    Attempt = old.get_model("quiz", "Attempt")
    Answer = old.get_model("quiz", "Answer")
    attempts = {}
    for key, extra in (
        ("signed-in", {"user": trainee, "training_session": session}),
        (
            "walk-in",
            {"display_name": "Walk-in", "owner_token": "t" * 64, "training_session": session},
        ),
        ("practice", {"user": trainee, "mode": "practice"}),
    ):
        attempts[key] = Attempt.objects.create(
            id=uuid.uuid5(uuid.NAMESPACE_URL, key),
            quiz=quiz,
            question_ids=[single_choice.id, claim.id],
            pass_mark=70,
            started_at=at(6, 10),
            **extra,
        ).id
    Answer.objects.create(
        attempt_id=attempts["signed-in"],
        question=single_choice,
        position=1,
        response="64493",
        choices=["64493"],
        expected="64493",
        score=1.0,
        correct=True,
        tags=[],
        answered_at=at(6, 11),
        submission=uuid.UUID("a0000000-0000-4000-8000-000000000001"),
    )
    Answer.objects.create(
        attempt_id=attempts["walk-in"],
        question=claim,
        position=2,
        response="64493-50\n64494-50",
        expected="64493-50\n64494-50",
        lines=[["64493-50", "64493-50"], ["64494-50", "64494-50"]],
        score=0.5,
        correct=False,
        late=True,
        tags=["modifier-50"],
        answered_at=at(6, 12),
        submission=uuid.UUID("a0000000-0000-4000-8000-000000000002"),
    )
    return {
        "edited": edited,
        "single": single,
        "deleted": deleted,
        "log": log.id,
        "session": session.id,
        "attempts": attempts,
    }


# Tables later migrations create and fill from rows already there, each checked by its own test
# (quiz 0005: the dashboard's tallies, test_it_fills_the_dashboards_tallies_from_the_answers).
FILLED_TABLES = {
    "quiz_certificate",  # quiz 0006: new and empty (certificates are issued from now on)
    "quiz_participanttally",
    "quiz_questiontally",
    "quiz_wronganswertally",
    "quiz_tagtally",
}


def one_record_per_version(rows: list[tuple], names: list[str]) -> list[tuple]:
    """The history rows notes 0003 keeps: the last saved record of each (note, version), and
    every deletion's record."""
    fields = ("id", "version", "history_id", "history_type")
    note, version, record, kind = (names.index(name) for name in fields)
    last = {}
    for row in rows:
        if row[kind] == "-":
            last[("deleted", row[record])] = row
            continue
        key = (row[note], row[version])
        if key not in last or row[record] > last[key][record]:
            last[key] = row
    kept = set(map(id, last.values()))
    return [row for row in rows if id(row) in kept]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_keeps_every_row_when_payer_notes_move_to_their_own_app():
    try:
        old = migrate("old")
        ids = fill_old_database(old)
        before = every_row()
        old_names = schema_names(MOVED_TABLES)
        old_columns = {table: columns(OLD_NAMES.get(table, table)) for table in ADDED_COLUMNS}

        migrate("latest")

        # Every row of every table, the notes under their new table names; only the moved
        # models' content types changed, to the notes app (same ids: permissions and log
        # entries point to them).
        expected = {MOVED_TABLES.get(table, table): rows for table, rows in before.items()}
        moved_types = [
            (pk, "notes", model) if (app, model) in MOVED_CONTENT_TYPES else (pk, app, model)
            for pk, app, model in expected["django_content_type"]
        ]
        assert moved_types != expected["django_content_type"]
        expected["django_content_type"] = sorted(moved_types, key=repr)
        for table, added in ADDED_COLUMNS.items():
            expected[table] = with_added_columns(
                expected[table], old_columns[table], columns(table), added
            )
        expected["notes_historicalpayernote"] = one_record_per_version(
            expected["notes_historicalpayernote"], columns("notes_historicalpayernote")
        )
        after = every_row()
        assert set(after) >= FILLED_TABLES
        assert {table: rows for table, rows in after.items() if table not in FILLED_TABLES} == (
            expected
        )
        assert "codes_payernote" not in connection.introspection.table_names()
        # Indexes and constraints carry the names Django gives new notes tables.
        upgraded = {
            name for names in schema_names(MOVED_TABLES.values()).values() for name in names
        }
        assert names_django_gives_new_notes_tables() <= upgraded
        assert not [name for name in upgraded if name.startswith("codes_")]

        # And back: the previous layout's tables, rows and names exactly as they were.
        migrate("old")
        # All as it was, but for the repeated history records notes 0003 dropped for good.
        before["codes_historicalpayernote"] = one_record_per_version(
            before["codes_historicalpayernote"], columns("codes_historicalpayernote")
        )
        assert every_row() == before
        assert schema_names(MOVED_TABLES) == old_names

        # Forward again, and what people see and do with the data today.
        migrate("latest")
        check_through_todays_models(ids)
        check_editing_goes_on(ids)
    finally:
        migrate("latest")
        ContentType.objects.clear_cache()


def check_through_todays_models(ids: dict) -> None:
    from notes.models import PayerNote
    from quiz.models import Attempt, TrainingSession

    note = PayerNote.objects.get(pk=ids["edited"])
    assert note.key == "mig-edited"
    assert note.text == "Two levels a session, four sessions a year."
    assert note.version == 3
    assert sorted(note.codes.values_list("code", flat=True)) == ["Z9001", "Z9002"]
    assert [
        (r.version, r.history_type, r.text, r.history_change_reason, r.history_user_id)
        for r in note.history.order_by("history_date")
    ] == [
        (1, "+", "Two levels a session.", "", None),
        (2, "~", "Two levels a session, four a year.", "Frequency limit", note_editor().id),
        (3, "~", "Two levels a session, four sessions a year.", "Wording", note_editor().id),
    ]
    RecordCode = PayerNote.history.model.codes.model
    assert [
        sorted(RecordCode.objects.filter(history=r).values_list("code__code", flat=True))
        for r in note.history.order_by("history_date")
    ] == [["Z9001"], ["Z9001", "Z9002"], ["Z9001", "Z9002"]]
    assert list(PayerNote.objects.get(pk=ids["single"]).codes.values_list("code", flat=True)) == [
        "Z9003"
    ]
    assert not PayerNote.objects.filter(pk=ids["deleted"]).exists()
    assert list(
        PayerNote.history.filter(id=ids["deleted"])
        .order_by("history_date")
        .values_list("history_type", "text")
    ) == [("+", "Withdrawn policy."), ("-", "Withdrawn policy.")]

    log = LogEntry.objects.get(pk=ids["log"])
    assert log.get_edited_object() == note
    assert log.get_admin_url() == f"/admin/notes/payernote/{note.pk}/change/"

    editor = note_editor()
    assert [editor.has_perm(f"notes.{p}_payernote") for p in ("view", "add", "change")] == [
        True,
        True,
        True,
    ]
    assert not editor.has_perm("notes.delete_payernote")
    assert not editor.has_perm("codes.change_code")
    browser = Client()
    browser.force_login(editor)
    page = browser.get(f"/admin/notes/payernote/{note.pk}/change/")
    assert page.status_code == 200
    assert "Two levels a session, four sessions a year." in page.content.decode()

    session = TrainingSession.objects.get(pk=ids["session"])
    assert (session.title, session.code, session.status, session.trainer.username) == (
        "Tuesday cohort",
        "MIG7KQ",
        "open",
        "mig-tom",
    )
    assert sorted(
        (a.user.username if a.user else a.display_name) for a in session.attempts.all()
    ) == ["Walk-in", "mig-tina"]
    walk_in = Attempt.objects.get(pk=ids["attempts"]["walk-in"])
    assert walk_in.owner_token == "t" * 64
    assert [
        (a.position, a.response, a.lines, a.score, a.correct, a.late, a.tags)
        for a in walk_in.answers.all()
    ] == [
        (
            2,
            "64493-50\n64494-50",
            [["64493-50", "64493-50"], ["64494-50", "64494-50"]],
            0.5,
            False,
            True,
            ["modifier-50"],
        )
    ]
    assert Attempt.objects.get(pk=ids["attempts"]["signed-in"]).answers.get().choices == ["64493"]
    assert Attempt.objects.get(pk=ids["attempts"]["practice"]).training_session is None
    trainer = Client()
    trainer.force_login(session.trainer)
    report = trainer.get(session.get_absolute_url())
    assert report.status_code == 200
    assert "Walk-in" in report.content.decode()


def note_editor():
    return get_user_model().objects.get(username="mig-edna")


def check_editing_goes_on(ids: dict) -> None:
    """New notes and new versions take fresh ids: the id counters moved with the tables (the
    deleted note's id is not handed out again)."""
    from codes.models import Code
    from notes.models import PayerNote

    note = PayerNote.objects.get(pk=ids["edited"])
    last_record = PayerNote.history.order_by("history_id").last().history_id
    fresh = PayerNote.objects.create(
        key="mig-new",
        payer=note.payer,
        source=note.source,
        topic="coverage",
        text="New after the move.",
        last_reviewed=date(2026, 4, 1),
    )
    assert fresh.pk > ids["deleted"]

    note.text = "Two levels a session, four sessions a year; six for RFA."
    note.save_edit(
        3,
        user=note_editor(),
        codes=list(Code.objects.filter(code="Z9003")),
        reason="After the move",
    )

    note.refresh_from_db()
    assert note.version == 4
    record = note.history.order_by("history_date", "history_id").last()
    assert record.history_id > last_record
    assert (record.version, record.history_change_reason) == (4, "After the move")
    assert [
        row.code.code for row in PayerNote.history.model.codes.model.objects.filter(history=record)
    ] == ["Z9003"]
    assert note.history.count() == 4


# The dashboard's tallies (quiz 0005, issue 19) ----------------------------------------------

TALLIES = ("quiz", "0005_session_tallies")


def migrate_quiz(before_tallies: bool):
    """Migrate quiz to just before the tallies, or everything to the latest; the models of
    that state."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if before_tallies:
        (parent,) = [node for node in graph.node_map[TALLIES].parents if node[0] == "quiz"]
        targets = [node for node in graph.leaf_nodes() if node[0] != "quiz"] + [parent]
    else:
        targets = graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def fill_answers(old) -> dict:
    """Two sessions and a practice attempt, with the answers written through the models as
    they were before the tallies: right, partly right, wrong, late, with misconceptions."""
    User = old.get_model("auth", "User")
    Quiz = old.get_model("quiz", "Quiz")
    Question = old.get_model("quiz", "Question")
    TrainingSession = old.get_model("quiz", "TrainingSession")
    Attempt = old.get_model("quiz", "Attempt")
    Answer = old.get_model("quiz", "Answer")
    trainer = User.objects.create(username="tally-trainer")
    trainer.groups.add(old.get_model("auth", "Group").objects.get(name="Trainers"))
    quiz = Quiz.objects.create(slug="tally-quiz", title="Tally quiz")
    choice = Question.objects.create(
        key="tally-choice", kind="single", scenario="Right L4-L5.", prompt="Code?", explanation="."
    )
    Option = old.get_model("quiz", "Option")
    Option.objects.create(question=choice, position=1, text="64493", correct=True)
    Option.objects.create(question=choice, position=2, text="64490", tag="wrong-region")
    claim = Question.objects.create(
        key="tally-claim",
        kind="claim",
        scenario="Bilateral L4-L5.",
        prompt="Lines?",
        explanation=".",
        procedure="injection",
        guidance="fluoroscopy",
        joints="L4-L5:B",
        payer_format="medicare",
        intent="diagnostic",
    )
    QuizQuestion = old.get_model("quiz", "QuizQuestion")
    QuizQuestion.objects.create(quiz=quiz, question=choice, position=1)
    QuizQuestion.objects.create(quiz=quiz, question=claim, position=2)
    sessions = [
        TrainingSession.objects.create(
            quiz=quiz, trainer=trainer, code=code, status="open", created_at=at(7, hour)
        )
        for code, hour in (("TAKE23", 9), ("TAKE34", 10))
    ]

    def attempt(name: str, session) -> object:
        return Attempt.objects.create(
            quiz=quiz,
            mode="practice",
            owner_token=f"owner-{name}",
            training_session=session,
            display_name=name,
            question_ids=[choice.id, claim.id],
            pass_mark=70,
        )

    def given(who, question, response, score=0.0, tags=(), late=False):
        Answer.objects.create(
            attempt=who,
            question=question,
            position=1 if question == choice else 2,
            response=response,
            expected="64493" if question == choice else "64493-50",
            score=score,
            correct=score == 1,
            late=late,
            tags=list(tags),
        )

    first, second = sessions
    ana, ben, cal = (attempt(name, first) for name in ("Ana", "Ben", "Cal"))
    given(ana, choice, "64493", 1.0)
    given(ana, claim, "64493-RT", 0.5, ["modifier-50", "kx"])
    given(ben, choice, "64490", tags=["wrong-region"])
    given(ben, claim, "64493-RT", 0.5, ["modifier-50"])
    given(cal, choice, "64490", late=True)
    given(cal, claim, "64491", tags=["modifier-50"])
    # Four wrong answers to the choice question: 64490 twice (Ben, Gus), three others once.
    for name, response in (("Dan", "64492"), ("Eve", "64491"), ("Fay", "0216T"), ("Gus", "64490")):
        given(attempt(name, first), choice, response)
    given(attempt("Hal", second), choice, "64490", tags=["wrong-region"])
    given(attempt("Ivy", None), choice, "64490", tags=["wrong-region"])  # practice, no session
    return {
        "sessions": [s.pk for s in sessions],
        "choice": choice.pk,
        "claim": claim.pk,
        "ana": ana.pk,
        "answers": Answer.objects.count(),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_fills_the_dashboards_tallies_from_the_answers_already_stored():
    from quiz.models import (
        Answer,
        Attempt,
        ParticipantTally,
        QuestionTally,
        TagTally,
        TrainingSession,
    )

    try:
        ids = fill_answers(migrate_quiz(before_tallies=True))
        migrate_quiz(before_tallies=False)
        first, second = (TrainingSession.objects.get(pk=pk) for pk in ids["sessions"])
        choice, claim = ids["choice"], ids["claim"]

        # Per participant: (answered, points, right, late).
        assert {
            t.attempt.display_name: (t.answered, t.points, t.correct, t.late)
            for t in ParticipantTally.objects.select_related("attempt")
        } == {
            "Ana": (2, 1.5, 1, 0),
            "Ben": (2, 0.5, 0, 0),
            "Cal": (2, 0.0, 0, 1),
            "Dan": (1, 0.0, 0, 0),
            "Eve": (1, 0.0, 0, 0),
            "Fay": (1, 0.0, 0, 0),
            "Gus": (1, 0.0, 0, 0),
            "Hal": (1, 0.0, 0, 0),
        }
        # Per question: (answered, right, partly right, the three commonest wrong answers in
        # time, ties in the order of their text). Cal's late 64490 is answered, not wrong.
        assert {
            (t.session_id, t.question_id): (t.answered, t.correct, t.partial, t.wrong_answers)
            for t in QuestionTally.objects.all()
        } == {
            (first.pk, choice): (7, 1, 0, [["64490", 2], ["0216T", 1], ["64491", 1]]),
            (first.pk, claim): (3, 0, 2, [["64493-RT", 2], ["64491", 1]]),
            (second.pk, choice): (1, 0, 0, [["64490", 1]]),
        }
        # Per misconception: (count, the first position it was missed at).
        assert {
            (t.session_id, t.tag): (t.count, t.first_position) for t in TagTally.objects.all()
        } == {
            (first.pk, "modifier-50"): (3, 2),
            (first.pk, "wrong-region"): (1, 1),
            (first.pk, "kx"): (1, 2),
            (second.pk, "wrong-region"): (1, 1),
        }
        assert [(t["tag"], t["count"]) for t in first.report().missed_tags] == [
            ("modifier-50", 3),
            ("wrong-region", 1),
            ("kx", 1),
        ]

        # New answers add to the tallies filled in: a trainee joins and answers 64490.
        trainee = Client()
        url = trainee.post("/quiz/join", {"code": "TAKE23", "display_name": "Jo"})["Location"]
        number = Attempt.objects.get(pk=url.split("/")[3]).question_ids.index(choice) + 1
        option = first.quiz.questions.get(pk=choice).options.get(text="64490").pk
        assert trainee.post(f"{url}{number}/", {"option": option}).status_code == 302
        figures = QuestionTally.objects.get(session=first, question=choice)
        assert (figures.answered, figures.wrong_answers[0]) == (8, ["64490", 3])
        trainer = Client()
        trainer.force_login(first.trainer)
        assert "<li>64490 (3)</li>" in trainer.get(first.get_absolute_url()).content.decode()

        # And back: the tallies go, every answer stays.
        migrate_quiz(before_tallies=True)
        assert "quiz_questiontally" not in connection.introspection.table_names()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM quiz_answer")
            assert cursor.fetchone() == (ids["answers"] + 1,)
    finally:
        migrate_quiz(before_tallies=False)
        ContentType.objects.clear_cache()
    assert Answer.objects.count() == ids["answers"] + 1
