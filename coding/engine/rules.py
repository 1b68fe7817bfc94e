"""The coding rules: ``code_claim`` turns one session's description into lines and warnings.

Pure Python (stdlib only, no Django) so that the JSON API, the wizard pages and the quiz's scoring
all call the same rules. Every line and warning carries the rule that produced it and the keys
of its sources (see ``SOURCE_KEYS``). The words come from ``vocabulary``, the joints and nerves
from ``anatomy``, the codes from ``families``; ``entries`` reads the joints or nerves given.

Rules, with their sources:

* A level is a facet joint, not a nerve: count joints, not nerves (a58350, a57787, fcsocg).
  Nerves convert to joints by one sliding window over C2 … C8, T1 … T12, L1 … L5: joint i is
  supplied by nerves i and i + 1. Cervical Cn-Cn+1 <- Cn + Cn+1 (C7-T1 <- C7 + C8); lumbar
  Ln-Ln+1 <- Ln-1 + Ln (L4-L5 <- L3 + L4, medlearn); L5-S1 <- L4 medial branch + L5 dorsal
  ramus (aapc-anesthesia-alert); C2-C3 <- the third occipital nerve (TON) alone (a58350);
  "L1, L2, L3" = L2-L3 and L3-L4 (aapc-outpatient-alert);
  "L4, L5, S1" = 2 joints (aapc-forum-levels). Thoracic Tn-Tn+1 <- Tn-1 + Tn (T1-T2 <- C8 + T1,
  T12-L1 <- T11 + T12) is an anatomical inference from the same pattern. A joint is treated on a
  side when both its nerves are treated on that side; nerves that complete no joint are warned
  about, never silently counted. S1 adds no facet level (aapc-outpatient-alert); nerves of the
  sacroiliac joint use 64451 / 64625 (genhealth).
* Two code families, each with its own primary code: C2-C3 … T12-L1 -> 64490/64491/64492 and
  64633/64634; L1-L2 … L5-S1 -> 64493/64494/64495 and 64635/64636 (codingahead). T12-L1 is
  thoracic (aapc-neurology-alert; RFA 64633: cgs25). Medicare allows one spinal region per
  session (l38773q). Medicare exception: contiguous T12-L1 + L1-L2 in one session are one
  lumbar-region session billed 64490 + 64494 (RFA 64633 + 64636) (cgs25, aapc-rci-ngs).
* Injections: levels cranial to caudal within a session; the first level takes the primary code,
  the second level the second-level add-on, and all further levels together the third-and-any-
  additional add-on: one line, one unit, once per day (aapc-forum-64492-64495); its side is the
  union of the sides of those levels.
* Ultrasound guidance: Category III 0213T/0214T/0215T (cervical/thoracic) and 0216T/0217T/0218T
  (lumbar/sacral), same level logic (aapc-neurology-alert, codingahead); Medicare does not cover
  it (l38773q) and UHC calls it unproven (uhc-2017t0004aa). No imaging: no facet code; CPT
  reportedly directs such injections to 20552/20553 (beckers-asc, codingbyjen; likely, not
  confirmed). RFA without fluoroscopy or CT: no line; the right code is unverified.
* RFA is coded per joint: first joint 64633 / 64635, each additional joint 64634 / 64636 with
  one unit per joint, grouped by modifier (justmypassion, aapc-forum-levels, codingahead).
* Codes are unilateral (fcsocg). Medicare: a bilateral level is one line with modifier 50,
  1 unit (a57787, mac-lcd-older), also on add-ons (aapc-rci-ngs). RT/LT format: two lines, RT and
  LT, 1 unit each (ASC facility claims: reddit-medicalbill; commercial payers:
  aapc-neurosurgery-alert). Levels keep their own sides. Modifier 51 is never appended (fcsocg).
* Imaging guidance (77003 fluoroscopy, 77012 CT) and contrast are included; never a line (fcsocg).
* Medicare: KX on diagnostic facet injection lines only (norqa); one to two levels per session
  per region, third levels non-covered except on appeal (l38773q, norqa); per region per rolling
  12 months at most 4 diagnostic and 4 therapeutic injection sessions and 2 RFA sessions; RFA
  needs two diagnostic medial branch blocks with at least 80% relief and must be thermal;
  therapeutic injections need two such blocks and a reason the patient is not an RFA candidate
  (l38773q, norqa).

Decisions where the sources are silent:

* No KX on ultrasound lines (0213T-0218T): KX attests that the policy's requirements are met, and
  the LCDs find ultrasound guidance not reasonable and necessary. No KX in the RT/LT format.
* The T12-L1 + L1-L2 exception applies only to Medicare-format claims with fluoroscopy or CT
  (it is stated for 64490/64494 and 64633/64636), and only when T12-L1 is the only
  cervical/thoracic joint.
* "Spinal region" = code family (cervical/thoracic or lumbar/sacral).
* The Medicare coverage warnings (levels, regions, frequency, prerequisites) also show in the RT/LT
  format, which Medicare ASC facility claims use too; they are left out when there is no line.
* A joint named twice is one level with the union of its sides; nerves given twice likewise.
* Parsing also accepts LT/RT/LEFT/RIGHT/BILATERAL/BOTH for a side, 'L4-5' and 'L5/S1' for a joint,
  'L5-L4' for 'L4-L5', and commas, semicolons or new lines between entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from coding.engine.anatomy import (
    JOINTS,
    LAST_CERVICAL_THORACIC_JOINT,
    NERVES,
    S1_NERVE,
    TON_JOINT,
    TON_NERVE,
    is_thoracic_inference,
    joint_nerves,
    joint_region,
    joints_of_nerve,
    nerve_label,
)
from coding.engine.entries import InvalidInput, coerce_entries, read_choice
from coding.engine.families import family
from coding.engine.lines import CodingWarning, Line, Result
from coding.engine.payers import ClaimType, Coverage, Payer, read_coverage
from coding.engine.vocabulary import (
    GUIDANCES,
    IMAGE_GUIDANCES,
    INTENTS,
    PROCEDURES,
    Guidance,
    Intent,
    Level,
    Procedure,
    Region,
    Side,
    side_of,
    side_set,
)

__all__ = ["RULE_IDS", "SOURCE_KEYS", "WARNING_IDS", "code_claim", "joints_from_nerves"]

# The keys of every source the rules below cite. tests/coding/test_vocabulary.py checks that
# they are exactly the keys the rules cite, and that each is a source in codes/data/sources.toml.
SOURCE_KEYS = (
    "fcsocg",
    "a58350",
    "a57787",
    "medlearn",
    "aapc-anesthesia-alert",
    "aapc-outpatient-alert",
    "aapc-forum-64492-64495",
    "aapc-neurology-alert",
    "codingahead",
    "cgs25",
    "aapc-rci-ngs",
    "l38773q",
    "norqa",
    "justmypassion",
    "aapc-forum-levels",
    "mac-lcd-older",
    "reddit-medicalbill",
    "aapc-neurosurgery-alert",
    "beckers-asc",
    "codingbyjen",
    "uhc-2017t0004aa",
    "genhealth",
    "priority-health",
    "palmetto-opd-pa",
    "norpa",
    "cms-who-are-the-macs",
    "cms-mcd",
    "a58403",
    "cms-mcd-39771",
    "aetna-cpb-0016",
    "anthem-2023",
    "carelon-msk01",
    "bcbsnd",
    "cigna-cmm-201",
    "uhc-ablative",
)

RULE_IDS = (
    "first-level-primary",
    "second-level-addon",
    "third-level-addon-once",
    "ultrasound-first-level-primary",
    "ultrasound-second-level-addon",
    "ultrasound-third-level-addon-once",
    "t12-l1-lumbar-session",
    "rfa-first-joint",
    "rfa-additional-joint",
)
WARNING_IDS = (
    "joint-named-twice",
    "nerves-counted-as-joints",
    "nerve-completes-no-joint",
    "s1-adds-no-level",
    "no-joint-completed",
    "imaging-included",
    "ultrasound-not-covered",
    "no-imaging-injection",
    "rfa-needs-fluoroscopy-or-ct",
    "medicare-two-regions",
    "medicare-more-than-two-levels",
    "medicare-kx-needs-intent",
    "medicare-therapeutic-prerequisites",
    "medicare-rfa-prerequisites",
    "medicare-frequency-limits",
    "medicare-opd-prior-auth",
    "t12-l1-rule-depends-on-mac",
    "mac-not-given",
    "mac-documents",
    "ultrasound-category-iii",
    "aetna-more-than-three-levels",
    "aetna-diagnostic-only",
    "aetna-therapeutic-not-covered",
    "anthem-more-than-two-levels",
    "anthem-diagnostic-sessions",
    "carelon-rfa-criteria",
    "cigna-limits-not-available",
    "uhc-diagnostic-proven",
    "uhc-therapeutic-unproven",
    "uhc-rfa-policy",
    "payer-rules-not-applied",
    "payer-figure-not-available",
    "rtlt-format",
    "asc-facility-format",
    "bilateral-format-varies",
)


_NERVE_SOURCES = (
    "a58350",
    "a57787",
    "medlearn",
    "aapc-anesthesia-alert",
    "aapc-outpatient-alert",
    "aapc-forum-levels",
)
# The side each side modifier stands for.
_MODIFIER_SIDES = {"LT": Side.LEFT, "RT": Side.RIGHT}
# How a rule's sentence names a spinal region.
_REGION_TEXT = {
    Region.CERVICAL_THORACIC: "cervical/thoracic",
    Region.LUMBAR_SACRAL: "lumbar/sacral",
}


@dataclass(frozen=True)
class _Level:
    joint: str
    side: Side
    nerves: tuple[str, ...] | None = None  # set when the level was counted from nerves


@dataclass(frozen=True)
class _Session:
    """Levels billed together: one code family, or the Medicare T12-L1 + L1-L2 session."""

    region: Region  # family of the add-on codes
    primary_region: Region  # family of the first code (differs only in the T12-L1 exception)
    levels: tuple[_Level, ...]

    @property
    def t12_l1_exception(self) -> bool:
        return self.region != self.primary_region


@dataclass(frozen=True)
class _Case:
    procedure: Procedure
    guidance: Guidance
    coverage: Coverage
    intent: Intent | None

    @property
    def imaged(self) -> bool:
        return self.guidance in IMAGE_GUIDANCES

    @property
    def medicare(self) -> bool:
        return self.coverage.medicare

    @property
    def payer(self) -> Payer:
        return self.coverage.payer

    @property
    def fifty(self) -> bool:
        return self.coverage.fifty

    @property
    def wants_kx(self) -> bool:
        return (
            self.medicare
            and self.procedure == Procedure.INJECTION
            and self.imaged
            and self.intent == Intent.DIAGNOSTIC
        )


def _case(procedure: str, guidance: str, coverage: Coverage, intent: str | None) -> _Case:
    if intent is not None and not str(intent).strip():
        intent = None
    return _Case(
        procedure=read_choice(procedure, PROCEDURES, "procedure"),
        guidance=read_choice(guidance, GUIDANCES, "guidance"),
        coverage=coverage,
        intent=None if intent is None else read_choice(intent, INTENTS, "intent"),
    )


# ---------------------------------------------------------------------------------------------
# Levels: joints or nerves -> levels, plus warnings about the input
# ---------------------------------------------------------------------------------------------


def _group_sides(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    sides: dict[str, list[str]] = {}
    for name, side in pairs:
        sides.setdefault(name, []).append(side)
    return sides


def _levels_from_joints(
    pairs: Iterable[tuple[str, str]],
) -> tuple[list[_Level], list[CodingWarning]]:
    sides = _group_sides(pairs)
    levels = [_Level(joint, side_of(sides[joint])) for joint in JOINTS if joint in sides]
    repeated = [level for level in levels if _overlaps(sides[level.joint])]
    warnings = []
    if repeated:
        named = ", ".join(f"{level.joint} ({level.side.label})" for level in repeated)
        warnings.append(
            CodingWarning(
                "joint-named-twice",
                f"Named more than once on the same side, counted once: {named}. A joint is one "
                "level however many times it is injected or named; treated on both sides it is "
                "one bilateral level.",
                ("fcsocg", "a57787"),
            )
        )
    return levels, warnings


def _overlaps(sides: list[str]) -> bool:
    """True when a joint is named twice for the same side (L4-L5:L twice, or B and R)."""
    return sum(len(side_set(side)) for side in sides) > len(side_set(side_of(sides)))


def _levels_from_nerves(
    pairs: Iterable[tuple[str, str]],
) -> tuple[list[_Level], list[CodingWarning]]:
    sides = {nerve: side_set(side_of(given)) for nerve, given in _group_sides(pairs).items()}
    warnings = []
    if S1_NERVE in sides:
        warnings.append(_s1_warning())
    levels, unpaired = _pair_nerves(sides)
    if unpaired:
        warnings.append(_unpaired_warning(unpaired))
    if levels:
        warnings.insert(0, _nerves_counted_warning(levels))
    return levels, warnings


def _pair_nerves(
    sides: dict[str, frozenset[Side]],
) -> tuple[list[_Level], list[tuple[str, Side]]]:
    """The joints the nerves complete on a side, and the nerves (S1 aside) that complete none."""
    levels, used = [], set()
    for joint in JOINTS:
        upper, lower = joint_nerves(joint)
        common = sides.get(upper, frozenset()) & sides.get(lower, frozenset())
        alone = sides.get(TON_NERVE, frozenset()) if joint == TON_JOINT else frozenset()
        if alone:
            used |= {(TON_NERVE, side) for side in alone}
            levels.append(_Level(joint, side_of(alone | common), (TON_NERVE,)))
            used |= {(nerve, side) for nerve in (upper, lower) for side in common}
        elif common:
            levels.append(_Level(joint, side_of(common), (upper, lower)))
            used |= {(nerve, side) for nerve in (upper, lower) for side in common}
    unpaired = [
        (nerve, side_of(left_over))
        for nerve in (TON_NERVE, *NERVES)
        if (left_over := {side for side in sides.get(nerve, ()) if (nerve, side) not in used})
    ]
    return levels, unpaired


def joints_from_nerves(
    nerves: Iterable,
) -> tuple[tuple[tuple[str, Side], ...], tuple[tuple[str, Side], ...]]:
    """Nerves with their sides -> (the joints they complete, with sides; the nerves left over
    that complete no joint). S1 completes none and is never left over. Takes what
    ``code_claim``'s ``nerves`` takes; the note reader counts joints with it."""
    pairs = coerce_entries(nerves, "nerves")
    sides = {nerve: side_set(side_of(given)) for nerve, given in _group_sides(pairs).items()}
    levels, unpaired = _pair_nerves(sides)
    return tuple((level.joint, level.side) for level in levels), tuple(unpaired)


