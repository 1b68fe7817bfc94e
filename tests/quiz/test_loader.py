"""Loading the question bank (load_questions): the shipped bank loads, and loads again without a
change; a bad record is refused with its file, its record and the field at fault, and nothing is
written. A claim question's answer is written by hand in the file, and the engine must agree."""

import re
import shutil
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quiz.loader import DATA_DIR
from quiz.models import Question, Quiz

pytestmark = pytest.mark.django_db

ABLATION = "questions/ablation.toml"
PROBE = 'prompt = "What does the Medicare LCD say about this procedure?"'


def load(data_dir: Path = DATA_DIR) -> str:
    out = StringIO()
    call_command("load_questions", data_dir=data_dir, stdout=out)
    return out.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped bank that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def records_in_files() -> tuple[int, int]:
    """How many [[question]] and [[quiz]] records the shipped files hold."""
    questions = sum(
        len(tomllib.loads(path.read_text())["question"])
        for path in (DATA_DIR / "questions").glob("*.toml")
    )
    return questions, len(tomllib.loads((DATA_DIR / "quizzes.toml").read_text())["quiz"])


def test_it_loads_the_shipped_bank_into_an_empty_database_then_changes_nothing():
    Quiz.objects.all().delete()
    Question.objects.all().delete()
    questions, quizzes = records_in_files()

    out = load()
    assert f"questions: {questions} created, 0 updated, 0 unchanged" in out
    assert f"quizzes: {quizzes} created, 0 updated, 0 unchanged" in out
    assert "Questions loaded." in out

    again = load()
    assert f"questions: 0 created, 0 updated, {questions} unchanged" in again
    assert not re.search(r"[1-9]\d* (created|updated)", again), again
    assert again.endswith("Nothing changed.\n")


def test_it_takes_a_hand_written_answer_in_any_order_the_scorer_accepts(data_dir):
    # Lines in another order and modifiers the other way round still earn full marks.
    replace(
        data_dir / ABLATION,
        'expected = "64635-50, 64636-50 x2"',
        'expected = "64636-50 x2, 64635-50"',
    )
    assert "Nothing changed." in load(data_dir)


def test_it_refuses_a_patient_history_answer_the_history_check_does_not_give(data_dir):
    # The confirmatory block 10 days after the first: the history check answers 2026-03-06
    # (14 days after 2026-02-20, facts §11), not the booked date.
    history = data_dir / "questions" / "patient-history.toml"
    text = history.read_text()
    text = text.replace(
        'text = "2026-03-02"\ncorrect = false\ntag = "frequency"',
        'text = "2026-03-02"\ncorrect = true',
        1,
    ).replace('text = "2026-03-06"\ncorrect = true', 'text = "2026-03-06"\ncorrect = false', 1)
    history.write_text(text)
    with pytest.raises(CommandError, match=r"history check answers '2026-03-06'"):
        load(data_dir)


