"""The seeded question bank: how it loads, and what it covers. Every claim-entry question states
its answer in its file, written by hand, and the coding engine must agree; every rule of the
reference data, every recorded misconception and every misconception tag is asked about."""

import re
import shutil
import tomllib
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codes.models import Misconception, Rule
from coding.engine.claims import parse_claim
from quiz.loader import DATA_DIR
from quiz.models import AnswerInput, Question, Quiz, Tag

pytestmark = pytest.mark.django_db


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


# Loading ------------------------------------------------------------------------------------


def test_it_changes_nothing_on_a_second_run():
    out = load()
    assert "Nothing changed." in out
    assert not re.search(r"[1-9]\d* (created|updated)", out), out
    assert re.search(r"^questions: 0 created, 0 updated, \d+ unchanged$", out, re.M)


def test_it_updates_a_changed_question_in_place(data_dir):
    question = Question.objects.get(key="bilateral-one-line")
    option_ids = list(question.options.values_list("pk", flat=True))
    replace(
        data_dir / "questions" / "sides-and-modifiers.toml",
        'prompt = "How does the physician bill this to Medicare?"',
        'prompt = "How is this billed to Medicare?"',
    )
    out = load(data_dir)
    assert "questions: 0 created, 1 updated" in out
    question.refresh_from_db()
    assert question.prompt == "How is this billed to Medicare?"
    # Options keep their ids, so stored answers still point at them.
    assert list(question.options.values_list("pk", flat=True)) == option_ids


HEAD = '[[question]]\nkey = "lumbar-three-nerves-bilateral"'


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "questions/counting-levels.toml",
            'nerves = "L3:B, L4:B, L5:B"',
            'nerves = "L6:B, L7:B"',
            r"counting-levels\.toml, question #1 \(lumbar-three-nerves-bilateral\) claim: "
            r"the coding engine cannot code it: Unknown nerve",
        ),
        (
            "questions/counting-levels.toml",
            'guidance = "fluoroscopy", nerves = "L3:B',
            'guidance = "none", nerves = "L3:B',
            r"question #1 \(lumbar-three-nerves-bilateral\) claim: the engine gives no claim line",
        ),
        (
            "questions/counting-levels.toml",
            'sources = ["a58350", "medlearn"',
            'sources = ["a99999", "medlearn"',
            r"question #1 \(lumbar-three-nerves-bilateral\): unknown source 'a99999'",
        ),
        (
            "questions/counting-levels.toml",
            'tags = ["nerves-as-levels", "kx"]',
            'tags = ["nerves-as-levels", "guesswork"]',
            r"question #1 \(lumbar-three-nerves-bilateral\): unknown tag 'guesswork'",
        ),
        (
            "questions/diagnoses-and-payers.toml",
            'title = "Low back pain, unspecified"',
            'title = "Low back pain"',
            r"diagnoses-and-payers\.toml, question #1 \(diagnosis-lumbar-spondylosis\) option 2: "
            r"title 'Low back pain' does not match the ICD-10-CM title "
            r"'Low back pain, unspecified'",
        ),
        (
            "questions/diagnoses-and-payers.toml",
            'diagnosis = "M54.16"',
            'diagnosis = "M54.99"',
            r"option 4: invalid ICD-10-CM code 'M54.99'",
        ),
        (
            "questions/diagnoses-and-payers.toml",
            'title = "Psychiatry Physician"',
            'title = "Pain Medicine (Psychiatry) Physician"',
            r"option 2: title .* does not match the NUCC display name 'Psychiatry Physician'",
        ),
        (
            "questions/counting-levels.toml",
            'text = "One: the three nerves serve a single joint"',
            'text = "One: the three nerves serve a single joint"\ncorrect = true',
            r"question #2 \(lumbar-nerves-how-many-levels\): a single-choice question has "
            r"exactly one right option, not 2",
        ),
        (
            "questions/ablation.toml",
            'key = "rfa-cervical-left"',
            'key = "rfa-three-joints-bilateral"',
            r"ablation\.toml, question #3 \(rfa-three-joints-bilateral\): duplicate key",
        ),
        (
            "quizzes.toml",
            '"si-nerve-ablation",',
            '"si-nerve-ablation-typo",',
            r"quizzes\.toml, quiz #8 \(mixed-exam\): unknown question 'si-nerve-ablation-typo'",
        ),
        (
            "quizzes.toml",
            "pass_mark = 80",
            "pass_mark = 180",
            r"quiz #8 \(mixed-exam\): field 'pass_mark' must be a whole number from 1 to 100",
        ),
        ("quizzes.toml", "[[quiz]]", "[[quiz]\n", r"quiz/data/quizzes\.toml, file: not valid TOML"),
    ],
)
def test_it_rejects_bad_data_naming_file_and_record_and_writes_nothing(
    data_dir, file, old, new, message
):
    # A change earlier in the files must not be written either.
    replace(
        data_dir / "questions" / "ablation.toml",
        'prompt = "Which statements are right? Select all that apply."',
        'prompt = "Must not be written."',
    )
    replace(data_dir / file, old, new)
    with pytest.raises(CommandError, match=message):
        load(data_dir)
    assert Question.objects.get(key="rfa-units-vs-third-level").prompt != "Must not be written."


