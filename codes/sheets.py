"""What the reference pages show, composed from QuerySets: plain functions, no caching.

- `code_sheets()`: everything a code page shows of one or more codes (also the compare page and
  the cheat sheets), in a fixed number of queries whatever the data holds.
- `glance()`: the code families at a glance (the home page and the cheat sheets).
- `digest()`: what a family's codes share, each item once (the cheat sheets).
- `group_citations()`: each source with the facts that cite it (the sources page).
- `billing()`: how to bill a code, the claim lines of its common cases computed by the engine
  (the code page's first card, the cheat sheets' worked examples).
- `nerve_table()`: which nerves supply each joint of a region (the cheat sheets).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from codes.models import (
    Citation,
    Code,
    DiagnosisLink,
    Modifier,
    ModifierGuidance,
    NoteTopic,
    Payer,
    Relation,
    Source,
)
from coding import engine

# Code sheets -------------------------------------------------------------------------------

LEVEL_ORDER = [choice for choice, _ in Code.Level.choices]
RELATION_ORDER = [choice for choice, _ in Relation.Type.choices]
TOPIC_ORDER = [choice for choice, _ in NoteTopic.choices]
SEQUENCE_TYPES = {Relation.Type.ADD_ON_OF, Relation.Type.NEXT_LEVEL}

EXTRA_LABELS = {
    "medicare_frequency": "Medicare frequency",
    "medicare_coverage": "Medicare coverage",
    "medicare_technique": "Medicare: technique",
    "prior_auth_opd": "Prior authorization",
}


@dataclass
class Related:
    code: Code
    label: str
    relation: Relation


@dataclass
class ModifierEntry:
    modifier: Modifier
    guidance: list[ModifierGuidance]


@dataclass
class PayerEntry:
    payer: Payer
    notes: list


@dataclass
class CodeSheet:
    code: Code
    related: list[Related] = field(default_factory=list)
    family: list[Code] = field(default_factory=list)
    primaries: list[Code] = field(default_factory=list)
    modifiers: list[ModifierEntry] = field(default_factory=list)
    payers: list[PayerEntry] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    engine_sources: dict[str, Source] = field(default_factory=dict)  # by key

    @property
    def descriptor(self) -> str:
        """The official descriptor where the site may show it (AMA-licensed text)."""
        return self.code.descriptor if settings.SHOW_CPT_DESCRIPTORS else ""

    @property
    def extra(self) -> list[tuple[str, str]]:
        return [
            (EXTRA_LABELS.get(key, key.replace("_", " ").capitalize()), value)
            for key, value in self.code.extra.items()
        ]

    @property
    def diagnosis_groups(self) -> list["DiagnosisGroup"]:
        """The linked diagnoses by kind of link, in the order the model lists the kinds."""
        links = list(self.code.diagnosis_links.all())
        return [
            DiagnosisGroup.of(label, [link for link in links if link.relation == relation])
            for relation, label in DiagnosisLink.Relation.choices
            if any(link.relation == relation for link in links)
        ]

    @property
    def related_by_code(self) -> list[tuple[Code, list[str]]]:
        """Each related code once, with every way it is related ("+64491": add-on, next level)."""
        merged: dict[int, tuple[Code, list[str]]] = {}
        for item in self.related:
            merged.setdefault(item.code.pk, (item.code, []))[1].append(item.label)
        return list(merged.values())

    @cached_property
    def billing(self) -> "Billing | None":
        """How to bill the code (see billing()), its limits cited by the engine's sources."""
        return billing(self.code, self.engine_sources)


@dataclass
class DiagnosisGroup:
    """Diagnoses linked one way. What every row shares is stated once for the group, not on
    every row: the sentences its notes start with alike ("On the covered-diagnosis list of …"),
    and the confidence and sources when they are the same. Each link keeps the rest of its note
    as `own_note`."""

    label: str
    links: list
    note: str = ""
    confidence: str = ""
    cited: list[Source] = field(default_factory=list)

    @classmethod
    def of(cls, label: str, links: list) -> "DiagnosisGroup":
        group = cls(label, links)
        sentences = [link.note.strip().removesuffix(".").split(". ") for link in links]
        shared = 0
        if len(links) > 1:
            while all(len(each) > shared for each in sentences) and (
                len({each[shared] for each in sentences}) == 1
            ):
                shared += 1
        group.note = ". ".join(sentences[0][:shared]) if shared else ""
        if group.note and not group.note.endswith("."):
            group.note += "."
        for link, each in zip(links, sentences, strict=True):
            rest = ". ".join(each[shared:])
            link.own_note = rest + "." if rest else ""
        keys = {(link.confidence, tuple(s.key for s in link.cited)) for link in links}
        if len(keys) == 1:
            group.confidence, group.cited = links[0].confidence, links[0].cited
        return group

    @property
    def has_own_notes(self) -> bool:
        return any(link.own_note for link in self.links)