def _s1_warning() -> CodingWarning:
    return CodingWarning(
        "s1-adds-no-level",
        "S1 completes no facet joint: an S1 (communicating or lateral) branch adds no facet "
        "level. L5-S1 is supplied by the L4 medial branch and the L5 dorsal ramus. Nerves of "
        "the sacroiliac joint are coded 64451 (injection) or 64625 (radiofrequency ablation). "
        'If the note names target sites rather than nerves ("L4, L5 and S1" often means the L4 '
        "and L5 transverse processes and the sacral ala, i.e. the L3 and L4 medial branches and "
        "the L5 dorsal ramus: L4-L5 and L5-S1), enter the joints instead.",
        ("aapc-outpatient-alert", "aapc-anesthesia-alert", "genhealth"),
    )


def _unpaired_warning(unpaired: list[tuple[str, str]]) -> CodingWarning:
    described = "; ".join(
        f"{nerve} ({side.label}), part of {' or '.join(joints_of_nerve(nerve))}"
        for nerve, side in unpaired
    )
    return CodingWarning(
        "nerve-completes-no-joint",
        f"These nerves complete no facet joint, so they add no level: {described}. A joint "
        "counts only when both of its nerves are treated on the same side (e.g. L4-L5 needs the "
        "L3 and L4 medial branches). Check the note for a missing nerve or side.",
        ("a58350", "a57787", "aapc-outpatient-alert"),
    )


