"""Questions, quizzes, attempts and trainer-led training sessions.

Claim-entry questions store the structured scenario (procedure, guidance, joints or nerves with
sides, payer format, intent); the coding engine computes the answer that trainees are marked
against (quiz/data also states it by hand, and the loader checks that the two agree). Attempts,
participants and sessions are addressed by random UUIDs and checked for ownership in every view.
"""

from __future__ import annotations

import hashlib
import json
import operator
import random
import secrets
import uuid
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache, reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from codes import signals as content_signals
from codes.caching import kept
from codes.models import Code, Misconception, Revision, Rule, Source
from coding import scoring
from coding.engine import (
    BILATERALS,
    CLAIM_TYPES,
    FORMATS,
    GUIDANCES,
    INTENTS,
    MACS,
    PAYERS,
    PROCEDURES,
    InvalidInput,
    choices,
    code_claim,
    parse_entries,
    read_coverage,
)
from quiz import misconceptions

TRAINERS_GROUP = "Trainers"


class Tag(models.TextChoices):
    """The misconception a wrong answer reveals."""

    NERVES_AS_LEVELS = "nerves-as-levels", "Nerves counted as levels"
    THIRD_LEVEL = "third-level", "Third level miscoded"
    MODIFIER_50 = "modifier-50", "Modifier 50 misuse"
    WRONG_REGION = "wrong-region", "Wrong region"
    IMAGING_BILLED = "imaging-billed", "Imaging billed separately"
    NO_IMAGING = "no-imaging", "Facet code without imaging"
    ULTRASOUND = "ultrasound", "Ultrasound guidance"
    ABLATION_UNITS = "ablation-units", "Ablation units"
    KX = "kx", "KX modifier"
    MODIFIER_51 = "modifier-51", "Modifier 51 on add-on codes"
    DISTINCT_MODIFIERS = "distinct-modifiers", "59, XS or XU to split levels or sides"
    PAYER_FORMAT = "payer-format", "Payer claim format"
    DIAGNOSIS = "diagnosis", "Diagnosis choice"
    TAXONOMY = "taxonomy", "Provider taxonomy"
    SACROILIAC = "sacroiliac", "Sacroiliac work coded as facet"
    CODE_SCOPE = "code-scope", "What a code covers"
    FREQUENCY = "frequency", "Frequency and levels per session"
    COVERAGE = "coverage", "Coverage conditions"
    LCD_ARTICLE = "lcd-article", "LCD and billing article pairing"


# Where to read up on each misconception: a code, modifier or payer page (URL name, argument).
TAG_LEARN_MORE = {
    Tag.NERVES_AS_LEVELS: ("codes:code", "64493"),
    Tag.THIRD_LEVEL: ("codes:code", "64495"),
    Tag.MODIFIER_50: ("codes:modifier", "50"),
    Tag.WRONG_REGION: ("codes:code", "64490"),
    Tag.IMAGING_BILLED: ("codes:code", "77003"),
    Tag.NO_IMAGING: ("codes:code", "20552"),
    Tag.ULTRASOUND: ("codes:code", "0216T"),
    Tag.ABLATION_UNITS: ("codes:code", "64636"),
    Tag.KX: ("codes:modifier", "KX"),
    Tag.MODIFIER_51: ("codes:modifier", "51"),
    Tag.DISTINCT_MODIFIERS: ("codes:modifier", "59"),
    Tag.PAYER_FORMAT: ("codes:modifier", "RT"),
    Tag.DIAGNOSIS: ("codes:code", "64493"),
    Tag.TAXONOMY: ("codes:code", "64493"),
    Tag.SACROILIAC: ("codes:code", "64451"),
    Tag.CODE_SCOPE: ("codes:code", "64490"),
    Tag.FREQUENCY: ("codes:payer", "medicare"),
    Tag.COVERAGE: ("codes:payer", "medicare"),
    Tag.LCD_ARTICLE: ("codes:payer", "medicare"),
}


def tag_label(tag: str) -> str:
    return Tag(tag).label if tag in Tag.values else tag


def tag_links(tags) -> list[dict]:
    """[{'tag', 'label', 'url'}] for templates: each misconception with its learn-more page."""
    return [
        {
            "tag": tag,
            "label": tag_label(tag),
            "url": reverse(TAG_LEARN_MORE[tag][0], args=[TAG_LEARN_MORE[tag][1]])
            if tag in TAG_LEARN_MORE
            else "",
        }
        for tag in tags
    ]


def validate_tags(value) -> None:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationError("Tags must be a list of tag names.")
    unknown = [tag for tag in value if tag not in Tag.values]
    if unknown:
        raise ValidationError(f"Unknown tag(s): {', '.join(unknown)}.")


class Mode(models.TextChoices):
    PRACTICE = "practice", "Practice: feedback after each question"
    EXAM = "exam", "Exam: results at the end"


@lru_cache(maxsize=1024)
def code_scenario(procedure, guidance, joints, nerves, coverage, intent):
    """The engine's Result for a claim question's scenario, computed once per scenario in each
    process: the engine is pure and its Result frozen, so every question, page and mark with the
    same scenario can share it. ``coverage``: (payer, mac, claim_type, bilateral, format)."""
    kind = "joints" if joints.strip() else "nerves"
    entries = parse_entries(joints if kind == "joints" else nerves, kind)
    payer, mac, claim_type, bilateral, payer_format = coverage
    return code_claim(
        procedure=procedure,
        guidance=guidance,
        intent=intent or None,
        coverage=read_coverage(
            payer=payer,
            mac=mac,
            claim_type=claim_type,
            bilateral=bilateral,
            format=payer_format,
        ),
        **{kind: entries},
    )


