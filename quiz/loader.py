"""Reads the question bank under quiz/data/ and writes it to the database.

quiz/data/quizzes.toml declares the quizzes. A topic quiz takes the questions of
quiz/data/questions/<its slug>.toml in file order; the mixed exam lists question keys.
Each kind of record is a form (see codes/records.py) that declares its fields once. Everything
is read and checked first (against the reference data, the ICD-10-CM tabular and the coding
engine; a claim question's hand-written `expected` answer must be what the engine codes); the
writes run in one transaction and touch only rows that differ, so a second run changes
nothing. Run it after load_reference: questions cite its codes and sources.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from codes import icd
from codes.models import Code, Misconception, Rule, Source, Taxonomy
from codes.records import (
    Choice,
    Choices,
    DataError,
    Flag,
    Integer,
    Key,
    Keys,
    RecordForm,
    Report,
    Table,
    Tables,
    Text,
    read_table,
    read_toml,
    save,
    validate_slug,
)
from coding.engine import (
    InvalidInput,
    Kind,
    check_session,
    read_coverage,
    read_history,
    read_session,
)
from coding.engine.claims import ClaimError, parse_claim
from coding.scoring import score_claim
from quiz.models import Option, Question, Quiz, QuizQuestion, Tag, validate_quiz_slug

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_HINT = " (is the reference data loaded? run manage.py load_reference first)"


# The records -----------------------------------------------------------------------------------


class ClaimForm(RecordForm):
    """A claim question's scenario (`claim = { ... }`), as the coding engine takes it."""

    model = Question
    toml_names = {"payer_format": "format"}
    procedure = Choice()
    guidance = Choice()
    joints = Text(required=False)
    nerves = Text(required=False)
    payer_format = Choice(required=False)
    payer = Choice(required=False)
    mac = Choice(required=False)
    claim_type = Choice(required=False)
    bilateral = Choice(required=False)
    intent = Choice(required=False)

    def clean(self):
        row = super().clean()
        if self.errors:
            return row
        if bool(row["joints"]) == bool(row["nerves"]):
            raise ValidationError("name either 'joints' or 'nerves' (with sides, e.g. 'L4-L5:B')")
        try:
            lines = Question(kind=Question.Kind.CLAIM, **row).claim_result().lines
        except InvalidInput as error:
            raise ValidationError(
                "the coding engine cannot code it: %(error)s", params={"error": str(error)}
            ) from None
        if not lines:
            raise ValidationError(
                "the engine gives no claim line for it; ask it as a choice question"
            )
        return {**row, "lines": lines}


class OptionForm(RecordForm):
    """[[question.options]]: a text, or a diagnosis or taxonomy code with its official title."""

    model = Option
    text = Text(required=False)
    correct = Flag(required=False)
    tag = Choice(required=False)
    diagnosis = Text(upper=True, required=False, stored=False)
    taxonomy = Key("taxonomy", upper=True, hint=REFERENCE_HINT, required=False, stored=False)
    title = Text(required=False, stored=False)

    def clean_diagnosis(self) -> str:
        code = self.cleaned_data["diagnosis"]
        if code and icd.lookup(code) is None:
            raise ValidationError(
                "invalid ICD-10-CM code %(value)r (not in the CDC ICD-10-CM tabular)",
                params={"value": code},
            )
        return code

    def clean(self):
        row = super().clean()
        if self.errors:
            return row
        code = row["diagnosis"] or row["taxonomy"]
        if row["diagnosis"] and row["taxonomy"]:
            raise ValidationError("an option names a diagnosis or a taxonomy, not both")
        if code:
            if row["text"]:
                raise ValidationError(
                    "an option naming a diagnosis or taxonomy takes its 'title', not 'text'"
                )
            if row["diagnosis"]:
                official, what = icd.lookup(code)[0], "the ICD-10-CM title"
            else:
                official, what = self.known["taxonomy"][code].display_name, "the NUCC display name"
            if row["title"] != official:
                raise ValidationError(
                    "title %(value)r does not match %(what)s %(official)r",
                    params={"value": row["title"], "what": what, "official": official},
                )
            row["text"] = f"{code} {official}"
        elif not row["text"]:
            raise ValidationError("missing field 'text'")
        elif row["title"]:
            raise ValidationError("only an option naming a diagnosis or taxonomy has a 'title'")
        limit = Option._meta.get_field("text").max_length
        if len(row["text"]) > limit:
            raise ValidationError(
                "the option's text is longer than %(limit)s characters", params={"limit": limit}
            )
        if row["correct"] and row["tag"]:
            raise ValidationError("a right option carries no misconception tag")
        return row