def _nerves_counted_warning(levels: list[_Level]) -> CodingWarning:
    counted = ", ".join(
        f"{level.joint} ({' + '.join(level.nerves)}, {level.side.label})" for level in levels
    )
    message = (
        f"Levels are joints, not nerves: the nerves given supply {len(levels)} "
        f"joint{'s' if len(levels) > 1 else ''}: {counted}."
    )
    if any(is_thoracic_inference(level.joint) for level in levels):
        message += (
            " The thoracic mapping (Tn-Tn+1 from the Tn-1 and Tn medial branches) is an "
            "anatomical inference, not a quoted payer rule."
        )
    return CodingWarning("nerves-counted-as-joints", message, _NERVE_SOURCES)


def _no_level_warning() -> CodingWarning:
    return CodingWarning(
        "no-joint-completed",
        "The nerves given complete no facet joint, so there is no level to code.",
        ("a58350", "a57787"),
    )


# ---------------------------------------------------------------------------------------------
# Sessions and lines
# ---------------------------------------------------------------------------------------------


def _t12_l1_pair(levels: list[_Level], case: _Case) -> bool:
    """T12-L1 is the only cervical/thoracic joint and L1-L2 the first lumbar one (imaged)."""
    regions = [(joint_region(level.joint), level.joint) for level in levels]
    upper = [joint for region, joint in regions if region == Region.CERVICAL_THORACIC]
    lower = [joint for region, joint in regions if region == Region.LUMBAR_SACRAL]
    return case.imaged and upper == [LAST_CERVICAL_THORACIC_JOINT] and lower[:1] == ["L1-L2"]


def _sessions(levels: list[_Level], case: _Case) -> list[_Session]:
    upper = tuple(
        level for level in levels if joint_region(level.joint) == Region.CERVICAL_THORACIC
    )
    lower = tuple(level for level in levels if joint_region(level.joint) == Region.LUMBAR_SACRAL)
    if case.coverage.t12_l1_session and _t12_l1_pair(levels, case):
        return [_Session(Region.LUMBAR_SACRAL, Region.CERVICAL_THORACIC, upper + lower)]
    sessions = [
        _Session(Region.CERVICAL_THORACIC, Region.CERVICAL_THORACIC, upper),
        _Session(Region.LUMBAR_SACRAL, Region.LUMBAR_SACRAL, lower),
    ]
    return [session for session in sessions if session.levels]


@dataclass(frozen=True)
class _Rule:
    """Why a line exists: the sentence, its stable id and its sources."""

    text: str
    id: str
    sources: tuple[str, ...]


def _side_modifier_sets(side: Side, case: _Case) -> tuple[tuple[str, ...], ...]:
    """One modifier tuple per line: medicare bilateral = ('50',); rtlt bilateral = RT and LT."""
    if side == Side.LEFT:
        return (("LT",),)
    if side == Side.RIGHT:
        return (("RT",),)
    return (("50",),) if case.fifty else (("RT",), ("LT",))


def _covers(level: _Level, modifier: str) -> bool:
    """Whether a line with this side modifier covers the level (50 covers every side)."""
    return modifier == "50" or _MODIFIER_SIDES[modifier] in side_set(level.side)


