"""From a note's mentions to the session it describes, the questions it leaves open, and its claim.

Steps, each over the mentions of ``grammar`` in note order:

1. Context (medspaCy ConText): a negated, historical or hypothetical mention is ignored, with the
   reason, and the levels of one list (with the procedure right after them) share it. So is
   what a plan, history or diagnosis section names, a level or procedure of a sentence or
   section about another procedure of the same day (an epidural, an SI joint, a trigger
   point), a level that an imaging study showed, and a vertebra named as a bony landmark.
2. Sides: within a sentence and line, a side before a list of levels is the list's ("bilateral
   L4-5 and L5-S1"), a side right after a level is that level's ("L4-5 on the left", a table's
   "L4-5 | R"); a side beside no level ("…, on the right and then on the left") is every level's
   of the sentence, and a table row's one side every level's of the row; a level with no side
   takes the note's one side if the note states only one.
3. Header and body: the levels of a ``Procedure:`` line and those of the description must agree,
   and so must the header's CPT codes and the codes the body gives; the body decides, the header
   is asked about.
4. Nerves to joints by the engine's anatomy: a joint is treated on a side when both its nerves
   are; nerves that complete no joint are asked about.
5. What the claim needs and the note does not settle (no side, no guidance, two procedures, an
   intent that is not stated, a non-thermal ablation, levels that are not contiguous) becomes a
   review question; one that decides the claim holds the lines back.
6. The engine (``code_claim``) codes what is left, for the payer given.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from coding.engine import (
    JOINTS,
    TON_NERVE,
    Coverage,
    InvalidInput,
    code_claim,
    joints_from_nerves,
    read_coverage,
)
from coding.reader import context as ctx
from coding.reader.grammar import Mention, mentions, normalise

__all__ = ["Finding", "Reading", "Review", "read_note"]

# The hottest thermal lesion Medicare still calls low-grade: 80 °C or more is thermal ablation
# (facts §3, §11).
THERMAL_DEGREES = 80

_CONTEXT_KINDS = frozenset(
    {
        "procedure",
        "modality",
        "temperature",
        "joint",
        "nerve",
        "range",
        "guidance",
        "intent",
        "steroid",
    }
)
_SITE_KINDS = frozenset({"joint", "nerve", "range"})
_WHY_SECTION = {
    ctx.PLANNED: "planned: the plan or follow-up section",
    ctx.HISTORICAL: "historical: the history section",
}
_WHY_CONTEXT = {
    ctx.NEGATED: "negated",
    ctx.HISTORICAL: "historical: an earlier procedure",
    ctx.HYPOTHETICAL: "planned or hypothetical",
}
# Tokens that may stand between a level and the side that follows it ("L4-5 on the left").
_AFTER_SITE = frozenset(
    {
        "on",
        "the",
        "(",
        ")",
        "-",
        "|",
        ":",
        "side",
        "sided",
        "facet",
        "facets",
        "joint",
        "joints",
        "level",
        "levels",
        "medial",
        "branch",
        "branches",
        "nerve",
        "nerves",
        "dorsal",
        "ramus",
        "rami",
        "mb",
        "mbs",
        "block",
        "blocks",
        "injection",
        "injections",
        "was",
        "were",
        "done",
        "performed",
        "treated",
        "blocked",
        "injected",
        "only",
    }
)
# Tokens that may join the levels of one list ("L3, L4 medial branches and L5 dorsal ramus").
_IN_LIST = _AFTER_SITE | {",", "and", "&", "/", "+", ";", "to", "at", "of"}
# Between the vertebrae of one list, before a landmark ("L4 and L5 transverse processes"), and
# between a landmark and its vertebrae ("the transverse processes of L4 and L5").
_LIST_PUNCTUATION = frozenset({",", "and", "&", "/"})
_BEFORE_LANDMARK = frozenset({"the"})
_AFTER_LANDMARK = frozenset({"of", "the", "at"})
# How far (in tokens) a side before a list may stand from it ("bilateral facet injections at").
_SIDE_REACH = 8
_SIDE_NAMES = {"B": "both sides", "L": "left", "R": "right"}
_GUIDANCE_NAMES = {
    "fluoroscopy": "fluoroscopy",
    "ct": "CT",
    "ultrasound": "ultrasound",
    "none": "no imaging (landmarks)",
}


@dataclass(frozen=True)
class Finding:
    """One mention in the note: what it says, where, and whether the reading used it."""

    kind: str
    value: str
    start: int
    end: int
    used: bool
    why: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "used": self.used,
            "why": self.why,
        }


@dataclass(frozen=True)
class Review:
    """A question for the coder; ``decides`` when the claim depends on its answer."""

    question: str
    decides: bool = True


@dataclass
class Reading:
    """What the note says about the session, and the claim for it when nothing decisive is open."""

    text: str  # the normalised note the spans point into
    procedure: str | None = None  # injection | rfa
    technique: str | None = None  # mbb | ia
    guidance: str | None = None  # fluoroscopy | ct | ultrasound | none
    intent: str | None = None  # diagnostic | therapeutic
    joints: str = ""  # "L4-L5:B,L5-S1:B"
    nerves: str | None = None  # "L3:B,L4:B,L5:B", only when the note names nerves
    findings: list[Finding] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    claim: str = ""
    coverage: Coverage | None = None

    @property
    def review(self) -> list[str]:
        return [item.question for item in self.reviews]

    @property
    def held(self) -> bool:
        """Whether a review question decides the claim (then there are no lines)."""
        return any(item.decides for item in self.reviews)

    def as_dict(self) -> dict:
        return {
            "procedure": self.procedure,
            "technique": self.technique,
            "guidance": self.guidance,
            "intent": self.intent,
            "joints": self.joints,
            "nerves": self.nerves,
            "findings": [finding.as_dict() for finding in self.findings],
            "review": self.review,
            "claim": self.claim,
            "lines": self.lines,
            "warnings": self.warnings,
        }

    def wizard_query(self) -> dict[str, str]:
        """The wizard's GET parameters for this reading (what the note settles)."""
        query = {}
        if self.procedure:
            query["procedure"] = self.procedure
        if self.guidance:
            query["guidance"] = self.guidance
        if self.nerves:
            query["nerves"] = self.nerves
        elif self.joints:
            query["joints"] = self.joints
        if self.intent:
            query["intent"] = self.intent
        if self.coverage is not None:
            query["payer"] = self.coverage.payer.value
            if self.coverage.mac is not None:
                query["mac"] = self.coverage.mac.value
            query["claim_type"] = self.coverage.claim_type.value
        return query


