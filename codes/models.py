"""Reference content: codes, how they relate, and everything a coder needs to report them.

Every record cites at least one Source and keeps the confidence of the fact sheet it came from:
"C" confirmed by a source, "L" likely, "U" unconfirmed (never shown as settled).
"""

import difflib
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import normalize_newlines
from simple_history.models import HistoricalRecords


class Confidence(models.TextChoices):
    CONFIRMED = "C", "Confirmed by source"
    LIKELY = "L", "Likely"
    UNCONFIRMED = "U", "Unconfirmed"


def confidence_field():
    return models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.CONFIRMED)


class SourceQuerySet(models.QuerySet):
    def citations(self, codes: models.QuerySet | None = None) -> list["Citation"]:
        """Every fact that cites one of these sources, each with its source, in ONE query.

        A UNION over the source link of every kind of fact; without it each kind would cost a
        query of its own. With `codes`, only the facts about those codes (for code pages).
        """
        return citations(source_filter=self, codes=codes)


class Source(models.Model):
    class Kind(models.TextChoices):
        SEED = "seed", "Seed article"
        CMS = "cms", "CMS"
        MAC = "mac", "Medicare contractor (MAC)"
        PAYER = "payer", "Payer policy"
        CODE_SET = "code_set", "Code set"
        SECONDARY = "secondary", "Secondary source"

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    document = models.CharField(max_length=120, blank=True, help_text="Seed file name")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("codes:sources") + f"#source-{self.key}"

    def as_json(self) -> dict:
        data = {"key": self.key, "title": self.title, "publisher": self.publisher}
        if self.document:
            data["document"] = self.document
        else:
            data["url"] = self.url or None
        return data


class CodeQuerySet(models.QuerySet):
    def for_listing(self):
        return self.order_by("sort_order", "code")

    def with_details(self):
        """Everything a code page or the code API shows, in one query per kind of related row.

        Without these prefetches each relation, modifier, diagnosis, note and misconception
        would cost a query of its own (N+1).
        """
        return self.prefetch_related(
            "sources",
            models.Prefetch(
                "relations_from",
                queryset=Relation.objects.select_related("to_code").prefetch_related("sources"),
            ),
            models.Prefetch(
                "relations_to",
                queryset=Relation.objects.select_related("from_code").prefetch_related("sources"),
            ),
            models.Prefetch(
                "modifier_guidance",
                queryset=ModifierGuidance.objects.select_related("modifier").prefetch_related(
                    "sources"
                ),
            ),
            "taxonomies",
            models.Prefetch(
                "diagnosis_links",
                queryset=DiagnosisLink.objects.select_related("diagnosis").order_by(
                    "diagnosis__code"
                ),
            ),
            models.Prefetch(
                "payer_notes",
                queryset=PayerNote.objects.published().select_related("payer", "source"),
            ),
            models.Prefetch(
                "misconceptions",
                queryset=Misconception.objects.select_related("source", "rule").prefetch_related(
                    "sources"
                ),
            ),
            models.Prefetch("rules", queryset=Rule.objects.prefetch_related("sources")),
        )

    def for_pages(self):
        """What the reference pages show of each code, one query per kind of related row.

        Unlike with_details() it leaves out the relations and the sources of each row: pages
        read the relations of all their codes in one query (Relation.objects.touching()) and
        every source in one more (CodeQuerySet.citations()), which keeps a code page within
        its query budget.
        """
        return self.prefetch_related(
            models.Prefetch(
                "modifier_guidance",
                queryset=ModifierGuidance.objects.select_related("modifier"),
            ),
            "taxonomies",
            models.Prefetch(
                "diagnosis_links",
                queryset=DiagnosisLink.objects.select_related("diagnosis").order_by(
                    "diagnosis__code", "relation"
                ),
            ),
            models.Prefetch(
                "payer_notes",
                queryset=PayerNote.objects.published().select_related("payer", "source"),
            ),
            models.Prefetch(
                "misconceptions", queryset=Misconception.objects.select_related("source")
            ),
            "rules",
        )

    def citations(self) -> list["Citation"]:
        """The sources of every fact about these codes, in one query (see citations())."""
        return citations(codes=self)

    def search(self, query: str):
        """Ranked search (codes.search) over these codes, read in one query."""
        from codes.search import search

        fields = ("code", "code_set", "summary", "descriptor", "guidance_note", "synonyms")
        return search(
            query, self.only(*fields, "region", "procedure", "guidance", "add_on", "sort_order")
        )


