"""Payer notes and their editorial workflow: drafts and publishing, every save a new version
kept by django-simple-history, a refused save instead of a lost update, diffs and restore.

The notes belong to the reference (`codes`): a note is about codes, cites a source, and shows on
the code and payer pages. What lives here is how editors keep them current.
"""

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import normalize_newlines
from simple_history.models import HistoricalRecords

from codes.models import Code, NoteTopic, Payer, Source, confidence_field
from codes.signals import lock_revision, retry_once
from coding.engine import MACS
from coding.engine import Payer as EnginePayer
from coding.engine.vocabulary import choices


class PayerNoteQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PayerNote.Status.PUBLISHED)

    def review_overdue(self):
        """Not reviewed for twelve months (the same test as `PayerNote.review_overdue`)."""
        return self.filter(last_reviewed__lt=PayerNote.review_cutoff())

    def reviewed_recently(self):
        return self.filter(last_reviewed__gte=PayerNote.review_cutoff())

    def load(self, key: str, fields: dict, codes: list[Code]) -> str:
        """Write a note as the dataset has it, unless an editor changed it since it was loaded.

        Returns what happened: "kept" (edited since it was loaded: left alone), "unchanged",
        "created" or "updated". An edit is told by the note's fingerprint: it differs from the
        one the loader stored, however the note was changed (admin, API or shell).

        The note is read and written under its row lock, taken after the revision's (the order
        every writer follows, see codes.signals): an editor's save that committed while the
        load ran is read here and kept, one that comes later waits for the load, then finds
        the note changed and is refused as a conflict. Nothing is overwritten unseen.
        """
        with transaction.atomic(savepoint=False):
            lock_revision()
            note = (
                self.filter(key=key)
                .select_related("payer", "source")
                .select_for_update(of=("self",))
                .first()
            )
            if note is not None and note.fingerprint() != note.loaded_fingerprint:
                return "kept"
            wanted = PayerNote(key=key, status=PayerNote.Status.PUBLISHED, **fields)
            wanted_fingerprint = wanted.fingerprint([c.code for c in codes])
            if note is not None and note.loaded_fingerprint == wanted_fingerprint:
                return "unchanged"
            # One history record per version, with its codes: the row and the codes are
            # written without history, then the note is saved once more to record them.
            created = note is None
            if created:
                note = wanted
            else:
                for name, value in fields.items():
                    setattr(note, name, value)
                note.status = PayerNote.Status.PUBLISHED
                note.version += 1
            note.loaded_fingerprint = wanted_fingerprint
            note.skip_history_when_saving = True
            try:
                if created:
                    note.save()
                note.codes.set(codes)
            finally:
                del note.skip_history_when_saving
            note.save()
            return "created" if created else "updated"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions of a payer note, ready to display."""

    name: str
    label: str
    old: str
    new: str
    # Word by word ("same" | "del" | "ins", text), for long text fields only.
    segments: tuple[tuple[str, str], ...] = ()


@dataclass
class EditConflict(Exception):  # noqa: N818 - reads as what happened
    """The note was saved by someone else after the editor opened it; nothing was written.

    `saves` are the newer history records (newest first: who and when), `changes` what they
    changed between the version the editor opened and the one stored now.
    """

    opened_version: int
    current_version: int | None = None
    saves: list = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)

    def __str__(self) -> str:
        if self.current_version is None:
            return "The note no longer exists."
        return (
            f"The note was saved again after you opened it (you opened version "
            f"{self.opened_version}, it is now version {self.current_version})."
        )


MEDICARE_SLUG = EnginePayer.MEDICARE.slug


class MatrixColumn(models.TextChoices):
    """The column of the payer matrix (/payers/matrix/) a note gives the figure of."""

    SESSIONS_DIAGNOSTIC = "sessions_diagnostic", "Diagnostic sessions per 12 months"
    SESSIONS_THERAPEUTIC = "sessions_therapeutic", "Therapeutic sessions per 12 months"
    SESSIONS_RFA = "sessions_rfa", "RFA sessions per 12 months"
    LEVELS = "levels", "Levels per session"
    RELIEF = "relief", "Relief thresholds"
    KX = "kx", "KX modifier"
    BILATERAL_PROFESSIONAL = "bilateral_professional", "Bilateral format: professional claim"
    BILATERAL_ASC = "bilateral_asc", "Bilateral format: ASC facility claim"
    BILATERAL_OUTPATIENT = "bilateral_outpatient", "Bilateral format: hospital outpatient claim"
    PRIOR_AUTHORIZATION = "prior_authorization", "Prior authorization"
    POLICY = "policy", "Policy number, version and date"


class PayerNote(models.Model):
    Topic = NoteTopic
    MatrixColumn = MatrixColumn

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    key = models.SlugField(max_length=80, unique=True)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="notes")
    codes = models.ManyToManyField(Code, related_name="payer_notes", blank=True)
    topic = models.CharField(max_length=30, choices=Topic.choices)
    text = models.TextField(help_text="Links, lists and emphasis in Markdown are allowed.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="payer_notes")
    url = models.URLField("URL", max_length=500, blank=True)
    confidence = confidence_field()
    # The payer matrix: the column this note gives a figure for, the figure as the cell shows
    # it, and for a Medicare note the one MAC it is about (blank: every MAC).
    matrix_column = models.CharField(
        max_length=30,
        choices=MatrixColumn.choices,
        blank=True,
        help_text="The payer matrix column this note gives a figure for; blank: none.",
    )
    figure = models.CharField(
        max_length=200,
        blank=True,
        help_text="What the matrix cell shows, e.g. “4 per spinal region per rolling 12 months”.",
    )
    mac = models.CharField(
        "MAC",
        max_length=20,
        choices=choices(MACS),
        blank=True,
        help_text="Medicare only: the contractor this note is about; blank: every MAC.",
    )
    effective_date = models.DateField(null=True, blank=True)
    last_reviewed = models.DateField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # Incremented on every save: an edit based on an older version is refused (no lost update).
    version = models.PositiveIntegerField(default=1)
    # Fingerprint of the content as load_reference last wrote it; a different current
    # fingerprint means an editor changed the note, and the loader leaves it alone.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[codes])

    objects = PayerNoteQuerySet.as_manager()

    class Meta:
        ordering = ["payer__sort_order", "topic", "key"]

    def __str__(self) -> str:
        return f"{self.payer}: {self.get_topic_display()} ({self.key})"

    def clean(self) -> None:
        """A matrix cell needs both its column and its figure; a MAC only on a Medicare note."""
        errors = {}
        if self.matrix_column and not self.figure.strip():
            errors["figure"] = "Give the figure the matrix cell shows, or clear the column."
        if self.figure.strip() and not self.matrix_column:
            errors["matrix_column"] = "Choose the matrix column this figure belongs in."
        if self.mac and self.payer_id is not None and self.payer.slug != MEDICARE_SLUG:
            errors["mac"] = "A MAC applies to Medicare notes only."
        if errors:
            raise ValidationError(errors)

    REVIEW_INTERVAL_DAYS = 365
    # The group that edits payer notes in the back office (created by a migration).
    EDITORS_GROUP = "Payer note editors"
    # The fields a version consists of: what a revert restores (key, version and the
    # loader's fingerprint identify a note rather than describe it).
    NOT_VERSIONED = ("id", "key", "version")

    @classmethod
    def review_cutoff(cls) -> date:
        """Notes last reviewed before this day have not been reviewed for twelve months."""
        return timezone.localdate() - timedelta(days=cls.REVIEW_INTERVAL_DAYS)

    @property
    def review_overdue(self) -> bool:
        """Not reviewed for twelve months: shown on public pages and filterable in the admin."""
        return self.last_reviewed < self.review_cutoff()

    def mark_reviewed(self, user) -> None:
        """Reviewed today by `user`; saved with the rest of the edit (see `save_edit`)."""
        self.last_reviewed = timezone.localdate()
        self.reviewer = user

    def save_edit(self, opened_version: int, *, user=None, codes=None, reason: str = "") -> None:
        """Save this note as one new version, only if it is still the version the editor opened.

        The check and the claim are one `UPDATE ... SET version = opened + 1 WHERE version =
        opened`: of two simultaneous saves from the same version exactly one updates the row,
        the other raises EditConflict, and its transaction writes nothing. `codes` (when given)
        are set before the row is saved, so the one history record holds fields and codes.

        The revision's lock comes first, the note's second, as in every writer (see
        codes.signals): a load of the dataset running meanwhile is waited for, not deadlocked.
        Should PostgreSQL still roll the save back as a deadlock, it is tried once more.
        """
        retry_once(lambda: self._save_edit(opened_version, user, codes, reason))

    def _save_edit(self, opened_version: int, user, codes, reason: str) -> None:
        with transaction.atomic():
            lock_revision()
            claimed = PayerNote.objects.filter(pk=self.pk, version=opened_version).update(
                version=opened_version + 1
            )
            if not claimed:
                raise self.conflict_since(opened_version)
            self.version = opened_version + 1
            if codes is not None:
                self.skip_history_when_saving = True
                try:
                    self.codes.set(codes)
                finally:
                    del self.skip_history_when_saving
            if user is not None:
                self._history_user = user
            self._change_reason = reason
            self.save()

    def revert_to(self, record, opened_version: int, *, user=None) -> None:
        """Make a past version (a history record of this note) the current one, as a new
        version: the same conflict check as any edit, and a history entry of its own."""
        if record.id != self.pk:
            raise ValueError(f"history record {record.history_id} is not of note {self.pk}")
        for f in self.versioned_fields():
            setattr(self, f.attname, getattr(record, f.attname))
        # The payer, source or reviewer of an old version may be gone since: refuse clearly.
        self.full_clean(exclude=["key"], validate_unique=False)
        code_ids = [row.code_id for row in getattr(record, HISTORY_CODES).all()]
        existing = list(Code.objects.filter(pk__in=code_ids))
        when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
        self.save_edit(
            opened_version,
            user=user,
            codes=existing,
            reason=f"Reverted to version {record.version} of {when}",
        )

    def conflict_since(self, opened_version: int) -> EditConflict:
        """Who saved the note after `opened_version`, and what they changed."""
        current = PayerNote.objects.filter(pk=self.pk).values_list("version", flat=True).first()
        conflict = EditConflict(opened_version, current)
        if current is None:
            return conflict
        records = list(
            self.history.filter(version__gte=opened_version)
            .select_related("history_user", "payer", "source", "reviewer")
            .prefetch_related(history_codes())
        )
        conflict.saves = [r for r in records if r.version > opened_version]
        opened = next((r for r in records if r.version == opened_version), None)
        if opened is not None and records:
            conflict.changes = self.changes_between(opened, records[0])
        return conflict

    @classmethod
    def versioned_fields(cls) -> list:
        return [
            f for f in cls._meta.concrete_fields if f.editable and f.name not in cls.NOT_VERSIONED
        ]

    @classmethod
    def changes_between(cls, old, new) -> list[FieldChange]:
        """Field by field, what differs between two history records, codes included.

        Reads related rows through the records, so select_related("payer", "source",
        "reviewer") and `history_codes()` on the history queryset keep it query-free.
        """
        changes = []
        for f in cls.versioned_fields():
            if getattr(old, f.attname) == getattr(new, f.attname):
                continue
            old_text, new_text = _display(old, f), _display(new, f)
            segments = word_diff(old_text, new_text) if isinstance(f, models.TextField) else ()
            changes.append(FieldChange(f.name, _label(f), old_text, new_text, segments))
        old_codes, new_codes = recorded_codes(old), recorded_codes(new)
        if old_codes != new_codes:
            changes.append(
                FieldChange(
                    "codes",
                    "Codes",
                    ", ".join(old_codes) or "(none)",
                    ", ".join(new_codes) or "(none)",
                )
            )
        return changes

    @classmethod
    def describe_version(cls, record) -> list[tuple[str, str]]:
        """Every field of one history record as (label, value), codes included."""
        rows = [(_label(f), _display(record, f)) for f in cls.versioned_fields()]
        rows.append(("Codes", ", ".join(recorded_codes(record)) or "(none)"))
        return rows

    def fingerprint(self, code_list: list[str] | None = None) -> str:
        if code_list is None:
            code_list = [code.code for code in self.codes.all()]
        content = {
            "payer": self.payer.slug,
            "codes": sorted(code_list),
            "topic": self.topic,
            "text": self.text,
            "source": self.source.key,
            "url": self.url,
            "confidence": self.confidence,
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "last_reviewed": self.last_reviewed.isoformat(),
            "status": self.status,
        }
        # The matrix fields count only once set, so that a note loaded before they existed
        # keeps its fingerprint (and is not taken for an editor's change).
        matrix = {"matrix_column": self.matrix_column, "figure": self.figure, "mac": self.mac}
        content.update({name: value for name, value in matrix.items() if value})
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


HISTORY_CODES = "historicalpayernote_codes_set"


def history_codes() -> models.Prefetch:
    """Prefetch for a payer note history queryset: each record's codes in one query."""
    through = PayerNote.history.model.codes.model
    return models.Prefetch(HISTORY_CODES, queryset=through.objects.select_related("code"))