def level_key(code: Code) -> tuple:
    level = LEVEL_ORDER.index(code.level) if code.level in LEVEL_ORDER else len(LEVEL_ORDER)
    return (level, code.sort_order, code.code)


def code_sheets(codes: QuerySet[Code], with_payers: bool = True) -> list[CodeSheet]:
    """Everything a code page shows of these codes, in at most 11 queries.

    1 the codes, 6 their guidance, taxonomies, diagnoses, published payer notes,
    misconceptions and rules (Code.objects.for_pages), 1 the relations both ways, 1 every
    source they cite, 1 the sources the engine cites (for "How to bill it"), 1 the payers (so
    that a payer without a note shows "not available").
    """
    codes = list(codes.for_pages())
    if not codes:
        return []
    relations = list(Relation.objects.touching(codes))
    cited: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for citation in Code.objects.filter(pk__in=[c.pk for c in codes]).citations():
        cited[(citation.kind, citation.object_id)].append(citation.source)
    # The sources the engine's rules cite: "How to bill it" names those of the Medicare limits.
    engine_sources = {s.key: s for s in Source.objects.filter(key__in=engine.SOURCE_KEYS)}
    payers = list(Payer.objects.all()) if with_payers else []
    sheets = [_sheet(code, relations, cited, payers) for code in codes]
    for sheet in sheets:
        sheet.engine_sources = engine_sources
    return sheets


def _sheet(code: Code, relations: list[Relation], cited: dict, payers: list[Payer]) -> CodeSheet:
    sheet = CodeSheet(code)
    code.cited = cited[("code", code.pk)]
    for relation in relations:
        relation.cited = cited[("relation", relation.pk)]
        if relation.from_code_id == code.pk:
            sheet.related.append(Related(relation.to_code, relation.get_type_display(), relation))
        elif relation.to_code_id == code.pk:
            label = Relation.REVERSE_LABELS.get(relation.type, relation.get_type_display())
            sheet.related.append(Related(relation.from_code, label, relation))
    sheet.related.sort(key=lambda r: (RELATION_ORDER.index(r.relation.type), level_key(r.code)))
    sheet.primaries = [
        r.code
        for r in sheet.related
        if r.relation.type == Relation.Type.ADD_ON_OF and r.relation.from_code_id == code.pk
    ]
    # The level sequence: the code and every code tied to it as add-on or next level.
    family = {r.code.pk: r.code for r in sheet.related if r.relation.type in SEQUENCE_TYPES}
    if family:
        family[code.pk] = code
        sheet.family = sorted(family.values(), key=level_key)

    by_modifier: dict[int, ModifierEntry] = {}
    for item in code.modifier_guidance.all():
        item.cited = cited[("guidance", item.pk)]
        by_modifier.setdefault(item.modifier_id, ModifierEntry(item.modifier, [])).guidance.append(
            item
        )
    sheet.modifiers = sorted(by_modifier.values(), key=lambda e: e.modifier.code)
    for kind, rows in (
        ("taxonomy", code.taxonomies.all()),
        ("diagnosis", code.diagnosis_links.all()),
        ("rule", code.rules.all()),
        ("correction", code.misconceptions.all()),
    ):
        for row in rows:
            row.cited = cited[(kind, row.pk)]

    notes = sorted(code.payer_notes.all(), key=lambda n: (TOPIC_ORDER.index(n.topic), n.key))
    sheet.payers = [
        PayerEntry(payer, [n for n in notes if n.payer_id == payer.pk]) for payer in payers
    ]

    unique = {source.key: source for source in _page_sources(code, sheet)}
    sheet.sources = sorted(unique.values(), key=lambda s: (s.kind, s.title))
    return sheet