class Code(models.Model):
    class CodeSet(models.TextChoices):
        CPT = "CPT", "CPT"
        CPT_III = "CPT Category III", "CPT Category III"
        HCPCS = "HCPCS", "HCPCS Level II"

    class Region(models.TextChoices):
        CERVICAL_THORACIC = "cervical_thoracic", "Cervical or thoracic"
        LUMBAR_SACRAL = "lumbar_sacral", "Lumbar or sacral"
        SACROILIAC = "sacroiliac", "Sacroiliac joint"
        ANY = "any", "Any region"

    class Procedure(models.TextChoices):
        INJECTION = "injection", "Facet joint injection or medial branch block"
        RFA = "rfa", "Radiofrequency ablation (facet nerves)"
        SI_NERVE_BLOCK = "si_nerve_block", "Sacroiliac joint nerve block"
        SI_NERVE_RFA = "si_nerve_rfa", "Sacroiliac joint nerve ablation"
        SI_JOINT_INJECTION = "si_joint_injection", "Sacroiliac joint injection"
        IMAGING = "imaging", "Imaging guidance"
        TRIGGER_POINT = "trigger_point", "Trigger point injection"

    class Guidance(models.TextChoices):
        FLUOROSCOPY_CT = "fluoroscopy_ct", "Fluoroscopy or CT"
        ULTRASOUND = "ultrasound", "Ultrasound"
        NONE = "none", "No imaging"
        FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
        CT = "ct", "CT"

    class Level(models.TextChoices):
        FIRST = "first", "First (single) level"
        SECOND = "second", "Second level"
        THIRD_PLUS = "third_plus", "Third and any additional levels"
        FIRST_JOINT = "first_joint", "First (single) joint"
        ADDITIONAL_JOINT = "additional_joint", "Each additional joint"
        NONE = "", "Not level-based"

    class UnitBasis(models.TextChoices):
        LEVEL = "level", "Per level (facet joint)"
        JOINT = "joint", "Per facet joint"
        SESSION = "session", "Per session"
        PROCEDURE = "procedure", "Per procedure"
        MUSCLES = "muscles", "By number of muscles"

    code = models.CharField(max_length=5, unique=True)
    code_set = models.CharField(max_length=20, choices=CodeSet.choices)
    summary = models.TextField()
    descriptor = models.TextField(blank=True, help_text="Official descriptor (licensed text)")
    region = models.CharField(max_length=20, choices=Region.choices)
    procedure = models.CharField(max_length=20, choices=Procedure.choices)
    guidance = models.CharField(max_length=20, choices=Guidance.choices)
    add_on = models.BooleanField(default=False)
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    unit_basis = models.CharField(max_length=20, choices=UnitBasis.choices)
    max_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    guidance_note = models.TextField(blank=True)
    effective = models.DateField(null=True, blank=True)
    replaces = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    confidence = confidence_field()
    sort_order = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="codes")

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"+{self.code}" if self.add_on else self.code

    def get_absolute_url(self) -> str:
        return reverse("codes:code", args=[self.code])

    @property
    def display_code(self) -> str:
        return str(self)


class RelationQuerySet(models.QuerySet):
    def touching(self, codes: Iterable["Code"]):
        """Relations from or to any of these codes, with both codes joined (one query)."""
        pks = [code.pk for code in codes]
        return self.filter(models.Q(from_code__in=pks) | models.Q(to_code__in=pks)).select_related(
            "from_code", "to_code"
        )


class Relation(models.Model):
    class Type(models.TextChoices):
        ADD_ON_OF = "add_on_of", "Add-on of"
        NEXT_LEVEL = "next_level", "Next level"
        OTHER_REGION = "other_region", "Same procedure, other region"
        ULTRASOUND_COUNTERPART = "ultrasound_counterpart", "Ultrasound-guided counterpart"
        ABLATION_COUNTERPART = "ablation_counterpart", "Injection / ablation counterpart"
        INCLUDES_IMAGING = "includes_imaging", "Imaging included, never reported separately"
        SI_ALTERNATIVE = "si_alternative", "Sacroiliac alternative"
        NO_IMAGING_ALTERNATIVE = "no_imaging_alternative", "No-imaging alternative"
        FACILITY_ALTERNATIVE = "facility_alternative", "Facility alternative"

    # How each type reads from the other end, for symmetric display.
    REVERSE_LABELS = {
        "add_on_of": "Primary for add-on",
        "next_level": "Previous level",
        "other_region": "Same procedure, other region",
        "ultrasound_counterpart": "Fluoroscopy/CT counterpart",
        "ablation_counterpart": "Injection / ablation counterpart",
        "includes_imaging": "Included in",
        "si_alternative": "Facet code it is confused with",
        "no_imaging_alternative": "Image-guided code it replaces when no imaging is used",
        "facility_alternative": "Professional alternative",
    }

    from_code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="relations_from")
    to_code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="relations_to")
    type = models.CharField(max_length=30, choices=Type.choices)
    note = models.TextField(blank=True)
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="relations")

    objects = RelationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_code", "to_code", "type"], name="unique_relation")
        ]

    def __str__(self) -> str:
        return f"{self.from_code.code} {self.type} {self.to_code.code}"