class QuestionQuerySet(models.QuerySet):
    def for_page(self):
        """With what the question page and its feedback show: options, codes, sources and
        rules, in four queries after the questions' own instead of four per question."""
        return self.prefetch_related("options", "codes", "sources", "rules")


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice (select all that apply)"
        CLAIM = "claim", "Claim entry"

    key = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    scenario = models.TextField(help_text="The case, written like an operative note.")
    prompt = models.CharField(max_length=300, help_text="What the trainee must answer.")
    explanation = models.TextField(help_text="Why the answer is right: the rule and its source.")
    tags = models.JSONField(
        default=list, blank=True, validators=[validate_tags], help_text="Misconceptions tested."
    )
    codes = models.ManyToManyField(Code, blank=True, related_name="questions")
    sources = models.ManyToManyField(Source, related_name="questions")
    rules = models.ManyToManyField(Rule, blank=True, related_name="questions")
    misconceptions = models.ManyToManyField(
        Misconception,
        blank=True,
        related_name="questions",
        help_text="Claims of the source articles this question corrects.",
    )
    # The structured scenario of a claim-entry question; the engine computes its answer.
    procedure = models.CharField(max_length=10, choices=choices(PROCEDURES), blank=True)
    guidance = models.CharField(max_length=12, choices=choices(GUIDANCES), blank=True)
    joints = models.CharField(max_length=200, blank=True, help_text="e.g. L4-L5:B, L5-S1:R")
    nerves = models.CharField(max_length=200, blank=True, help_text="e.g. L3:B, L4:B, L5:B")
    payer_format = models.CharField(
        max_length=10,
        choices=choices(FORMATS),
        blank=True,
        help_text="The old way to give the bilateral format; payer and bilateral replace it.",
    )
    payer = models.CharField(max_length=10, choices=choices(PAYERS), blank=True)
    mac = models.CharField("MAC", max_length=12, choices=choices(MACS), blank=True)
    claim_type = models.CharField(max_length=12, choices=choices(CLAIM_TYPES), blank=True)
    bilateral = models.CharField(max_length=4, choices=choices(BILATERALS), blank=True)
    intent = models.CharField(max_length=12, choices=choices(INTENTS), blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def for_page(cls, pk: int, revision: str) -> Question | None:
        """The question with all its page and feedback show, kept in the cache for `revision`
        (the release and codes' Revision.tag()): a hit costs no query, a miss five
        (QuestionQuerySet.for_page). A claim question comes with the engine's answer, so no
        request codes it again. Saving a question or an option, or any reference content,
        moves the revision on (the signals at the end of this module), so an edit shows at once.
        """

        def fetch() -> Question | None:
            question = cls.objects.for_page().filter(pk=pk).first()
            if question is not None:
                question.scenario_html  # noqa: B018 - a cached_property, kept with the question
                with suppress(InvalidInput):  # raised again when an answer is marked, as before
                    question.engine_result  # noqa: B018 - a cached_property, kept with the question
            return question

        return kept(revision, f"quiz.question:{pk}", fetch)

    @property
    def headline(self) -> str:
        """The scenario's first line, to tell questions with the same prompt apart."""
        return next((line.strip() for line in self.scenario.splitlines() if line.strip()), "")

    @property
    def is_claim(self) -> bool:
        return self.kind == self.Kind.CLAIM

    def coverage(self):
        """The payer side of the scenario, as the engine reads it."""
        return read_coverage(
            payer=self.payer,
            mac=self.mac,
            claim_type=self.claim_type,
            bilateral=self.bilateral,
            format=self.payer_format,
        )

    def claim_result(self):
        """The engine's Result for this scenario (raises InvalidInput if it cannot be coded)."""
        coverage = (self.payer, self.mac, self.claim_type, self.bilateral, self.payer_format)
        return code_scenario(
            self.procedure, self.guidance, self.joints, self.nerves, coverage, self.intent
        )

    @cached_property
    def scenario_html(self) -> SafeString:
        """The scenario as paragraphs (as the linebreaks filter writes them): kept with the
        question in the cache (Question.for_page), so a page does not write it again."""
        return mark_safe(linebreaks(self.scenario, autoescape=True))  # noqa: S308 - escaped

    @cached_property
    def engine_result(self):
        """The engine's lines and warnings for a claim question (None for choice questions)."""
        return self.claim_result() if self.is_claim else None

    @property
    def expected_lines(self) -> tuple:
        return self.engine_result.lines if self.is_claim else ()

    def expected_text(self) -> str:
        if self.is_claim:
            return ", ".join(line.text() for line in self.expected_lines)
        return "; ".join(option.text for option in self.options.all() if option.correct)

    def clean(self) -> None:
        if not self.is_claim:
            return
        if bool(self.joints.strip()) == bool(self.nerves.strip()):
            raise ValidationError("A claim-entry question names either joints or nerves.")
        missing = [f for f in ("procedure", "guidance") if not getattr(self, f)]
        if missing:
            raise ValidationError(f"A claim-entry question needs: {', '.join(missing)}.")
        try:
            result = self.claim_result()
        except InvalidInput as error:
            raise ValidationError(f"The coding engine cannot code this scenario: {error}") from None
        if not result.lines:
            raise ValidationError(
                "The engine gives no claim line for this scenario; ask it as a choice question."
            )

    def mark(self, response: AnswerInput) -> Marked:
        """Score a validated response (see coding/scoring.py for the rules)."""
        if self.is_claim:
            mark = scoring.score_claim(self.expected_lines, response.lines)
            # Only the misconceptions this answer shows (none for a right one).
            tags = (
                misconceptions.shown(self.expected_lines, response.lines) if mark.score < 1 else []
            )
            return Marked(
                score=mark.score,
                response=", ".join(line.text() for line in response.lines),
                expected=self.expected_text(),
                lines=[row.as_dict() for row in mark.lines],
                tags=tags,
            )
        options = list(self.options.all())
        correct = {o.pk for o in options if o.correct}
        chosen = [o for o in options if o.pk in response.choices]
        if self.kind == self.Kind.SINGLE:
            score = scoring.score_single(chosen[0].pk, correct)
        else:
            score = scoring.score_multiple({o.pk for o in chosen}, correct)
        tags: list[str] = []
        if score < 1:
            # The misconceptions of the wrong options chosen; a wrong option that names none
            # shows none. Only a right option left out, with nothing wrong chosen, shows what
            # the question tests.
            wrong = [o for o in chosen if not o.correct]
            tags = list(dict.fromkeys(o.tag for o in wrong if o.tag))
            if not wrong:
                tags = list(self.tags)
        return Marked(
            score=score,
            response="; ".join(o.text for o in chosen),
            expected=self.expected_text(),
            choices=[o.pk for o in chosen],
            tags=tags,
        )


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    correct = models.BooleanField(default=False)
    tag = models.CharField(
        max_length=30,
        choices=Tag.choices,
        blank=True,
        help_text="The misconception choosing this (wrong) option reveals.",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class QuizQuerySet(models.QuerySet):
    def with_question_counts(self):
        """One query for the quiz list, with each quiz's number of questions."""
        # An aggregate query drops Meta.ordering: order explicitly.
        return self.annotate(question_count=models.Count("quiz_questions")).order_by(
            "sort_order", "title"
        )


RESERVED_SLUGS = {"join", "sessions", "attempts", "progress", "drill", "certificates"}


def validate_quiz_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"'{value}' is used by another page; choose another slug.")


class Quiz(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", "By topic"
        EXAM = "exam", "Mixed exam"

    slug = models.SlugField(max_length=60, unique=True, validators=[validate_quiz_slug])
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TOPIC)
    pass_mark = models.PositiveSmallIntegerField(
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent needed to pass.",
    )
    time_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Minutes; empty for no limit. Enforced on the server.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    shuffle = models.BooleanField(
        default=True,
        help_text="Shuffle the questions and their options for each attempt (the same order "
        "for everyone in one training session).",
    )
    questions = models.ManyToManyField(Question, through="QuizQuestion", related_name="quizzes")

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "title"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quiz:quiz", args=[self.slug])

    @classmethod
    def kept(cls, pk: int, revision: str) -> Quiz:
        """The quiz, kept in the cache for `revision` as questions are (Question.for_page): a
        hit costs no query, a miss one. Saving a quiz or its list of questions moves the
        revision on (the signals at the end of this module)."""
        return kept(revision, f"quiz.quiz:{pk}", lambda: cls.objects.get(pk=pk))

    def question_ids(self) -> list[int]:
        return list(
            self.quiz_questions.order_by("position", "id").values_list("question_id", flat=True)
        )


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="unique_quiz_question")
        ]

    def __str__(self) -> str:
        return f"{self.quiz.slug} #{self.position}: {self.question.key}"


