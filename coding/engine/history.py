"""The history check: one facet session against the patient's earlier sessions (issue 13).

``check_session(session, history, coverage)`` says what the session is (first or second
diagnostic, therapeutic, initial or repeat RFA) whatever intent was billed, every coverage
criterion with its status (pass, fail, unknown), message and sources, the sessions counted per
region in the rolling 12 months, the earliest date on which the waiting criteria (the 2-week
interval, the 12-month limits) are met, the documentation the record must hold, and the claim
lines from ``code_claim``. ``read_session`` and ``read_history`` read plain values (the JSON API's
body, the page's form) into the dataclasses below, raising InvalidInput with a clear message.

Medicare's rules are the CGS LCD L38773 (facts §11, l38773q; limits also norqa). A commercial
payer gets only what facts §6 gives, each criterion with that confidence; every other criterion
is left out and a warning says so. ``other``: no rules at all. Pure Python, stdlib only.

The app's readings where the LCD is silent (``reading: true`` on the criterion):

* "Rolling 12 months" before a session dated D: earlier sessions dated after D minus 12 calendar
  months count (a session exactly 12 months before no longer counts); the session counts too.
* "Same level" and "same site": the same joints, sides aside. A session whose joints had no
  earlier diagnostic block is a first diagnostic; one whose joints had one is a second
  (confirmatory) diagnostic, failing the same-level criterion for any joint the first block
  missed; after two, an injection is therapeutic. Blocks before an RFA at a joint no longer count
  toward later sessions at that joint: a block after an RFA is diagnostic again.
* A diagnostic block with unknown relief is neither positive nor negative: the session that
  depends on it "needs documentation".
* Only the joints of the session matter for relief conditions; blocks at other joints are counted
  only toward the per-region limits.
* "Spinal region": cervical (C2-C3 … C7-T1), thoracic (T1-T2 … T12-L1) or lumbar (L1-L2 …
  L5-S1), by the upper vertebra of the joint, as the contract names them. T12-L1 with L1-L2 in
  one session is one lumbar session where the MAC publishes that rule (CGS, NGS: cgs25); for
  other MACs it is not settled, and the one-region criterion is "unknown".
* A "previously successful RFA" is one with at least 50% relief (the repeat-RFA threshold); the
  2-year rule ("diagnostics must be repeated" two years after the last RFA) lets a diagnostic
  block at that level pass again.
* Earlier sessions are classified by the same rules in date order: the counts use what the
  history makes each session, not the intent it was billed with.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from coding.engine.entries import InvalidInput, coerce_entries, read_choice
from coding.engine.lines import CodingWarning, Result
from coding.engine.payers import Coverage, Payer
from coding.engine.rules import code_claim
from coding.engine.vocabulary import GUIDANCES, IMAGE_GUIDANCES, INTENTS, Guidance, Intent, Term

__all__ = [
    "CRITERION_IDS",
    "HISTORY_PROCEDURES",
    "HISTORY_SOURCE_KEYS",
    "KINDS",
    "MAX_HISTORY",
    "REGIONS",
    "Check",
    "Criterion",
    "HistoryProcedure",
    "Kind",
    "RegionCount",
    "Session",
    "check_session",
    "read_history",
    "read_session",
    "window_start",
]

MAX_HISTORY = 100
EARLIEST_YEAR = 2000


class HistoryProcedure(Term):
    """What was done in a session, as the history check names it."""

    IA = "ia", "Intra-articular injection"
    MBB = "mbb", "Medial branch block"
    RFA = "rfa", "Radiofrequency ablation (thermal)"


HISTORY_PROCEDURES: tuple[HistoryProcedure, ...] = tuple(HistoryProcedure)


class Kind(Term):
    """What the history makes a session, whatever intent was billed."""

    FIRST_DIAGNOSTIC = "first-diagnostic", "First diagnostic block"
    SECOND_DIAGNOSTIC = "second-diagnostic", "Second (confirmatory) diagnostic block"
    THERAPEUTIC = "therapeutic", "Therapeutic injection"
    INITIAL_RFA = "initial-rfa", "Initial radiofrequency ablation"
    REPEAT_RFA = "repeat-rfa", "Repeat radiofrequency ablation"

    @property
    def category(self) -> str:
        """The 12-month limit it counts toward: diagnostic, therapeutic or rfa."""
        if self in (Kind.FIRST_DIAGNOSTIC, Kind.SECOND_DIAGNOSTIC):
            return "diagnostic"
        return "therapeutic" if self == Kind.THERAPEUTIC else "rfa"


KINDS: tuple[Kind, ...] = tuple(Kind)
# The contract's region names (see the module docstring: the app's reading of "spinal region").
REGIONS = ("cervical", "thoracic", "lumbar")
_REGION_OF_LETTER = {"C": "cervical", "T": "thoracic", "L": "lumbar"}
CATEGORIES = ("diagnostic", "therapeutic", "rfa")

CRITERION_IDS = (
    "guidance",
    "one-region",
    "two-levels",
    "three-levels",
    "diagnostic-limit",
    "therapeutic-limit",
    "rfa-limit",
    "second-diagnostic-same-level",
    "second-diagnostic-relief",
    "second-diagnostic-interval",
    "two-positive-diagnostics",
    "two-positive-mbbs",
    "repeat-therapeutic-relief",
    "repeat-rfa-relief",
    "no-diagnostic-after-rfa",
    "therapeutic-coverage",
    "declared-intent",
)
# Criteria that waiting can fix: the earliest date moves past them.
_WAITING = ("second-diagnostic-interval", "diagnostic-limit", "therapeutic-limit", "rfa-limit")

# Source keys (codes/data/sources.toml) the criteria cite.
_LCD = ("l38773q",)
_LCD_LIMITS = ("l38773q", "norqa")
_AETNA = ("aetna-cpb-0016",)
_ANTHEM = ("anthem-2023",)
_CARELON = ("carelon-msk01",)
_UHC = ("uhc-2017t0004aa",)
HISTORY_SOURCE_KEYS = (
    "l38773q",
    "norqa",
    "cgs25",
    "aetna-cpb-0016",
    "anthem-2023",
    "carelon-msk01",
    "uhc-2017t0004aa",
    "uhc-ablative",
    "cigna-cmm-201",
    "bcbsnd",
)

POSITIVE_DIAGNOSTIC = 80  # % relief of the index pain
POSITIVE_REPEAT = 50  # % relief before a repeat therapeutic injection or RFA
THERAPEUTIC_MONTHS = 3
RFA_MONTHS = 6
INTERVAL_DAYS = 14
REPEAT_DIAGNOSTICS_YEARS = 2


# --- Input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """One facet session: the one checked, or an earlier one in the history."""

    date: date
    procedure: HistoryProcedure
    joints: tuple[str, ...]  # the joints treated (levels), cranial to caudal, sides aside
    sites: tuple[tuple[str, str], ...] = ()  # (name, side) pairs as given
    sites_kind: str = "joints"  # "joints" or "nerves": what ``sites`` names
    guidance: Guidance = Guidance.FLUOROSCOPY
    intent: Intent | None = None  # what was billed, when said
    relief: float | None = None  # % relief of the index pain; None = unknown
    relief_months: float | None = None  # how long the relief lasted; None = unknown

    @property
    def injection(self) -> bool:
        return self.procedure != HistoryProcedure.RFA

    def sites_text(self) -> str:
        """'L4-L5:B,L5-S1:R', as given (joints or nerves)."""
        return ",".join(f"{name}:{side}" for name, side in self.sites)


def _field_error(where: str, message: str) -> InvalidInput:
    return InvalidInput(f"{where}: {message}")


def _read_date(value: object, where: str) -> date:
    if value is not None and not isinstance(value, str):
        raise _field_error(where, "'date' must be a string, an ISO date such as 2026-03-02.")
    if not value or not value.strip():
        raise _field_error(where, "'date' is required, as an ISO date such as 2026-03-02.")
    text = value.strip()
    # YYYY-MM-DD only (fromisoformat also takes 20260302 and week dates).
    shape_ok = len(text) == 10 and text[4] == "-" and text[7] == "-"
    digits_ok = (text[:4] + text[5:7] + text[8:]).isascii() and (
        text[:4] + text[5:7] + text[8:]
    ).isdecimal()
    if not (shape_ok and digits_ok):
        raise _field_error(where, f"date {text[:20]!r} is not an ISO date such as 2026-03-02.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _field_error(where, f"date {text!r} does not exist.") from None
    if day.year < EARLIEST_YEAR:
        raise _field_error(where, f"date {text} is before {EARLIEST_YEAR}.")
    return day


def _read_percent(value: object, name: str, where: str, upper: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _field_error(where, f"'{name}' must be a number.")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 10:
            raise _field_error(where, f"'{name}' must be a number.")
        try:
            value = float(text)
        except ValueError:
            raise _field_error(where, f"'{name}' must be a number.") from None
    if value != value or not 0 <= value <= upper:  # NaN, or out of range
        raise _field_error(where, f"'{name}' must be between 0 and {upper:g}.")
    return float(value)


def _read_sites(fields: Mapping, where: str) -> tuple[tuple[tuple[str, str], ...], str]:
    joints, nerves = fields.get("joints"), fields.get("nerves")
    for name, value in (("joints", joints), ("nerves", nerves)):
        if value is not None and not isinstance(value, str):
            raise _field_error(where, f"'{name}' must be a string such as 'L4-L5:B,L5-S1:R'.")
    joints = joints if joints and joints.strip(" ,;\n") else ""
    nerves = nerves if nerves and nerves.strip(" ,;\n") else ""
    if bool(joints) == bool(nerves):
        given = "both" if joints else "neither"
        raise _field_error(
            where,
            f"give either 'joints' or 'nerves', not {given}: e.g. joints 'L4-L5:B,L5-S1:R' or "
            "nerves 'L3:B,L4:B,L5:B'.",
        )
    kind = "joints" if joints else "nerves"
    try:
        pairs = coerce_entries(joints or nerves, kind)
    except InvalidInput as error:
        raise _field_error(where, str(error)) from None
    return tuple((name, str(side)) for name, side in pairs), kind


def _levels(procedure: HistoryProcedure, sites, kind: str, where: str) -> tuple[str, ...]:
    """The joints treated: the claim engine's levels (nerves convert to joints there)."""
    engine_procedure = "rfa" if procedure == HistoryProcedure.RFA else "injection"
    result = code_claim(engine_procedure, Guidance.FLUOROSCOPY, **{kind: sites})
    if not result.levels:
        raise _field_error(
            where,
            "these nerves complete no facet joint (a joint needs both of its nerves on the same "
            "side, e.g. L4-L5 needs L3 and L4).",
        )
    return tuple(result.levels)