class Modifier(models.Model):
    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=120)
    definition = models.TextField()
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="modifiers")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("codes:modifier", args=[self.code])


class ModifierGuidance(models.Model):
    modifier = models.ForeignKey(Modifier, on_delete=models.CASCADE, related_name="guidance")
    codes = models.ManyToManyField(Code, related_name="modifier_guidance")
    text = models.TextField()
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="modifier_guidance")

    class Meta:
        ordering = ["modifier__code", "id"]
        verbose_name_plural = "modifier guidance"

    def __str__(self) -> str:
        return f"{self.modifier.code}: {self.text[:60]}"


class Taxonomy(models.Model):
    code = models.CharField(max_length=10, unique=True)
    display_name = models.CharField(max_length=200)
    classification = models.CharField(max_length=200)
    specialization = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    confidence = confidence_field()
    codes = models.ManyToManyField(Code, related_name="taxonomies")
    sources = models.ManyToManyField(Source, related_name="taxonomies")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"


class Diagnosis(models.Model):
    code = models.CharField(max_length=8, unique=True)
    title = models.CharField(max_length=300)
    billable = models.BooleanField(help_text="False for header (non-billable) codes")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DiagnosisLink(models.Model):
    class Relation(models.TextChoices):
        PAYER_LISTED = "payer_listed", "Listed by a payer as supporting medical necessity"
        COMMONLY_ASSOCIATED = "commonly_associated", "Commonly associated"
        CONFLICTS_LCD = "conflicts_lcd", "Conflicts with the Medicare LCD"
        NOT_BILLABLE_HEADER = "not_billable_header", "Header code, not billable"

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(max_length=30, choices=Relation.choices)
    codes = models.ManyToManyField(Code, related_name="diagnosis_links")
    note = models.TextField(blank=True)
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="diagnosis_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["diagnosis", "relation"], name="unique_diagnosis_link")
        ]

    def __str__(self) -> str:
        return f"{self.diagnosis.code} ({self.relation})"


class Payer(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="payers")

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("codes:payer", args=[self.slug])


class PayerNoteQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PayerNote.Status.PUBLISHED)

    def review_overdue(self):
        """Not reviewed for twelve months (the same test as `PayerNote.review_overdue`)."""
        return self.filter(last_reviewed__lt=PayerNote.review_cutoff())

    def reviewed_recently(self):
        return self.filter(last_reviewed__gte=PayerNote.review_cutoff())


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


class PayerNote(models.Model):
    class Topic(models.TextChoices):
        FREQUENCY = "frequency", "Frequency"
        LEVELS_PER_SESSION = "levels_per_session", "Levels per session"
        MODIFIERS = "modifiers", "Modifiers"
        DOCUMENTATION = "documentation", "Documentation"
        COVERAGE = "coverage", "Coverage"
        PRIOR_AUTHORIZATION = "prior_authorization", "Prior authorization"
        DIAGNOSIS = "diagnosis", "Diagnosis codes"
        IMAGING = "imaging", "Imaging guidance"
        LCD = "lcd", "LCDs and articles"

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
        """
        with transaction.atomic():
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
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


HISTORY_CODES = "historicalpayernote_codes_set"


def history_codes() -> models.Prefetch:
    """Prefetch for a payer note history queryset: each record's codes in one query."""
    through = PayerNote.history.model.codes.model
    return models.Prefetch(HISTORY_CODES, queryset=through.objects.select_related("code"))


def recorded_codes(record) -> list[str]:
    """The codes a history record holds, as displayed ("+64494" for an add-on)."""
    codes = [row.code for row in getattr(record, HISTORY_CODES).all()]
    return [str(code) for code in sorted(codes, key=lambda code: (code.sort_order, code.code))]


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


class Rule(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    codes = models.ManyToManyField(Code, related_name="rules", blank=True)
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="rules")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.title


class Misconception(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="misconceptions",
        help_text="Where the wrong or contradictory claim appears",
    )
    claim = models.TextField()
    correction = models.TextField()
    codes = models.ManyToManyField(Code, related_name="misconceptions", blank=True)
    confidence = confidence_field()
    sources = models.ManyToManyField(
        Source, related_name="corrections", help_text="Sources of the correction"
    )
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.key


class Dataset(models.Model):
    """The reference dataset as last loaded: its version shows on cheat sheets, and its
    fingerprint and load time key the page caches."""

    version = models.CharField(max_length=40)
    date = models.DateField()
    title = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.title} {self.version}"