def _page_sources(code: Code, sheet: CodeSheet) -> Iterable[Source]:
    """Every source cited by a fact on this code's page."""
    yield from code.cited
    for related in sheet.related:
        yield from related.relation.cited
    for entry in sheet.modifiers:
        for item in entry.guidance:
            yield from item.cited
    for rows in (code.taxonomies.all(), code.diagnosis_links.all(), code.rules.all()):
        for row in rows:
            yield from row.cited
    for misconception in code.misconceptions.all():
        yield misconception.source
        yield from misconception.cited
    for note in code.payer_notes.all():
        yield note.source


def differences(sheets: list[CodeSheet]) -> dict[str, bool]:
    """Which rows of the compare page differ between the codes (True) or are the same."""

    def differ(value) -> bool:
        return len({repr(value(sheet)) for sheet in sheets}) > 1

    return {
        "summary": differ(lambda s: s.code.summary),
        "descriptor": differ(lambda s: s.descriptor),
        "code_set": differ(lambda s: s.code.code_set),
        "region": differ(lambda s: s.code.region),
        "procedure": differ(lambda s: s.code.procedure),
        "guidance": differ(lambda s: s.code.guidance),
        "reported": differ(lambda s: (s.code.add_on, [c.pk for c in s.primaries])),
        "family": differ(lambda s: [c.pk for c in s.family]),
        "unit": differ(lambda s: (s.code.unit_basis, s.code.level)),
        "per_day": differ(lambda s: s.code.max_per_day),
        "extra": differ(lambda s: s.extra),
        "modifiers": differ(lambda s: [e.modifier.code for e in s.modifiers]),
        "related": differ(lambda s: [(c.pk, labels) for c, labels in s.related_by_code]),
        "misconceptions": differ(lambda s: len(s.code.misconceptions.all())),
        "confidence": differ(lambda s: s.code.confidence),
    }


# Families ----------------------------------------------------------------------------------

# The sections of a code page, in page order: how to bill it and what payers say first.
CODE_SECTIONS = {
    "bill": "How to bill it",
    "payers": "Payer notes",
    "family": "Place in the family",
    "counting": "How it is counted and reported",
    "modifiers": "Modifiers",
    "related": "Related codes",
    "taxonomies": "Provider taxonomies",
    "diagnoses": "Diagnoses",
    "misconceptions": "What some sources get wrong",
    "sources": "Sources",
}

# The everyday claim lines: first and second level (or joint) of the fluoroscopy/CT families.
# The third-level codes and the ultrasound codes are not covered by Medicare, so they are rarer.
MOST_USED = ("64493", "64494", "64490", "64491", "64635", "64636", "64633", "64634")


@dataclass(frozen=True)
class Family:
    slug: str
    title: str
    condition: Q
    # The spinal regions whose nerve-to-joint table the cheat sheet prints.
    nerve_regions: tuple[str, ...] = ()


FAMILIES = {
    family.slug: family
    for family in (
        Family(
            "cervical-thoracic",
            "Cervical and thoracic facet codes",
            Q(region="cervical_thoracic"),
            (engine.Region.CERVICAL_THORACIC,),
        ),
        Family(
            "lumbar-sacral",
            "Lumbar and sacral facet codes",
            Q(region="lumbar_sacral"),
            (engine.Region.LUMBAR_SACRAL,),
        ),
        Family("sacroiliac", "Sacroiliac joint codes", Q(region="sacroiliac")),
        Family(
            "ablation",
            "Nerve ablation codes (facet and sacroiliac)",
            Q(procedure__in=[Code.Procedure.RFA, Code.Procedure.SI_NERVE_RFA]),
            (engine.Region.CERVICAL_THORACIC, engine.Region.LUMBAR_SACRAL),
        ),
    )
}
FAMILY_ALIASES = {
    "cervical": "cervical-thoracic",
    "thoracic": "cervical-thoracic",
    "lumbar": "lumbar-sacral",
    "sacral": "lumbar-sacral",
    "si": "sacroiliac",
    "rfa": "ablation",
}

GLANCE_REGIONS = (Code.Region.CERVICAL_THORACIC, Code.Region.LUMBAR_SACRAL)


@dataclass
class GlanceRow:
    """One procedure and guidance, with its level sequence in each spinal region."""

    procedure: str
    guidance: str
    cells: list[list[Code]]
    labelled: list[tuple[str, list[Code]]] = field(default_factory=list)  # (region, cell)


