"""Reference content: codes, how they relate, and everything a coder needs to report them.

Every record cites at least one Source and keeps the confidence of the fact sheet it came from:
"C" confirmed by a source, "L" likely, "U" unconfirmed (never shown as settled).
"""

from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from coding.engine import vocabulary


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
    """A document a fact cites. Primary kinds are the documents themselves (an LCD, a billing
    article, a MAC or CMS page, a payer's policy, CPT, CDC, NUCC); where we read one in a copy,
    `quoted_in` names that copy, shown as "as quoted in …" in small print. SECONDARY and SEED
    are copies and articles that back no Confirmed fact on their own."""

    class Kind(models.TextChoices):
        LCD = "lcd", "Local coverage determination (LCD)"
        ARTICLE = "article", "Billing and coding article"
        MAC = "mac", "Medicare contractor (MAC) page"
        CMS = "cms", "CMS page"
        PAYER = "payer", "Payer policy"
        CPT = "cpt", "CPT (AMA)"
        CDC = "cdc", "CDC (ICD-10-CM)"
        NUCC = "nucc", "NUCC"
        CODE_SET = "code_set", "Other code set"
        SECONDARY = "secondary", "Secondary source"
        SEED = "seed", "Web article"

    SECONDARY_KINDS = (Kind.SECONDARY, Kind.SEED)

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    document = models.CharField(max_length=120, blank=True, help_text="Seed file name")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=40, blank=True, help_text="e.g. L38773, 2017T0004AA")
    version = models.CharField(max_length=20, blank=True)
    date = models.DateField(null=True, blank=True, help_text="The document's own date")
    quoted_in = models.CharField(
        max_length=300, blank=True, help_text="The copy we read it in (“as quoted in …”)"
    )
    note = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("codes:sources") + f"#source-{self.key}"

    @property
    def is_secondary(self) -> bool:
        return self.kind in self.SECONDARY_KINDS

    # A payer reviews its policies about once a year; a policy dated before that may have changed.
    REVIEW_CYCLE_DAYS = 365

    @property
    def older_than_review_cycle(self) -> bool:
        """A payer policy whose own date is more than one review cycle ago: the version we
        checked may no longer be the current one."""
        if self.kind != self.Kind.PAYER or self.date is None:
            return False
        return (timezone.localdate() - self.date).days > self.REVIEW_CYCLE_DAYS

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url or None,
            "kind": self.kind,
            "number": self.number or None,
            "version": self.version or None,
            "date": self.date.isoformat() if self.date else None,
            "quoted_in": self.quoted_in or None,
        }


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
                queryset=published_payer_notes().select_related("payer", "source"),
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
                queryset=published_payer_notes().select_related("payer", "source"),
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

    # The engine's vocabulary: the same values and labels as the wizard, the quiz and the search.
    Region = vocabulary.Region
    Procedure = vocabulary.Procedure
    Guidance = vocabulary.Guidance
    Level = vocabulary.Level

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


class ModifierQuerySet(models.QuerySet):
    def with_guidance_count(self):
        """Each modifier with `codes_with_guidance`, counted in the modifiers' own query
        instead of one query per modifier."""
        return self.annotate(codes_with_guidance=models.Count("guidance"))

    def with_guidance(self):
        """What a modifier page shows: its sources, and its guidance with the codes and the
        sources of each item. Four queries after the modifiers' own, however many items;
        without the prefetches every item would cost two."""
        guidance = ModifierGuidance.objects.prefetch_related(
            models.Prefetch("codes", queryset=Code.objects.for_listing()), "sources"
        )
        return self.prefetch_related("sources", models.Prefetch("guidance", queryset=guidance))


class Modifier(models.Model):
    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=120)
    definition = models.TextField()
    confidence = confidence_field()
    sources = models.ManyToManyField(Source, related_name="modifiers")

    objects = ModifierQuerySet.as_manager()

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