def _side_rule(side: Side, case: _Case, add_on: bool) -> tuple[str, tuple[str, ...]]:
    if side != Side.BOTH:
        modifier = "LT" if side == Side.LEFT else "RT"
        return (
            f"Treated on the {side.label} only: modifier {modifier} (the codes are unilateral).",
            ("fcsocg",),
        )
    also = ", also on add-on codes" if add_on else ""
    if case.fifty and case.medicare:
        text = f"Bilateral: one line with modifier 50 and 1 unit (Medicare){also}."
        if add_on:
            return text, ("a57787", "mac-lcd-older", "aapc-rci-ngs")
        return text, ("fcsocg", "a57787", "mac-lcd-older")
    if case.fifty:
        return (
            f"Bilateral: one line with modifier 50 and 1 unit (the bilateral modifier){also}.",
            ("fcsocg", "a57787"),
        )
    if case.coverage.claim_type == ClaimType.ASC:
        return (
            "Bilateral on an ASC facility claim: two lines, RT and LT, 1 unit each (the "
            "physician's own claim keeps modifier 50).",
            ("priority-health", "reddit-medicalbill"),
        )
    return (
        "Bilateral: two lines, RT and LT, 1 unit each (the payer's RT/LT format).",
        ("aapc-neurosurgery-alert",),
    )


def _nerve_note(levels: Iterable[_Level]) -> tuple[str, tuple[str, ...]]:
    """Rule text for levels counted from nerves: which nerves made each joint."""
    notes, sources = [], []
    for level in levels:
        if not level.nerves:
            continue
        if level.nerves == (TON_NERVE,):
            notes.append(
                f"{level.joint} is counted from the third occipital nerve, which alone supplies "
                "it (a level is a joint, not a nerve)"
            )
            sources += ["a58350"]
            continue
        upper, lower = level.nerves
        note = (
            f"{level.joint} is counted from the {nerve_label(upper)} and {nerve_label(lower)} "
            "(a level is a joint, not a nerve)"
        )
        if is_thoracic_inference(level.joint):
            note += "; the thoracic nerve-to-joint mapping is an anatomical inference"
        notes.append(note)
        sources += ["a58350", "aapc-anesthesia-alert" if lower == "L5" else "medlearn"]
    return ("".join(f" {note}." for note in notes), tuple(sources))


def _line(
    code: str,
    modifiers: tuple[str, ...],
    levels: tuple[_Level, ...],
    case: _Case,
    rule: _Rule,
    add_on: bool,
    units: int = 1,
) -> Line:
    """One line; its rule text adds the side, nerve, modifier 51 and KX explanations."""
    side_text, side_sources = _side_rule(side_of(lv.side for lv in levels), case, add_on)
    nerve_text, nerve_sources = _nerve_note(levels)
    text = f"{rule.text} {side_text}{nerve_text}"
    sources = rule.sources + side_sources + nerve_sources
    if add_on:
        text += " No modifier 51 on add-on codes."
    if case.wants_kx:
        text += " KX: Medicare requires it on diagnostic facet injection lines."
        sources += ("norqa",)
        modifiers += ("KX",)
    return Line(
        code=code,
        modifiers=modifiers,
        units=units,
        joints=tuple(level.joint for level in levels),
        rule=text,
        rule_id=rule.id,
        sources=_unique(sources),
    )


def _lines_once_per_side(
    code: str, levels: tuple[_Level, ...], case: _Case, rule: _Rule, add_on: bool
) -> list[Line]:
    """One unit per side modifier: one line in medicare or when unilateral, else RT and LT."""
    side = side_of(level.side for level in levels)
    lines = []
    for modifiers in _side_modifier_sets(side, case):
        covered = tuple(level for level in levels if _covers(level, modifiers[0]))
        lines.append(_line(code, modifiers, covered, case, rule, add_on))
    return lines


def _lines_per_joint(
    code: str, levels: tuple[_Level, ...], case: _Case, rule_for: Callable[[str], _Rule]
) -> list[Line]:
    """Add-on lines with one unit per joint, one line per side modifier (RFA add-ons)."""
    groups: dict[tuple[str, ...], list[_Level]] = {}
    for level in levels:
        for modifiers in _side_modifier_sets(level.side, case):
            groups.setdefault(modifiers, []).append(level)
    return [
        _line(code, mods, tuple(group), case, rule_for(_names(group)), True, units=len(group))
        for mods, group in groups.items()
    ]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _region_text(session: _Session) -> str:
    return _REGION_TEXT[session.region]


def _names(levels: Iterable[_Level]) -> str:
    return ", ".join(level.joint for level in levels)


# Injections: primary, second-level add-on, third-and-any-additional add-on (once per day).


def _injection_lines(session: _Session, case: _Case) -> list[Line]:
    kind = "ultrasound" if case.guidance == Guidance.ULTRASOUND else "image"
    primary = family(case.procedure, case.guidance, session.primary_region).code(Level.FIRST)
    codes = family(case.procedure, case.guidance, session.region)
    second, third = codes.code(Level.SECOND), codes.code(Level.THIRD_PLUS)
    first, *others = session.levels
    lines = _lines_once_per_side(
        primary, (first,), case, _primary_rule(session, kind, primary, second), add_on=False
    )
    if others:
        rule = _second_level_rule(session, kind, primary, second)
        lines += _lines_once_per_side(second, (others[0],), case, rule, add_on=True)
    if len(others) > 1:
        rest = tuple(others[1:])
        rule = _third_level_rule(session, kind, third, rest)
        lines += _lines_once_per_side(third, rest, case, rule, add_on=True)
    return lines


def _ultrasound(kind: str) -> tuple[str, str, tuple[str, ...]]:
    """(rule id prefix, code text, sources) for ultrasound-guided Category III codes."""
    if kind == "ultrasound":
        return (
            "ultrasound-",
            " (ultrasound guidance, Category III)",
            ("aapc-neurology-alert", "codingahead"),
        )
    return "", "", ()


def _primary_rule(session: _Session, kind: str, primary: str, second: str) -> _Rule:
    prefix, guided, sources = _ultrasound(kind)
    first = session.levels[0]
    if session.t12_l1_exception:
        return _Rule(
            f"T12-L1 is a thoracic joint for CPT, so the session starts with {primary}; under "
            "the CGS/NGS Medicare rule contiguous T12-L1 + L1-L2 in one session count as one "
            f"lumbar-region session, billed {primary} + {second}.",
            "t12-l1-lumbar-session",
            ("cgs25", "aapc-rci-ngs", "aapc-neurology-alert"),
        )
    thoracic = first.joint == LAST_CERVICAL_THORACIC_JOINT
    return _Rule(
        f"{first.joint} is the first {_region_text(session)} level"
        f"{' (T12-L1 counts as thoracic for CPT)' if thoracic else ''}, counted cranial to "
        f"caudal: {primary}{guided}, single level.",
        prefix + "first-level-primary",
        sources + ("codingahead", "fcsocg") + (("aapc-neurology-alert",) if thoracic else ()),
    )