@dataclass
class Glance:
    regions: list[str]
    rows: list[GlanceRow]
    sacroiliac: list[Code]
    other: list[Code]


def glance(codes: Iterable[Code]) -> Glance:
    """The code families at a glance: procedure and guidance × spinal region, each cell the
    level sequence (64493 → +64494 → +64495); then the sacroiliac codes and the rest."""
    result = Glance([Code.Region(r).label for r in GLANCE_REGIONS], [], [], [])
    rows: dict[tuple[str, str], GlanceRow] = {}
    for code in codes:
        if code.region in GLANCE_REGIONS:
            key = (code.procedure, code.guidance)
            if key not in rows:
                rows[key] = GlanceRow(
                    code.get_procedure_display(),
                    code.get_guidance_display(),
                    [[] for _ in GLANCE_REGIONS],
                )
            rows[key].cells[GLANCE_REGIONS.index(code.region)].append(code)
        elif code.region == Code.Region.SACROILIAC:
            result.sacroiliac.append(code)
        else:
            result.other.append(code)
    for row in rows.values():
        for cell in row.cells:
            cell.sort(key=level_key)
    # A family of one region (a cheat sheet) shows only that region's column.
    used = [i for i in range(len(GLANCE_REGIONS)) if any(row.cells[i] for row in rows.values())]
    result.regions = [result.regions[i] for i in used]
    for row in rows.values():
        row.cells = [row.cells[i] for i in used]
        row.labelled = list(zip(result.regions, row.cells, strict=True))
    result.rows = list(rows.values())
    return result


# Sources -----------------------------------------------------------------------------------

CITATION_KINDS = {
    "code": "Codes",
    "relation": "Relations between codes",
    "rule": "Coding rules",
    "guidance": "Modifier guidance",
    "modifier": "Modifier definitions",
    "taxonomy": "Provider taxonomies",
    "diagnosis": "Diagnosis links",
    "payer": "Payers",
    "note": "Payer notes",
    "correction": "Corrections of misconceptions",
    "found_in": "Misconceptions found in this source",
}


@dataclass
class CitedFact:
    text: str
    url: str = ""


@dataclass
class SourceFacts:
    source: Source
    groups: list[tuple[str, list[CitedFact]]]


def group_citations(sources: Iterable[Source], citations: Iterable[Citation]) -> list[SourceFacts]:
    """Each source with the facts that cite it, by kind, each fact as a line of text and a link."""
    by_source: dict[int, dict[str, list[CitedFact]]] = defaultdict(lambda: defaultdict(list))
    for citation in citations:
        by_source[citation.source.pk][citation.kind].append(cited_fact(citation))
    result = []
    for source in sources:
        kinds = by_source.get(source.pk, {})
        groups = [(label, kinds[kind]) for kind, label in CITATION_KINDS.items() if kind in kinds]
        result.append(SourceFacts(source, groups))
    return result


def cited_fact(citation: Citation) -> CitedFact:
    a, b, c = citation.label
    match citation.kind:
        case "code":
            return CitedFact(f"{a}: {b}", reverse("codes:code", args=[a]))
        case "relation":
            label = Relation.Type(b).label if b in Relation.Type.values else b
            return CitedFact(f"{a} → {c}: {label}", reverse("codes:code", args=[a]))
        case "guidance":
            return CitedFact(f"Modifier {a}: {b}", reverse("codes:modifier", args=[a]))
        case "modifier":
            return CitedFact(f"Modifier {a}, {b}", reverse("codes:modifier", args=[a]))
        case "taxonomy":
            return CitedFact(f"{a} {b}", reverse("codes:taxonomies") + f"#taxonomy-{a}")
        case "diagnosis":
            relation = DiagnosisLink.Relation(b).label if b in DiagnosisLink.Relation.values else b
            return CitedFact(f"{a} {c} ({relation.lower()})")
        case "payer":
            return CitedFact(b, reverse("codes:payer", args=[a]))
        case "note":
            topic = NoteTopic(b).label if b in NoteTopic.values else b
            return CitedFact(f"{c}: {topic}", reverse("codes:payer", args=[a]) + f"#topic-{b}")
        case _:  # rule, correction, found_in
            return CitedFact(b)


@dataclass
class Digest:
    """What a family's codes share, each item once: for the cheat sheets."""

    rules: list = field(default_factory=list)
    modifiers: list[Modifier] = field(default_factory=list)
    misconceptions: list = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # The sources of the codes and rules: what the printed sheet shows (not the misconceptions).
    printed_sources: list[Source] = field(default_factory=list)