def recorded_codes(record) -> list[str]:
    """The codes a history record holds, as displayed ("+64494" for an add-on)."""
    rows = getattr(record, HISTORY_CODES).all()
    # A code deleted since the version was saved is gone from its row: listed by its old id.
    codes = [row.code for row in rows if row.code is not None]
    gone = [f"(deleted code, id {row.code_id})" for row in rows if row.code is None]
    ordered = sorted(codes, key=lambda code: (code.sort_order, code.code))
    return [str(code) for code in ordered] + gone


def _label(model_field) -> str:
    label = str(model_field.verbose_name)
    return label[:1].upper() + label[1:]


def _display(record, model_field) -> str:
    """A field's value as an editor reads it: choice labels, names of related rows."""
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return "(empty)"
    if model_field.is_relation:
        try:
            return str(getattr(record, model_field.name))
        except model_field.related_model.DoesNotExist:
            return f"(deleted, id {value})"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Two texts as runs of kept, deleted and inserted words (whitespace kept). A lone space
    between two changes joins them, so a rewritten phrase reads as one deletion and one
    insertion rather than word by word."""
    a, b = re.split(r"(\s+)", normalize_newlines(old)), re.split(r"(\s+)", normalize_newlines(new))
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    runs: list[tuple[str, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if "".join(deleted):
            runs.append(("del", "".join(deleted)))
        if "".join(inserted):
            runs.append(("ins", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op != "equal":
            deleted.extend(a[i1:i2])
            inserted.extend(b[j1:j2])
            continue
        kept = "".join(a[i1:i2])
        if (deleted or inserted) and kept.isspace() and index + 1 < len(opcodes):
            deleted.append(kept)
            inserted.append(kept)
            continue
        flush()
        runs.append(("same", kept))
    flush()
    return tuple(runs)