Q1 = r"quiz/data/questions/ablation\.toml, question #1 \(rfa-three-joints-bilateral\)"
Q2 = r"quiz/data/questions/ablation\.toml, question #2 \(rfa-nerves-right\)"
Q6 = r"quiz/data/questions/ablation\.toml, question #6 \(rfa-units-vs-third-level\)"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (  # a missing field
            ABLATION,
            'kind = "claim"',
            "",
            Q1 + r": missing field 'kind'$",
        ),
        (  # fields of the wrong type: never converted
            ABLATION,
            'tags = ["ablation-units"]',
            'tags = "ablation-units"',
            Q1 + r": field 'tags' must be an array of text, not text$",
        ),
        (
            ABLATION,
            "correct = true",
            'correct = "yes"',
            Q6 + r" option 1: field 'correct' must be true or false, not text$",
        ),
        (
            "quizzes.toml",
            "pass_mark = 80",
            'pass_mark = "80"',
            r"quiz/data/quizzes\.toml, quiz #8 \(mixed-exam\): "
            r"field 'pass_mark' must be a whole number, not text$",
        ),
        (  # values out of their choices
            ABLATION,
            'kind = "claim"',
            'kind = "essay"',
            Q1 + r": 'kind' is 'essay'; allowed: 'single', 'multiple', 'claim'$",
        ),
        (
            ABLATION,
            'format = "medicare" }',
            'format = "ub04" }',
            Q1 + r" claim: 'format' is 'ub04'; allowed: 'medicare', ",
        ),
        (  # a misspelt field
            ABLATION,
            'expected = "64635-50, 64636-50 x2"',
            'expectd = "64635-50, 64636-50 x2"',
            Q1 + r": unknown field 'expectd'; the fields are: key, kind, ",
        ),
        (  # unknown references
            ABLATION,
            'codes = ["64635", "64636"]',
            'codes = ["64635", "64999"]',
            Q1 + r": unknown code '64999' in 'codes' \(is the reference data loaded\? ",
        ),
        (
            ABLATION,
            'sources = ["justmypassion"',
            'sources = ["no-such-source"',
            Q1 + r": unknown source 'no-such-source' in 'sources'",
        ),
        (  # duplicate keys, in one file and across files
            ABLATION,
            'key = "rfa-nerves-right"',
            'key = "rfa-three-joints-bilateral"',
            r"ablation\.toml, question #2 \(rfa-three-joints-bilateral\): duplicate key "
            r"'rfa-three-joints-bilateral' \(also question #1 \(rfa-three-joints-bilateral\)\)$",
        ),
        (
            "questions/counting-levels.toml",
            'key = "lumbar-three-nerves-bilateral"',
            'key = "rfa-three-joints-bilateral"',
            r"counting-levels\.toml, question #1 \(rfa-three-joints-bilateral\): duplicate key "
            r"'rfa-three-joints-bilateral' \(also question #1 \(rfa-three-joints-bilateral\) "
            r"in quiz/data/questions/ablation\.toml\)$",
        ),
        (  # a hand-written answer the engine does not give: units, then modifiers
            ABLATION,
            'expected = "64635-50, 64636-50 x2"',
            'expected = "64635-50, 64636-50"',
            Q1 + r": 'expected' is '64635-50, 64636-50', but the engine codes "
            r"'64635-50, 64636-50 x2' for this scenario$",
        ),
        (
            ABLATION,
            'expected = "64635-RT, 64636-RT x2"',
            'expected = "64635-50, 64636-50 x2"',
            Q2 + r": 'expected' is '64635-50, 64636-50 x2', but the engine codes "
            r"'64635-RT, 64636-RT x2' for this scenario$",
        ),
        (
            ABLATION,
            'expected = "64635-50, 64636-50 x2"',
            'expected = "64635-5O"',
            Q1 + r": field 'expected' cannot be read: Could not read \"64635-5O\": "
            r"modifier \"5O\" is not a modifier\.$",
        ),
        (  # every claim question states its answer; a choice question has none
            ABLATION,
            'expected = "64635-50, 64636-50 x2"\n',
            "",
            Q1 + r": missing field 'expected': the claim lines, written by hand",
        ),
        (
            ABLATION,
            'prompt = "Which statements are right? Select all that apply."',
            'prompt = "Which statements are right? Select all that apply."\nexpected = "64636"',
            Q6 + r": only a claim-entry question has 'expected'$",
        ),
    ],
)
def test_it_refuses_a_bad_record_naming_file_record_and_field_and_writes_nothing(
    data_dir, file, old, new, message
):
    # A change elsewhere in the bank must not be written either.
    replace(data_dir / ABLATION, PROBE, 'prompt = "Must not be written."')
    replace(data_dir / file, old, new)
    with pytest.raises(CommandError, match=message) as refused:
        load(data_dir)
    assert str(refused.value).startswith("Bad question data, nothing written. quiz/data/")
    assert Question.objects.get(key="rfa-thermal-only").prompt != "Must not be written."