def digest(sheets: list[CodeSheet]) -> Digest:
    result = Digest()
    seen: set[tuple[str, int | str]] = set()

    def once(kind: str, key, item, into: list) -> None:
        if (kind, key) not in seen:
            seen.add((kind, key))
            into.append(item)

    for sheet in sheets:
        cited = list(sheet.code.cited)
        for rule in sheet.code.rules.all():
            once("rule", rule.pk, rule, result.rules)
            cited += rule.cited
        for source in cited:  # the sources of what the printed sheet shows
            once("printed", source.key, source, result.printed_sources)
        for entry in sheet.modifiers:
            once("modifier", entry.modifier.pk, entry.modifier, result.modifiers)
        for item in sheet.code.misconceptions.all():
            once("misconception", item.pk, item, result.misconceptions)
            cited += [item.source, *item.cited]
        for source in cited:  # the sources of what the sheet shows
            once("source", source.key, source, result.sources)
    result.rules.sort(key=lambda rule: (rule.sort_order, rule.key))
    result.modifiers.sort(key=lambda modifier: modifier.code)
    result.misconceptions.sort(key=lambda item: (item.sort_order, item.key))
    result.sources.sort(key=lambda source: (source.kind, source.title))
    result.printed_sources.sort(key=lambda source: (source.kind, source.title))
    return result


# How to bill it ---------------------------------------------------------------------------

# The joints of each region's worked cases, the most treated first; three levels are listed
# cranial to caudal by the engine whatever the order here.
CASE_JOINTS = {
    engine.Region.LUMBAR_SACRAL: ("L4-L5", "L5-S1", "L3-L4"),
    engine.Region.CERVICAL_THORACIC: ("C5-C6", "C6-C7", "C4-C5"),
}
# Engine warnings that say what Medicare limits and requires; the rest are about the input.
LIMIT_WARNINGS = ("imaging-included", "medicare-", "ultrasound-not-covered")


@dataclass
class Claim:
    """The claim lines the engine gives for one case, and the wizard answering it."""

    column: str  # what the claim assumes: "Diagnostic block", …
    lines: list[tuple[str, bool]]  # (line as on the claim, is it a line of the page's code)
    wizard_url: str

    @property
    def text(self) -> str:
        """The claim as the wizard shows it: "64493-50-KX, 64494-50-KX"."""
        return ", ".join(text for text, _ in self.lines)


@dataclass
class Case:
    label: str
    joints: str  # as the wizard takes them: "L4-L5:B,L5-S1:B"
    claims: list[Claim]


@dataclass
class Limit:
    """A Medicare limit or requirement, as the engine warns of it, with its sources."""

    id: str
    message: str
    cited: list[Source]


@dataclass
class Billing:
    """How to bill a code of an engine family: its common cases, each coded by the engine."""

    family: engine.Family
    code: str
    columns: list[str]  # what each claim column assumes: "Diagnostic block", …
    cases: list[Case]
    facility: Case  # a bilateral case on an ASC facility claim (RT and LT lines)
    limits: list[Limit]
    wizard_url: str

    @property
    def rows(self) -> list[Case]:
        return [*self.cases, self.facility]


def wizard_url(
    family: engine.Family, joints: str = "", intent: str = "", claim_type: str = ""
) -> str:
    """The wizard with a case filled in: the result when joints are given, else its first step."""
    guidance = (
        engine.Guidance.ULTRASOUND
        if family.guidance == engine.Guidance.ULTRASOUND
        else engine.Guidance.FLUOROSCOPY
    )
    params = {"procedure": family.procedure.value, "guidance": guidance.value}
    if joints:
        params |= {"joints": joints, "payer": "medicare"}
        if claim_type:
            params["claim_type"] = claim_type
        if intent:
            params["intent"] = intent
    return reverse("coding:wizard") + "?" + urlencode(params)


def engine_family(code: str) -> engine.Family | None:
    for family in engine.FAMILIES:
        if any(code == member for _, member in family.codes):
            return family
    return None