# Join codes avoid characters that are easy to confuse (0/O, 1/I/L).
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class TrainingSessionQuerySet(models.QuerySet):
    def joinable(self, code: str):
        return self.filter(code=code, status=TrainingSession.Status.OPEN)

    def run_by(self, user):
        """Sessions a user may see the dashboard of: their own, or all for a superuser."""
        if user.is_superuser:
            return self
        return self.filter(trainer=user)


class TrainingSession(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Not open yet"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="training_sessions")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_sessions"
    )
    title = models.CharField(max_length=120, blank=True)
    code = models.CharField(max_length=JOIN_CODE_LENGTH)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The questions whose answer the trainer has revealed on the projector, by id.
    revealed = models.JSONField(default=list, blank=True, editable=False)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A code names one session among those not closed; closed sessions free theirs.
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(status="closed"),
                name="unique_join_code_among_open_sessions",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title or self.quiz.title} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("quiz:session", args=[self.pk])

    def join_url(self) -> str:
        return f"{reverse('quiz:join')}?code={self.code}"

    @classmethod
    def create(cls, *, quiz: Quiz, trainer, title: str = "", mode: str = Mode.PRACTICE):
        """A new session with a join code no other open or upcoming session uses."""
        for _ in range(20):
            try:
                with transaction.atomic():
                    return cls.objects.create(
                        quiz=quiz, trainer=trainer, title=title, mode=mode, code=new_join_code()
                    )
            except IntegrityError:
                continue
        raise RuntimeError("Could not find a free join code.")  # 31^6 codes: never in practice

    def set_status(self, status: str) -> None:
        """Open, close or reopen. Reopening takes a new code if another session took this one."""
        now = timezone.now()
        if status == self.Status.OPEN:
            self.opened_at = self.opened_at or now
            self.closed_at = None
        elif status == self.Status.CLOSED:
            self.closed_at = now
        self.status = status
        for _ in range(20):
            try:
                with transaction.atomic():
                    self.save(update_fields=["status", "opened_at", "closed_at", "code"])
                    return
            except IntegrityError:
                self.code = new_join_code()
        raise RuntimeError("Could not find a free join code.")

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def answers(self):
        return Answer.objects.filter(attempt__training_session=self)

    @property
    def name(self) -> str:
        """What trainees and the projector call the session."""
        return self.title or self.quiz.title

    def question_order(self) -> list[int]:
        """The questions in the order every trainee of the session gets them."""
        return shuffled(self.quiz.question_ids(), str(self.pk), self.quiz.shuffle)

    def reveal(self, question_id: int) -> None:
        """Show a question's answer and rationale on the projector (once; one UPDATE)."""
        if question_id not in self.revealed:
            self.revealed = [*self.revealed, question_id]
            TrainingSession.objects.filter(pk=self.pk).update(revealed=self.revealed)

    def distribution(self, question: Question) -> Distribution:
        """How the session answered one question: one query, a row per trainee at most."""
        rows = list(
            self.answers()
            .filter(question=question)
            .order_by()
            .values_list("choices", "response", "correct", "late")
        )
        return Distribution.of(question, rows)

    def join(self, *, user, owner_token: str, display_name: str) -> Attempt:
        """This user's or browser's attempt in the session, started by the first call.

        Idempotent however fast the calls come: the unique constraints (one attempt per user,
        one per browser, in a session) refuse a second insert, and the loser reads the winner's
        attempt. Queries: the attempt if there is one (1); else the quiz's question list and
        the insert, in a savepoint (4), and on a clash the winner's attempt (1).
        """
        mine = Attempt.objects.owned_by(user, owner_token).filter(training_session=self)
        attempt = mine.order_by("started_at").first()
        if attempt is not None:
            return attempt
        try:
            with transaction.atomic():
                return Attempt.start(
                    self.quiz,
                    mode=self.mode,
                    user=user,
                    owner_token=owner_token,
                    training_session=self,
                    display_name=display_name,
                )
        except IntegrityError:
            attempt = mine.order_by("started_at").first()
            if attempt is None:
                raise
            return attempt

    def report(self) -> SessionReport:
        """The dashboard's figures, read from the running tallies the answers keep (four
        queries, SessionReport.build), never from the answers themselves."""
        return SessionReport.build(self)


class AttemptKind(models.TextChoices):
    QUIZ = "quiz", "The quiz"
    RETRY = "retry", "Retry of the questions missed"
    DRILL = "drill", "Drill of weak spots"


def shuffled(ids: list[int], seed: str, shuffle: bool = True) -> list[int]:
    """`ids` in an order fixed by `seed`: the same seed always gives the same order."""
    ids = list(ids)
    if shuffle:
        random.Random(seed).shuffle(ids)
    return ids


class AttemptQuerySet(models.QuerySet):
    def owned_by(self, user, owner_token: str | None):
        """Attempts of a signed-in user, and those made anonymously in this browser (its
        owner token), so signing in part way keeps them."""
        conditions = []
        if owner_token:
            conditions.append(models.Q(user=None, owner_token=owner_token))
        if user.is_authenticated:
            conditions.append(models.Q(user=user))
        if not conditions:
            return self.none()
        return self.filter(reduce(operator.or_, conditions))

    def history(self):
        """Newest first, with the quiz, the points and the number answered, in one query."""
        return (
            self.select_related("quiz")
            .annotate(points=models.Sum("answers__score"), answered=models.Count("answers"))
            .order_by("-started_at")
        )