def _read_one(fields: object, where: str, allowed: tuple[str, ...]) -> Session:
    if not isinstance(fields, Mapping):
        raise _field_error(where, "must be an object with date, procedure and joints.")
    unknown = [str(key)[:30] for key in fields if key not in allowed]
    if unknown:
        raise _field_error(
            where, f"unknown field(s) {', '.join(unknown[:5])}. Allowed: {', '.join(allowed)}."
        )
    day = _read_date(fields.get("date"), where)
    for name in ("procedure", "guidance", "intent"):
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise _field_error(where, f"'{name}' must be a string.")
    if not fields.get("procedure"):
        raise _field_error(
            where, f"'procedure' is required: one of {', '.join(HISTORY_PROCEDURES)}."
        )
    try:
        procedure = read_choice(fields["procedure"], HISTORY_PROCEDURES, "procedure")
        guidance = read_choice(
            fields.get("guidance") or Guidance.FLUOROSCOPY, GUIDANCES, "guidance"
        )
        intent = read_choice(fields["intent"], INTENTS, "intent") if fields.get("intent") else None
    except InvalidInput as error:
        raise _field_error(where, str(error)) from None
    sites, kind = _read_sites(fields, where)
    relief = _read_percent(fields.get("relief"), "relief", where, 100)
    months = _read_percent(fields.get("relief_months"), "relief_months", where, 600)
    return Session(
        date=day,
        procedure=procedure,
        joints=_levels(procedure, sites, kind, where),
        sites=sites,
        sites_kind=kind,
        guidance=guidance,
        intent=intent,
        relief=relief,
        relief_months=months,
    )