# ------------------------------------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: one item per mention
class _Item:
    mention: Mention
    sentence: int
    header: bool
    used: bool = True
    why: str = ""
    side: str | None = None  # sites: the side the note gives it
    targets: list[_Item] = field(default_factory=list)  # sides: the levels they were given to


def read_note(text: str, coverage: Coverage | None = None) -> Reading:
    """Read one procedure note (at most a few pages; see the API's limit)."""
    coverage = coverage if coverage is not None else read_coverage()
    text = normalise(text)
    toks, found = mentions(text)
    context = ctx.analyse(text, [(m.start, m.end) for m in found if m.kind in _CONTEXT_KINDS])
    labels = iter(context.labels)
    header_lines = _header_lines(found, toks)
    items: list[_Item] = []
    for mention in found:
        label = next(labels) if mention.kind in _CONTEXT_KINDS else None
        item = _Item(mention, context.sentence_of(mention.start), mention.line in header_lines)
        if label is not None and not (mention.kind == "guidance" and mention.value == "none"):
            item.used, item.why = False, _WHY_CONTEXT[label]
        items.append(item)
    _lists(items, toks)
    _sections(items, ctx.sections(text))
    _other_procedures(items)
    _imaging_studies(items)
    _landmarks(items, toks)
    _sides(items, toks)
    return _Session(text, items, coverage).read()


def _lists(items: list[_Item], toks) -> None:
    """The levels of one list share its context: "two blocks at bilateral L4-L5 and L5-S1, on
    02/03" is history for both levels, however far ConText's reach of "had" goes; and so does
    the procedure named right after them ("He had a left L3-L4 and L4-L5 radiofrequency
    ablation in 2024")."""
    group: list[_Item] = []
    for item in [*items, None]:
        if (
            item is not None
            and item.mention.kind in _SITE_KINDS
            and group
            and _joined(toks, group[-1].mention, item.mention)
        ):
            group.append(item)
            continue
        reasons = [site.why for site in group if not site.used]
        if reasons and len(reasons) < len(group):
            for site in group:
                if site.used:
                    site.used, site.why = False, reasons[0]
        if (
            reasons
            and item is not None
            and item.mention.kind == "procedure"
            and item.used
            and _joined(toks, group[-1].mention, item.mention)
        ):
            item.used, item.why = False, reasons[0]
        group = [item] if item is not None and item.mention.kind in _SITE_KINDS else []


