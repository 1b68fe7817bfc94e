"""Questions, quizzes, attempts and trainer-led training sessions.

Claim-entry questions store the structured scenario (procedure, guidance, joints or nerves with
sides, payer format, intent); the coding engine computes the answer that trainees are marked
against (quiz/data also states it by hand, and the loader checks that the two agree). Attempts,
participants and sessions are addressed by random UUIDs and checked for ownership in every view.
"""

from __future__ import annotations

import operator
import secrets
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache, reduce

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from codes import signals as content_signals
from codes.models import Code, Misconception, Rule, Source
from coding import scoring
from coding.engine import (
    FORMATS,
    GUIDANCES,
    INTENTS,
    PROCEDURES,
    InvalidInput,
    choices,
    code_claim,
    parse_entries,
)

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
def code_scenario(procedure, guidance, joints, nerves, payer_format, intent):
    """The engine's Result for a claim question's scenario, computed once per scenario in each
    process: the engine is pure and its Result frozen, so every question, page and mark with the
    same scenario can share it."""
    kind = "joints" if joints.strip() else "nerves"
    entries = parse_entries(joints if kind == "joints" else nerves, kind)
    return code_claim(
        procedure=procedure,
        guidance=guidance,
        payer_format=payer_format,
        intent=intent or None,
        **{kind: entries},
    )


# A kept question is unreachable once the revision changes; this only bounds its life.
QUESTION_SECONDS = 60 * 60 * 24


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
    )
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
        key = f"quiz:question:{revision}:{pk}"
        question = cache.get(key)
        if question is None:
            question = cls.objects.for_page().filter(pk=pk).first()
            if question is None:
                return None
            with suppress(InvalidInput):  # raised again when an answer is marked, as before
                question.engine_result  # noqa: B018 - a cached_property, kept with the question
            cache.set(key, question, QUESTION_SECONDS)
        return question

    @property
    def headline(self) -> str:
        """The scenario's first line, to tell questions with the same prompt apart."""
        return next((line.strip() for line in self.scenario.splitlines() if line.strip()), "")

    @property
    def is_claim(self) -> bool:
        return self.kind == self.Kind.CLAIM

    def claim_result(self):
        """The engine's Result for this scenario (raises InvalidInput if it cannot be coded)."""
        return code_scenario(
            self.procedure, self.guidance, self.joints, self.nerves, self.payer_format, self.intent
        )

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
        missing = [f for f in ("procedure", "guidance", "payer_format") if not getattr(self, f)]
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
            tags = list(self.tags) if mark.score < 1 else []
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
            # The misconceptions of the wrong options chosen, else those the question tests.
            wrong = [o.tag for o in chosen if not o.correct and o.tag]
            tags = list(dict.fromkeys(wrong)) or list(self.tags)
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


RESERVED_SLUGS = {"join", "sessions", "attempts"}


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
    questions = models.ManyToManyField(Question, through="QuizQuestion", related_name="quizzes")

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "title"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quiz:quiz", args=[self.slug])

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