def _second_level_rule(session: _Session, kind: str, primary: str, second: str) -> _Rule:
    prefix, guided, sources = _ultrasound(kind)
    text = (
        f"{session.levels[1].joint} is the second {_region_text(session)} level: add-on "
        f"{second}{guided}, reported with {primary}."
    )
    if session.t12_l1_exception:
        text += f" It follows T12-L1 ({primary}) in one Medicare lumbar-region session (CGS)."
        sources += ("cgs25",)
    return _Rule(text, prefix + "second-level-addon", sources + ("codingahead", "fcsocg"))


def _third_level_rule(session: _Session, kind: str, third: str, rest: tuple[_Level, ...]) -> _Rule:
    prefix, guided, sources = _ultrasound(kind)
    return _Rule(
        f"Third and any additional {_region_text(session)} level(s) ({_names(rest)}): add-on "
        f"{third}{guided}, reported once per day as one line with one unit however many levels "
        "lie beyond two; its side covers every side treated at those levels.",
        prefix + "third-level-addon-once",
        sources + ("aapc-forum-64492-64495", "codingahead", "fcsocg"),
    )


# Radiofrequency ablation: per joint, first joint + one add-on unit per additional joint.


def _rfa_lines(session: _Session, case: _Case) -> list[Line]:
    first_code = family(case.procedure, case.guidance, session.primary_region).code(
        Level.FIRST_JOINT
    )
    additional_code = family(case.procedure, case.guidance, session.region).code(
        Level.ADDITIONAL_JOINT
    )
    first, *others = session.levels
    rule = _rfa_first_rule(session, first_code, additional_code)
    lines = _lines_once_per_side(first_code, (first,), case, rule, add_on=False)
    if others:
        lines += _lines_per_joint(
            additional_code,
            tuple(others),
            case,
            lambda names: _rfa_additional_rule(session, additional_code, names),
        )
    return lines


def _rfa_first_rule(session: _Session, first_code: str, additional_code: str) -> _Rule:
    if session.t12_l1_exception:
        return _Rule(
            f"T12-L1 is ablated with the thoracic code {first_code}; under the CGS/NGS Medicare "
            "rule contiguous T12-L1 + L1-L2 in one session count as one lumbar-region session, "
            f"billed {first_code} + {additional_code}.",
            "t12-l1-lumbar-session",
            ("cgs25", "aapc-rci-ngs"),
        )
    first = session.levels[0].joint
    thoracic = first == LAST_CERVICAL_THORACIC_JOINT
    return _Rule(
        f"Radiofrequency ablation is coded per facet joint: {first} is the first "
        f"{_region_text(session)} joint{' (T12-L1 takes the thoracic code)' if thoracic else ''}"
        f": {first_code}.",
        "rfa-first-joint",
        ("justmypassion", "codingahead") + (("cgs25",) if thoracic else ()),
    )


def _rfa_additional_rule(session: _Session, code: str, names: str) -> _Rule:
    after_t12 = " after T12-L1 in one Medicare lumbar session" if session.t12_l1_exception else ""
    return _Rule(
        f"Each additional {_region_text(session)} joint{after_t12} ({names}) is one "
        f"unit of add-on {code}, per joint (not per nerve), grouped by side modifier.",
        "rfa-additional-joint",
        ("justmypassion", "aapc-forum-levels", "codingahead")
        + (("cgs25",) if session.t12_l1_exception else ()),
    )


# ---------------------------------------------------------------------------------------------
# Warnings about guidance, sessions and the payer
# ---------------------------------------------------------------------------------------------


def _guidance_phrase(case: _Case) -> str:
    return "ultrasound guidance" if case.guidance == Guidance.ULTRASOUND else "no imaging"


def _guidance_warnings(case: _Case) -> list[CodingWarning]:
    if case.imaged:
        return [
            CodingWarning(
                "imaging-included",
                "Imaging guidance (fluoroscopy 77003, CT 77012) and any contrast injection are "
                "included in 64490-64495 and 64633-64636: do not report them separately.",
                ("fcsocg",),
            )
        ]
    if case.procedure == Procedure.RFA:
        return [
            CodingWarning(
                "rfa-needs-fluoroscopy-or-ct",
                "64633-64636 require fluoroscopy or CT guidance, so no facet ablation code "
                f"applies with {_guidance_phrase(case)}. "
                "The right code is unverified (possibly the unlisted code 64999): check with the "
                "payer before billing. Medicare LCDs find facet procedures without CT or "
                "fluoroscopic guidance not reasonable and necessary.",
                ("codingahead", "justmypassion", "l38773q"),
            )
        ]
    if case.guidance == Guidance.ULTRASOUND:
        return [_ultrasound_warning(case)]
    return [
        CodingWarning(
            "no-imaging-injection",
            "64490-64495 require fluoroscopy or CT guidance, so no facet injection code applies "
            "without imaging. CPT reportedly directs non-imaged facet injections to 20552/20553 "
            "(trigger point injection codes): likely, not confirmed. Medicare LCDs find facet "
            "procedures done without guidance not reasonable and necessary.",
            ("beckers-asc", "codingbyjen", "l38773q"),
        )
    ]


def _ultrasound_warning(case: _Case) -> CodingWarning:
    coded = "Ultrasound-guided facet injections are coded 0213T-0218T, not 64490-64495. "
    if case.medicare:
        return CodingWarning(
            "ultrasound-not-covered",
            coded + "Medicare LCDs find facet procedures under ultrasound guidance not reasonable "
            "and necessary, so KX is not appended (it would attest that the policy's "
            "requirements are met).",
            ("aapc-neurology-alert", "l38773q"),
        )
    if case.payer == Payer.UHC:
        return CodingWarning(
            "ultrasound-not-covered",
            coded + "UnitedHealthcare calls ultrasound guidance for facet injections unproven.",
            ("aapc-neurology-alert", "uhc-2017t0004aa"),
        )
    return CodingWarning(
        "ultrasound-category-iii",
        coded + f"{case.payer.label}'s coverage of ultrasound guidance is not available here.",
        ("aapc-neurology-alert",),
    )


