"""Reads the question bank under quiz/data/ and writes it to the database.

quiz/data/quizzes.toml declares the quizzes. A topic quiz takes the questions of
quiz/data/questions/<its slug>.toml in file order; the mixed exam lists question keys.
Everything is read and checked first (against the reference data, the ICD-10-CM tabular and
the coding engine); the writes run in one transaction and touch only rows that differ, so a
second run changes nothing. Run it after load_reference: questions cite its codes and sources.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.db import transaction

from codes import icd
from codes.loader import Report, sync
from codes.models import Code, Misconception, Rule, Source, Taxonomy
from coding.engine import FORMATS, GUIDANCES, INTENTS, PROCEDURES, InvalidInput
from quiz.models import RESERVED_SLUGS, Option, Question, Quiz, QuizQuestion, Tag

DATA_DIR = Path(__file__).resolve().parent / "data"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class QuizDataError(Exception):
    """Bad question data: names the file and the record."""

    def __init__(self, file: str, record: str, problem: str):
        self.file, self.record, self.problem = file, record, problem
        super().__init__(f"quiz/data/{file}, {record}: {problem}")


class Record:
    """One table of a TOML file, read with checks that name the file and the record."""

    def __init__(self, file: str, name: str, data: object):
        self.file, self.name = file, name
        if not isinstance(data, dict):
            self.fail("must be a table")
        self.data = data

    def fail(self, problem: str):
        raise QuizDataError(self.file, self.name, problem)

    def text(self, key: str, required: bool = True) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self.fail(f"field '{key}' must be text, not {type(value).__name__}")
        value = value.strip()
        if required and not value:
            self.fail(f"missing field '{key}'")
        return value

    def number(self, key: str, low: int, high: int, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(f"field '{key}' must be a whole number from {low} to {high}")
        return value

    def texts(self, key: str, required: bool = False) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(f"field '{key}' must be a list of text")
        if required and not value:
            self.fail(f"field '{key}' is empty")
        return [item.strip() for item in value]

    def choice(self, key: str, allowed, required: bool = True) -> str:
        value = self.text(key, required=required)
        if value and value not in allowed:
            self.fail(f"'{key}' is {value!r}; allowed: {', '.join(map(repr, allowed))}")
        return value

    def known(self, key: str, known: dict, what: str, required: bool = False) -> list:
        keys = self.texts(key, required=required)
        for item in keys:
            if item not in known:
                self.fail(f"unknown {what} {item!r} in '{key}'{REFERENCE_HINT}")
        return [known[item] for item in keys]


REFERENCE_HINT = " (is the reference data loaded? run manage.py load_reference first)"


def read_toml(path: Path, name: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuizDataError(name, "file", f"missing ({path})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise QuizDataError(name, "file", f"not valid TOML: {error}") from None


class Reference:
    """The reference rows questions may cite, read once."""

    def __init__(self):
        self.codes = {c.code: c for c in Code.objects.all()}
        self.sources = {s.key: s for s in Source.objects.all()}
        self.rules = {r.key: r for r in Rule.objects.all()}
        self.misconceptions = {m.key: m for m in Misconception.objects.all()}
        self.taxonomies = {t.code: t for t in Taxonomy.objects.all()}


def read_option(r: Record, ref: Reference) -> dict:
    diagnosis, taxonomy = r.text("diagnosis", False).upper(), r.text("taxonomy", False).upper()
    text = r.text("text", required=not (diagnosis or taxonomy))
    if diagnosis or taxonomy:
        if text:
            r.fail("an option naming a diagnosis or taxonomy takes its 'title', not 'text'")
        title = r.text("title")
    if diagnosis:
        found = icd.lookup(diagnosis)
        if found is None:
            r.fail(f"invalid ICD-10-CM code {diagnosis!r} (not in the CDC ICD-10-CM tabular)")
        official, _billable = found
        if title != official:
            r.fail(f"title {title!r} does not match the ICD-10-CM title {official!r}")
        text = f"{diagnosis} {title}"
    elif taxonomy:
        if taxonomy not in ref.taxonomies:
            r.fail(f"unknown taxonomy {taxonomy!r}{REFERENCE_HINT}")
        official = ref.taxonomies[taxonomy].display_name
        if title != official:
            r.fail(f"title {title!r} does not match the NUCC display name {official!r}")
        text = f"{taxonomy} {title}"
    if len(text) > 300:
        r.fail("text is longer than 300 characters")
    correct = r.data.get("correct", False)
    if not isinstance(correct, bool):
        r.fail("field 'correct' must be true or false")
    tag = r.choice("tag", Tag.values, required=False)
    if tag and correct:
        r.fail("a right option carries no misconception tag")
    return {"text": text, "correct": correct, "tag": tag}


def read_question(r: Record, ref: Reference) -> dict:
    key = r.text("key")
    if not SLUG_PATTERN.match(key) or len(key) > 80:
        r.fail(f"key {key!r} is not a slug (lowercase letters, digits, hyphens; 80 at most)")
    kind = r.choice("kind", Question.Kind.values)
    prompt = r.text("prompt")
    if len(prompt) > 300:
        r.fail("prompt is longer than 300 characters")
    tags = r.texts("tags", required=True)
    for tag in tags:
        if tag not in Tag.values:
            r.fail(f"unknown tag {tag!r}; allowed: {', '.join(Tag.values)}")
    row = {
        "key": key,
        "fields": {
            "kind": kind,
            "scenario": r.text("scenario"),
            "prompt": prompt,
            "explanation": r.text("explanation"),
            "tags": tags,
            "procedure": "",
            "guidance": "",
            "joints": "",
            "nerves": "",
            "payer_format": "",
            "intent": "",
        },
        "m2m": {
            "codes": r.known("codes", ref.codes, "code"),
            "sources": r.known("sources", ref.sources, "source", required=True),
            "rules": r.known("rules", ref.rules, "rule"),
            "misconceptions": r.known("misconceptions", ref.misconceptions, "misconception"),
        },
        "options": [],
    }
    options = r.data.get("options", [])
    if kind == Question.Kind.CLAIM:
        if options:
            r.fail("a claim-entry question has no options: the engine computes its answer")
        claim = Record(r.file, f"{r.name} claim", r.data.get("claim"))
        scenario = {
            "procedure": claim.choice("procedure", PROCEDURES),
            "guidance": claim.choice("guidance", GUIDANCES),
            "joints": claim.text("joints", required=False),
            "nerves": claim.text("nerves", required=False),
            "payer_format": claim.choice("format", FORMATS),
            "intent": claim.choice("intent", INTENTS, required=False),
        }
        row["fields"].update(scenario)
        question = Question(kind=kind, **scenario)
        if bool(scenario["joints"]) == bool(scenario["nerves"]):
            claim.fail("name either 'joints' or 'nerves' (with sides, e.g. 'L4-L5:B')")
        try:
            lines = question.claim_result().lines
        except InvalidInput as error:
            claim.fail(f"the coding engine cannot code it: {error}")
        if not lines:
            claim.fail("the engine gives no claim line for it; ask it as a choice question")
        return row
    if "claim" in r.data:
        r.fail("only a claim-entry question has a 'claim' scenario")
    if not isinstance(options, list) or len(options) < 2:
        r.fail("a choice question needs at least two [[question.options]]")
    for number, option in enumerate(options, start=1):
        row["options"].append(read_option(Record(r.file, f"{r.name} option {number}", option), ref))
    texts = [o["text"] for o in row["options"]]
    if len(set(texts)) != len(texts):
        r.fail("two options have the same text")
    right = sum(o["correct"] for o in row["options"])
    if kind == Question.Kind.SINGLE and right != 1:
        r.fail(f"a single-choice question has exactly one right option, not {right}")
    if kind == Question.Kind.MULTIPLE and right < 1:
        r.fail("a multiple-choice question needs at least one right option")
    return row


def read(data_dir: Path = DATA_DIR) -> dict:
    """Read and check every file; return plain rows ready to write, or raise QuizDataError."""
    ref = Reference()
    raw = read_toml(data_dir / "quizzes.toml", "quizzes.toml")
    quizzes, questions, seen = [], {}, {}
    items = raw.get("quiz", [])
    if not isinstance(items, list) or not items:
        raise QuizDataError("quizzes.toml", "file", "declares no [[quiz]]")
    topic_files = sorted((data_dir / "questions").glob("*.toml"))
    for path in topic_files:
        name = f"questions/{path.name}"
        content = read_toml(path, name)
        for index, item in enumerate(content.get("question", [])):
            label = f"question #{index + 1}"
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                label += f" ({item['key']})"
            r = Record(name, label, item)
            row = read_question(r, ref)
            if row["key"] in seen:
                r.fail(f"duplicate key {row['key']!r} (also in {seen[row['key']]})")
            seen[row["key"]] = name
            row["topic"] = path.stem
            questions[row["key"]] = row
    slugs = set()
    for index, item in enumerate(items):
        label = f"quiz #{index + 1}"
        if isinstance(item, dict) and isinstance(item.get("slug"), str):
            label += f" ({item['slug']})"
        r = Record("quizzes.toml", label, item)
        slug = r.text("slug")
        if not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
            r.fail(f"slug {slug!r} is not a free slug")
        if slug in slugs:
            r.fail(f"duplicate slug {slug!r}")
        slugs.add(slug)
        kind = r.choice("kind", Quiz.Kind.values)
        if kind == Quiz.Kind.TOPIC:
            if "questions" in r.data:
                r.fail(f"a topic quiz takes the questions of questions/{slug}.toml; no list")
            keys = [key for key, row in questions.items() if row["topic"] == slug]
            if not keys:
                r.fail(f"no questions: add them to quiz/data/questions/{slug}.toml")
        else:
            keys = r.texts("questions", required=True)
            for key in keys:
                if key not in questions:
                    r.fail(f"unknown question {key!r}")
            if len(set(keys)) != len(keys):
                r.fail("a question is listed twice")
        quizzes.append(
            {
                "slug": slug,
                "fields": {
                    "title": r.text("title"),
                    "description": r.text("description", required=False),
                    "kind": kind,
                    "pass_mark": r.number("pass_mark", 1, 100),
                    "time_limit": r.number("time_limit", 1, 600, required=False),
                    "sort_order": index,
                },
                "questions": keys,
            }
        )
    for path in topic_files:
        if path.stem not in slugs:
            raise QuizDataError(
                f"questions/{path.name}", "file", f"no topic quiz {path.stem!r} in quizzes.toml"
            )
    return {"quizzes": quizzes, "questions": list(questions.values())}


def write_options(report: Report, question: Question, wanted: list[dict]) -> None:
    """Update options in place by position, so stored answers keep pointing at them."""
    existing = list(question.options.order_by("position", "id"))
    for position, fields in enumerate(wanted):
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
    questions = {}
    for row in data["questions"]:
        question = sync(
            report, "questions", Question, {"key": row["key"]}, row["fields"], row["m2m"]
        )
        write_options(report, question, row["options"])
        questions[row["key"]] = question
    for row in data["quizzes"]:
        quiz = sync(report, "quizzes", Quiz, {"slug": row["slug"]}, row["fields"])
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