def _claim(
    family: engine.Family, code: str, column: tuple[str, str], joints: str, **coverage: str
) -> Claim:
    label, intent = column
    guidance = "ultrasound" if family.guidance == engine.Guidance.ULTRASOUND else "fluoroscopy"
    result = engine.code_claim(
        family.procedure.value,
        guidance,
        joints=joints,
        intent=intent or None,
        coverage=engine.read_coverage(**coverage),
    )
    lines = [(line.text(), line.code == code) for line in result.lines]
    return Claim(label, lines, wizard_url(family, joints, intent, **coverage))


def billing(code: Code, sources: dict[str, Source] | None = None) -> Billing | None:
    """The code's common cases on a Medicare professional claim, coded by the engine: one
    level on one side, on both sides, two levels, three levels; for an add-on code only the
    cases that put it on the claim. None for a code the engine does not code.

    `sources` (by key) name the sources of the limits; a key not among them shows as is."""
    sources = sources or {}
    family = engine_family(code.code)
    if family is None:
        return None
    first, second, third = CASE_JOINTS[family.region]
    unit = "joint" if family.procedure == engine.Procedure.RFA else "level"
    cases = [
        (f"One {unit}, one side ({first} right)", f"{first}:R"),
        (f"One {unit}, both sides ({first})", f"{first}:B"),
        (f"Two {unit}s, both sides ({first}, {second})", f"{first}:B,{second}:B"),
        (
            f"Three {unit}s, both sides ({third}, {first}, {second})",
            f"{third}:B,{first}:B,{second}:B",
        ),
    ]
    injection = family.procedure == engine.Procedure.INJECTION
    imaged = family.guidance != engine.Guidance.ULTRASOUND
    if injection and imaged:  # KX goes on diagnostic lines only: both columns
        intents = [("Diagnostic block", "diagnostic"), ("Therapeutic injection", "therapeutic")]
    else:
        intents = [("Medicare, professional claim", "")]
    rows = []
    for label, joints in cases:
        claims = [_claim(family, code.code, column, joints) for column in intents]
        if any(mine for claim in claims for _, mine in claim.lines):
            rows.append(Case(label, joints, claims))
    # The first bilateral case again on an ASC facility claim, where both sides are two lines.
    both = next(row for row in rows if ":B" in row.joints)
    facility = Case(
        f"{both.label}, ASC facility claim",
        both.joints,
        [_claim(family, code.code, column, both.joints, claim_type="asc") for column in intents],
    )
    # What Medicare limits and requires, as the engine warns of it: the session of the most
    # levels shown, with and without the intent (the KX rule is the warning for a missing one).
    limits: dict[str, Limit] = {}
    last = cases[-1][1]
    for intent in ("", *(intent for _, intent in intents if intent)):
        result = engine.code_claim(
            family.procedure.value,
            "ultrasound" if not imaged else "fluoroscopy",
            joints=last,
            intent=intent or None,
        )
        for warning in result.warnings:
            if warning.id.startswith(LIMIT_WARNINGS) and warning.id not in limits:
                cited = [sources.get(key) or Source(key=key, title=key) for key in warning.sources]
                limits[warning.id] = Limit(warning.id, warning.message, cited)
    return Billing(
        family=family,
        code=code.code,
        columns=[label for label, _ in intents],
        cases=rows,
        facility=facility,
        limits=list(limits.values()),
        wizard_url=wizard_url(family),
    )


def nerve_table(region: str) -> list[tuple[str, str]]:
    """Each facet joint of a region with the two nerves that supply it, by the engine's
    anatomy: ("L4-L5", "L3 + L4"), ("L5-S1", "L4 + L5 dorsal ramus")."""
    rows = []
    for joint in engine.JOINTS:
        if engine.joint_region(joint) == region:
            nerves = [
                engine.nerve_label(nerve).removesuffix(" medial branch")
                for nerve in engine.joint_nerves(joint)
            ]
            rows.append((joint, " + ".join(nerves)))
    return rows


def worked_examples(sheets: list[CodeSheet]) -> list[tuple[Code, Case, list[str]]]:
    """A worked example for each fluoroscopy/CT family among the sheets: two levels (joints)
    on both sides, coded by the engine, with the columns it was coded for."""
    examples = []
    for sheet in sheets:
        bill = sheet.billing
        if bill and not sheet.code.add_on and bill.family.guidance != engine.Guidance.ULTRASOUND:
            case = next(case for case in bill.cases if case.joints.count(":B") == 2)
            examples.append((sheet.code, case, bill.columns))
    return examples