def _session_warnings(sessions: list[_Session], case: _Case) -> list[CodingWarning]:
    """How many regions and levels the payer allows in one session."""
    if case.medicare:
        return _medicare_session_warnings(sessions, case)
    levels = [level for session in sessions for level in session.levels]
    if case.payer == Payer.AETNA and len(levels) > 3:
        return [
            CodingWarning(
                "aetna-more-than-three-levels",
                f"{len(levels)} levels in one session: Aetna's policy allows at most 3 levels "
                "per session (at most 6 injections when bilateral).",
                ("aetna-cpb-0016",),
            )
        ]
    unilateral = sum(len(side_set(level.side)) for level in levels)
    if case.payer == Payer.BCBS and unilateral > 2:
        counted = (
            f"{len(levels)} levels"
            if len(levels) > 2
            else f"{len(levels)} level(s), {unilateral} if each side counts as a level"
        )
        return [
            CodingWarning(
                "anthem-more-than-two-levels",
                f"{counted}: Anthem's Carelon guideline (from 9 April 2023) allows 2 unilateral "
                "levels per session. Other BCBS plans write their own limits: check the plan's "
                "policy.",
                ("anthem-2023",),
            )
        ]
    return []


def _medicare_session_warnings(sessions: list[_Session], case: _Case) -> list[CodingWarning]:
    warnings = []
    if len(sessions) > 1:
        warnings.append(
            CodingWarning(
                "medicare-two-regions",
                "Two spinal regions in one session (cervical/thoracic, including T12-L1, and "
                "lumbar/sacral): each region starts with its own primary code. Medicare LCDs "
                "limit facet joint interventions to one spinal region per session (CGS and NGS "
                "bill contiguous T12-L1 + L1-L2 as one lumbar session).",
                ("l38773q", "aapc-neurology-alert", "cgs25"),
            )
        )
    crowded = [session for session in sessions if len(session.levels) > 2]
    if crowded:
        counts = ", ".join(
            f"{len(session.levels)} {_region_text(session)} levels" for session in crowded
        )
        if case.procedure == Procedure.INJECTION:
            codes = "0215T/0218T" if case.guidance == Guidance.ULTRASOUND else "64492/64495"
            consequence = f"the third-level add-on ({codes}) is non-covered, paid only on appeal."
        else:
            consequence = "ablation beyond two levels is non-covered."
        warnings.append(
            CodingWarning(
                "medicare-more-than-two-levels",
                f'More than two levels in one session ({counts}). Medicare LCDs: "One to two '
                "levels, either unilateral or bilateral, are allowed per session per spine "
                f'region"; three or four levels are not medically necessary, so {consequence}',
                ("l38773q", "norqa"),
            )
        )
    return warnings


def _t12_l1_warning(case: _Case) -> CodingWarning:
    mac = case.coverage.mac
    whose = f"{mac.label}'s own rule is" if mac else "without the MAC, the rule that applies is"
    return CodingWarning(
        "t12-l1-rule-depends-on-mac",
        "T12-L1 and L1-L2 are coded by their CPT families here (T12-L1 thoracic, L1-L2 lumbar). "
        "CGS and NGS bill contiguous T12-L1 + L1-L2 as one lumbar session (64490 + 64494; "
        f"64633 + 64636); {whose} not known here: check the MAC's billing article.",
        ("cgs25", "aapc-rci-ngs", "codingahead"),
    )


def _payer_warnings(lines: list[Line], case: _Case) -> list[CodingWarning]:
    """What the payer requires beyond the lines: prerequisites, limits, KX, prior authorisation."""
    if case.medicare:
        return _medicare_warnings(lines, case)
    return _COMMERCIAL_WARNINGS[case.payer](case)


def _medicare_warnings(lines: list[Line], case: _Case) -> list[CodingWarning]:
    warnings = []
    if case.procedure == Procedure.RFA:
        warnings.append(
            CodingWarning(
                "medicare-rfa-prerequisites",
                "Medicare covers facet radiofrequency ablation only after two diagnostic medial "
                "branch blocks, each with at least 80% relief of the index pain, documented; "
                "thermal RFA only (chemical, low-grade thermal under 80 °C, laser and cryoablation "
                "are non-covered); at most 2 RF sessions per spinal region per rolling 12 months; "
                "a repeat RFA needs at least 50% improvement for at least 6 months.",
                ("l38773q", "norqa"),
            )
        )
    elif case.intent == Intent.THERAPEUTIC:
        warnings.append(
            CodingWarning(
                "medicare-therapeutic-prerequisites",
                "Medicare covers a therapeutic facet injection only after two diagnostic blocks, "
                "each with at least 80% relief of the index pain, and with a documented reason "
                "the patient is not a candidate for radiofrequency ablation; a repeat at the "
                "same site needs at least 50% relief for at least 3 months.",
                ("l38773q",),
            )
        )
    elif case.intent is None and case.imaged:
        warnings.append(
            CodingWarning(
                "medicare-kx-needs-intent",
                "Say whether the injection is diagnostic or therapeutic: Medicare requires the KX "
                "modifier on diagnostic facet injection lines only, and counts diagnostic and "
                "therapeutic sessions against separate limits.",
                ("norqa",),
            )
        )
    warnings.append(_frequency_warning(case))
    authorised = sorted({line.code for line in lines} & _OPD_PRIOR_AUTH_CODES)
    if case.coverage.claim_type == ClaimType.OUTPATIENT and authorised:
        warnings.append(
            CodingWarning(
                "medicare-opd-prior-auth",
                f"Hospital outpatient claim: {', '.join(authorised)} need prior authorisation "
                "from the MAC (since 1 July 2023, for 64490, 64491, 64493, 64494 and "
                "64633-64636). Without an affirmed request on file the claim is denied.",
                ("palmetto-opd-pa", "norpa"),
            )
        )
    warnings.append(_mac_warning(case))
    return warnings


# Medicare hospital outpatient prior authorisation (facts §5, §12).
_OPD_PRIOR_AUTH_CODES = frozenset(
    ("64490", "64491", "64493", "64494", "64633", "64634", "64635", "64636")
)