class QuestionForm(RecordForm):
    """[[question]] in questions/<topic>.toml."""

    model = Question
    ident = ("key",)
    key = Text(validators=[validate_slug])
    kind = Choice()
    scenario = Text()
    prompt = Text()
    explanation = Text()
    tags = Choices(Tag.choices, what="tag")
    codes = Keys("code", upper=True, hint=REFERENCE_HINT, required=False)
    sources = Keys("source", hint=REFERENCE_HINT)
    rules = Keys("rule", hint=REFERENCE_HINT, required=False)
    misconceptions = Keys("misconception", hint=REFERENCE_HINT, required=False)
    # A claim question: its scenario for the engine, and its answer written by hand.
    claim = Table(required=False, stored=False)
    expected = Text(required=False, stored=False)
    # A choice question: its options. A patient-history question also has `history`: the
    # case the history check decides; the loader checks its right option against the engine.
    options = Tables(required=False, stored=False)
    history = Table(required=False, stored=False)

    def clean(self):
        row = super().clean()
        if self.errors:
            return row
        # The scenario fields stay blank on a choice question.
        row.update(dict.fromkeys(ClaimForm.base_fields, ""))
        if row["kind"] == Question.Kind.CLAIM:
            self.check_claim(row)
        else:
            self.check_choice(row)
        return row

    def check_claim(self, row: dict) -> None:
        if row["options"]:
            raise ValidationError(
                "a claim-entry question has no options: its answer is the claim in 'expected'"
            )
        if not row["claim"]:
            self.add_error("claim", "missing field %(field)s: the scenario the engine codes")
            return
        claim = self.nested(ClaimForm, row["claim"], "claim")
        lines = claim.pop("lines")
        row.update(claim)
        if not row["expected"]:
            self.add_error(
                "expected",
                "missing field %(field)s: the claim lines, written by hand (e.g. '64493-50-KX')",
            )
            return
        try:
            given = parse_claim(row["expected"])
        except ClaimError as error:
            self.add_error(
                "expected",
                ValidationError(
                    "field %(field)s cannot be read: %(error)s", params={"error": str(error)}
                ),
            )
            return
        if score_claim(lines, given).score < 1:
            self.add_error(
                "expected",
                ValidationError(
                    "%(field)s is %(value)r, but the engine codes %(engine)r for this scenario",
                    params={
                        "value": row["expected"],
                        "engine": ", ".join(line.text() for line in lines),
                    },
                ),
            )

    def check_choice(self, row: dict) -> None:
        for name in ("claim", "expected"):
            if row[name]:
                self.add_error(name, "only a claim-entry question has %(field)s")
        if self.errors:
            return
        if len(row["options"]) < 2:
            raise ValidationError("a choice question needs at least two [[question.options]]")
        row["options"] = [
            self.nested(OptionForm, option, f"option {number}")
            for number, option in enumerate(row["options"], start=1)
        ]
        texts = [option["text"] for option in row["options"]]
        if len(set(texts)) != len(texts):
            raise ValidationError("two options have the same text")
        right = sum(option["correct"] for option in row["options"])
        if row["kind"] == Question.Kind.SINGLE and right != 1:
            raise ValidationError(
                "a single-choice question has exactly one right option, not %(right)s",
                params={"right": right},
            )
        if row["kind"] == Question.Kind.MULTIPLE and right < 1:
            raise ValidationError("a multiple-choice question needs at least one right option")
        if row["history"]:
            self.check_history(row)

    def check_history(self, row: dict) -> None:
        """The right option of a patient-history question is what the history check answers."""
        if row["kind"] != Question.Kind.SINGLE:
            raise ValidationError("a patient-history question is a single-choice question")
        engine = history_answer(row["history"])
        right = next(option["text"] for option in row["options"] if option["correct"])
        if right != engine:
            self.add_error(
                "history",
                ValidationError(
                    "%(field)s: the right option is %(right)r, but the history check answers "
                    "%(engine)r",
                    params={"right": right, "engine": engine},
                ),
            )


# How a patient-history question's options name the history check's verdicts.
VERDICT_TEXT = {
    "covered": "Covered",
    "not-covered": "Not covered",
    "needs-documentation": "Needs documentation",
}
HISTORY_ASKS = ("kind", "verdict", "earliest_date")


def history_answer(case: dict) -> str:
    """What the history check answers to a question's `history` table: the kind's label, the
    verdict's text or the earliest date (ISO), as its options write them."""
    ask = case.get("ask")
    if ask not in HISTORY_ASKS:
        raise ValidationError(
            "history: 'ask' must be one of %(asks)s", params={"asks": ", ".join(HISTORY_ASKS)}
        )
    try:
        session = read_session(case.get("session"))
        earlier = read_history(case.get("earlier", []), session, today=session.date)
        coverage = read_coverage(payer=case.get("payer"), mac=case.get("mac"))
        check = check_session(session, earlier, coverage)
    except InvalidInput as error:
        raise ValidationError(
            "history: the history check cannot read it: %(error)s", params={"error": str(error)}
        ) from None
    if ask == "kind":
        return Kind(check.kind).label
    if ask == "verdict":
        return VERDICT_TEXT[check.verdict]
    return (
        check.earliest_date.isoformat() if check.earliest_date else "No date: waiting cannot fix it"
    )