SESSION_FIELDS = ("date", "procedure", "joints", "nerves", "guidance", "intent")
HISTORY_FIELDS = (
    "date",
    "procedure",
    "joints",
    "nerves",
    "guidance",
    "intent",
    "relief",
    "relief_months",
)


def read_session(fields: object) -> Session:
    """The session to check from plain values (the API's ``session`` object, the page's form)."""
    return _read_one(fields, "session", SESSION_FIELDS)


def read_history(entries: object, session: Session, today: date) -> tuple[Session, ...]:
    """Earlier sessions, each dated before the session checked and not after today."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise InvalidInput("history must be a list of earlier sessions.")
    if len(entries) > MAX_HISTORY:
        raise InvalidInput(
            f"Too many earlier sessions ({len(entries)}): at most {MAX_HISTORY} are allowed."
        )
    read = []
    for number, fields in enumerate(entries, start=1):
        where = f"history entry {number}"
        entry = _read_one(fields, where, HISTORY_FIELDS)
        if entry.date > today:
            raise _field_error(where, f"date {entry.date} is in the future: the history is past.")
        if entry.date >= session.date:
            raise _field_error(
                where,
                f"date {entry.date} is not before the session checked ({session.date}): "
                "the history holds earlier sessions only.",
            )
        read.append(entry)
    return tuple(read)


# --- Output ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    id: str
    status: str  # "pass", "fail" or "unknown"
    message: str
    sources: tuple[str, ...]
    confidence: str = "C"  # of the rule: C confirmed, L likely (facts' tags)
    reading: bool = False  # rests on the app's reading where the policy is silent

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "sources": list(self.sources),
            "confidence": self.confidence,
            "reading": self.reading,
        }


@dataclass(frozen=True)
class RegionCount:
    region: str
    diagnostic: int
    therapeutic: int
    rfa: int
    since: date

    def as_dict(self) -> dict:
        return {
            "region": self.region,
            "diagnostic": self.diagnostic,
            "therapeutic": self.therapeutic,
            "rfa": self.rfa,
            "since": self.since.isoformat(),
        }


@dataclass(frozen=True)
class Classified:
    """An earlier session with what the history makes it, and its regions."""

    session: Session
    kind: Kind
    regions: tuple[str, ...]
    counted: bool  # inside the 12-month window of the session checked

    def as_dict(self) -> dict:
        return {
            "date": self.session.date.isoformat(),
            "procedure": self.session.procedure.value,
            "joints": list(self.session.joints),
            "kind": self.kind.value,
            "regions": list(self.regions),
            "counted": self.counted,
        }


@dataclass(frozen=True)
class Check:
    """The result of ``check_session``."""

    session: Session
    kind: Kind
    verdict: str  # "covered", "not-covered" or "needs-documentation"
    kx: bool
    criteria: tuple[Criterion, ...]
    counts: tuple[RegionCount, ...]
    earliest_date: date | None
    documentation: tuple[str, ...]
    result: Result
    warnings: tuple[CodingWarning, ...]
    history: tuple[Classified, ...]
    regions: tuple[str, ...]
    limits: dict[str, int | None] = field(default_factory=dict)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "verdict": self.verdict,
            "kx": self.kx,
            "criteria": [criterion.as_dict() for criterion in self.criteria],
            "counts": [count.as_dict() for count in self.counts],
            "earliest_date": self.earliest_date.isoformat() if self.earliest_date else None,
            "documentation": list(self.documentation),
            "lines": [line.as_dict() for line in self.result.lines],
            "claim": self.result.claim_text(),
            "warnings": [warning.as_dict() for warning in self.warnings],
            "history": [entry.as_dict() for entry in self.history],
            "regions": list(self.regions),
            "limits": dict(self.limits),
        }


# --- Dates -------------------------------------------------------------------------------------


def _minus_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(day: date) -> date:
    """The first date that still counts in the rolling 12 months before ``day`` (app's reading)."""
    return _minus_months(day, 12) + timedelta(days=1)


def _first_day_without(earlier: date) -> date:
    """The first day whose 12-month window no longer holds a session dated ``earlier``."""
    day = date(earlier.year + 1, earlier.month, min(earlier.day, 28))
    while window_start(day) <= earlier:
        day += timedelta(days=1)
    return day


# --- Classification ----------------------------------------------------------------------------


def regions_of(joints: Iterable[str], coverage: Coverage | None = None) -> tuple[str, ...]:
    """Cervical, thoracic, lumbar by the joints' upper vertebrae; T12-L1 with L1-L2 is one lumbar
    session where the MAC publishes that rule (cgs25)."""
    joints = tuple(joints)
    regions = {_REGION_OF_LETTER[joint[0]] for joint in joints}
    if coverage is not None and coverage.t12_l1_session and _t12_l1_pair(joints):
        regions = {"lumbar"}
    return tuple(region for region in REGIONS if region in regions)


def _t12_l1_pair(joints: tuple[str, ...]) -> bool:
    thoracic = [joint for joint in joints if joint[0] == "T"]
    return thoracic == ["T12-L1"] and "L1-L2" in joints and not any(j[0] == "C" for j in joints)


@dataclass
class _Joint:
    """What came before at one joint, in date order (reset by an RFA for the blocks)."""

    diagnostics: list[Session] = field(default_factory=list)  # blocks since the last RFA
    therapeutics: list[Session] = field(default_factory=list)  # since the last RFA
    rfas: list[Session] = field(default_factory=list)


_STAGE = {Kind.FIRST_DIAGNOSTIC: 0, Kind.SECOND_DIAGNOSTIC: 1, Kind.THERAPEUTIC: 2}


def _injection_stage(joint: _Joint) -> Kind:
    if joint.therapeutics or len(joint.diagnostics) >= 2:
        return Kind.THERAPEUTIC
    return Kind.SECOND_DIAGNOSTIC if joint.diagnostics else Kind.FIRST_DIAGNOSTIC


def _kind(session: Session, state: dict[str, _Joint]) -> Kind:
    joints = [state.get(joint, _Joint()) for joint in session.joints]
    if not session.injection:
        return Kind.REPEAT_RFA if all(j.rfas for j in joints) else Kind.INITIAL_RFA
    return max((_injection_stage(j) for j in joints), key=_STAGE.get)


def _record(session: Session, kind: Kind, state: dict[str, _Joint]) -> None:
    for name in session.joints:
        joint = state.setdefault(name, _Joint())
        if kind.category == "rfa":
            joint.rfas.append(session)
            joint.diagnostics.clear()
            joint.therapeutics.clear()
        elif kind == Kind.THERAPEUTIC:
            joint.therapeutics.append(session)
        else:
            joint.diagnostics.append(session)


def _classify(history: tuple[Session, ...]) -> tuple[list[tuple[Session, Kind]], dict[str, _Joint]]:
    state: dict[str, _Joint] = {}
    classified = []
    for entry in sorted(history, key=lambda s: s.date):
        kind = _kind(entry, state)
        _record(entry, kind, state)
        classified.append((entry, kind))
    return classified, state


# --- Criteria ----------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{value:g}%"


def _joined(items: Iterable[str]) -> str:
    return ", ".join(items)


def _guidance(session: Session, payer: Payer) -> Criterion | None:
    imaged = session.guidance in IMAGE_GUIDANCES
    label = session.guidance.label.lower()
    if payer == Payer.MEDICARE:
        if imaged:
            return Criterion("guidance", "pass", f"{label.capitalize()} guidance.", _LCD)
        return Criterion(
            "guidance",
            "fail",
            f"{label.capitalize()}: Medicare LCDs find facet interventions without imaging, or "
            "with ultrasound or MRI guidance, not reasonable and necessary; fluoroscopy or CT "
            "is required.",
            _LCD,
        )
    if payer == Payer.UHC and session.injection:
        if session.guidance == Guidance.ULTRASOUND:
            return Criterion(
                "guidance",
                "fail",
                "UnitedHealthcare's policy calls ultrasound guidance for facet injections "
                "unproven.",
                _UHC,
                "L",
            )
        if imaged:
            return Criterion(
                "guidance",
                "pass",
                f"{label.capitalize()} guidance (UnitedHealthcare finds only ultrasound unproven).",
                _UHC,
                "L",
            )
    return None


def _one_region(session: Session, coverage: Coverage) -> Criterion | None:
    if not coverage.medicare:
        return None
    regions = regions_of(session.joints, coverage)
    if len(regions) == 1:
        note = ""
        if _t12_l1_pair(session.joints):
            note = " T12-L1 with L1-L2 counts as one lumbar session (this MAC's rule)."
        return Criterion(
            "one-region", "pass", f"One spinal region: {regions[0]}.{note}", ("l38773q", "cgs25")
        )
    if _t12_l1_pair(session.joints) and len(regions) == 2:
        mac = coverage.mac.label if coverage.mac else "an unknown MAC"
        return Criterion(
            "one-region",
            "unknown",
            "T12-L1 with L1-L2: CGS and NGS count them as one lumbar session; for "
            f"{mac} that rule is not published, so whether this is one region is not settled. "
            "Name the MAC, or check its article.",
            ("l38773q", "cgs25"),
            reading=True,
        )
    reading = set(regions) == {"cervical", "thoracic"}
    return Criterion(
        "one-region",
        "fail",
        f"More than one spinal region in one session ({_joined(regions)}): the LCD limits facet "
        "interventions to one spinal region per session."
        + (" (Cervical and thoracic as separate regions is the app's reading.)" if reading else ""),
        _LCD,
        reading=reading,
    )


def _levels_criterion(session: Session, payer: Payer) -> Criterion | None:
    count = len(session.joints)
    levels = f"{count} level{'s' if count != 1 else ''} ({_joined(session.joints)})"
    if payer == Payer.MEDICARE:
        status = "pass" if count <= 2 else "fail"
        return Criterion(
            "two-levels",
            status,
            f"{levels}. One to two levels, either unilateral or bilateral, are allowed per "
            "session per spine region; three or four levels are not medically necessary.",
            _LCD_LIMITS,
        )
    if payer == Payer.AETNA and session.injection:
        status = "pass" if count <= 3 else "fail"
        return Criterion(
            "three-levels",
            status,
            f"{levels}. Aetna: at most 3 levels per session (6 injections if bilateral).",
            _AETNA,
            "L",
        )
    if payer == Payer.BCBS and session.injection:
        status = "pass" if count <= 2 else "fail"
        return Criterion(
            "two-levels",
            status,
            f"{levels}. Anthem (Carelon guideline, from 9 Apr 2023): at most 2 levels per "
            "session (the notice speaks of unilateral levels; counting joints whatever the side "
            "is the app's reading).",
            _ANTHEM,
            reading=True,
        )
    return None


def _relief_text(entry: Session) -> str:
    relief = "unknown relief" if entry.relief is None else f"{_pct(entry.relief)} relief"
    if entry.relief_months is not None:
        relief += f" for {entry.relief_months:g} months"
    return f"{entry.procedure.value.upper()} on {entry.date} ({_joined(entry.joints)}), {relief}"


def _second_diagnostic(
    session: Session, state: dict[str, _Joint], payer: Payer
) -> tuple[list[Criterion], date | None]:
    """Same level, relief and interval of a confirmatory block; and the date the interval ends."""
    criteria = []
    new = [joint for joint in session.joints if not state.get(joint, _Joint()).diagnostics]
    firsts = {
        joint: state[joint].diagnostics[-1]
        for joint in session.joints
        if joint in state and state[joint].diagnostics
    }
    blocks = sorted(set(firsts.values()), key=lambda s: s.date)
    if payer == Payer.MEDICARE:
        if new:
            criteria.append(
                Criterion(
                    "second-diagnostic-same-level",
                    "fail",
                    f"{_joined(new)} had no earlier diagnostic block: a confirmatory block is "
                    "given at the same level(s) as the first. Block new joints in a first "
                    "diagnostic session of their own.",
                    _LCD,
                    reading=True,
                )
            )
        else:
            criteria.append(
                Criterion(
                    "second-diagnostic-same-level",
                    "pass",
                    f"Same joints as the first diagnostic block ({_joined(session.joints)}).",
                    _LCD,
                    reading=True,
                )
            )
    if payer in (Payer.MEDICARE, Payer.AETNA):
        criteria.append(_relief_criterion(blocks, payer))
    interval_end = None
    if payer == Payer.MEDICARE and blocks:
        last = blocks[-1]
        interval_end = last.date + timedelta(days=INTERVAL_DAYS)
        days = (session.date - last.date).days
        if session.date >= interval_end:
            criteria.append(
                Criterion(
                    "second-diagnostic-interval",
                    "pass",
                    f"{days} days after the first block ({last.date}): at least 2 weeks.",
                    _LCD,
                )
            )
        else:
            criteria.append(
                Criterion(
                    "second-diagnostic-interval",
                    "fail",
                    f"Only {days} days after the first block ({last.date}): the confirmatory "
                    f"block comes at least 2 weeks after the first, from {interval_end} on "
                    "(unless a documented clinical exception).",
                    _LCD,
                )
            )
    return criteria, interval_end


def _relief_criterion(blocks: list[Session], payer: Payer) -> Criterion:
    sources, confidence = (_LCD, "C") if payer == Payer.MEDICARE else (_AETNA, "L")
    who = "" if payer == Payer.MEDICARE else "Aetna: "
    rule = (
        f"{who}{'a' if who else 'A'} second diagnostic block needs at least "
        f"{POSITIVE_DIAGNOSTIC}% relief of the index pain from the first"
    )
    described = "; ".join(_relief_text(block) for block in blocks)
    if any(b.relief is not None and b.relief < POSITIVE_DIAGNOSTIC for b in blocks):
        return Criterion(
            "second-diagnostic-relief",
            "fail",
            f"{rule}: {described}. A repeat after a negative block is not a new first block.",
            sources,
            confidence,
        )
    if any(b.relief is None for b in blocks):
        return Criterion(
            "second-diagnostic-relief",
            "unknown",
            f"{rule}: {described}. Record the relief (percent, same pain scale): unknown relief "
            "is neither positive nor negative (the app's reading).",
            sources,
            confidence,
            reading=True,
        )
    return Criterion(
        "second-diagnostic-relief", "pass", f"{rule}: {described}.", sources, confidence
    )


def _positive_blocks(
    session: Session,
    state: dict[str, _Joint],
    criterion_id: str,
    mbb_only: bool,
    sources: tuple[str, ...],
    confidence: str,
    rule: str,
    min_gap_days: int = 0,
) -> Criterion:
    """At each joint of the session, two earlier diagnostic blocks with >= 80% relief."""
    failing, unknown, described = [], [], []
    for joint in session.joints:
        blocks = [
            block
            for block in state.get(joint, _Joint()).diagnostics
            if not mbb_only or block.procedure == HistoryProcedure.MBB
        ]
        positive = [b for b in blocks if b.relief is not None and b.relief >= POSITIVE_DIAGNOSTIC]
        open_ = [b for b in blocks if b.relief is None]
        spread = min_gap_days == 0 or (
            len(positive) >= 2 and (positive[-1].date - positive[0].date).days >= min_gap_days
        )
        described.append(f"{joint}: {len(positive)} positive of {len(blocks)}")
        if len(positive) >= 2 and spread:
            continue
        if len(positive) + len(open_) >= 2:
            unknown.append(joint)
        else:
            failing.append(joint)
    detail = f"{rule} ({'; '.join(described)})."
    if failing:
        return Criterion(
            criterion_id, "fail", f"{detail} Not met at {_joined(failing)}.", sources, confidence
        )
    if unknown:
        return Criterion(
            criterion_id,
            "unknown",
            f"{detail} Relief not recorded for the blocks at {_joined(unknown)}: unknown relief "
            "is neither positive nor negative (the app's reading).",
            sources,
            confidence,
            reading=True,
        )
    return Criterion(criterion_id, "pass", detail, sources, confidence)


def _repeat_relief(
    session: Session,
    earlier: list[Session],
    criterion_id: str,
    months: int,
    what: str,
    sources: tuple[str, ...],
    confidence: str = "C",
    alternative: str = "",
) -> Criterion:
    """The last earlier treatment at these joints gave >= 50% relief for ``months`` months."""
    last = max(earlier, key=lambda s: s.date)
    rule = (
        f"A repeat {what} at the same site needs at least {POSITIVE_REPEAT}% relief for at least "
        f"{months} months from the prior one{alternative}"
    )
    described = _relief_text(last)
    if (last.relief is not None and last.relief < POSITIVE_REPEAT) or (
        last.relief_months is not None and last.relief_months < months
    ):
        return Criterion(criterion_id, "fail", f"{rule}: {described}.", sources, confidence)
    if last.relief is None or last.relief_months is None:
        return Criterion(
            criterion_id,
            "unknown",
            f"{rule}: {described}. Record how much relief it gave and how long it lasted.",
            sources,
            confidence,
        )
    return Criterion(criterion_id, "pass", f"{rule}: {described}.", sources, confidence)


def _after_rfa(session: Session, state: dict[str, _Joint]) -> Criterion:
    rfas = [rfa for joint in session.joints for rfa in state.get(joint, _Joint()).rfas]
    if not rfas:
        return Criterion("no-diagnostic-after-rfa", "pass", "No earlier RFA at these joints.", _LCD)
    last = max(rfas, key=lambda s: s.date)
    years_later = date(
        last.date.year + REPEAT_DIAGNOSTICS_YEARS,
        last.date.month,
        min(last.date.day, 28) if last.date.month == 2 else last.date.day,
    )
    if session.date >= years_later:
        return Criterion(
            "no-diagnostic-after-rfa",
            "pass",
            f"The last RFA at these joints ({last.date}) is two years or more before: "
            "diagnostics may be repeated if the pain source is in question (document why).",
            _LCD,
        )
    if last.relief is not None and last.relief >= POSITIVE_REPEAT:
        return Criterion(
            "no-diagnostic-after-rfa",
            "fail",
            f"A diagnostic block at the same level as a previously successful RFA is not "
            f"covered: {_relief_text(last)} (successful = at least {POSITIVE_REPEAT}% relief, "
            "the app's reading).",
            _LCD,
            reading=True,
        )
    if last.relief is None:
        return Criterion(
            "no-diagnostic-after-rfa",
            "unknown",
            f"A diagnostic block at the same level as a previously successful RFA is not "
            f"covered: {_relief_text(last)}. Record whether that RFA helped.",
            _LCD,
            reading=True,
        )
    return Criterion(
        "no-diagnostic-after-rfa",
        "pass",
        f"The earlier RFA at these joints did not succeed: {_relief_text(last)} (below "
        f"{POSITIVE_REPEAT}%, the app's reading of 'successful').",
        _LCD,
        reading=True,
    )


def _limit(
    criterion_id: str,
    category: str,
    limit: int,
    count: int,
    region: str,
    since: date,
    sources: tuple[str, ...],
) -> Criterion:
    words = {"diagnostic": "diagnostic", "therapeutic": "therapeutic", "rfa": "RFA"}[category]
    text = (
        f"{count} {words} session{'s' if count != 1 else ''} in the {region} region in the rolling "
        f"12 months from {since} (this one included); the limit is {limit}."
    )
    status = "pass" if count <= limit else "fail"
    # The window (which earlier dates still count) is the app's reading of "rolling 12 months".
    return Criterion(criterion_id, status, text, sources, reading=True)


# --- The check ---------------------------------------------------------------------------------


def _counts(
    session: Session,
    kind: Kind,
    classified: list[tuple[Session, Kind]],
    coverage: Coverage,
    since: date,
) -> tuple[RegionCount, ...]:
    tally: dict[str, dict[str, int]] = {}
    for entry, entry_kind in (*classified, (session, kind)):
        if entry.date < since:
            continue
        for region in regions_of(entry.joints, coverage):
            tally.setdefault(region, dict.fromkeys(CATEGORIES, 0))[entry_kind.category] += 1
    own = regions_of(session.joints, coverage)
    order = (*own, *(region for region in REGIONS if region not in own))
    return tuple(
        RegionCount(region, **tally[region], since=since) for region in order if region in tally
    )


def _limit_end(
    dates: list[date], limit: int, session_date: date
) -> date:  # the first day the (limit)-th latest earlier session leaves the window
    earlier = sorted(dates, reverse=True)
    if len(earlier) < limit:
        return session_date
    return max(session_date, _first_day_without(earlier[limit - 1]))


_LIMITS = {
    Payer.MEDICARE: {"diagnostic": 4, "therapeutic": 4, "rfa": 2},
}


def _limit_criteria(
    session: Session,
    kind: Kind,
    classified: list[tuple[Session, Kind]],
    coverage: Coverage,
    since: date,
) -> tuple[list[Criterion], date]:
    """The 12-month limit for the session's category, per region; and when it is met."""
    category = kind.category
    criterion_id = f"{category}-limit"
    earliest = session.date
    criteria = []
    payer = coverage.payer
    if payer == Payer.MEDICARE:
        limit = _LIMITS[Payer.MEDICARE][category]
        for region in regions_of(session.joints, coverage):
            dates = [
                entry.date
                for entry, entry_kind in classified
                if entry_kind.category == category and region in regions_of(entry.joints, coverage)
            ]
            count = 1 + sum(1 for day in dates if day >= since)
            criteria.append(
                _limit(criterion_id, category, limit, count, region, since, _LCD_LIMITS)
            )
            if count > limit:
                earliest = max(earliest, _limit_end(dates, limit, session.date))
        return criteria, earliest
    if payer == Payer.BCBS and kind.category == "diagnostic":
        if session.procedure != HistoryProcedure.MBB:
            return criteria, earliest
        dates = [
            entry.date
            for entry, entry_kind in classified
            if entry_kind.category == "diagnostic" and entry.procedure == HistoryProcedure.MBB
        ]
        count = 1 + sum(1 for day in dates if day >= since)
        criteria.append(
            Criterion(
                "diagnostic-limit",
                "pass" if count <= 4 else "fail",
                f"Anthem: {count} diagnostic medial branch block "
                f"session{'s' if count != 1 else ''} "
                f"in the rolling 12 months from {since} (this one included); the limit is 4 (from "
                "9 Apr 2023). The notice gives no region: the app counts every region (its "
                "reading).",
                _ANTHEM,
                reading=True,
            )
        )
        if count > 4:
            earliest = max(earliest, _limit_end(dates, 4, session.date))
        return criteria, earliest
    if payer == Payer.BCBS and kind.category == "rfa":
        for joint in session.joints:
            dates = [
                entry.date
                for entry, k in classified
                if k.category == "rfa" and joint in entry.joints
            ]
            count = 1 + sum(1 for day in dates if day >= since)
            criteria.append(
                Criterion(
                    "rfa-limit",
                    "pass" if count <= 2 else "fail",
                    f"Carelon MSK01: {count} RFA session{'s' if count != 1 else ''} at {joint} in "
                    f"the rolling 12 months from {since} (this one included); at most 2 a year "
                    "per level.",
                    _CARELON,
                    "L",
                    reading=True,
                )
            )
            if count > 2:
                earliest = max(earliest, _limit_end(dates, 2, session.date))
        return criteria, earliest
    return criteria, earliest


def _declared_intent(session: Session, kind: Kind) -> Criterion | None:
    if session.intent is None or not session.injection:
        return None
    billed_diagnostic = session.intent == Intent.DIAGNOSTIC
    is_diagnostic = kind.category == "diagnostic"
    if billed_diagnostic == is_diagnostic:
        return Criterion(
            "declared-intent",
            "pass",
            f"Billed as {session.intent.value}, and the history makes it a {kind.label.lower()}.",
            _LCD,
        )
    return Criterion(
        "declared-intent",
        "fail",
        f"Billed as {session.intent.value}, but the history makes it a {kind.label.lower()}. "
        "OIG found 33 of 120 sampled Medicare facet sessions billed as therapeutic when they "
        "were diagnostic: bill what the history makes the session.",
        _LCD,
    )


def _therapeutic(session: Session, state: dict[str, _Joint], coverage: Coverage) -> list[Criterion]:
    payer = coverage.payer
    if payer == Payer.MEDICARE:
        criteria = [
            _positive_blocks(
                session,
                state,
                "two-positive-diagnostics",
                mbb_only=False,
                sources=_LCD,
                confidence="C",
                rule=f"A therapeutic injection needs two diagnostic blocks at these joints, each "
                f"with at least {POSITIVE_DIAGNOSTIC}% relief",
            )
        ]
        earlier = [t for joint in session.joints for t in state.get(joint, _Joint()).therapeutics]
        if earlier:
            criteria.append(
                _repeat_relief(
                    session,
                    earlier,
                    "repeat-therapeutic-relief",
                    THERAPEUTIC_MONTHS,
                    "therapeutic injection",
                    _LCD,
                    alternative=" (or at least 50% improvement in previously painful movements "
                    "and activities of daily living, on the same scale)",
                )
            )
        return criteria
    if payer in (Payer.AETNA, Payer.UHC):
        sources = _AETNA if payer == Payer.AETNA else _UHC
        policy = (
            "Aetna CPB 0016: therapeutic facet injections are experimental and investigational"
            if payer == Payer.AETNA
            else "UnitedHealthcare: therapeutic facet injections are unproven"
        )
        return [
            Criterion(
                "therapeutic-coverage",
                "fail",
                f"{policy}; the history makes this session therapeutic (two diagnostic blocks "
                "before it at these joints).",
                sources,
                "L",
            )
        ]
    return []


def _rfa(
    session: Session, kind: Kind, state: dict[str, _Joint], coverage: Coverage
) -> list[Criterion]:
    payer = coverage.payer
    if payer not in (Payer.MEDICARE, Payer.BCBS):
        return []
    medicare = payer == Payer.MEDICARE
    sources, confidence = (_LCD, "C") if medicare else (_CARELON, "L")
    who = "" if medicare else "Carelon MSK01: "
    criteria = []
    fresh = [j for j in session.joints if not state.get(j, _Joint()).rfas]
    repeated = [j for j in session.joints if state.get(j, _Joint()).rfas]
    if fresh:
        part = Session(session.date, session.procedure, tuple(fresh))
        criteria.append(
            _positive_blocks(
                part,
                state,
                "two-positive-mbbs",
                mbb_only=True,
                sources=sources,
                confidence=confidence,
                rule=f"{who}an initial RFA needs at least two diagnostic medial branch blocks "
                f"at the joints (intra-articular blocks do not count), each with at least "
                f"{POSITIVE_DIAGNOSTIC}% relief" + ("" if medicare else ", at least 1 week apart"),
                min_gap_days=0 if medicare else 7,
            )
        )
    if repeated:
        earlier = [rfa for joint in repeated for rfa in state[joint].rfas]
        criteria.append(
            _repeat_relief(
                session,
                earlier,
                "repeat-rfa-relief",
                RFA_MONTHS,
                "RFA",
                sources,
                confidence,
                alternative=" (or consistent improvement in activities of daily living)"
                if medicare
                else "",
            )
        )
    return criteria


def _payer_warnings(session: Session, kind: Kind, coverage: Coverage) -> list[CodingWarning]:
    payer = coverage.payer
    if payer == Payer.MEDICARE:
        return []
    if payer == Payer.OTHER:
        return [
            CodingWarning(
                "history-no-payer-rules",
                "Another payer: no payer rules applied. The kind of session and the counts "
                "follow the history; check the payer's own policy for coverage.",
                (),
            )
        ]
    missing = {
        Payer.AETNA: (
            "Aetna CPB 0016 (as summarised, likely): facet injections for diagnosis only, when "
            "radiofrequency neurolysis is being considered; a second diagnostic at the same "
            "level only after at least 80% relief; at most 3 levels. Its session limits, "
            "interval, and RFA criteria are not available here: those criteria are left out.",
            _AETNA,
        ),
        Payer.BCBS: (
            "Anthem (Carelon guideline): at most 4 diagnostic medial branch block sessions per "
            "rolling 12 months and 2 levels per session; RFA criteria from the Carelon MSK01 "
            "summary (likely). Other BCBS plans differ (e.g. BCBS North Dakota: two blocks with "
            "at least 50% relief). Interval, therapeutic and same-level criteria are not "
            "available here: left out.",
            ("anthem-2023", "carelon-msk01", "bcbsnd"),
        ),
        Payer.CIGNA: (
            "Cigna uses the eviCore guideline CMM-201; its numeric limits and criteria were not "
            "retrieved, so no criterion is applied. Check the guideline.",
            ("cigna-cmm-201",),
        ),
        Payer.UHC: (
            "UnitedHealthcare (commercial policy, likely): diagnostic facet injections proven, "
            "therapeutic injections and ultrasound guidance unproven; RFA falls under "
            "'Ablative Treatment for Spinal Pain', whose criteria are not available here. "
            "Limits, relief and interval criteria are left out.",
            ("uhc-2017t0004aa", "uhc-ablative"),
        ),
    }[payer]
    return [CodingWarning("history-payer-rules-partial", missing[0], missing[1])]


def _documentation(
    session: Session, kind: Kind, coverage: Coverage, result: Result
) -> tuple[str, ...]:
    items = list(result.documentation)
    if kind.category == "diagnostic":
        items.append(
            "Pain score on the same scale before the block and after it, for the agent's "
            "duration, and the percent relief of the index pain."
        )
        if session.procedure == HistoryProcedure.IA:
            items.append(
                "Why an intra-articular injection was the diagnostic test: a medial branch block "
                "is impossible for a documented anatomic reason, or a therapeutic "
                "intra-articular injection is planned."
            )
    if kind == Kind.THERAPEUTIC:
        items.append("Why the patient is not a candidate for radiofrequency ablation.")
    if kind == Kind.REPEAT_RFA:
        items.append(
            "The prior RFA's result: at least 50% improvement for at least 6 months (or "
            "consistent improvement in activities of daily living, same scale); if two years or "
            "more have passed and the pain source is in question, repeated diagnostics."
        )
    if coverage.medicare:
        items.append(
            "Chronic (3 months or more) predominantly axial pain with functional deficit; failed "
            "conservative care; no untreated radiculopathy or neurogenic claudication (except from "
            "a facet synovial cyst); no non-facet pathology; not generalised pain such as "
            "fibromyalgia; not after ALIF; pain scale at baseline, disability scale at baseline."
        )
    if coverage.payer == Payer.AETNA:
        items.append("Aetna: radiofrequency neurolysis is being considered (diagnosis only).")
    return tuple(dict.fromkeys(items))


def check_session(
    session: Session, history: Iterable[Session] = (), coverage: Coverage | None = None
) -> Check:
    """Check one session against the earlier ones (see the module docstring)."""
    coverage = coverage or Coverage()
    history = tuple(entry for entry in history if entry.date < session.date)
    classified, state = _classify(history)
    kind = _kind(session, state)
    since = window_start(session.date)
    payer = coverage.payer
    criteria: list[Criterion] = []
    waits: list[date] = []
    for criterion in (
        _guidance(session, payer),
        _one_region(session, coverage),
        _levels_criterion(session, payer),
    ):
        if criterion:
            criteria.append(criterion)
    limits, limit_date = _limit_criteria(session, kind, classified, coverage, since)
    criteria += limits
    waits.append(limit_date)
    if kind == Kind.SECOND_DIAGNOSTIC:
        second, interval_end = _second_diagnostic(session, state, payer)
        criteria += second
        if interval_end:
            waits.append(interval_end)
    if kind.category == "diagnostic" and payer == Payer.MEDICARE:
        criteria.append(_after_rfa(session, state))
    if kind == Kind.THERAPEUTIC:
        criteria += _therapeutic(session, state, coverage)
    if kind.category == "rfa":
        criteria += _rfa(session, kind, state, coverage)
    if payer == Payer.MEDICARE:
        declared = _declared_intent(session, kind)
        if declared:
            criteria.append(declared)
    statuses = {criterion.status for criterion in criteria}
    if "fail" in statuses:
        verdict = "not-covered"
    elif "unknown" in statuses or not criteria:
        verdict = "needs-documentation"
    else:
        verdict = "covered"
    fixed_by_waiting = all(c.id in _WAITING for c in criteria if c.status == "fail")
    earliest = max(waits, default=session.date) if fixed_by_waiting else None
    engine_procedure = "rfa" if not session.injection else "injection"
    intent = None
    if session.injection:
        intent = Intent.DIAGNOSTIC if kind.category == "diagnostic" else Intent.THERAPEUTIC
    result = code_claim(
        engine_procedure,
        session.guidance,
        coverage=coverage,
        intent=intent,
        **{session.sites_kind: session.sites or tuple((j, "B") for j in session.joints)},
    )
    kx = any("KX" in line.modifiers for line in result.lines)
    warnings = list(result.warnings) + _payer_warnings(session, kind, coverage)
    if kx and verdict == "not-covered":
        warnings.append(
            CodingWarning(
                "history-kx-not-met",
                "KX attests that the policy's requirements are met: with a failed criterion, "
                "do not append it until the record shows they are.",
                ("norqa",),
            )
        )
    return Check(
        session=session,
        kind=kind,
        verdict=verdict,
        kx=kx,
        criteria=tuple(criteria),
        counts=_counts(session, kind, classified, coverage, since),
        earliest_date=earliest,
        documentation=_documentation(session, kind, coverage, result),
        result=result,
        warnings=tuple(warnings),
        history=tuple(
            Classified(entry, entry_kind, regions_of(entry.joints, coverage), entry.date >= since)
            for entry, entry_kind in classified
        ),
        regions=regions_of(session.joints, coverage),
        limits=_LIMITS.get(payer, {}),
    )