def test_a_claim_question_cannot_carry_options(data_dir):
    replace(
        data_dir / "questions" / "counting-levels.toml",
        'intent = "diagnostic" }\n\n[[question]]\nkey = "lumbar-nerves-how-many-levels"',
        'intent = "diagnostic" }\n\n[[question.options]]\ntext = "64493-50"\ncorrect = true\n\n'
        '[[question]]\nkey = "lumbar-nerves-how-many-levels"',
    )
    with pytest.raises(CommandError, match="a claim-entry question has no options"):
        load(data_dir)


# The bank -----------------------------------------------------------------------------------


def test_the_bank_has_at_least_forty_questions_in_topic_quizzes_and_a_mixed_exam():
    assert Question.objects.count() >= 40
    topics = Quiz.objects.filter(kind=Quiz.Kind.TOPIC)
    assert topics.count() >= 5
    for question in Question.objects.all():
        assert question.quizzes.filter(kind=Quiz.Kind.TOPIC).count() == 1, question.key
    exam = Quiz.objects.get(kind=Quiz.Kind.EXAM)
    assert exam.time_limit and exam.pass_mark
    exam_topics = {
        topic.slug
        for topic in topics
        if topic.quiz_questions.filter(question__quizzes=exam).exists()
    }
    assert exam_topics == {topic.slug for topic in topics}, "the exam mixes every topic"


def claim_records() -> dict[str, dict]:
    """Every claim-entry question as written in quiz/data, read straight from the files."""
    records = {}
    for path in sorted((DATA_DIR / "questions").glob("*.toml")):
        for record in tomllib.loads(path.read_text(encoding="utf-8"))["question"]:
            if record["kind"] == "claim":
                records[record["key"]] = record
    return records


CLAIMS = claim_records()

# Questions whose hand-written answer the engine does not give, with the reason we keep ours.
ENGINE_DISAGREES: dict[str, str] = {}


def engine_answer(record: dict) -> str:
    """The engine's claim lines for the scenario of a record, as the app would print them."""
    claim = record["claim"]
    question = Question(
        kind=Question.Kind.CLAIM,
        procedure=claim["procedure"],
        guidance=claim["guidance"],
        joints=claim.get("joints", ""),
        nerves=claim.get("nerves", ""),
        payer_format=claim.get("format", ""),
        payer=claim.get("payer", ""),
        mac=claim.get("mac", ""),
        claim_type=claim.get("claim_type", ""),
        bilateral=claim.get("bilateral", ""),
        intent=claim.get("intent", ""),
    )
    return question.claim_result().claim_text()


def test_every_claim_question_states_its_answer_in_the_file():
    assert len(CLAIMS) >= 15
    missing = [key for key, record in CLAIMS.items() if not record.get("expected", "").strip()]
    assert missing == []
    loaded = set(Question.objects.filter(kind=Question.Kind.CLAIM).values_list("key", flat=True))
    assert loaded == set(CLAIMS)


@pytest.mark.parametrize("key", sorted(CLAIMS))
def test_the_answer_in_the_file_is_spelled_as_the_app_prints_claims(key):
    # One line after another, "50" then RT or LT then the other modifiers, " x2" for units.
    expected = CLAIMS[key]["expected"]
    assert ", ".join(line.text() for line in parse_claim(expected)) == expected


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=ENGINE_DISAGREES[key]))
        if key in ENGINE_DISAGREES
        else key
        for key in sorted(CLAIMS)
    ],
)
def test_the_engine_agrees_with_the_answer_written_in_the_file(key):
    record = CLAIMS[key]
    by_hand = Counter(parse_claim(record["expected"]))
    by_engine = Counter(parse_claim(engine_answer(record)))
    assert by_engine == by_hand


