"""What the reference pages show, composed from QuerySets: plain functions, no caching.

- `code_sheets()`: everything a code page shows of one or more codes (also the compare page and
  the cheat sheets), in a fixed number of queries whatever the data holds.
- `glance()`: the code families at a glance (the home page and the cheat sheets).
- `digest()`: what a family's codes share, each item once (the cheat sheets).
- `group_citations()`: each source with the facts that cite it (the sources page).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    def diagnosis_groups(self) -> list[tuple[str, list]]:
        """The linked diagnoses by kind of link, in the order the model lists the kinds."""
        links = list(self.code.diagnosis_links.all())
        return [
            (label, [link for link in links if link.relation == relation])
            for relation, label in DiagnosisLink.Relation.choices
            if any(link.relation == relation for link in links)
        ]


def level_key(code: Code) -> tuple:
    level = LEVEL_ORDER.index(code.level) if code.level in LEVEL_ORDER else len(LEVEL_ORDER)
    return (level, code.sort_order, code.code)


def code_sheets(codes: QuerySet[Code], with_payers: bool = True) -> list[CodeSheet]:
    """Everything a code page shows of these codes, in at most 10 queries.

    1 the codes, 6 their guidance, taxonomies, diagnoses, published payer notes,
    misconceptions and rules (Code.objects.for_pages), 1 the relations both ways, 1 every
    source they cite, 1 the payers (so that a payer without a note shows "not available").
    """
    codes = list(codes.for_pages())
    if not codes:
        return []
    relations = list(Relation.objects.touching(codes))
    cited: dict[tuple[str, int], list[Source]] = defaultdict(list)
    for citation in Code.objects.filter(pk__in=[c.pk for c in codes]).citations():
        cited[(citation.kind, citation.object_id)].append(citation.source)
    payers = list(Payer.objects.all()) if with_payers else []
    return [_sheet(code, relations, cited, payers) for code in codes]


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


# Families ----------------------------------------------------------------------------------

CODE_SECTIONS = {
    "family": "Place in the family",
    "counting": "How it is counted and reported",
    "modifiers": "Modifiers",
    "related": "Related codes",
    "taxonomies": "Provider taxonomies",
    "diagnoses": "Diagnoses",
    "payers": "Payer notes",
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


FAMILIES = {
    family.slug: family
    for family in (
        Family(
            "cervical-thoracic", "Cervical and thoracic facet codes", Q(region="cervical_thoracic")
        ),
        Family("lumbar-sacral", "Lumbar and sacral facet codes", Q(region="lumbar_sacral")),
        Family("sacroiliac", "Sacroiliac joint codes", Q(region="sacroiliac")),
        Family(
            "ablation",
            "Nerve ablation codes (facet and sacroiliac)",
            Q(procedure__in=[Code.Procedure.RFA, Code.Procedure.SI_NERVE_RFA]),
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
    return result