def _mac_warning(case: _Case) -> CodingWarning:
    mac = case.coverage.mac
    if mac is None:
        return CodingWarning(
            "mac-not-given",
            "No MAC given, so the general Medicare rules apply. What depends on the MAC: the "
            "LCD and billing article to cite, and whether T12-L1 + L1-L2 are one lumbar "
            "session (CGS and NGS). Pick the MAC, or the state the service was in.",
            ("cms-who-are-the-macs", "cgs25"),
        )
    info = mac.info
    where = f" ({case.coverage.state}, {case.coverage.jurisdiction})" if case.coverage.state else ""
    article = f", billing article {info.article}" if info.article else ", billing article not known"
    confidence = "" if info.confidence == "C" else " These numbers are likely, not confirmed."
    return CodingWarning(
        "mac-documents",
        f"{mac.label}{where}: LCD {info.lcd}{article}.{confidence}",
        (info.source,),
    )


def _frequency_warning(case: _Case) -> CodingWarning:
    if case.procedure == Procedure.RFA:
        limit = "at most 2 radiofrequency ablation sessions"
    elif case.intent == Intent.DIAGNOSTIC:
        limit = "at most 4 diagnostic injection sessions (therapeutic sessions are counted apart)"
    elif case.intent == Intent.THERAPEUTIC:
        limit = "at most 4 therapeutic injection sessions (diagnostic sessions are counted apart)"
    else:
        limit = "at most 4 diagnostic and 4 therapeutic injection sessions"
    return CodingWarning(
        "medicare-frequency-limits",
        f"Medicare frequency limit per spinal region per rolling 12 months: {limit}.",
        ("l38773q", "norqa"),
    )


def _aetna_warnings(case: _Case) -> list[CodingWarning]:
    if case.procedure == Procedure.RFA:
        return [_not_available(case, "radiofrequency ablation criteria and limits")]
    warnings = [
        CodingWarning(
            "aetna-diagnostic-only",
            "Aetna covers facet injections and medial branch blocks for diagnosis only, and only "
            "when radiofrequency neurolysis is being considered; therapeutic facet injections "
            "are experimental and investigational. A second diagnostic block at the same level "
            "needs at least 80% relief from the first.",
            ("aetna-cpb-0016",),
        )
    ]
    if case.intent == Intent.THERAPEUTIC:
        warnings.append(
            CodingWarning(
                "aetna-therapeutic-not-covered",
                "Aetna does not cover a therapeutic facet injection (experimental and "
                "investigational under its policy).",
                ("aetna-cpb-0016",),
            )
        )
    warnings.append(_not_available(case, "sessions per 12 months"))
    return warnings


def _bcbs_warnings(case: _Case) -> list[CodingWarning]:
    if case.procedure == Procedure.RFA:
        return [
            CodingWarning(
                "carelon-rfa-criteria",
                "Anthem (Carelon MSK01): radiofrequency neurotomy after two medial branch blocks, "
                "each with at least 80% relief, at least 1 week apart; a repeat needs at least "
                "50% relief for at least 6 months; at most 2 per year per level. Other BCBS plans "
                "differ (BCBS North Dakota: two blocks with at least 50% relief).",
                ("carelon-msk01", "bcbsnd"),
            )
        ]
    return [
        CodingWarning(
            "anthem-diagnostic-sessions",
            "Anthem (Carelon guideline, from 9 April 2023): at most 4 diagnostic medial branch "
            "block sessions per rolling 12 months. Other BCBS plans write their own limits.",
            ("anthem-2023",),
        ),
        _not_available(case, "therapeutic injection coverage and limits"),
    ]


def _cigna_warnings(case: _Case) -> list[CodingWarning]:
    return [
        CodingWarning(
            "cigna-limits-not-available",
            "Cigna applies the eviCore guideline CMM-201; its session and level limits are not "
            "available here: check the guideline before billing.",
            ("cigna-cmm-201",),
        )
    ]


def _uhc_warnings(case: _Case) -> list[CodingWarning]:
    if case.procedure == Procedure.RFA:
        return [
            CodingWarning(
                "uhc-rfa-policy",
                "UnitedHealthcare sets its ablation criteria in its separate policy 'Ablative "
                "Treatment for Spinal Pain'; its limits are not available here.",
                ("uhc-ablative",),
            )
        ]
    warnings = [
        CodingWarning(
            "uhc-diagnostic-proven",
            "UnitedHealthcare (commercial policy 2017T0004AA): diagnostic facet injections and "
            "medial branch blocks are proven; therapeutic facet injections are unproven. Its "
            "current version and limits are not available here.",
            ("uhc-2017t0004aa",),
        )
    ]
    if case.intent == Intent.THERAPEUTIC:
        warnings.append(
            CodingWarning(
                "uhc-therapeutic-unproven",
                "UnitedHealthcare calls therapeutic facet injections unproven, so it does not "
                "cover them.",
                ("uhc-2017t0004aa",),
            )
        )
    return warnings


def _other_warnings(case: _Case) -> list[CodingWarning]:
    return [
        CodingWarning(
            "payer-rules-not-applied",
            "No payer rules applied: KX is Medicare's, and this payer's limits, criteria and "
            "bilateral format are not available here. Check the payer's policy.",
            ("norqa",),
        )
    ]


def _not_available(case: _Case, what: str) -> CodingWarning:
    return CodingWarning(
        "payer-figure-not-available",
        f"{case.payer.label}: {what} not available from its policy here; Medicare's figures do "
        "not apply to it.",
        (_PAYER_POLICY[case.payer],),
    )


# The policy each commercial payer's rules come from: where a figure is missing, it is missing
# from this document.
_PAYER_POLICY = {
    Payer.AETNA: "aetna-cpb-0016",
    Payer.BCBS: "anthem-2023",
    Payer.CIGNA: "cigna-cmm-201",
    Payer.UHC: "uhc-2017t0004aa",
}

_COMMERCIAL_WARNINGS: dict[Payer, Callable[[_Case], list[CodingWarning]]] = {
    Payer.AETNA: _aetna_warnings,
    Payer.BCBS: _bcbs_warnings,
    Payer.CIGNA: _cigna_warnings,
    Payer.UHC: _uhc_warnings,
    Payer.OTHER: _other_warnings,
}