class Attempt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    owner_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    training_session = models.ForeignKey(
        TrainingSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    display_name = models.CharField(max_length=40, blank=True)
    # The questions as they were when the attempt started, in order.
    question_ids = models.JSONField(default=list, editable=False)
    pass_mark = models.PositiveSmallIntegerField()
    time_limit = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes")
    started_at = models.DateTimeField(default=timezone.now)
    # The random key of the start form this attempt came from: the same form sent twice (a
    # double click) starts one attempt.
    start_key = models.CharField(max_length=32, blank=True, editable=False)
    kind = models.CharField(max_length=10, choices=AttemptKind.choices, default=AttemptKind.QUIZ)
    retry_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
        help_text="The attempt whose missed questions this one retries.",
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_session", "user"],
                condition=models.Q(training_session__isnull=False, user__isnull=False),
                name="one_attempt_per_user_and_session",
            ),
            models.UniqueConstraint(
                fields=["training_session", "owner_token"],
                condition=models.Q(training_session__isnull=False) & ~models.Q(owner_token=""),
                name="one_attempt_per_browser_and_session",
            ),
            models.UniqueConstraint(
                fields=["user", "start_key"],
                condition=models.Q(user__isnull=False) & ~models.Q(start_key=""),
                name="one_attempt_per_user_and_start_form",
            ),
            models.UniqueConstraint(
                fields=["owner_token", "start_key"],
                condition=~models.Q(owner_token="") & ~models.Q(start_key=""),
                name="one_attempt_per_browser_and_start_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} by {self.display_name or self.user or 'anonymous'}"

    def get_absolute_url(self) -> str:
        return reverse("quiz:attempt", args=[self.pk])

    def results_url(self) -> str:
        return reverse("quiz:results", args=[self.pk])

    def question_url(self, number: int) -> str:
        return reverse("quiz:question", args=[self.pk, number])

    @classmethod
    def start(
        cls,
        quiz: Quiz,
        *,
        mode: str,
        user=None,
        owner_token: str = "",
        question_ids: list[int] | None = None,
        **extra,
    ):
        """A new attempt. Its questions come shuffled (unless the quiz says not to): in the
        session's order in a training session, so everyone sees the same, else in an order of
        its own, seeded by its id so it never changes."""
        pk = uuid.uuid4()
        session = extra.get("training_session")
        if question_ids is None:
            seed = str(session.pk) if session is not None else str(pk)
            question_ids = shuffled(quiz.question_ids(), seed, quiz.shuffle)
        return cls.objects.create(
            id=pk,
            quiz=quiz,
            mode=mode,
            user=user if user is not None and user.is_authenticated else None,
            owner_token="" if user is not None and user.is_authenticated else owner_token,
            question_ids=question_ids,
            pass_mark=quiz.pass_mark,
            time_limit=quiz.time_limit,
            **extra,
        )

    @property
    def shuffle_seed(self) -> str:
        """Seeds the order of each question's options: the session's id in a training session
        (the same for everyone), else the attempt's; '' for a quiz that is not shuffled."""
        if not self.quiz.shuffle:
            return ""
        return str(self.training_session_id or self.pk)

    @property
    def title(self) -> str:
        if self.kind == AttemptKind.RETRY:
            return f"{self.quiz.title}: the questions you missed"
        if self.kind == AttemptKind.DRILL:
            return "Drill: your weak spots"
        return self.quiz.title

    def missed_ids(self) -> list[int]:
        """The questions not answered fully right (or not answered), in this attempt's order:
        one query."""
        right = set(self.answers.filter(correct=True).values_list("question_id", flat=True))
        return [pk for pk in self.question_ids if pk not in right]

    def retry_missed(self, *, user, owner_token: str) -> Attempt | None:
        """A new practice attempt of the questions missed here (None when none were)."""
        missed = self.missed_ids()
        if not missed:
            return None
        return Attempt.start(
            self.quiz,
            mode=Mode.PRACTICE,
            user=user,
            owner_token=owner_token,
            question_ids=shuffled(missed, f"retry:{self.pk}", self.quiz.shuffle),
            kind=AttemptKind.RETRY,
            retry_of=self,
        )

    @property
    def earns_certificate(self) -> bool:
        """Only a whole exam, taken as an exam, can earn a certificate."""
        return (
            self.kind == AttemptKind.QUIZ
            and self.mode == Mode.EXAM
            and self.quiz.kind == Quiz.Kind.EXAM
        )

    @classmethod
    def start_once(cls, quiz: Quiz, *, mode: str, user, owner_token: str, key: str) -> Attempt:
        """Start an attempt from the start form with `key`, once: the same form sent again,
        even at the same moment, gets the attempt the first one started (the unique
        constraints on the key decide). Queries: the attempt if there is one (1); else the
        quiz's question list and the insert, in a savepoint (4), and on a clash the winner's
        attempt (1)."""
        if not key:
            return cls.start(quiz, mode=mode, user=user, owner_token=owner_token)
        mine = cls.objects.owned_by(user, owner_token).filter(quiz=quiz, start_key=key)
        attempt = mine.order_by("started_at").first()
        if attempt is not None:
            return attempt
        try:
            with transaction.atomic():
                return cls.start(quiz, mode=mode, user=user, owner_token=owner_token, start_key=key)
        except IntegrityError:
            attempt = mine.order_by("started_at").first()
            if attempt is None:
                raise
            return attempt

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def percent(self) -> int:
        """Score so far over every question (needs the `points` of AttemptQuerySet.history)."""
        return percent((self.points or 0) / self.total) if self.total else 0

    @property
    def deadline(self) -> datetime | None:
        if not self.time_limit:
            return None
        return self.started_at + timedelta(minutes=self.time_limit)

    def time_left(self, now: datetime | None = None) -> timedelta | None:
        if self.deadline is None:
            return None
        return max(self.deadline - (now or timezone.now()), timedelta(0))

    def owned_by(self, user, owner_token: str | None) -> bool:
        """Whether this attempt is the requester's, as AttemptQuerySet.owned_by selects them:
        a signed-in user's own, or one made anonymously in this browser (its owner token)."""
        if self.user_id is None:
            return bool(owner_token) and constant_time_compare(self.owner_token, owner_token)
        return user.is_authenticated and self.user_id == user.pk

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.deadline is not None and (now or timezone.now()) > self.deadline

    @property
    def gives_feedback(self) -> bool:
        return self.mode == Mode.PRACTICE

    @classmethod
    def with_session(cls, pk: uuid.UUID) -> Attempt | None:
        """The attempt with its training session (None if it has none), as
        `answered_when_read` the ids of the questions answered then, and as
        `revision_when_read` the content revision (Revision.tag()); or None if there is no
        such attempt. One query, as plain SQL: it runs on every question page and answer,
        which a whole training session loads at once, and the ORM took longer to build and
        read it (select_related) than the database took to answer it."""
        sql, attempt_columns, session_columns = attempt_with_session_sql(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(sql, [cls._meta.pk.get_db_prep_value(pk, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        *row, answered, number, changed_at = row
        split = len(attempt_columns.select)
        attempt = attempt_columns.instance(row[:split])
        session = None if row[split] is None else session_columns.instance(row[split:])
        attempt.training_session = session
        attempt.answered_when_read = frozenset(map(int, answered.split(",") if answered else ()))
        attempt.revision_when_read = Revision.tag_of((number, changed_at))
        return attempt

    def answered_ids(self) -> set[int]:
        """The questions answered so far, in one query of their ids alone (unordered), as plain
        SQL: it runs on every question page and answer, which a whole training session loads
        at once, and building it with the ORM cost more than the database's work on it."""
        pk = self._meta.pk.get_db_prep_value(self.pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(answered_ids_sql(), [pk])
            return {question_id for (question_id,) in cursor.fetchall()}

    def question_id_at(self, number: int) -> int | None:
        """The question at 1-based position `number`, or None if the attempt has no such one."""
        return self.question_ids[number - 1] if 1 <= number <= self.total else None

    def accepts_answers(self) -> str:
        """Why answers are refused ('' when they are accepted)."""
        session = self.training_session
        if session is not None and not session.is_open:
            return "This training session is closed: answers are no longer accepted."
        return ""

    def answer(self, question: Question, number: int, response: AnswerInput) -> tuple[Answer, bool]:
        """Store the answer to a question once; (the stored answer, whether this call stored it).

        The unique constraint on (attempt, question) decides: the insert skips a conflicting
        row and returns no id (insert_once), so a second submission, even one sent at the same
        moment, stores nothing and reads the first answer back. An answer after the deadline
        is stored as late with no score.
        In a training session, the answer that won adds itself to the dashboard's tallies in
        the same transaction (tally_answer); one that stored nothing counts nowhere.
        """
        now = timezone.now()
        marked = question.mark(response)
        late = self.is_overdue(now)
        mine = Answer(
            attempt=self,
            question=question,
            position=number,
            response=marked.response,
            choices=marked.choices,
            expected=marked.expected,
            lines=marked.lines,
            score=0.0 if late else marked.score,
            correct=not late and marked.score == 1,
            late=late,
            tags=[] if late else marked.tags,
            answered_at=now,
        )
        # In a training session the answer and the dashboard's tallies are stored together.
        with transaction.atomic() if self.training_session_id else nullcontext():
            if not insert_once(mine, keys=("attempt", "question")):
                return Answer.objects.get(attempt=self, question=question), False
            if self.training_session_id:
                tally_answer(mine, self.training_session_id)
        return mine, True

    def summary(self, answers) -> AttemptSummary:
        return AttemptSummary.of(self, answers)


@dataclass(frozen=True)
class AnswerInput:
    """A validated response: option ids for choice questions, parsed lines for claims."""

    choices: tuple[int, ...] = ()
    lines: tuple = ()


@dataclass(frozen=True)
class Marked:
    """A response marked: what Attempt.answer stores."""

    score: float
    response: str
    expected: str
    choices: list[int] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlainColumns:
    """How to read a model's concrete fields from a query written in plain SQL: the select
    list (under a table alias) and, per field, the converters the ORM itself applies to it (a
    JSON field's decoding, SQLite's text times and UUIDs), so the instance made is the one
    the ORM would make."""

    model: type[models.Model]
    attnames: tuple[str, ...]
    select: tuple[str, ...]
    converters: tuple[tuple[models.Expression, tuple], ...]

    @classmethod
    def of(cls, model: type[models.Model], alias: str) -> PlainColumns:
        fields = model._meta.concrete_fields
        columns = [field.get_col(alias) for field in fields]
        return cls(
            model,
            tuple(field.attname for field in fields),
            tuple(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields),
            tuple(
                (
                    column,
                    tuple(connection.ops.get_db_converters(column))
                    + tuple(column.get_db_converters(connection)),
                )
                for column in columns
            ),
        )

    def instance(self, row) -> models.Model:
        """The model instance of this row's values (as many as the select list, in order)."""
        values = []
        for value, (column, converters) in zip(row, self.converters, strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            values.append(value)
        return self.model.from_db(connection.alias, self.attnames, values)


@lru_cache(maxsize=2)
def attempt_with_session_sql(vendor: str) -> tuple[str, PlainColumns, PlainColumns]:
    """Attempt.with_session()'s query, written from the models' own table and column names,
    with the readers of its two halves (per database backend: their converters differ). Then
    come the ids of the questions answered, comma-separated (NULL for none), and the content
    revision's number and time (NULL without one)."""
    attempt, session = PlainColumns.of(Attempt, "a"), PlainColumns.of(TrainingSession, "s")
    quote = connection.ops.quote_name
    key = quote(Attempt._meta.get_field("training_session").column)
    session_pk = quote(TrainingSession._meta.pk.column)
    attempt_pk = quote(Attempt._meta.pk.column)
    answer_question, answer_attempt = (
        quote(Answer._meta.get_field(name).column) for name in ("question", "attempt")
    )
    number, changed_at = (
        Revision._meta.get_field(name).column for name in ("number", "changed_at")
    )
    # The two databases the site runs on name the same aggregate differently.
    aggregate = "string_agg" if vendor == "postgresql" else "group_concat"
    answered = (
        f"(SELECT {aggregate}(CAST(o.{answer_question} AS TEXT), ',')"  # noqa: S608
        f" FROM {quote(Answer._meta.db_table)} o WHERE o.{answer_attempt} = a.{attempt_pk})"
    )
    sql = (
        f"SELECT {', '.join(attempt.select + session.select)}, {answered}"  # noqa: S608 - no input
        f", r.{quote(number)}, r.{quote(changed_at)}"
        f" FROM {quote(Attempt._meta.db_table)} a"
        f" LEFT JOIN {quote(TrainingSession._meta.db_table)} s ON s.{session_pk} = a.{key}"
        f" LEFT JOIN {quote(Revision._meta.db_table)} r ON r.{quote(Revision._meta.pk.column)} = 1"
        f" WHERE a.{attempt_pk} = %s"
    )
    return sql, attempt, session


@lru_cache(maxsize=1)
def answered_ids_sql() -> str:
    """Attempt.answered_ids()'s query, written from the model's own table and column names."""
    table = connection.ops.quote_name(Answer._meta.db_table)
    question, attempt = (
        connection.ops.quote_name(Answer._meta.get_field(name).column)
        for name in ("question", "attempt")
    )
    return f"SELECT {question} FROM {table} WHERE {attempt} = %s"  # noqa: S608 - no input


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveSmallIntegerField(help_text="1-based number in the attempt")
    response = models.TextField(help_text="The answer as given (options chosen, claim lines).")
    choices = models.JSONField(default=list, blank=True)
    expected = models.TextField(help_text="The right answer when this one was given.")
    lines = models.JSONField(default=list, blank=True, help_text="Claim lines, side by side.")
    score = models.FloatField()
    correct = models.BooleanField()
    late = models.BooleanField(default=False, help_text="Given after the deadline: no score.")
    tags = models.JSONField(default=list, blank=True, help_text="Misconceptions revealed.")
    answered_at = models.DateTimeField(default=timezone.now)
    # Random per answer. It once told whose insert won; the insert now returns its id. Kept, as
    # dropping it could not be undone: its values would not come back.
    submission = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}: {self.response[:40]}"

    def line_marks(self) -> list[scoring.LineMark]:
        return [scoring.LineMark.from_dict(row) for row in self.lines]

    def explanations(self) -> tuple[scoring.LineExplanation, ...]:
        """The auditor's word on each wrong line of a typed claim (none when it is right)."""
        question = self.question
        if not question.is_claim or self.correct or question.engine_result is None:
            return ()
        scenario = {
            "procedure": question.procedure,
            "guidance": question.guidance,
            **({"joints": question.joints} if question.joints.strip() else {}),
            **({"nerves": question.nerves} if question.nerves.strip() else {}),
            **({"intent": question.intent} if question.intent else {}),
        }
        return scoring.explain(
            self.response, question.expected_lines, question.coverage(), scenario
        )

    def tag_links(self) -> list[dict]:
        return tag_links(self.tags)

    @property
    def feedback_key(self) -> str:
        """Everything stored about the answer that its feedback shows: equal for two answers
        whose feedback is the same, so the page keeps one copy (with the question, its place
        in the quiz and the content revision)."""
        marks = [
            self.response,
            self.choices,
            self.expected,
            self.lines,
            self.score,
            self.correct,
            self.late,
            self.tags,
        ]
        return hashlib.sha256(json.dumps(marks, sort_keys=True).encode()).hexdigest()


def percent(value: float) -> int:
    return round(value * 100)


@dataclass(frozen=True)
class AttemptSummary:
    answered: int
    total: int
    points: float
    correct: int
    late: int
    pass_mark: int

    @classmethod
    def of(cls, attempt: Attempt, answers) -> AttemptSummary:
        answers = list(answers)
        return cls(
            answered=len(answers),
            total=attempt.total,
            points=sum(a.score for a in answers),
            correct=sum(1 for a in answers if a.correct),
            late=sum(1 for a in answers if a.late),
            pass_mark=attempt.pass_mark,
        )

    @property
    def percent(self) -> int:
        """Score over every question of the attempt: unanswered questions count as 0."""
        return percent(self.points / self.total) if self.total else 0

    @property
    def passed(self) -> bool:
        return self.percent >= self.pass_mark

    @property
    def finished(self) -> bool:
        return self.answered >= self.total


@dataclass(frozen=True)
class QuestionStats:
    number: int
    question: Question
    answered: int
    correct: int
    wrong_answers: list[tuple[str, int]]  # the commonest wrong answers with their counts
    partial: int = 0  # some credit, not full

    @property
    def right_percent(self) -> int | None:
        return percent(self.correct / self.answered) if self.answered else None

    @property
    def wrong(self) -> int:
        """No credit: wrong or late."""
        return self.answered - self.correct - self.partial


@dataclass(frozen=True)
class ParticipantRow:
    """A line of the dashboard's participants table, its markup written out once here.

    The dashboard polls the table every few seconds; as a template loop, its dozen variables
    a trainee, each looked up, localized and escaped in turn, cost about 0.2 ms a trainee
    (60 ms a poll with 300 trainees), more than all the rest of the poll. Written out in one
    go, the row costs a few microseconds. templates/quiz/session.html puts the rows under the
    table's headers (Name, Answered, Right, Score over all questions, Late)."""

    attempt_id: uuid.UUID
    name: str
    summary: AttemptSummary
    url: str  # the trainee's answers, one by one
    html: SafeString

    @classmethod
    def of(cls, attempt_id, name: str, summary: AttemptSummary, url: str) -> ParticipantRow:
        s = summary
        verdict = ("(passed)" if s.passed else "(not passed)") if s.finished else "so far"
        html = format_html(
            '<tr><th scope="row"><a href="{url}">{name}</a></th>'
            '<td><progress max="{total}" value="{answered}" aria-label="{name}: answered">'
            "{answered} of {total}</progress> {answered} of {total}</td>"
            "<td>{correct} of {answered} answered right; {correct} of {total} questions</td>"
            "<td>{percent}% {verdict}</td><td>{late}</td></tr>\n",
            url=url,
            name=name,
            total=s.total,
            answered=s.answered,
            correct=s.correct,
            percent=s.percent,
            verdict=verdict,
            late=s.late,
        )
        return cls(attempt_id, name, summary, url, html)


# How many of a question's commonest wrong answers the dashboard lists.
WRONG_ANSWERS_SHOWN = 3


# The dashboard's running tallies ------------------------------------------------------------
#
# Every answer given in a training session adds itself to a few tallies in the transaction that
# stores it (Attempt.answer): its participant's, its question's, its wrong answer's and its
# misconceptions'. A poll reads the tallies, never the answers, so it costs the same at 100
# answers as at 10,000. Migration 0005 filled them in from the answers stored before.


class ParticipantTally(models.Model):
    """A participant's answers so far: how many, their points, how many right and late."""

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    answered = models.PositiveIntegerField(default=0)
    points = models.FloatField(default=0.0)
    correct = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.answered} answered"


class QuestionTally(models.Model):
    """A question's answers in a session: how many, how many right and partly right (some
    credit, in time), and its commonest wrong answers, kept ranked as they come in."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="question_tallies"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    answered = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    partial = models.PositiveIntegerField(default=0)
    # [[response, count], ...]: the WRONG_ANSWERS_SHOWN commonest, most given first, ties in
    # the order of their text.
    wrong_answers = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "question"], name="one_tally_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.question_id}: {self.answered} answered"


class WrongAnswerTally(models.Model):
    """How often a wrong (or partly right) answer was given to a question in a session, in
    time. `digest` (its text's SHA-256) keys it: an index on the text itself could outgrow
    PostgreSQL's limit for an index entry."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="wrong_answer_tallies"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    response = models.TextField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "question", "digest"], name="one_tally_per_wrong_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.question_id}: {self.response[:40]} ({self.count})"


class TagTally(models.Model):
    """How many answers in a session revealed a misconception, and the first position in the
    quiz where one did (it breaks ties on the dashboard)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="tag_tallies"
    )
    tag = models.CharField(max_length=30)
    count = models.PositiveIntegerField(default=0)
    first_position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "tag"], name="one_tally_per_tag")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.tag}: {self.count}"


def add_up(
    model: type[models.Model],
    rows: list[dict],
    *,
    keys: tuple[str, ...],
    add: tuple[str, ...] = (),
    least: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """Insert `rows`, or, where a row with the same `keys` exists, add their `add` fields to
    it and keep the least of their `least` fields (with neither, leave it as it is); other
    fields are written by the insert only. One statement, `INSERT ... ON CONFLICT (keys) DO
    UPDATE` (or `DO NOTHING`), written alike for PostgreSQL and SQLite (the ORM's upsert
    overwrites a field where this adds to it). It locks the rows in the order given: callers
    sort them. Returns the `returning` columns of each row written (none for a row left as
    it was)."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [meta.get_field(name) for name in rows[0]]
    names = {field.name: quote(field.column) for field in fields}
    updates = [f"{names[n]} = {table}.{names[n]} + excluded.{names[n]}" for n in add]
    updates += [
        f"{names[n]} = CASE WHEN excluded.{names[n]} < {table}.{names[n]} "
        f"THEN excluded.{names[n]} ELSE {table}.{names[n]} END"
        for n in least
    ]
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    # Table and column names come from the models; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(names.values())}) "  # noqa: S608
        f"VALUES {', '.join([row_sql] * len(rows))} "
        f"ON CONFLICT ({', '.join(names[n] for n in keys)}) "
        + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")
    )
    if returning:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(n).column) for n in returning)
    params = [
        field.get_db_prep_save(row[field.name], connection) for row in rows for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def insert_once(instance: models.Model, *, keys: tuple[str, ...]) -> bool:
    """Insert `instance` unless a row with the same `keys` is stored already: whether it was
    inserted, in which case its primary key is set. One statement (add_up, `INSERT ... ON
    CONFLICT DO NOTHING RETURNING` the key), so a row sent twice at the same moment is stored
    once, and the caller learns which call stored it without reading it back."""
    meta = instance._meta
    row = {f.name: getattr(instance, f.attname) for f in meta.concrete_fields if f != meta.pk}
    inserted = add_up(type(instance), [row], keys=keys, returning=(meta.pk.name,))
    if not inserted:
        return False
    [(instance.pk,)] = inserted
    instance._state.adding, instance._state.db = False, connection.alias
    return True


def ranked_wrong_answers(top: list, response: str, count: int) -> list[list]:
    """The commonest wrong answers once `response` has been given `count` times, from the
    list before. Counts only grow, one at a time, so no answer outside the list can overtake
    one in it: the new list is the best of the old one and `response`."""
    counts = dict(top)
    counts[response] = count
    best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [[text, n] for text, n in best[:WRONG_ANSWERS_SHOWN]]


def tally_answer(answer: Answer, session_id) -> None:
    """Count a newly stored answer in its training session's tallies; call it in the
    transaction that stored the answer, so both stand or neither does.

    Rows are locked in one order by every caller: the participant's, the question's, the
    wrong answer's, then the misconceptions' by name, so two answers never wait on each other
    in a circle. Queries: the participant (1) and the question (1); a wrong answer adds its
    count (1) and, when the commonest list changes, the list (1); misconceptions (1).
    """
    late = answer.late
    add_up(
        ParticipantTally,
        [
            {
                "attempt": answer.attempt_id,
                "answered": 1,
                "points": answer.score,
                "correct": int(answer.correct),
                "late": int(late),
            }
        ],
        keys=("attempt",),
        add=("answered", "points", "correct", "late"),
    )
    wrong = not answer.correct and not late
    question = {"session": session_id, "question": answer.question_id}
    [(top,)] = add_up(
        QuestionTally,
        [
            {
                **question,
                "answered": 1,
                "correct": int(answer.correct),
                "partial": int(wrong and answer.score > 0),
                "wrong_answers": [],
            }
        ],
        keys=("session", "question"),
        add=("answered", "correct", "partial"),
        returning=("wrong_answers",),
    )
    if wrong:
        top = json.loads(top) if isinstance(top, str) else top
        [(count,)] = add_up(
            WrongAnswerTally,
            [
                {
                    **question,
                    "digest": hashlib.sha256(answer.response.encode()).hexdigest(),
                    "response": answer.response,
                    "count": 1,
                }
            ],
            keys=("session", "question", "digest"),
            add=("count",),
            returning=("count",),
        )
        ranked = ranked_wrong_answers(top, answer.response, count)
        if ranked != top:
            QuestionTally.objects.filter(**question).update(wrong_answers=ranked)
    if answer.tags:
        add_up(
            TagTally,
            [
                {"session": session_id, "tag": tag, "count": 1, "first_position": answer.position}
                for tag in sorted(set(answer.tags))
            ],
            keys=("session", "tag"),
            add=("count",),
            least=("first_position",),
        )


@receiver(post_delete, sender=Answer, dispatch_uid="quiz.untally_answer")
def untally_answer(sender, instance: Answer, **kwargs) -> None:
    """Take a deleted answer out of its session's tallies (a back-office deletion of the
    answer, its attempt or its user), in the deleting transaction, locking rows in the order
    tally_answer does. The commonest wrong answers are ranked again from the question's
    wrong-answer tallies; a misconception's first position stays (it only breaks ties).
    Queries: the attempt's session (1); in a session, four to six updates."""
    session_id = (
        Attempt.objects.filter(pk=instance.attempt_id)
        .values_list("training_session_id", flat=True)
        .first()
    )
    if session_id is None:
        return
    late = instance.late
    ParticipantTally.objects.filter(attempt=instance.attempt_id).update(
        answered=models.F("answered") - 1,
        points=models.F("points") - instance.score,
        correct=models.F("correct") - int(instance.correct),
        late=models.F("late") - int(late),
    )
    wrong = not instance.correct and not late
    question = {"session": session_id, "question": instance.question_id}
    QuestionTally.objects.filter(**question).update(
        answered=models.F("answered") - 1,
        correct=models.F("correct") - int(instance.correct),
        partial=models.F("partial") - int(wrong and instance.score > 0),
    )
    if wrong:
        digest = hashlib.sha256(instance.response.encode()).hexdigest()
        WrongAnswerTally.objects.filter(**question, digest=digest).update(
            count=models.F("count") - 1
        )
        counts = WrongAnswerTally.objects.filter(**question, count__gt=0)
        top = sorted(counts.values_list("response", "count"), key=lambda row: (-row[1], row[0]))
        QuestionTally.objects.filter(**question).update(
            wrong_answers=[[text, n] for text, n in top[:WRONG_ANSWERS_SHOWN]]
        )
    if instance.tags:
        for tag in sorted(set(instance.tags)):
            TagTally.objects.filter(session=session_id, tag=tag).update(count=models.F("count") - 1)
        TagTally.objects.filter(session=session_id, count=0).delete()


@dataclass(frozen=True)
class SessionReport:
    """The trainer's dashboard figures, read from the session's tallies in four queries whose
    rows are bounded by the trainees, the questions and the misconceptions: no query reads
    the answers, so a poll costs about the same at 100 answers as at 10,000."""

    participants: list[ParticipantRow]
    questions: list[QuestionStats]
    missed_tags: list[dict]  # {'tag', 'label', 'url', 'count'}, most missed first

    @classmethod
    def build(cls, session: TrainingSession) -> SessionReport:
        # Query 1: the participants with their tallies (one who has not answered has none), as
        # plain values: making 300 attempts and their tallies into models cost more than the
        # database's work.
        participants = []
        # Each trainee's page: one address reversed, filled in per trainee.
        placeholder = str(uuid.UUID(int=0))
        before, after = reverse("quiz:session_trainee", args=[session.pk, placeholder]).split(
            placeholder
        )
        rows = session.attempts.order_by("started_at").values_list(
            "pk",
            "display_name",
            "question_ids",
            "pass_mark",
            "tally__answered",
            "tally__points",
            "tally__correct",
            "tally__late",
        )
        for pk, name, question_ids, pass_mark, answered, points, correct, late in rows:
            summary = AttemptSummary(
                answered=answered or 0,
                total=len(question_ids),
                points=points or 0.0,
                correct=correct or 0,
                late=late or 0,
                pass_mark=pass_mark,
            )
            participants.append(ParticipantRow.of(pk, name, summary, f"{before}{pk}{after}"))
        # Query 2: per question, answered, right, partly right and the commonest wrong answers.
        counts = {tally.question_id: tally for tally in session.question_tallies.all()}
        # Query 3: the quiz's questions, numbered in the order the session's trainees get them.
        links = session.quiz.quiz_questions.select_related("question").order_by("position", "id")
        by_question = {link.question_id: link for link in links}
        order = shuffled(list(by_question), str(session.pk), session.quiz.shuffle)
        links = [by_question[question_id] for question_id in order]
        nothing = QuestionTally()
        questions = [
            QuestionStats(
                number=number,
                question=link.question,
                answered=counts.get(link.question_id, nothing).answered,
                correct=counts.get(link.question_id, nothing).correct,
                partial=counts.get(link.question_id, nothing).partial,
                wrong_answers=[
                    (text, n) for text, n in counts.get(link.question_id, nothing).wrong_answers
                ],
            )
            for number, link in enumerate(links, start=1)
        ]
        # Query 4: the misconceptions, most missed first; ties go to the one missed earliest
        # in the quiz.
        missed = session.tag_tallies.order_by("-count", "first_position", "tag")
        tallies = {tally.tag: tally.count for tally in missed}
        links = tag_links(list(tallies))
        return cls(
            participants, questions, [{**link, "count": tallies[link["tag"]]} for link in links]
        )


@dataclass(frozen=True)
class Bar:
    """One bar of the projector's chart: an answer and how many gave it."""

    label: str
    count: int
    correct: bool


# How many distinct claims the projector charts before it counts the rest as "other".
CLAIMS_CHARTED = 5


@dataclass(frozen=True)
class Distribution:
    """A question's answers in one session, as the projector charts them."""

    answered: int
    bars: list[Bar]

    @classmethod
    def of(cls, question: Question, rows: list[tuple]) -> Distribution:
        """From (choices, response, correct, late) rows; late answers count as given."""
        if question.is_claim:
            counts: dict[str, list] = {}
            for _, response, correct, _ in rows:
                counts.setdefault(response, [0, correct])[0] += 1
            ranked = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
            bars = [Bar(text, n, right) for text, (n, right) in ranked[:CLAIMS_CHARTED]]
            rest = sum(n for _, (n, _) in ranked[CLAIMS_CHARTED:])
            if rest:
                bars.append(Bar("Other claims", rest, False))
            return cls(len(rows), bars)
        chosen: dict[int, int] = {}
        for picked, *_ in rows:
            for pk in picked:
                chosen[pk] = chosen.get(pk, 0) + 1
        bars = [Bar(o.text, chosen.get(o.pk, 0), o.correct) for o in question.options.all()]
        return cls(len(rows), bars)


def certificate_code() -> str:
    return secrets.token_urlsafe(12)


class Certificate(models.Model):
    """A passed exam, on paper: anyone with its link can check it is genuine."""

    code = models.CharField(max_length=24, unique=True, default=certificate_code, editable=False)
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="certificate")
    name = models.CharField(max_length=80, help_text="The name printed on the certificate.")
    exam = models.CharField(max_length=120)
    percent = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.name}: {self.exam} ({self.percent}%)"

    def get_absolute_url(self) -> str:
        return reverse("quiz:certificate", args=[self.code])

    @classmethod
    def issue(cls, attempt: Attempt, summary: AttemptSummary, name: str) -> Certificate:
        """The attempt's certificate, made once (a second call returns the first)."""
        certificate, _ = cls.objects.get_or_create(
            attempt=attempt,
            defaults={"name": name, "exam": attempt.quiz.title, "percent": summary.percent},
        )
        return certificate


@dataclass(frozen=True)
class TagProgress:
    """One misconception over time: per month, the answers that showed it."""

    tag: dict  # {'tag', 'label', 'url'}
    counts: list[int]  # one per month of MisconceptionProgress.months
    total: int


@dataclass(frozen=True)
class MisconceptionProgress:
    """A signed-in trainee's misconceptions month by month, most shown first."""

    months: list  # the first day of each month, oldest first
    answered: list[int]  # answers given in each month
    tags: list[TagProgress]

    MONTHS = 6

    @classmethod
    def of(cls, user, today=None) -> MisconceptionProgress:
        """Two queries: answers per month, and answers per month and list of tags."""
        today = today or timezone.localdate()
        first = today.replace(day=1)
        months = [first]
        for _ in range(cls.MONTHS - 1):
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
        answers = Answer.objects.filter(
            attempt__user=user, late=False, answered_at__date__gte=months[0]
        ).annotate(month=models.functions.TruncMonth("answered_at"))
        answered = {
            row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["n"]
            for row in answers.order_by().values("month").annotate(n=models.Count("id"))
        }
        shown: dict[str, dict] = {}
        grouped = answers.exclude(tags=[]).order_by().values("month", "tags")
        for row in grouped.annotate(n=models.Count("id")):
            month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
            for tag in dict.fromkeys(row["tags"]):
                by_month = shown.setdefault(tag, {})
                by_month[month] = by_month.get(month, 0) + row["n"]
        order = sorted(shown, key=lambda tag: (-sum(shown[tag].values()), tag))
        tags = [
            TagProgress(link, [shown[link["tag"]].get(m, 0) for m in months], 0)
            for link in tag_links(order)
        ]
        tags = [TagProgress(t.tag, t.counts, sum(t.counts)) for t in tags]
        return cls(months, [answered.get(m, 0) for m in months], tags)

    def weak_spots(self, limit: int = 3) -> list[str]:
        """The misconceptions shown most over the months, most first."""
        return [t.tag["tag"] for t in self.tags[:limit]]


# Questions a drill holds at most.
DRILL_QUESTIONS = 8


def start_drill(user, tags: list[str], *, mode: str = Mode.PRACTICE) -> Attempt | None:
    """A practice attempt of questions that test the given misconceptions, those most missed
    first (None when no question tests them). Drills file under the mixed exam, else the first
    quiz, so they sit in the trainee's history like any attempt."""
    if not tags:
        return None
    quiz = Quiz.objects.order_by("kind", "sort_order").first()  # "exam" sorts before "topic"
    candidates = list(Question.objects.order_by("key").values_list("id", "tags"))
    picked = []
    for tag in tags:
        picked += [pk for pk, q_tags in candidates if tag in q_tags and pk not in picked]
    picked = shuffled(picked, f"drill:{user.pk}:{timezone.now().isoformat()}")[:DRILL_QUESTIONS]
    if quiz is None or not picked:
        return None
    return Attempt.start(quiz, mode=mode, user=user, question_ids=picked, kind=AttemptKind.DRILL)


# Questions and quizzes are kept in the cache per content revision (Question.for_page,
# Quiz.kept): an edited question, option, quiz, quiz's list of questions, or link to a code,
# source or rule moves the revision on, as reference content does.
content_signals.watch(Question)
content_signals.watch(Option)
content_signals.watch(Quiz)
content_signals.watch(QuizQuestion)