def _sections(items: list[_Item], labels: tuple[tuple[int, str | None], ...]) -> None:
    """What a plan, follow-up or discharge section names is planned, what a history section
    names is history, and the levels of a diagnosis section are diagnosed, not treated: none
    of them is the day's procedure, whatever the sentence's own words."""
    starts = [offset for offset, _ in labels]
    for item in items:
        at = bisect_right(starts, item.mention.start) - 1
        kind = labels[at][1] if at >= 0 else None
        if kind is None or not item.used or item.header:
            continue
        if kind == ctx.DIAGNOSIS:
            if item.mention.kind in _SITE_KINDS:
                item.used, item.why = False, "a diagnosis, not a treated level"
        elif kind == ctx.OTHER:
            if item.mention.kind in _SITE_KINDS | {"procedure"}:
                item.used, item.why = False, "another procedure of the day: its own section"
        elif item.mention.kind in _CONTEXT_KINDS:
            item.used, item.why = False, _WHY_SECTION[kind]


def _header_lines(found: list[Mention], toks) -> set[int]:
    """Lines that belong to a header label: its own line, or the next one when it ends there."""
    lines: set[int] = set()
    for mention in found:
        if mention.kind != "header":
            continue
        after = mention.last + 1
        if after < len(toks):  # the label's own line, or the next line with text
            lines.add(toks[after].line)
    return lines


def _other_procedures(items: list[_Item]) -> None:
    """Levels and procedures of a sentence about another procedure (an epidural, an SI joint)
    belong to the procedure named nearest them, before or after."""
    by_sentence: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        by_sentence[(item.sentence, item.mention.line)].append(item)
    for group in by_sentence.values():
        anchors = [
            i
            for i in group
            if i.mention.kind == "other"
            or (i.mention.kind == "procedure" and i.mention.value != "block")
        ]
        if not any(i.mention.kind == "other" for i in anchors):
            continue
        for item in group:
            if item.mention.kind not in _SITE_KINDS | {"procedure"}:
                continue
            if item.mention.kind == "procedure" and item.mention.value != "block":
                continue
            nearest = min(
                [anchor for anchor in anchors if anchor is not item],
                key=lambda a, m=item.mention: (
                    a.mention.first - m.last
                    if a.mention.first > m.last
                    else m.first - a.mention.last,
                    a.mention.first > m.first,
                ),
            )
            if nearest.mention.kind == "other" and item.used:
                item.used = False
                item.why = f"another procedure of the day: {nearest.mention.value}"


def _imaging_studies(items: list[_Item]) -> None:
    """CT or ultrasound in a sentence about what a study showed ("a CT scan showed facet
    arthropathy") is a study, not the guidance of the session."""
    sentences_with_study: set[int] = set()
    verbs: set[int] = set()
    images: set[int] = set()
    for item in items:
        if item.mention.kind == "study":
            sentences_with_study.add(item.sentence)
            (verbs if item.mention.value == "finding" else images).add(item.sentence)
        elif item.mention.kind == "guidance" and item.mention.value in ("ct", "ultrasound"):
            images.add(item.sentence)
    sentences_with_report = verbs & images  # a study and what it showed: "MRI shows … at L4-5"
    for item in items:
        mention = item.mention
        if (
            mention.kind == "guidance"
            and mention.value in ("ct", "ultrasound")
            and item.used
            and item.sentence in sentences_with_study
        ):
            item.used, item.why = False, "an imaging study, not the session's guidance"
        elif (
            mention.kind in _SITE_KINDS
            and item.used
            and not item.header
            and item.sentence in sentences_with_report
        ):
            item.used, item.why = False, "what an imaging study showed, not a treated level"