@pytest.mark.parametrize("key", sorted(set(CLAIMS) - set(ENGINE_DISAGREES)))
def test_the_answer_in_the_file_typed_in_scores_full_marks(key):
    question = Question.objects.get(key=key)
    assert not question.options.exists()
    typed = AnswerInput(lines=parse_claim(CLAIMS[key]["expected"]))
    marked = question.mark(typed)
    assert marked.score == 1.0
    assert marked.tags == []


def test_every_choice_question_has_a_right_answer_and_tagged_distractors():
    for question in Question.objects.exclude(kind=Question.Kind.CLAIM).prefetch_related("options"):
        options = list(question.options.all())
        right = [o for o in options if o.correct]
        assert len(right) == 1 if question.kind == Question.Kind.SINGLE else right, question.key
        assert any(o.tag for o in options if not o.correct), question.key


def test_every_question_explains_itself_with_sources_and_tags():
    for question in Question.objects.prefetch_related("sources"):
        assert question.explanation and question.scenario and question.prompt
        assert question.sources.all(), question.key
        assert question.tags and set(question.tags) <= set(Tag.values), question.key


def test_every_rule_of_the_reference_data_is_asked_about():
    asked = set(Rule.objects.filter(questions__isnull=False).values_list("key", flat=True))
    assert set(Rule.objects.values_list("key", flat=True)) - asked == set()


def test_every_recorded_misconception_is_asked_about():
    asked = set(Misconception.objects.filter(questions__isnull=False).values_list("key", flat=True))
    assert set(Misconception.objects.values_list("key", flat=True)) - asked == set()


def test_the_claim_questions_exercise_every_line_rule_of_the_engine():
    line_rules, warnings = set(), set()
    for question in Question.objects.filter(kind=Question.Kind.CLAIM):
        result = question.claim_result()
        line_rules |= {line.rule_id for line in result.lines}
        warnings |= set(result.warning_ids)
    assert line_rules >= {
        "first-level-primary",
        "second-level-addon",
        "third-level-addon-once",
        "ultrasound-first-level-primary",
        "ultrasound-second-level-addon",
        "ultrasound-third-level-addon-once",
        "rfa-first-joint",
        "rfa-additional-joint",
        "t12-l1-lumbar-session",
    }
    assert warnings >= {
        "nerves-counted-as-joints",
        "s1-adds-no-level",
        "imaging-included",
        "ultrasound-not-covered",
        "medicare-two-regions",
        "medicare-more-than-two-levels",
        "rtlt-format",
    }
    # Both claim formats, every payer and claim type, both procedures, every image guidance,
    # joints and nerves.
    claims = Question.objects.filter(kind=Question.Kind.CLAIM)
    assert set(claims.values_list("payer_format", flat=True)) == {"", "medicare", "rtlt"}
    assert set(claims.values_list("payer", flat=True)) >= {"medicare", "aetna", "cigna", "uhc"}
    assert set(claims.values_list("claim_type", flat=True)) >= {"asc", "outpatient"}
    assert claims.exclude(mac="").exists()
    assert set(claims.values_list("procedure", flat=True)) == {"injection", "rfa"}
    assert set(claims.values_list("guidance", flat=True)) >= {"fluoroscopy", "ct", "ultrasound"}
    assert claims.exclude(nerves="").exists() and claims.exclude(joints="").exists()


def test_every_misconception_tag_is_tested():
    used = set()
    for question in Question.objects.prefetch_related("options"):
        used |= set(question.tags) | {o.tag for o in question.options.all() if o.tag}
    assert set(Tag.values) - used == set()


def test_diagnosis_and_taxonomy_options_carry_official_titles():
    from codes import icd
    from codes.models import Taxonomy

    question = Question.objects.get(key="diagnosis-lumbar-spondylosis")
    for option in question.options.all():
        code, title = option.text.split(" ", 1)
        assert icd.lookup(code)[0] == title
    question = Question.objects.get(key="taxonomy-pain-psychiatry-neurology")
    for option in question.options.all():
        code, title = option.text.split(" ", 1)
        assert Taxonomy.objects.get(code=code).display_name == title
