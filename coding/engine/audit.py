"""The claim auditor: claim lines as billed in, every problem with its rule out, and the fix.

``audit_claim(text, coverage, scenario=None, date=None)`` reads the claim with the one claim
parser (``claims.read_claim``) and checks it line by line and as a whole (facts §13):

* ``unknown-code``: a line that cannot be read, a code that is not a code (with a "did you
  mean" among the codes the auditor knows), or a facet code used before it existed;
* ``add-on-without-primary``, ``add-on-wrong-family``: an add-on needs a primary of its own
  family on the claim (fcsocg, codingahead); the CGS/NGS T12-L1 + L1-L2 session is the one
  exception (64490 + 64494, 64633 + 64636: cgs25, aapc-rci-ngs);
* ``second-level-repeated``, ``third-level-units``: 64491/64494 once per side; 64492/64495 one
  line, one unit, once per day (aapc-forum-64492-64495);
* ``modifier-51-on-add-on`` (fcsocg); ``imaging-billed``: 77003/77012 with 64490-64495 or
  64633-64636 (fcsocg);
* ``bilateral-as-units`` (Medicare, modifier 50 format: a bilateral level is one line, 50,
  1 unit: a57787, mac-lcd-older); ``fifty-with-side`` (50 already means both sides);
* Medicare only: ``kx-missing``, ``kx-not-applicable`` (norqa), ``third-level-not-covered``,
  ``two-regions``, ``ultrasound-not-covered`` (l38773q, norqa); UnitedHealthcare also calls
  ultrasound guidance unproven (uhc-2017t0004aa);
* ``rfa-units``: 64634/64636 count additional joints; the first joint is one unit;
* ``no-imaging-code-with-facet``: 20552/20553 (no imaging) beside imaged facet lines;
* ``differs-from-scenario``: with a scenario, every difference from the lines ``code_claim``
  writes for it (sacroiliac codes billed for facet work among them).

Codes outside the facet family and its neighbours are passed through as "not audited". A check
the payer has no rule for is skipped and listed in ``skipped``, never applied silently.

``corrected`` is the engine's claim for the scenario (plus the lines not audited) when a scenario
is given; without one, the claim with every error fixed when each error has one certain fix (and
the fixed claim audits without error); otherwise None.

Decisions where the sources are silent: the primary and an add-on may swap their sides (no source
fixes which joint comes first when sides differ); two lines of one code with RT and LT are a
bilateral level written twice, except on the ablation add-ons, which count joints; KX on an
ultrasound line is a warning (the engine leaves it off, the LCDs do not cover the codes at all).

Linear time: the parser is; every check walks the lines (at most ``MAX_LINES``) a fixed number
of times; "did you mean" compares a word of at most 12 characters with a fixed set of codes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from coding.engine.claims import ClaimLine, normalize_modifiers, read_claim
from coding.engine.entries import InvalidInput
from coding.engine.families import FAMILIES, FAMILY_CODES, Family
from coding.engine.payers import Coverage, Payer
from coding.engine.rules import code_claim
from coding.engine.vocabulary import Guidance, Level, Procedure, Region

__all__ = [
    "AUDIT_SOURCE_KEYS",
    "KNOWN_CODES",
    "MAX_AUDIT_LENGTH",
    "MAX_AUDIT_LINES",
    "PROBLEM_IDS",
    "SCENARIO_KEYS",
    "Audit",
    "AuditedLine",
    "Problem",
    "Skipped",
    "audit_claim",
    "closest_claim",
    "equivalent_claims",
    "read_date",
]

MAX_AUDIT_LINES = 50
MAX_AUDIT_LENGTH = 5000
SCENARIO_KEYS = ("procedure", "guidance", "joints", "nerves", "intent")

PROBLEM_IDS = (
    "unknown-code",
    "add-on-without-primary",
    "add-on-wrong-family",
    "second-level-repeated",
    "third-level-units",
    "modifier-51-on-add-on",
    "imaging-billed",
    "bilateral-as-units",
    "fifty-with-side",
    "two-regions",
    "kx-missing",
    "kx-not-applicable",
    "third-level-not-covered",
    "ultrasound-not-covered",
    "rfa-units",
    "no-imaging-code-with-facet",
    "differs-from-scenario",
)
ERROR, WARNING = "error", "warning"

# Every source the checks cite (keys of codes/data/sources.toml).
AUDIT_SOURCE_KEYS = (
    "fcsocg",
    "codingahead",
    "cgs25",
    "aapc-rci-ngs",
    "aapc-forum-64492-64495",
    "a57787",
    "mac-lcd-older",
    "cpt-code-files",
    "hcpcs-modifier-files",
    "l38773q",
    "norqa",
    "uhc-2017t0004aa",
    "aapc-neurology-alert",
    "justmypassion",
    "aapc-forum-levels",
    "beckers-asc",
    "codingbyjen",
    "genhealth",
    "mpr-2011",
)

_FAMILY: dict[str, Family] = {code: f for f in FAMILIES for _, code in f.codes}
_LEVEL: dict[str, Level] = {code: level for f in FAMILIES for level, code in f.codes}
_PRIMARY_LEVELS = (Level.FIRST, Level.FIRST_JOINT)
# The codes an add-on may follow (facts §1): the first level, or for the third level also the
# second.
_PRIMARIES: dict[str, frozenset[str]] = {
    code: frozenset(
        c for other, c in f.codes if other in (Level.FIRST, Level.FIRST_JOINT, Level.SECOND)
    )
    if level == Level.THIRD_PLUS
    else frozenset({f.codes[0][1]})
    for f in FAMILIES
    for level, code in f.codes[1:]
}
# The CGS/NGS T12-L1 + L1-L2 session: the lumbar add-on after the thoracic primary.
_T12_L1_PAIRS = {"64494": "64490", "64636": "64633"}
_IMAGING = {"77003": "fluoroscopy", "77012": "CT"}
_TRIGGER_POINT = frozenset({"20552", "20553"})
_SACROILIAC = frozenset({"64451", "64625", "27096", "G0260"})
KNOWN_CODES = FAMILY_CODES | _IMAGING.keys() | _TRIGGER_POINT | _SACROILIAC
# When each family came in (facts §1, §3): 64490-64495 on 1 Jan 2010, 64633-64636 on 1 Jan 2012.
_CREATED = {
    **dict.fromkeys(("64490", "64491", "64492", "64493", "64494", "64495"), dt.date(2010, 1, 1)),
    **dict.fromkeys(("64633", "64634", "64635", "64636"), dt.date(2012, 1, 1)),
}
_CREATED_SOURCES = {"2010": ("mpr-2011",), "2012": ("justmypassion",)}
_SIDE_MODIFIERS = frozenset({"50", "RT", "LT"})
_MAX_WORD = 12


@dataclass(frozen=True)
class Problem:
    id: str
    severity: str  # "error" | "warning"
    message: str
    sources: tuple[str, ...]
    fixable: bool = False  # an error with one certain fix

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Skipped:
    """A check not applied, and why (the payer has no such rule, or the scenario is needed)."""

    check: str
    message: str

    def as_dict(self) -> dict:
        return {"check": self.check, "message": self.message}


@dataclass
class AuditedLine:
    text: str  # as written
    code: str
    modifiers: tuple[str, ...]
    units: int | None  # None when the line could not be read
    audited: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str:
        severities = {problem.severity for problem in self.problems}
        if ERROR in severities:
            return "error"
        if WARNING in severities:
            return "warning"
        return "ok" if self.audited else "not-audited"

    @property
    def line(self) -> ClaimLine | None:
        return None if self.units is None else ClaimLine(self.code, self.modifiers, self.units)

    @property
    def sides(self) -> frozenset[str]:
        """{'RT', 'LT'} for 50 (or RT and LT), {'RT'}, {'LT'}, or {} when no side is written."""
        mods = set(self.modifiers)
        if "50" in mods:
            return frozenset({"RT", "LT"})
        return frozenset(mods & {"RT", "LT"})

    def add(self, problem: Problem) -> None:
        if all(p.id != problem.id for p in self.problems):
            self.problems.append(problem)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "code": self.code,
            "modifiers": list(self.modifiers),
            "units": self.units,
            "status": self.status,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(frozen=True)
class Audit:
    lines: tuple[AuditedLine, ...]
    problems: tuple[Problem, ...]  # of the claim as a whole
    skipped: tuple[Skipped, ...]
    corrected: str | None
    expected: str | None  # the engine's claim for the scenario, when one was given
    coverage: Coverage

    @property
    def all_problems(self) -> tuple[Problem, ...]:
        return self.problems + tuple(p for line in self.lines for p in line.problems)

    @property
    def verdict(self) -> str:
        severities = {problem.severity for problem in self.all_problems}
        if ERROR in severities:
            return "errors"
        return "warnings" if WARNING in severities else "clean"

    @property
    def source_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(key for p in self.all_problems for key in p.sources))

    def as_dict(self) -> dict:
        return {
            "lines": [line.as_dict() for line in self.lines],
            "problems": [problem.as_dict() for problem in self.problems],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
            "verdict": self.verdict,
            "corrected": self.corrected,
            "expected": self.expected,
            "coverage": self.coverage.as_dict(),
        }


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def audit_claim(
    text: str,
    coverage: Coverage | None = None,
    scenario: Mapping[str, object] | None = None,
    date: dt.date | None = None,
) -> Audit:
    """Audit a claim as written. Raises ClaimError (empty, too long, more than 50 lines) or
    InvalidInput (a scenario the engine cannot code) for input that cannot be audited at all."""
    return _audit(text, coverage or Coverage(), scenario, date, correct=True)


def _audit(
    text: str, coverage: Coverage, scenario: Mapping | None, date: dt.date | None, correct: bool
) -> Audit:
    expected, engine_warnings = _code_scenario(scenario, coverage) if scenario else (None, ())
    lines = [_audited(read) for read in read_claim(
        text, max_lines=MAX_AUDIT_LINES, max_length=MAX_AUDIT_LENGTH
    )]  # fmt: skip
    claim_problems: list[Problem] = []
    skipped: list[Skipped] = []
    # With a scenario and its intent, KX belongs exactly where the engine puts it.
    kx_codes = None
    if expected is not None and str(scenario.get("intent") or "").strip():
        kx_codes = {line.code for line in expected if "KX" in line.modifiers}
    _check_codes(lines, date)
    _check_modifiers(lines, coverage, kx_codes, skipped)
    _check_add_ons(lines, coverage)
    _check_repeats(lines, coverage, skipped)
    _check_neighbours(lines, scenario)
    claim_problems += _check_coverage(lines, coverage, skipped)
    if expected is not None:
        claim_problems += _check_scenario(lines, expected, engine_warnings, scenario)
    elif any(_LEVEL.get(line.code) == Level.ADDITIONAL_JOINT for line in lines):
        skipped.append(
            Skipped(
                "rfa-units",
                "Whether 64634/64636 have one unit per additional joint needs the joints "
                "treated: give the scenario.",
            )
        )
    corrected = _corrected(lines, expected, coverage, scenario, date) if correct else None
    return Audit(
        lines=tuple(lines),
        problems=tuple(claim_problems),
        skipped=tuple(skipped),
        corrected=corrected,
        expected=None if expected is None else ", ".join(line.text() for line in expected),
        coverage=coverage,
    )


def _audited(read) -> AuditedLine:
    if read.line is None:
        return AuditedLine(read.text, read.code, (), None, True, [_unreadable(read)])
    line = read.line
    return AuditedLine(read.text, line.code, line.modifiers, line.units, line.code in KNOWN_CODES)


# ---------------------------------------------------------------------------------------------
# Codes: unreadable, unknown, not yet created
# ---------------------------------------------------------------------------------------------


def _unreadable(read) -> Problem:
    message = read.problem
    guess = _did_you_mean(read.code, transpositions_only=False)
    if guess:
        message += f" Did you mean {guess}?"
    return Problem("unknown-code", ERROR, message, ())


def _check_codes(lines: list[AuditedLine], date: dt.date | None) -> None:
    for line in lines:
        if line.units is None or line.code in KNOWN_CODES:
            created = _CREATED.get(line.code)
            if date and created and date < created:
                line.add(
                    Problem(
                        "unknown-code",
                        ERROR,
                        f"{line.code} did not exist on {date.isoformat()}: it was created on "
                        f"{created:%-d %B %Y}.",
                        _CREATED_SOURCES[str(created.year)],
                    )
                )
            continue
        guess = _did_you_mean(line.code, transpositions_only=True)
        if guess:
            line.add(
                Problem(
                    "unknown-code",
                    WARNING,
                    f"{line.code} is not a facet joint code: did you mean {guess}? If "
                    f"{line.code} is meant, it is outside the facet family and not audited.",
                    (),
                )
            )


def _did_you_mean(word: str, *, transpositions_only: bool) -> str:
    """The known codes one typing slip away from the word ('64439' -> 64493), or ''."""
    word = word.upper()[:_MAX_WORD]
    if not word:
        return ""
    if transpositions_only:
        close = sorted(code for code in FAMILY_CODES if _transposed(word, code))
    else:
        close = sorted(code for code in KNOWN_CODES if _one_slip(word, code))
    return " or ".join(close[:3])


def _transposed(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and (a[diff[1]] == b[diff[0]])
    )


def _one_slip(a: str, b: str) -> bool:
    """One character changed, added, dropped, or two neighbours swapped."""
    if a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or _transposed(a, b)
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# ---------------------------------------------------------------------------------------------
# Modifiers: 51, 50 with a side, KX
# ---------------------------------------------------------------------------------------------


def _check_modifiers(
    lines: list[AuditedLine], coverage: Coverage, kx_codes: set[str] | None, skipped: list
) -> None:
    kx_on_family = False
    for line in lines:
        family = _FAMILY.get(line.code)
        if family is None:
            continue
        mods = set(line.modifiers)
        if "51" in mods and _LEVEL[line.code] not in _PRIMARY_LEVELS:
            line.add(
                Problem(
                    "modifier-51-on-add-on",
                    ERROR,
                    f"{line.code} is an add-on code: modifier 51 (multiple procedures) is never "
                    "appended to add-on codes. Remove it.",
                    ("fcsocg",),
                    fixable=True,
                )
            )
        if "50" in mods and mods & {"RT", "LT"}:
            line.add(
                Problem(
                    "fifty-with-side",
                    ERROR,
                    f"{line.code} has modifier 50 together with "
                    f"{' and '.join(sorted(mods & {'RT', 'LT'}))}: 50 already means both "
                    "sides. Keep 50 for a bilateral level, or RT or LT alone for one side.",
                    ("cpt-code-files", "hcpcs-modifier-files", "fcsocg"),
                    fixable=True,
                )
            )
        if "KX" in mods:
            kx_on_family = True
            if coverage.medicare:
                _check_kx_on_line(line, family, kx_codes)
        elif coverage.medicare and kx_codes and line.code in kx_codes:
            line.add(
                Problem(
                    "kx-missing",
                    ERROR,
                    f"{line.code} is a diagnostic facet injection line: Medicare requires KX on "
                    "it (it attests that the LCD's requirements are met).",
                    ("norqa",),
                    fixable=True,
                )
            )
    if not coverage.medicare and kx_on_family:
        skipped.append(
            Skipped(
                "kx-not-applicable",
                f"KX is checked for Medicare only; {coverage.payer.label} publishes no KX rule "
                "in our sources. Check the payer's policy.",
            )
        )
    if coverage.medicare and kx_codes is None and _has_imaged_injection(lines):
        skipped.append(
            Skipped(
                "kx-missing",
                "Medicare wants KX on diagnostic facet injection lines only: give the scenario's "
                "intent (diagnostic or therapeutic) to check KX on the injection lines.",
            )
        )


def _check_kx_on_line(line: AuditedLine, family: Family, kx_codes: set[str] | None) -> None:
    if family.procedure == Procedure.RFA:
        line.add(
            Problem(
                "kx-not-applicable",
                ERROR,
                f"KX on {line.code}, a radiofrequency ablation line: Medicare asks for KX on "
                "diagnostic facet injection lines only, not on ablation. Remove it.",
                ("norqa",),
                fixable=True,
            )
        )
    elif family.guidance == Guidance.ULTRASOUND:
        line.add(
            Problem(
                "kx-not-applicable",
                WARNING,
                f"KX on {line.code}: KX attests that the LCD's requirements are met, but the "
                "LCDs find ultrasound-guided facet procedures not reasonable and necessary.",
                ("l38773q", "norqa"),
            )
        )
    elif kx_codes is not None and line.code not in kx_codes:
        line.add(
            Problem(
                "kx-not-applicable",
                ERROR,
                f"KX on {line.code}: Medicare asks for KX on diagnostic facet injection lines "
                "only, and this line is not one for this scenario. Remove it.",
                ("norqa",),
                fixable=True,
            )
        )


def _has_imaged_injection(lines: Iterable[AuditedLine]) -> bool:
    return any(
        (f := _FAMILY.get(line.code))
        and f.procedure == Procedure.INJECTION
        and f.guidance == Guidance.FLUOROSCOPY_CT
        for line in lines
    )


# ---------------------------------------------------------------------------------------------
# Add-ons and their primaries
# ---------------------------------------------------------------------------------------------


def _check_add_ons(lines: list[AuditedLine], coverage: Coverage) -> None:
    present = {line.code for line in lines if line.units is not None}
    primaries_present = {code for code in present if _LEVEL.get(code) in _PRIMARY_LEVELS}
    for line in lines:
        allowed = _PRIMARIES.get(line.code)
        if allowed is None or allowed & present:
            continue
        paired = _T12_L1_PAIRS.get(line.code)
        if paired in present:
            _t12_l1_pairing(line, paired, coverage)
            continue
        family = _FAMILY[line.code]
        others = sorted(primaries_present - allowed)
        wanted = " or ".join(sorted(allowed))
        if others:
            line.add(
                Problem(
                    "add-on-wrong-family",
                    ERROR,
                    f"Add-on {line.code} belongs to the {_family_text(family)} family: it follows "
                    f"{wanted}, not {', '.join(others)}. Each region (and each kind of guidance) "
                    "starts with its own primary code.",
                    ("fcsocg", "codingahead", "aapc-neurology-alert"),
                )
            )
        else:
            line.add(
                Problem(
                    "add-on-without-primary",
                    ERROR,
                    f"Add-on {line.code} is reported with its primary code ({wanted}) on the "
                    "same claim, and the claim has none.",
                    ("fcsocg", "codingahead"),
                )
            )


def _t12_l1_pairing(line: AuditedLine, primary: str, coverage: Coverage) -> None:
    if coverage.t12_l1_session:
        return
    rule = (
        f"{primary} + {line.code} is the CGS/NGS Medicare rule for contiguous T12-L1 + L1-L2 in "
        "one session (one lumbar-region session)"
    )
    if coverage.medicare and coverage.mac is None:
        line.add(
            Problem(
                "add-on-wrong-family",
                WARNING,
                f"{rule}. For the other MACs it is not settled: pick the MAC or state to check it.",
                ("cgs25", "aapc-rci-ngs"),
            )
        )
        return
    who = coverage.mac.label if coverage.mac else coverage.payer.label
    line.add(
        Problem(
            "add-on-wrong-family",
            ERROR,
            f"{rule}; {who} does not publish it, so {line.code} needs its own lumbar primary.",
            ("cgs25", "aapc-rci-ngs", "fcsocg"),
        )
    )


def _family_text(family: Family) -> str:
    region = "cervical/thoracic" if family.region == Region.CERVICAL_THORACIC else "lumbar/sacral"
    if family.procedure == Procedure.RFA:
        return f"{region} ablation"
    guidance = " ultrasound" if family.guidance == Guidance.ULTRASOUND else ""
    return f"{region}{guidance} injection"


# ---------------------------------------------------------------------------------------------
# One code on several lines or with several units
# ---------------------------------------------------------------------------------------------


def _check_repeats(lines: list[AuditedLine], coverage: Coverage, skipped: list) -> None:
    groups: dict[str, list[AuditedLine]] = {}
    for line in lines:
        if line.code in _FAMILY and line.units is not None:
            groups.setdefault(line.code, []).append(line)
    medicare_fifty = coverage.medicare and coverage.fifty
    unchecked = False
    for code, group in groups.items():
        level = _LEVEL[code]
        if level == Level.ADDITIONAL_JOINT or (len(group) == 1 and group[0].units == 1):
            continue
        if level == Level.THIRD_PLUS:
            unchecked |= _third_level(code, group, coverage)
            continue
        fifty = [line for line in group if "50" in line.modifiers]
        if _rt_and_lt(group) or fifty:
            # A bilateral level written as two lines, or 50 with more units or lines.
            if _rt_and_lt(group) and not coverage.fifty:
                continue
            if medicare_fifty:
                _bilateral(code, group)
            else:
                unchecked = True
        elif level == Level.SECOND:
            _second_level(code, group, coverage)
        elif level == Level.FIRST_JOINT:
            for line in group:
                line.add(
                    Problem(
                        "rfa-units",
                        ERROR,
                        f"{code} is the first joint: one line, one unit per side; each "
                        f"additional joint is one unit of {_family_add_on(code)}.",
                        ("justmypassion", "codingahead"),
                    )
                )
        elif medicare_fifty:
            _bilateral(code, group)
        else:
            unchecked = True
    if unchecked:
        skipped.append(
            Skipped(
                "bilateral-as-units",
                "How a bilateral level is written (one line with 50 and 1 unit) is checked for "
                "Medicare claims in the modifier 50 format only; this payer or claim type may "
                "want RT/LT lines or other units: check its policy.",
            )
        )


def _rt_and_lt(group: list[AuditedLine]) -> bool:
    """Exactly one RT line and one LT line, one unit each (the RT/LT format)."""
    return sorted(tuple(sorted(line.sides)) for line in group) == [("LT",), ("RT",)] and all(
        line.units == 1 and "50" not in line.modifiers for line in group
    )


def _third_level(code: str, group: list[AuditedLine], coverage: Coverage) -> bool:
    """Problems of a third-level add-on on several lines or units; True if left unchecked."""
    if _rt_and_lt(group):
        if not coverage.fifty:
            return False
        if not coverage.medicare:
            return True
        _bilateral(code, group)
        return False
    for line in group:
        line.add(
            Problem(
                "third-level-units",
                ERROR,
                f"{code} covers the third and any additional levels: it is reported once per "
                "day, one line with one unit, however many levels lie beyond two (its side "
                "covers every side treated at those levels).",
                ("aapc-forum-64492-64495", "codingahead"),
                fixable=True,
            )
        )
    return False


def _second_level(code: str, group: list[AuditedLine], coverage: Coverage) -> None:
    third = _FAMILY[code].code(Level.THIRD_PLUS)
    bilateral = "one line with 50 and 1 unit" if coverage.fifty else "an RT and an LT line"
    for line in group:
        line.add(
            Problem(
                "second-level-repeated",
                ERROR,
                f"{code} is the second level and is reported once per side. A second level "
                f"treated on both sides is {bilateral}; third and further levels are {third}.",
                ("codingahead", "fcsocg", "aapc-forum-64492-64495"),
            )
        )


def _bilateral(code: str, group: list[AuditedLine]) -> None:
    """Medicare, modifier 50 format: a bilateral level is one line with 50 and 1 unit."""
    fifty = [line for line in group if "50" in line.modifiers]
    rest = [line for line in group if "50" not in line.modifiers]
    injection = _FAMILY[code].procedure == Procedure.INJECTION
    for line in fifty:
        if line.units > 1:
            line.add(_bilateral_problem(code, f"{line.text} bills 50 with {line.units} units"))
    if fifty and rest:
        for line in rest:
            line.add(_bilateral_problem(code, f"{code} is billed with 50 and again on {line.text}"))
    elif len(rest) == 2 and _rt_and_lt(rest):
        for line in rest:
            line.add(
                _bilateral_problem(code, f"{code} is on two lines, RT and LT", fixable=injection)
            )
    elif not fifty:
        problem = _bilateral_problem(
            code,
            f"{code} is billed {sum(line.units for line in rest)} times without 50 (if these "
            "are two levels, the second is an add-on code)",
            fixable=False,
        )
        for line in rest:
            line.add(problem)


def _bilateral_problem(code: str, what: str, fixable: bool = True) -> Problem:
    return Problem(
        "bilateral-as-units",
        ERROR,
        f"{what}. On a Medicare practitioner claim a bilateral level is one line, {code}-50, "
        "with 1 unit of service.",
        ("a57787", "mac-lcd-older", "fcsocg"),
        fixable=fixable,
    )


def _family_add_on(code: str) -> str:
    return _FAMILY[code].codes[-1][1]


# ---------------------------------------------------------------------------------------------
# Neighbouring codes: imaging, trigger points, sacroiliac
# ---------------------------------------------------------------------------------------------


def _check_neighbours(lines: list[AuditedLine], scenario: Mapping | None) -> None:
    imaged = [
        line.code
        for line in lines
        if (f := _FAMILY.get(line.code)) and f.guidance == Guidance.FLUOROSCOPY_CT
    ]
    if not imaged:
        return
    with_codes = ", ".join(dict.fromkeys(imaged))
    for line in lines:
        if line.code in _IMAGING:
            line.add(
                Problem(
                    "imaging-billed",
                    ERROR,
                    f"{line.code} ({_IMAGING[line.code]} guidance) is billed with {with_codes}: "
                    "imaging guidance and contrast are included in 64490-64495 and 64633-64636 "
                    "and are not reported separately. Remove the line.",
                    ("fcsocg",),
                    fixable=True,
                )
            )
        elif line.code in _TRIGGER_POINT:
            line.add(
                Problem(
                    "no-imaging-code-with-facet",
                    WARNING,
                    f"{line.code} is a trigger point injection code, which CPT reportedly directs "
                    f"facet injections done without imaging to, billed beside imaged facet lines "
                    f"({with_codes}). If the facet injections had no imaging, {with_codes} are "
                    "wrong; if trigger points were injected too, the medical necessity of each "
                    "must be documented.",
                    ("beckers-asc", "codingbyjen", "l38773q"),
                )
            )


# ---------------------------------------------------------------------------------------------
# Payer coverage: Medicare's LCD limits, UnitedHealthcare's ultrasound policy
# ---------------------------------------------------------------------------------------------


def _check_coverage(lines: list[AuditedLine], coverage: Coverage, skipped: list) -> list[Problem]:
    families = [_FAMILY[line.code] for line in lines if line.code in _FAMILY]
    if not families:
        return []
    third = [line for line in lines if _LEVEL.get(line.code) == Level.THIRD_PLUS]
    ultrasound = [
        line
        for line in lines
        if (f := _FAMILY.get(line.code)) and f.guidance == Guidance.ULTRASOUND
    ]
    problems = []
    if not coverage.medicare:
        payer = coverage.payer.label
        if third:
            skipped.append(
                Skipped(
                    "third-level-not-covered",
                    f"Levels per session are checked for Medicare only: check {payer}'s limit.",
                )
            )
        if len({f.region for f in families}) > 1:
            skipped.append(
                Skipped(
                    "two-regions",
                    f"One region per session is Medicare's rule: check {payer}'s policy.",
                )
            )
        if ultrasound and coverage.payer == Payer.UHC:
            for line in ultrasound:
                line.add(
                    Problem(
                        "ultrasound-not-covered",
                        WARNING,
                        f"{line.code} is an ultrasound-guided facet injection: UnitedHealthcare's "
                        "policy calls ultrasound guidance unproven (current version not verified).",
                        ("uhc-2017t0004aa",),
                    )
                )
        elif ultrasound:
            skipped.append(
                Skipped(
                    "ultrasound-not-covered",
                    f"Coverage of ultrasound guidance is checked for Medicare and UnitedHealthcare "
                    f"only: check {payer}'s policy.",
                )
            )
        return problems
    for line in third:
        line.add(
            Problem(
                "third-level-not-covered",
                WARNING,
                f'{line.code} is a third level. Medicare LCDs: "One to two levels, either '
                'unilateral or bilateral, are allowed per session per spine region"; three or '
                "four levels are not medically necessary, paid only on appeal.",
                ("l38773q", "norqa"),
            )
        )
    for line in ultrasound:
        line.add(
            Problem(
                "ultrasound-not-covered",
                WARNING,
                f"{line.code} is an ultrasound-guided facet injection: Medicare LCDs find facet "
                "procedures under ultrasound guidance not reasonable and necessary.",
                ("l38773q", "aapc-neurology-alert"),
            )
        )
    if _two_regions(lines, coverage):
        problems.append(
            Problem(
                "two-regions",
                WARNING,
                "Cervical/thoracic and lumbar/sacral codes on one claim: Medicare LCDs limit "
                "facet joint interventions to one spinal region per session (T12-L1 + L1-L2 as "
                "one lumbar session is the CGS/NGS exception). Bill them only if they were "
                "separate sessions, with the reason documented.",
                ("l38773q", "aapc-neurology-alert", "cgs25"),
            )
        )
    return problems


def _two_regions(lines: list[AuditedLine], coverage: Coverage) -> bool:
    codes = {line.code for line in lines if line.code in _FAMILY}
    regions = {_FAMILY[code].region for code in codes}
    if len(regions) < 2:
        return False
    upper = {c for c in codes if _FAMILY[c].region == Region.CERVICAL_THORACIC}
    lower = {c for c in codes if _FAMILY[c].region == Region.LUMBAR_SACRAL}
    exception = (upper == {"64490"} and "64494" in lower and "64493" not in lower) or (
        upper == {"64633"} and "64636" in lower and "64635" not in lower
    )
    # The pairing is checked (and explained) as an add-on question: add-on-wrong-family.
    return not exception


# ---------------------------------------------------------------------------------------------
# The scenario: what the engine codes for it
# ---------------------------------------------------------------------------------------------


def _code_scenario(scenario: Mapping, coverage: Coverage) -> tuple[tuple[ClaimLine, ...], tuple]:
    unknown = [key for key in scenario if key not in SCENARIO_KEYS]
    if unknown:
        raise InvalidInput(
            f"Unknown scenario field(s): {', '.join(map(str, unknown[:5]))}. "
            f"Allowed: {', '.join(SCENARIO_KEYS)}."
        )
    arguments = {key: scenario[key] for key in SCENARIO_KEYS if scenario.get(key)}
    if "procedure" not in arguments:
        raise InvalidInput("The scenario needs a procedure (injection or rfa).")
    result = code_claim(**arguments, coverage=coverage)
    lines = tuple(ClaimLine(line.code, line.modifiers, line.units) for line in result.lines)
    return lines, result.warnings


def _check_scenario(
    lines: list[AuditedLine], expected: tuple[ClaimLine, ...], warnings: tuple, scenario: Mapping
) -> list[Problem]:
    facet_scenario = str(scenario.get("procedure", "")).strip().lower() in ("injection", "rfa")
    for line in lines:
        if facet_scenario and line.code in _SACROILIAC:
            line.add(
                Problem(
                    "differs-from-scenario",
                    ERROR,
                    f"{line.code} is a sacroiliac joint code (64451, 64625, 27096, G0260), but "
                    "the scenario is facet joint work: facet joints and their nerves take the "
                    "facet codes.",
                    ("genhealth", "fcsocg"),
                )
            )
    audited = [line for line in lines if line.audited and line.line is not None]
    given = [line.line for line in audited if line.code not in _IMAGING]
    if not expected:
        reason = " ".join(w.message for w in warnings if "imaging" in w.id or "rfa" in w.id)
        facet = [line for line in audited if line.code in _FAMILY]
        if not facet:
            return []
        for line in facet:
            line.add(
                Problem(
                    "differs-from-scenario",
                    ERROR,
                    f"For this scenario no facet code applies. {reason}".strip(),
                    ("fcsocg",),
                )
            )
        return []
    best = closest_claim(expected, given)
    missing, extra = _difference(best, given)
    if not missing and not extra:
        return []
    expected_text = ", ".join(line.text() for line in best)
    _rfa_units(lines, best)
    extra_left = Counter(extra)
    for line in audited:
        if line.code in _IMAGING or line.line not in extra_left or extra_left[line.line] == 0:
            continue
        extra_left[line.line] -= 1
        if not any(p.severity == ERROR for p in line.problems):
            line.add(
                Problem(
                    "differs-from-scenario",
                    ERROR,
                    f"{line.text} is not among the lines this scenario codes to ({expected_text}).",
                    (),
                )
            )
    parts = [f"For this scenario the engine codes {expected_text}."]
    if missing:
        parts.append(f"Missing: {', '.join(line.text() for line in missing)}.")
    if extra:
        parts.append(f"Not expected: {', '.join(line.text() for line in extra)}.")
    return [Problem("differs-from-scenario", ERROR, " ".join(parts), ())]


def closest_claim(expected: Sequence, given: Sequence) -> tuple[ClaimLine, ...]:
    """Of the claims equivalent to ``expected``, the one closest to ``given``."""
    return min(equivalent_claims(expected), key=lambda claim: _difference_size(claim, given))


def _rfa_units(lines: list[AuditedLine], expected: Sequence[ClaimLine]) -> None:
    wanted = Counter()
    for line in expected:
        if _LEVEL.get(line.code) == Level.ADDITIONAL_JOINT:
            wanted[line.code] += line.units * max(len(_sides(line.modifiers)), 1)
    given = Counter()
    for line in lines:
        if _LEVEL.get(line.code) == Level.ADDITIONAL_JOINT and line.units is not None:
            given[line.code] += line.units * max(len(line.sides), 1)
    for line in lines:
        code = line.code
        if _LEVEL.get(code) == Level.ADDITIONAL_JOINT and given[code] != wanted[code]:
            line.add(
                Problem(
                    "rfa-units",
                    ERROR,
                    f"{code} is one unit per additional joint and side: the scenario has "
                    f"{wanted[code]} (joint-sides beyond the first joint), the claim "
                    f"{given[code]}.",
                    ("justmypassion", "aapc-forum-levels", "codingahead"),
                )
            )


def _sides(modifiers: Iterable[str]) -> frozenset[str]:
    mods = set(modifiers)
    return frozenset({"RT", "LT"}) if "50" in mods else frozenset(mods & {"RT", "LT"})


def _key(line) -> ClaimLine:
    return ClaimLine(line.code, normalize_modifiers(line.modifiers), line.units)


def _difference(expected: Sequence, given: Sequence) -> tuple[list, list]:
    want = Counter(_key(line) for line in expected)
    have = Counter(_key(line) for line in given)
    return list((want - have).elements()), list((have - want).elements())


def _difference_size(expected: Sequence, given: Sequence) -> int:
    missing, extra = _difference(expected, given)
    return len(missing) + len(extra)


def equivalent_claims(lines: Sequence) -> list[tuple[ClaimLine, ...]]:
    """The claim, and the claims that say the same: a primary and its add-on may swap sides.

    No source fixes which joint is the first when the sides differ ("64635-LT, 64636-50" or
    "64635-50, 64636-LT" for left L4-L5 and bilateral L5-S1): the primary's side modifiers and
    one unit of the add-on's are exchanged. One line per side set (the modifier 50 format) only.
    """
    claim = tuple(_key(line) for line in lines)
    claims = [claim]
    for i, primary in enumerate(claim):
        if _LEVEL.get(primary.code) not in _PRIMARY_LEVELS or primary.units != 1:
            continue
        for j, add_on in enumerate(claim):
            if _LEVEL.get(add_on.code) not in (Level.SECOND, Level.ADDITIONAL_JOINT):
                continue
            if primary.code not in _PRIMARIES[add_on.code] | {_T12_L1_PAIRS.get(add_on.code)}:
                continue
            p_sides, a_sides = _side_mods(primary), _side_mods(add_on)
            if p_sides == a_sides or not (p_sides and a_sides):
                continue
            swapped = list(claim)
            swapped[i] = _with_sides(primary, a_sides, 1)
            if add_on.units == 1:
                swapped[j] = _with_sides(add_on, p_sides, 1)
            else:
                swapped[j] = _with_sides(add_on, a_sides, add_on.units - 1)
                swapped.append(_with_sides(add_on, p_sides, 1))
            claims.append(_merged(swapped))
    return claims


def _side_mods(line: ClaimLine) -> tuple[str, ...]:
    return tuple(m for m in line.modifiers if m in _SIDE_MODIFIERS)


def _with_sides(line: ClaimLine, sides: tuple[str, ...], units: int) -> ClaimLine:
    others = [m for m in line.modifiers if m not in _SIDE_MODIFIERS]
    return ClaimLine(line.code, normalize_modifiers([*sides, *others]), units)


def _merged(lines: list[ClaimLine]) -> tuple[ClaimLine, ...]:
    """Lines of one code and modifiers added up into one line."""
    units: dict[tuple, int] = {}
    for line in lines:
        units[(line.code, line.modifiers)] = units.get((line.code, line.modifiers), 0) + line.units
    return tuple(ClaimLine(code, mods, count) for (code, mods), count in units.items())


# ---------------------------------------------------------------------------------------------
# The corrected claim
# ---------------------------------------------------------------------------------------------


def _corrected(
    lines: list[AuditedLine],
    expected: tuple[ClaimLine, ...] | None,
    coverage: Coverage,
    scenario: Mapping | None,
    date: dt.date | None,
) -> str | None:
    passed = [line.text for line in lines if not line.audited and line.units is not None]
    if expected is not None:
        if not expected:
            return None
        given = [line.line for line in lines if line.audited and line.line is not None]
        return ", ".join([*(line.text() for line in closest_claim(expected, given)), *passed])
    errors = [p for line in lines for p in line.problems if p.severity == ERROR]
    if not errors or not all(p.fixable for p in errors):
        return None
    fixed = _fixed(lines, coverage)
    text = ", ".join(line.text() for line in fixed)
    if not text:
        return None
    check = _audit(text, coverage, scenario, date, correct=False)
    if check.verdict == "errors":
        return None
    return text


def _fixed(lines: list[AuditedLine], coverage: Coverage) -> list[ClaimLine]:
    """Every certain fix applied: see the ``fixable`` problems above."""
    merge_ids = {"third-level-units", "bilateral-as-units"}
    merged = {line.code for line in lines for p in line.problems if p.id in merge_ids}
    out: list[ClaimLine] = []
    groups: dict[str, list[AuditedLine]] = {}
    for line in lines:
        ids = {p.id for p in line.problems}
        if line.units is None or "imaging-billed" in ids:
            continue
        if line.code in merged:
            groups.setdefault(line.code, []).append(line)
        else:
            out.append(_clean(line, ids, line.modifiers, line.units))
    for group in groups.values():
        sides = frozenset().union(*(line.sides for line in group))
        others = {m for line in group for m in line.modifiers if m not in _SIDE_MODIFIERS}
        ids = {p.id for line in group for p in line.problems}
        if len(sides) == 2 and coverage.fifty:
            out.append(_clean(group[0], ids, ("50", *others), 1))
        elif len(sides) == 2:
            out += [_clean(group[0], ids, (side, *others), 1) for side in ("RT", "LT")]
        else:
            out.append(_clean(group[0], ids, (*sides, *others), 1))
    order = {}
    for i, line in enumerate(lines):
        order.setdefault(line.code, i)
    return sorted(out, key=lambda line: order.get(line.code, 0))


def _clean(line: AuditedLine, ids: set[str], modifiers: Iterable[str], units: int) -> ClaimLine:
    mods = set(modifiers)
    if "modifier-51-on-add-on" in ids:
        mods.discard("51")
    if "fifty-with-side" in ids:
        mods -= {"RT", "LT"}
    if "kx-not-applicable" in ids:
        mods.discard("KX")
    if "kx-missing" in ids:
        mods.add("KX")
    return ClaimLine(line.code, normalize_modifiers(mods), units)


def read_date(value: object) -> dt.date | None:
    """A date of service as YYYY-MM-DD, or None when not given; InvalidInput otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise InvalidInput("The date of service must be written YYYY-MM-DD, e.g. 2026-03-01.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "The date of service must be a real date written YYYY-MM-DD, e.g. 2026-03-01."
        ) from None