def _format_warning(lines: list[Line], case: _Case) -> list[CodingWarning]:
    """How bilateral levels went on the claim, when one did and the payer's format varies."""
    if not (any("50" in line.modifiers for line in lines) or _rt_and_lt(lines)):
        return []
    if case.coverage.claim_type == ClaimType.ASC and not case.fifty:
        return [
            CodingWarning(
                "asc-facility-format",
                "ASC facility claim: a bilateral level is two lines, RT and LT, 1 unit each; "
                "the physician's professional claim for the same session keeps one line with "
                "modifier 50. Likely, from MAC article text quoted in secondary sources.",
                ("priority-health", "reddit-medicalbill"),
            )
        ]
    if not case.fifty:
        return [
            CodingWarning(
                "rtlt-format",
                "RT/LT format: a bilateral level is two lines, RT and LT, 1 unit each. This is how "
                "ASC facility claims report bilateral levels; commercial payers differ (some want "
                "RT/LT, some modifier 50). Medicare practitioner claims use one line with "
                "modifier 50.",
                ("aapc-neurosurgery-alert", "aapc-rci-ngs", "priority-health"),
            )
        ]
    if not case.medicare:
        return [
            CodingWarning(
                "bilateral-format-varies",
                "Modifier 50 on one line is CPT's way to report a bilateral level; some "
                "commercial payers want two lines, RT and LT, instead. Check the payer's policy "
                "and ask for RT/LT lines if it wants them.",
                ("aapc-neurosurgery-alert", "fcsocg"),
            )
        ]
    return []


def _rt_and_lt(lines: list[Line]) -> bool:
    sides: dict[str, set[str]] = {}
    for line in lines:
        sides.setdefault(line.code, set()).update(set(line.modifiers) & {"RT", "LT"})
    return any(len(found) == 2 for found in sides.values())


# ---------------------------------------------------------------------------------------------
# Documentation checklist
# ---------------------------------------------------------------------------------------------


def _levels_text(levels: list[_Level]) -> str:
    return ", ".join(f"{level.joint} {level.side.label}" for level in levels)


def _documentation(levels: list[_Level], sessions: list[_Session], case: _Case) -> tuple[str, ...]:
    count = f"{len(levels)} level{'s' if len(levels) > 1 else ''}"
    items = [f"Each joint treated and its side: {_levels_text(levels)} ({count})."]
    if any(level.nerves for level in levels):
        items.append(
            "The nerves targeted (medial branches; L5 dorsal ramus for L5-S1), by side, and "
            "the joints they supply."
        )
    items.append(_guidance_item(case))
    if case.procedure == Procedure.RFA:
        items += [
            "Thermal radiofrequency technique: electrode, lesion temperature and time at each "
            "nerve (Medicare covers thermal RFA only).",
            "Two prior diagnostic medial branch blocks at these joints, each with at least 80% "
            "relief of the index pain; for a repeat RFA, at least 50% improvement lasting at "
            "least 6 months.",
        ]
    else:
        items.append(
            "The agent and dose at each joint or nerve (local anesthetic, steroid), and whether "
            "it was an intra-articular injection or a medial branch block."
        )
        items.append(_intent_item(case.intent))
    items.append(
        "Indications: chronic (3 months or more) predominantly axial pain with a functional "
        "deficit, failed conservative care, no untreated radiculopathy or non-facet cause; "
        "baseline pain and disability scales."
    )
    if any(len(session.levels) > 2 for session in sessions):
        items.append("Medical necessity for each level beyond two (Medicare: appeal only).")
    if len(sessions) > 1:
        items.append("Why two spinal regions were treated in one session.")
    return tuple(items)


def _guidance_item(case: _Case) -> str:
    if case.imaged:
        name = "Fluoroscopy" if case.guidance == Guidance.FLUOROSCOPY else "CT"
        return f"{name} guidance, with saved images of the final needle position (and contrast)."
    if case.guidance == Guidance.ULTRASOUND:
        return "Ultrasound guidance, with saved images of the final needle position."
    return "That no imaging guidance was used."


def _intent_item(intent: Intent | None) -> str:
    if intent == Intent.DIAGNOSTIC:
        return (
            "Diagnostic intent: pain score before and after the block on the same scale, and the "
            "percent relief of the index pain (at least 80% to proceed) for the agent's duration."
        )
    if intent == Intent.THERAPEUTIC:
        return (
            "Therapeutic intent: two prior diagnostic blocks each with at least 80% relief, and "
            "why the patient is not a radiofrequency ablation candidate."
        )
    return "Whether the injection was diagnostic or therapeutic."


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def code_claim(
    procedure: str,
    guidance: str = Guidance.FLUOROSCOPY,
    joints: Iterable = (),
    nerves: Iterable = (),
    payer_format: str | None = None,
    intent: str | None = None,
    coverage: Coverage | None = None,
) -> Result:
    """Code one session: claim lines, warnings, the levels counted and a documentation checklist.

    joints / nerves: (name, side) pairs, 'NAME:SIDE' strings or text for ``parse_entries``.
    Exactly one of them must be given. ``coverage``: the payer, MAC, claim type and bilateral
    format (``read_coverage``); ``payer_format`` is the old way to say it ('medicare' or 'rtlt').
    Without either: a Medicare professional claim, MAC unknown. Raises InvalidInput for anything
    that cannot be coded.
    """
    if coverage is None:
        coverage = read_coverage(format=payer_format)
    elif payer_format is not None:
        raise InvalidInput("Give the coverage or the old payer format, not both.")
    case = _case(procedure, guidance, coverage, intent)
    joint_pairs = coerce_entries(joints, "joints")
    nerve_pairs = coerce_entries(nerves, "nerves")
    if bool(joint_pairs) == bool(nerve_pairs):
        given = "both" if joint_pairs else "neither"
        raise InvalidInput(
            f"Give either joints or nerves, not {given}: e.g. joints 'L4-L5:B, L5-S1:R' or "
            "nerves 'L3:B, L4:B, L5:B'."
        )
    if joint_pairs:
        levels, warnings = _levels_from_joints(joint_pairs)
    else:
        levels, warnings = _levels_from_nerves(nerve_pairs)
    if not levels:
        return Result((), tuple(warnings) + (_no_level_warning(),), ())
    sessions = _sessions(levels, case)
    lines = _lines(sessions, case)
    warnings += _guidance_warnings(case)
    if lines:
        if case.medicare and not case.coverage.t12_l1_session and _t12_l1_pair(levels, case):
            warnings.append(_t12_l1_warning(case))
        warnings += _session_warnings(sessions, case)
        warnings += _payer_warnings(lines, case)
        warnings += _format_warning(lines, case)
    return Result(
        lines=tuple(lines),
        warnings=tuple(warnings),
        levels=tuple(level.joint for level in levels),
        documentation=_documentation(levels, sessions, case),
    )


def _lines(sessions: list[_Session], case: _Case) -> list[Line]:
    if case.procedure == Procedure.RFA:
        if not case.imaged:
            return []
        return [line for session in sessions for line in _rfa_lines(session, case)]
    if case.guidance == Guidance.NONE:
        return []
    return [line for session in sessions for line in _injection_lines(session, case)]