class TaxonomyQuerySet(models.QuerySet):
    def with_codes(self):
        """Each taxonomy with its codes (in listing order) and its sources: two queries after
        the taxonomies' own, instead of two per taxonomy."""
        return self.prefetch_related(
            models.Prefetch("codes", queryset=Code.objects.for_listing()), "sources"
        )


class Taxonomy(models.Model):
    code = models.CharField(max_length=10, unique=True)
    display_name = models.CharField(max_length=200)
    classification = models.CharField(max_length=200)
    specialization = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    confidence = confidence_field()
    codes = models.ManyToManyField(Code, related_name="taxonomies")
    sources = models.ManyToManyField(Source, related_name="taxonomies")

    objects = TaxonomyQuerySet.as_manager()

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


class NoteTopic(models.TextChoices):
    """What a payer note is about: the sections of a payer page."""

    FREQUENCY = "frequency", "Frequency"
    LEVELS_PER_SESSION = "levels_per_session", "Levels per session"
    MODIFIERS = "modifiers", "Modifiers"
    DOCUMENTATION = "documentation", "Documentation"
    COVERAGE = "coverage", "Coverage"
    PRIOR_AUTHORIZATION = "prior_authorization", "Prior authorization"
    DIAGNOSIS = "diagnosis", "Diagnosis codes"
    IMAGING = "imaging", "Imaging guidance"
    LCD = "lcd", "LCDs and articles"


class PayerQuerySet(models.QuerySet):
    def with_note_counts(self):
        """Each payer with `note_count`, its published notes counted in the payers' own query,
        and its sources in one more (instead of two queries per payer)."""
        published = models.Q(notes__status=payer_note_model().Status.PUBLISHED)
        counted = self.annotate(note_count=models.Count("notes", filter=published))
        return counted.prefetch_related("sources")

    def with_published_notes(self):
        """What a payer page shows: its sources, and its published notes, each with its
        source and codes. Three queries after the payers' own, however many notes; without
        them every note would cost two."""
        notes = (
            published_payer_notes()
            .select_related("source")
            .prefetch_related(models.Prefetch("codes", queryset=Code.objects.for_listing()))
        )
        return self.prefetch_related("sources", models.Prefetch("notes", queryset=notes))


class Payer(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="payers")

    objects = PayerQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("codes:payer", args=[self.slug])


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
    def tag(cls) -> str:
        """The revision as "number.time of the change", in one query, as plain SQL: it runs on
        every request for a reference page, where building the query with the ORM would cost
        more than the rest of serving a kept page. The time keeps a number that goes back (a
        restored database, a rolled-back transaction) from meeting a page cached for it before.
        """
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, changed_at FROM {cls._meta.db_table} WHERE id = 1")  # noqa: S608 - no input
            return cls.tag_of(cursor.fetchone())

    @staticmethod
    def tag_of(row: tuple | None) -> str:
        """tag() from the row's (number, changed_at) as the driver gives them (a datetime or
        text), read by that query or with another one's; None, or NULLs, when there is none."""
        if row is None or row[0] is None:
            return "0"
        number, changed_at = row
        return f"{number}.{''.join(filter(str.isdigit, str(changed_at)))}"

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(
            number=models.F("number") + 1, changed_at=timezone.now()
        )
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"number": 1})


def payer_note_model() -> type[models.Model]:
    """The payer note model. It belongs to the editorial workflow (`notes`), which declares the
    relation `Code.payer_notes`; the reference reaches the notes through it rather than by
    import, so the arrow between the two apps points one way (notes uses codes)."""
    return Code.payer_notes.field.model


def published_payer_notes() -> models.QuerySet:
    return payer_note_model().objects.published()


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
            published_payer_notes(),
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
    source_fields = (
        "id",
        "key",
        "title",
        "publisher",
        "url",
        "document",
        "kind",
        "number",
        "version",
        "quoted_in",
    )
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
        end = 2 + len(source_fields)
        source = Source(**dict(zip(source_fields, row[2:end], strict=True)))
        result.append(Citation(kind, object_id, source, tuple(row[end : end + 3])))
    result.sort(key=lambda c: (c.source.kind, c.source.title, c.kind, c.label))
    return result