def _landmarks(items: list[_Item], toks) -> None:
    """A vertebra named as a bony landmark ("the L4 transverse process", "the superior
    articular process of S1", "the C4, C5 and C6 articular pillars") is where a needle went,
    not a nerve: the list of vertebrae right before a landmark, or right after "landmark of"."""
    sites = [i for i in items if i.mention.kind in _SITE_KINDS or i.mention.kind == "landmark"]
    groups: list[list[_Item]] = []
    for item in sites:
        previous = groups[-1][-1] if groups else None
        if (
            item.mention.kind == "nerve"
            and previous is not None
            and previous.mention.kind == "nerve"
            and _only(toks, previous.mention.last + 1, item.mention.first, _LIST_PUNCTUATION)
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    for index, group in enumerate(groups):
        if group[0].mention.kind != "nerve":
            continue
        before = groups[index - 1][-1].mention if index > 0 else None
        after = groups[index + 1][0].mention if index + 1 < len(groups) else None
        first, last = group[0].mention, group[-1].mention
        landmark = (
            after is not None
            and after.kind == "landmark"
            and _only(toks, last.last + 1, after.first, _BEFORE_LANDMARK)
        ) or (
            before is not None
            and before.kind == "landmark"
            and _only(toks, before.last + 1, first.first, _AFTER_LANDMARK)
            and first.first > before.last + 1
        )
        if landmark:
            for item in group:
                if item.used:
                    item.used, item.why = False, "a vertebra as a landmark, not a nerve"


def _sides(items: list[_Item], toks) -> None:
    """Give each level the side the note writes beside it (see the module docstring)."""
    by_segment: dict[tuple[int, int], list[_Item]] = defaultdict(list)
    for item in items:
        if item.mention.kind in _SITE_KINDS or item.mention.kind == "side":
            by_segment[(item.sentence, item.mention.line)].append(item)
    for segment in by_segment.values():
        groups: list[list[_Item]] = []
        for item in segment:
            if item.mention.kind == "side":
                continue
            previous = groups[-1][-1] if groups else None
            if previous is not None and _joined(toks, previous.mention, item.mention):
                groups[-1].append(item)
            else:
                groups.append([item])
        sides = [item for item in segment if item.mention.kind == "side"]
        loose: list[_Item] = []  # sides beside no level: the sentence's
        for side in sides:
            before = [g for g in groups if g[-1].mention.last < side.mention.first]
            after = [g for g in groups if g[0].mention.first > side.mention.last]
            target = None
            if before and _only(
                toks, before[-1][-1].mention.last + 1, side.mention.first, _AFTER_SITE
            ):
                target = before[-1]
            elif after and after[0][0].mention.first - side.mention.last <= _SIDE_REACH:
                target = after[0]
            if target is not None:
                for site in target:
                    site.side = _union(site.side, side.mention.value)
                side.targets = list(target)
                side.why = "side of " + ", ".join(s.mention.value for s in target)
            else:
                side.why = "side of the session"
                loose.append(side)
        # Levels of the sentence (or table row) with no side beside them take its loose sides
        # ("the L3 … and L5 dorsal ramus, on the right and then on the left"), or its one side
        # ("L4-L5 | Bilateral | L3 and L4 medial branches").
        # A loose side in a sentence that names levels beside their own side says the work was
        # repeated on that side ("… on the right, and then repeated on the left").
        values = {side.mention.value for side in (loose or sides)}
        if loose or len(values) == 1:
            for site in segment:
                if site.mention.kind != "side" and (site.side is None or loose):
                    for value in values:
                        site.side = _union(site.side, value)
            for side in loose:
                side.targets = [site for site in segment if site.mention.kind != "side"]


def _joined(toks, left: Mention, right: Mention) -> bool:
    return _only(toks, left.last + 1, right.first, _IN_LIST)


def _only(toks, start: int, end: int, allowed: frozenset[str]) -> bool:
    return all(toks[k].lower in allowed for k in range(start, end)) and end - start <= 6


def _union(side: str | None, other: str) -> str:
    if side is None or side == other:
        return other
    return "B"


class _Session:
    """The reading of one note, built step by step (see the module docstring)."""

    def __init__(self, text: str, items: list[_Item], coverage: Coverage):
        self.items = items
        self.reading = Reading(text=text, coverage=coverage)
        self.coverage = coverage
        # Sentences where a lone vertebra names a nerve: medial branches, rami, or a block or
        # ablation of them ("L3, L4, L5 MBB").
        self.nerve_sentences = {
            i.sentence
            for i in items
            if i.mention.kind == "nerve_word"
            or (i.mention.kind == "nerve" and i.mention.value == TON_NERVE)
            or (i.mention.kind == "procedure" and i.mention.value in ("mbb", "rfa"))
        }
        # Per sentence with levels or procedures: whether any of them is used.
        self.sentence_use: dict[int, bool] = {}
        for item in items:
            if item.mention.kind in _SITE_KINDS or item.mention.kind == "procedure":
                self.sentence_use[item.sentence] = self.sentence_use.get(item.sentence) or item.used

    def ask(self, question: str, decides: bool = True) -> None:
        if question not in self.reading.review:
            self.reading.reviews.append(Review(question, decides))

    def used(self, kind: str, *, header: bool | None = None) -> list[_Item]:
        return [
            item
            for item in self.items
            if item.mention.kind == kind and item.used and (header is None or item.header == header)
        ]

    def read(self) -> Reading:
        self._procedure()
        self._guidance()
        self._intent()
        sites = self._sites()
        if sites is not None:
            self._code(*sites)
        self.reading.findings = [self._finding(item) for item in self.items if self._shown(item)]
        return self.reading

    # -- What was done ---------------------------------------------------------------------

    def _procedure(self) -> None:
        everything = self.used("procedure")
        # "block", "injected": an injection, unless the note names a procedure more precisely
        # ("lidocaine was injected" before an ablation).
        procedures = [i for i in everything if i.mention.value != "block"] or everything
        kept = set(map(id, procedures))
        for item in everything:
            if id(item) not in kept:
                item.used, item.why = False, "not the procedure: the note names it elsewhere"
        kinds = {"rfa" if item.mention.value == "rfa" else "injection" for item in procedures}
        if self.used("modality"):  # pulsed, cooled, chemical … name an ablation of some kind
            kinds.add("rfa")
        if len(kinds) > 1:
            body = {
                "rfa" if i.mention.value == "rfa" else "injection"
                for i in procedures
                if not i.header
            }
            kinds = body if len(body) == 1 else kinds
        if not kinds:
            self.ask(
                "Which procedure was done: a medial branch block, an intra-articular "
                "injection or a radiofrequency ablation? The note does not say."
            )
            return
        if len(kinds) > 1:
            self.ask(
                "The note describes both an injection and a radiofrequency ablation as done "
                "today: which one is this claim for?"
            )
            return
        self.reading.procedure = kinds.pop()
        for item in procedures:
            wanted = self.reading.procedure == "rfa"
            if (item.mention.value == "rfa") != wanted:
                item.used, item.why = False, "another procedure than the one coded"
        techniques = {
            i.mention.value for i in procedures if i.used and i.mention.value in ("mbb", "ia")
        }
        if len(techniques) == 1:
            self.reading.technique = techniques.pop()
        if self.reading.procedure == "rfa":
            self._modality()

    def _modality(self) -> None:
        for item in self.used("modality"):
            if item.mention.value != "thermal":
                self.ask(
                    f"The note describes a {item.mention.value} ablation: only thermal "
                    f"radiofrequency ablation (80 °C or more) is coded 64633-64636 and covered "
                    "by Medicare. How is it to be coded?"
                )
        temperatures = [int(item.mention.value) for item in self.used("temperature")]
        low = [degrees for degrees in temperatures if degrees < THERMAL_DEGREES]
        if low:
            self.ask(
                f"The lesion temperature is {min(low)} °C: below 80 °C is a low-grade thermal "
                "lesion, which Medicare does not cover as ablation. How is it to be coded?"
            )
        if not temperatures and not self.used("modality"):
            self.ask(
                "The note does not give the lesion temperature: check that the ablation was "
                "thermal (80 °C or more).",
                decides=False,
            )

    def _guidance(self) -> None:
        imaging = {i.mention.value for i in self.used("guidance")} - {"none", "fluoroscopy"}
        if imaging:  # "no fluoroscopy was used" beside CT or ultrasound: not "no imaging"
            for item in self.used("guidance"):
                if item.mention.value == "none" and "fluoro" in self._text_of(item):
                    item.used, item.why = False, "not fluoroscopy: another imaging guided"
        values = {item.mention.value for item in self.used("guidance")}
        if len(values) > 1:
            body = {i.mention.value for i in self.used("guidance", header=False)}
            values = body if len(body) == 1 else values
        if not values:
            self.ask(
                "Which imaging guided the needles: fluoroscopy, CT, ultrasound or none? "
                "The note does not say."
            )
        elif len(values) > 1:
            names = " and ".join(sorted(_GUIDANCE_NAMES[v] for v in values))
            self.ask(f"The note names {names}: which one guided the needles?")
        else:
            self.reading.guidance = values.pop()

    def _text_of(self, item: _Item) -> str:
        return self.reading.text[item.mention.start : item.mention.end].lower()

    def _intent(self) -> None:
        if self.reading.procedure != "injection":
            for item in self.used("intent"):
                item.why = "intent is not coded for an ablation"
            return
        values = {item.mention.value for item in self.used("intent")}
        if len(values) == 1:
            self.reading.intent = values.pop()
            return
        steroid = bool(self.used("steroid"))
        if values:
            self.ask(
                "The note calls the injection both diagnostic and therapeutic: which was it?",
                decides=self.coverage.medicare,
            )
        else:
            extra = " (a steroid in the injectate does not make it therapeutic)" if steroid else ""
            self.ask(
                f"Was the injection diagnostic or therapeutic? The note does not say{extra}.",
                decides=self.coverage.medicare,
            )

    # -- Where ----------------------------------------------------------------------------

    def _sites(self):
        """The joints (and nerves) the session treated, or None when nothing can be coded."""
        for item in self.items:
            if item.mention.kind == "nerve" and item.used and not self._names_nerves(item):
                item.used, item.why = False, "a vertebra, not named as a nerve"
        body = [i for i in self.items if i.mention.kind in _SITE_KINDS and i.used and not i.header]
        header = [i for i in self.items if i.mention.kind in _SITE_KINDS and i.used and i.header]
        chosen = body or header
        if not chosen:
            self.ask("Which joints or nerves were treated? The note names none.")
            return None
        for item in self.used("range"):
            self.ask(f"{item.mention.value} is not one joint: which joints were treated?")
        source = "the body" if body else "the header"
        self._fill_sides(chosen)
        joints = self._joints_of([i for i in chosen if i.mention.kind == "joint"])
        nerves = self._joints_of([i for i in chosen if i.mention.kind == "nerve"])
        from_nerves = self._nerve_joints(nerves) if nerves else {}
        if joints and nerves and set(joints) != set(from_nerves):
            self.ask(
                f"The note names the joints {_names(joints)} and nerves that supply "
                f"{_names(from_nerves) or 'no whole joint'}: which were treated?"
            )
        if body and header:
            header_joints = self._joints_of([i for i in header if i.mention.kind == "joint"])
            header_nerves = self._joints_of([i for i in header if i.mention.kind == "nerve"])
            header_set = set(header_joints) | set(self._nerve_joints(header_nerves, ask=False))
            body_set = set(joints) | set(from_nerves)
            if header_set and header_set != body_set:
                self.ask(
                    f"The header names {_names(header_set)} but the description names "
                    f"{_names(body_set)}: which were treated?"
                )
            for site in header:
                site.used, site.why = False, "header: the description decides"
        for site in chosen:
            site.why = (
                site.why
                or f"{site.mention.kind} {site.mention.value}, "
                + (_SIDE_NAMES.get(site.side, "side not stated"))
                + f" (from {source})"
            )
        missing = sorted({i.mention.value for i in chosen if i.side is None})
        if missing:
            self.ask(f"Which side was treated at {', '.join(missing)}? The note does not say.")
            return None
        if nerves:
            self.reading.nerves = _entries(nerves)
            final = from_nerves
            if self.reading.procedure == "injection" and self.reading.technique is None:
                # An injection the note places at nerves ("the third occipital nerve was
                # blocked") is a medial branch block, however it is worded.
                self.reading.technique = "mbb"
        else:
            final = joints
        if not final:
            return None
        self.reading.joints = _entries(final)
        self._contiguous(final)
        return final, nerves

    def _names_nerves(self, item: _Item) -> bool:
        """A lone vertebra names a nerve when its sentence names medial branches, rami, or
        their block or ablation."""
        return item.sentence in self.nerve_sentences

    def _fill_sides(self, chosen: list[_Item]) -> None:
        """Levels with no side of their own take the note's one side, if it states only one."""
        if all(item.side is not None for item in chosen):
            return
        stated = {
            i.mention.value for i in self.items if i.mention.kind == "side" and self._side_counts(i)
        }
        if len(stated) == 1:
            side = stated.pop()
            for item in chosen:
                if item.side is None:
                    item.side = side

    def _side_counts(self, side: _Item) -> bool:
        """A side counts for the session unless its sentence is only about what was not done."""
        used = self.sentence_use.get(side.sentence)
        return used is None or used

    @staticmethod
    def _joints_of(items: list[_Item]) -> dict[str, str]:
        names: dict[str, str] = {}
        for item in items:
            if item.side is not None:
                names[item.mention.value] = _union(names.get(item.mention.value), item.side)
            else:
                names.setdefault(item.mention.value, None)
        return names

    def _nerve_joints(self, nerves: dict[str, str], ask: bool = True) -> dict[str, str]:
        """The joints the nerves supply on a side both share (the engine counts them); nerves
        left over are asked about."""
        joints, left_over = joints_from_nerves(
            tuple((name, side) for name, side in nerves.items() if side)
        )
        if ask and left_over:
            names = sorted({nerve for nerve, _ in left_over})
            self.ask(
                f"The nerves {', '.join(names)} complete no joint on the side given (a joint "
                "needs the nerve at its level and the one above): which joints were treated?"
            )
        return {joint: str(side) for joint, side in joints}

    def _contiguous(self, joints: dict[str, str]) -> None:
        positions = sorted(JOINTS.index(name) for name in joints)
        gaps = [JOINTS[i + 1] for a, b in pairwise(positions) for i in range(a, b - 1)]
        if gaps:
            self.ask(
                f"The levels are not contiguous ({', '.join(gaps)} is skipped): is that what was "
                "done, or is a level misread?"
            )

    # -- The claim ------------------------------------------------------------------------

    def _code(self, joints: dict[str, str], nerves: dict[str, str]) -> None:
        reading = self.reading
        if reading.held or reading.procedure is None or reading.guidance is None:
            return
        try:
            result = code_claim(
                reading.procedure,
                reading.guidance,
                joints=() if nerves else tuple(joints.items()),
                nerves=tuple(nerves.items()) if nerves else (),
                intent=reading.intent,
                coverage=self.coverage,
            )
        except InvalidInput as error:
            self.ask(str(error))
            return
        codes = {line.code for line in result.lines}
        stated = {i.mention.value for i in self.used("code")}
        if stated and stated != codes:
            self.ask(
                f"The note lists CPT {', '.join(sorted(stated))} but the procedure it describes "
                f"codes as {', '.join(sorted(codes)) or 'no facet code'}: which is right?"
            )
            return
        reading.lines = [line.as_dict() for line in result.lines]
        reading.warnings = [warning.as_dict() for warning in result.warnings]
        reading.claim = result.claim_text()

    # -- Findings -------------------------------------------------------------------------

    @staticmethod
    def _shown(item: _Item) -> bool:
        return item.mention.kind not in ("header", "nerve_word", "study", "landmark")

    def _finding(self, item: _Item) -> Finding:
        mention = item.mention
        why = item.why
        if not why:
            why = {
                "procedure": "the procedure",
                "modality": "the ablation's modality",
                "temperature": "the lesion temperature",
                "guidance": "the guidance",
                "intent": "the intent",
                "steroid": "a steroid (does not make the injection therapeutic)",
                "code": "a code the note lists",
                "other": "another procedure of the day: not coded here",
                "side": "a side",
            }.get(mention.kind, mention.kind)
        used = item.used and mention.kind != "other"
        if item.targets and not any(site.used or site.header for site in item.targets):
            used, why = False, f"{why}: not a treated level"
        value = mention.value
        if mention.kind == "temperature":
            value = f"{value} °C"
        return Finding(mention.kind, value, mention.start, mention.end, used, why)


def _entries(sites: dict[str, str]) -> str:
    order = {name: i for i, name in enumerate(JOINTS)}
    nerve_order = {
        name: i
        for i, name in enumerate(
            (
                TON_NERVE,
                "C2",
                "C3",
                "C4",
                "C5",
                "C6",
                "C7",
                "C8",
                *(f"T{n}" for n in range(1, 13)),
                *(f"L{n}" for n in range(1, 6)),
                "S1",
            )
        )
    }

    def position(name: str) -> int:
        return order.get(name, nerve_order.get(name, 99))

    return ",".join(
        f"{name}:{side}" for name, side in sorted(sites.items(), key=lambda kv: position(kv[0]))
    )


def _names(sites) -> str:
    return ", ".join(sorted(sites, key=lambda name: JOINTS.index(name) if name in JOINTS else 99))