class Revision(models.Model):
    """One row whose number goes up whenever reference content or a payer note changes.

    Cached pages and ETags are keyed by it, so every app server sees a change at once
    through the shared database, whatever its own cache holds.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"revision {self.number}"

    @classmethod
    def current(cls) -> "Revision":
        revision, _ = cls.objects.get_or_create(pk=1)
        return revision

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(
            number=models.F("number") + 1, changed_at=timezone.now()
        )
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"number": 1})


class Citation(NamedTuple):
    """One fact citing one source. `label` is what the fact is, by kind (see citations())."""

    kind: str
    object_id: int
    source: Source
    label: tuple[str, str, str]


def citations(
    source_filter: models.QuerySet | None = None, codes: models.QuerySet | None = None
) -> list[Citation]:
    """Which fact cites which source, for every kind of fact, as one UNION query.

    Each row carries the source's own fields and three label columns:
    code (code, summary), relation (from code, type, to code), guidance (modifier, text),
    modifier (code, name), taxonomy (code, name), diagnosis (code, relation, title),
    payer (slug, name), note (payer slug, topic, payer name), rule (key, title),
    correction (misconception key, claim) and found_in (misconception key, claim): the
    misconceptions whose wrong claim appears in the source.
    """
    code_ids = codes.values("pk") if codes is not None else None
    through = {
        "code": Code.sources.through.objects,
        "relation": Relation.sources.through.objects,
        "guidance": ModifierGuidance.sources.through.objects,
        "modifier": Modifier.sources.through.objects,
        "taxonomy": Taxonomy.sources.through.objects,
        "diagnosis": DiagnosisLink.sources.through.objects,
        "payer": Payer.sources.through.objects,
        "rule": Rule.sources.through.objects,
        "correction": Misconception.sources.through.objects,
    }
    # kind: (rows, the fact's id, label columns, how the fact is tied to a code or None)
    parts = {
        "code": (through["code"], "code_id", ("code__code", "code__summary", ""), "code__in"),
        "relation": (
            through["relation"],
            "relation_id",
            ("relation__from_code__code", "relation__type", "relation__to_code__code"),
            ("relation__from_code__in", "relation__to_code__in"),
        ),
        "guidance": (
            through["guidance"],
            "modifierguidance_id",
            ("modifierguidance__modifier__code", "modifierguidance__text", ""),
            "modifierguidance__codes__in",
        ),
        "modifier": (
            through["modifier"],
            "modifier_id",
            ("modifier__code", "modifier__name", ""),
            None,
        ),
        "taxonomy": (
            through["taxonomy"],
            "taxonomy_id",
            ("taxonomy__code", "taxonomy__display_name", ""),
            "taxonomy__codes__in",
        ),
        "diagnosis": (
            through["diagnosis"],
            "diagnosislink_id",
            (
                "diagnosislink__diagnosis__code",
                "diagnosislink__relation",
                "diagnosislink__diagnosis__title",
            ),
            "diagnosislink__codes__in",
        ),
        "payer": (through["payer"], "payer_id", ("payer__slug", "payer__name", ""), None),
        "note": (
            PayerNote.objects.published(),
            "id",
            ("payer__slug", "topic", "payer__name"),
            "codes__in",
        ),
        "rule": (through["rule"], "rule_id", ("rule__key", "rule__title", ""), "rule__codes__in"),
        "correction": (
            through["correction"],
            "misconception_id",
            ("misconception__key", "misconception__claim", ""),
            "misconception__codes__in",
        ),
        "found_in": (Misconception.objects, "id", ("key", "claim", ""), "codes__in"),
    }
    source_fields = ("id", "key", "title", "publisher", "url", "document", "kind")
    queries = []
    for kind, (rows, object_id, labels, code_lookup) in parts.items():
        if code_ids is not None:
            if code_lookup is None:
                continue
            lookups = code_lookup if isinstance(code_lookup, tuple) else (code_lookup,)
            condition = models.Q()
            for lookup in lookups:
                condition |= models.Q(**{lookup: code_ids})
            rows = rows.filter(condition)
        if source_filter is not None and source_filter.query.has_filters():
            rows = rows.filter(source__in=source_filter.values("pk"))
        columns = [models.Value(kind, output_field=models.CharField()), models.F(object_id)]
        columns += [models.F(f"source__{name}") for name in source_fields]
        columns += [
            models.F(label) if label else models.Value("", output_field=models.CharField())
            for label in labels
        ]
        queries.append(rows.order_by().values_list(*columns))
    union = queries[0].union(*queries[1:])
    result = []
    for row in union:
        kind, object_id = row[0], row[1]
        source = Source(**dict(zip(source_fields, row[2:9], strict=True)))
        result.append(Citation(kind, object_id, source, tuple(row[9:12])))
    result.sort(key=lambda c: (c.source.kind, c.source.title, c.kind, c.label))
    return result