class QuizForm(RecordForm):
    """[[quiz]] in quizzes.toml. A topic quiz takes the questions of questions/<slug>.toml."""

    model = Quiz
    ident = ("slug",)
    slug = Text(validators=[validate_slug, validate_quiz_slug])
    title = Text()
    description = Text(required=False)
    kind = Choice()
    pass_mark = Integer(low=1, high=100)
    time_limit = Integer(low=1, high=600, required=False)
    questions = Keys("question", required=False, stored=False)

    def clean(self):
        row = super().clean()
        if self.errors:
            return row
        if row["kind"] == Quiz.Kind.TOPIC:
            if "questions" in self.data:
                raise ValidationError(
                    "a topic quiz takes the questions of questions/%(slug)s.toml; no list",
                    params={"slug": row["slug"]},
                )
            row["questions"] = self.known["topic"].get(row["slug"], [])
            if not row["questions"]:
                raise ValidationError(
                    "no questions: add them to quiz/data/questions/%(slug)s.toml",
                    params={"slug": row["slug"]},
                )
        elif not row["questions"]:
            self.add_error("questions", "an exam lists its questions in %(field)s")
        elif len(set(row["questions"])) != len(row["questions"]):
            self.add_error("questions", "a question is listed twice in %(field)s")
        return row


# Reading ---------------------------------------------------------------------------------------


def read(data_dir: Path = DATA_DIR) -> dict:
    """Read and check every file; return cleaned records ready to write, or raise DataError."""
    # The reference rows questions may cite, read once; the writer links them.
    known: dict = {
        "code": {c.code: c for c in Code.objects.all()},
        "source": {s.key: s for s in Source.objects.all()},
        "rule": {r.key: r for r in Rule.objects.all()},
        "misconception": {m.key: m for m in Misconception.objects.all()},
        "taxonomy": {t.code: t for t in Taxonomy.objects.all()},
    }
    quizzes_file = "quiz/data/quizzes.toml"
    items = read_toml(data_dir / "quizzes.toml", quizzes_file).get("quiz", [])
    if not isinstance(items, list) or not items:
        raise DataError(quizzes_file, "file", "declares no [[quiz]]")
    questions, topics, seen = [], {}, {}
    topic_files = sorted((data_dir / "questions").glob("*.toml"))
    for topic in topic_files:
        file = f"quiz/data/questions/{topic.name}"
        rows = read_table(
            QuestionForm,
            read_toml(topic, file).get("question", []),
            file=file,
            label="question",
            known=known,
            seen=seen,
        )
        questions += rows
        topics[topic.stem] = [row["key"] for row in rows]
    known["question"] = {row["key"] for row in questions}
    known["topic"] = topics
    quizzes = read_table(QuizForm, items, file=quizzes_file, label="quiz", known=known)
    slugs = set()
    for order, row in enumerate(quizzes):
        row["sort_order"] = order
        slugs.add(row["slug"])
    for topic in topic_files:
        if topic.stem not in slugs:
            raise DataError(
                f"quiz/data/questions/{topic.name}",
                "file",
                f"no topic quiz {topic.stem!r} in quizzes.toml",
            )
    return {"quizzes": quizzes, "questions": questions, "objects": known}


# Writing ---------------------------------------------------------------------------------------


def write_options(report: Report, question: Question, wanted: list[dict]) -> None:
    """Update options in place by position, so stored answers keep pointing at them."""
    existing = list(question.options.order_by("position", "id"))
    for position, row in enumerate(wanted):
        fields, _m2m = OptionForm.model_values(row, {})
        current = existing[position] if position < len(existing) else None
        if current is None:
            Option.objects.create(question=question, position=position, **fields)
            report.count("options", "created")
        elif any(getattr(current, name) != value for name, value in fields.items()) or (
            current.position != position
        ):
            for name, value in fields.items():
                setattr(current, name, value)
            current.position = position
            current.save()
            report.count("options", "updated")
        else:
            report.count("options", "unchanged")
    for stale in existing[len(wanted) :]:
        stale.delete()
        report.count("options", "updated")


@transaction.atomic
def write(data: dict) -> Report:
    report = Report()
    objects = data["objects"]
    questions = {}
    for row in data["questions"]:
        question = save(report, "questions", Question, QuestionForm, row, objects, ("key",))
        write_options(report, question, row["options"])
        questions[row["key"]] = question
    for row in data["quizzes"]:
        quiz = save(report, "quizzes", Quiz, QuizForm, row, objects, ("slug",))
        wanted = [questions[key].pk for key in row["questions"]]
        current = list(
            quiz.quiz_questions.order_by("position", "id").values_list("question_id", flat=True)
        )
        if current != wanted:
            quiz.quiz_questions.all().delete()
            QuizQuestion.objects.bulk_create(
                QuizQuestion(quiz=quiz, question_id=pk, position=position)
                for position, pk in enumerate(wanted, start=1)
            )
        outcome = "unchanged" if current == wanted else "updated" if current else "created"
        report.count("quiz question lists", outcome)
    return report


def load(data_dir: Path = DATA_DIR) -> Report:
    return write(read(data_dir))