# A report kept in the cache is stale once its key changes; this only bounds its life.
REPORT_SECONDS = 60 * 10


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
        """The dashboard's figures, kept in the cache until someone joins or answers.

        One query tells whether anything changed (the number of participants, the number of
        answers and the newest one's id, read from the indexes); when nothing did, that is all
        a poll costs, else six more (SessionReport.build). Answers are never changed once
        stored, so the key sees every change a trainee makes.
        """
        marker = self.attempts.order_by().aggregate(
            joined=models.Count("id", distinct=True),
            answered=models.Count("answers"),
            newest=models.Max("answers__id"),
        )
        key = f"quiz:report:{self.pk}:{marker['joined']}:{marker['answered']}:{marker['newest']}"
        return cache.get_or_set(key, lambda: SessionReport.build(self), REPORT_SECONDS)


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
    def start(cls, quiz: Quiz, *, mode: str, user=None, owner_token: str = "", **extra):
        return cls.objects.create(
            quiz=quiz,
            mode=mode,
            user=user if user is not None and user.is_authenticated else None,
            owner_token="" if user is not None and user.is_authenticated else owner_token,
            question_ids=quiz.question_ids(),
            pass_mark=quiz.pass_mark,
            time_limit=quiz.time_limit,
            **extra,
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

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.deadline is not None and (now or timezone.now()) > self.deadline

    @property
    def gives_feedback(self) -> bool:
        return self.mode == Mode.PRACTICE

    def answered_ids(self) -> set[int]:
        """The questions answered so far, in one query of their ids alone (unordered)."""
        return set(self.answers.order_by().values_list("question_id", flat=True))

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
        row (INSERT ... ON CONFLICT DO NOTHING), so a second submission, even one sent at the
        same moment, stores nothing and gets the first answer back. The random `submission`
        tells whose insert won. An answer after the deadline is stored as late with no score.
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
        Answer.objects.bulk_create([mine], ignore_conflicts=True)
        stored = Answer.objects.get(attempt=self, question=question)
        return stored, stored.submission == mine.submission

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

    def tag_links(self) -> list[dict]:
        return tag_links(self.tags)


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
    attempt: Attempt
    summary: AttemptSummary


# How many of a question's commonest wrong answers the dashboard lists.
WRONG_ANSWERS_SHOWN = 3


@dataclass(frozen=True)
class SessionReport:
    """The trainer's dashboard figures, counted by the database: six queries, each returning
    rows bounded by the trainees, the questions or the misconceptions, never by the answers, so
    a poll costs about the same at 100 answers as at 10,000."""

    participants: list[ParticipantRow]
    questions: list[QuestionStats]
    missed_tags: list[dict]  # {'tag', 'label', 'url', 'count'}, most missed first

    @classmethod
    def build(cls, session: TrainingSession) -> SessionReport:
        answers = session.answers().order_by()
        # Query 1: the attempts. Query 2: each one's counts and points, grouped by its id
        # alone (grouping the attempts themselves would group by every column of theirs).
        attempts = list(session.attempts.order_by("started_at"))
        tallies = {
            row["attempt_id"]: row
            for row in answers.values("attempt_id").annotate(
                n_answered=models.Count("id"),
                n_points=models.Sum("score"),
                n_correct=models.Count("id", filter=models.Q(correct=True)),
                n_late=models.Count("id", filter=models.Q(late=True)),
            )
        }
        nothing = {"n_answered": 0, "n_points": 0.0, "n_correct": 0, "n_late": 0}
        participants = []
        for attempt in attempts:
            tally = tallies.get(attempt.pk, nothing)
            summary = AttemptSummary(
                answered=tally["n_answered"],
                total=attempt.total,
                points=tally["n_points"],
                correct=tally["n_correct"],
                late=tally["n_late"],
                pass_mark=attempt.pass_mark,
            )
            participants.append(ParticipantRow(attempt, summary))
        # Query 3: per question, answered, right and partly right.
        counts = {
            row["question_id"]: row
            for row in answers.values("question_id").annotate(
                n_answered=models.Count("id"),
                n_correct=models.Count("id", filter=models.Q(correct=True)),
                n_partial=models.Count(
                    "id", filter=models.Q(late=False, score__gt=0, correct=False)
                ),
            )
        }
        # Query 4: per question, its commonest wrong answers, ranked in the database.
        wrong: dict[int, list[tuple[str, int]]] = {}
        grouped = (
            answers.filter(correct=False, late=False)
            .values("question_id", "response")
            .annotate(n=models.Count("id"))
        )
        sql, params = grouped.query.sql_with_params()
        with connection.cursor() as cursor:
            # Ranked over the grouped rows (a window over an aggregate in one GROUP BY is not
            # something the ORM writes), so only the top few per question leave the database.
            ranking = (
                "SELECT question_id, response, n FROM (SELECT question_id, response, n, "
                "ROW_NUMBER() OVER (PARTITION BY question_id ORDER BY n DESC, response) AS r "
                "FROM ({}) grouped) ranked WHERE r <= %s ORDER BY question_id, r"
            )
            # The inner SQL is the ORM's, its values bound as parameters with ours.
            cursor.execute(ranking.format(sql), [*params, WRONG_ANSWERS_SHOWN])
            for question_id, response, n in cursor.fetchall():
                wrong.setdefault(question_id, []).append((response, n))
        # Query 5: the quiz's questions, in order.
        links = session.quiz.quiz_questions.select_related("question").order_by("position", "id")
        questions = [
            QuestionStats(
                number=number,
                question=link.question,
                answered=counts.get(link.question_id, {}).get("n_answered", 0),
                correct=counts.get(link.question_id, {}).get("n_correct", 0),
                partial=counts.get(link.question_id, {}).get("n_partial", 0),
                wrong_answers=wrong.get(link.question_id, []),
            )
            for number, link in enumerate(links, start=1)
        ]
        # Query 6: the answers counted by their list of misconceptions (a few lists per
        # question), then by misconception; ties go to the one missed earliest in the quiz.
        tallies: dict[str, list[int]] = {}
        grouped = (
            answers.exclude(tags=[])
            .values("tags")
            .annotate(n=models.Count("id"), first=models.Min("position"))
        )
        for row in grouped:
            for tag in dict.fromkeys(row["tags"]):
                count, first = tallies.get(tag, (0, row["first"]))
                tallies[tag] = [count + row["n"], min(first, row["first"])]
        order = sorted(tallies, key=lambda tag: (-tallies[tag][0], tallies[tag][1], tag))
        missed = [{**link, "count": tallies[link["tag"]][0]} for link in tag_links(order)]
        return cls(participants, questions, missed)


# Questions are kept in the cache per content revision (Question.for_page): an edited question,
# option, or link to a code, source or rule moves the revision on, as reference content does.
content_signals.watch(Question)
content_signals.watch(Option)
