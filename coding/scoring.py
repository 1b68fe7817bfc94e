"""How answers are marked. Pure functions: the models call them, the tests call them directly.

Scores run from 0 to 1; an answer is correct only with full marks.

* Single choice: 1 for the right option, 0 otherwise.
* Multiple choice ("select all that apply"): every right option ticked earns a share, every
  wrong option ticked takes one share back, never below 0:
  score = max(0, (right ticked - wrong ticked) / number of right options).
  Ticking everything therefore earns nothing more than it costs.
* Claim entry, line by line: each line is worth 3 points, 1 for the code, 1 for its modifiers
  (in any order) and 1 for its units; modifiers and units count only on a line whose code is
  right. Given lines are paired with expected lines of the same code (the pairing that earns
  the most). Missing lines earn nothing and every extra line counts as a line earned nothing,
  so score = points / (3 x the larger of the number of expected and given lines).
  "64493-50, 77003" for "64493-50" scores 3 / 6: billing imaging on top costs half the marks.
  Line order never matters, and neither does which joint is the primary when the sides differ:
  no source fixes which joint comes first, so "64635-50, 64636-LT" earns full marks where the
  engine writes "64635-LT, 64636-50" (the claims the auditor counts as equivalent; the answer
  is marked against the one it comes closest to).
* ``explain`` gives the claim auditor's word on each line of a wrong claim: the same parser and
  the same rules as /audit/, so a trainee reads why a line is wrong, with its sources.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Protocol

from coding.engine import Coverage
from coding.engine.audit import Problem, audit_claim, closest_claim, equivalent_claims
from coding.engine.claims import ClaimError, ClaimLine, normalize_modifiers

POINTS_PER_LINE = 3
_EXACT_PAIRING_LIMIT = 6  # lines of one code; beyond this, pair greedily (never in practice)


class ClaimLineLike(Protocol):
    code: str
    modifiers: Sequence[str]
    units: int

    def text(self) -> str: ...


@dataclass(frozen=True)
class LineMark:
    """One row of the side-by-side feedback: an expected line, the given line paired with it."""

    expected: str  # '' when the given line was not expected at all
    given: str  # '' when the expected line is missing
    code_ok: bool
    modifiers_ok: bool
    units_ok: bool

    @property
    def points(self) -> int:
        return self.code_ok + self.modifiers_ok + self.units_ok

    @property
    def correct(self) -> bool:
        return self.points == POINTS_PER_LINE

    def as_dict(self) -> dict:
        return {
            "expected": self.expected,
            "given": self.given,
            "code_ok": self.code_ok,
            "modifiers_ok": self.modifiers_ok,
            "units_ok": self.units_ok,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LineMark:
        return cls(
            expected=data["expected"],
            given=data["given"],
            code_ok=data["code_ok"],
            modifiers_ok=data["modifiers_ok"],
            units_ok=data["units_ok"],
        )


@dataclass(frozen=True)
class ClaimMark:
    score: float
    lines: tuple[LineMark, ...]


def _rounded(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 4)


def score_single(chosen: int, correct: set[int]) -> float:
    return 1.0 if chosen in correct else 0.0


def score_multiple(chosen: set[int], correct: set[int]) -> float:
    if not correct:
        return 1.0 if not chosen else 0.0
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    return _rounded((right - wrong) / len(correct))


def _line_mark(expected: ClaimLineLike | None, given: ClaimLineLike | None) -> LineMark:
    code_ok = expected is not None and given is not None and expected.code == given.code
    return LineMark(
        expected=expected.text() if expected is not None else "",
        given=given.text() if given is not None else "",
        code_ok=code_ok,
        modifiers_ok=code_ok
        and normalize_modifiers(expected.modifiers) == normalize_modifiers(given.modifiers),
        units_ok=code_ok and expected.units == given.units,
    )


def _best_pairing(expected: list, given: list) -> list[tuple[int, int]]:
    """Index pairs between lines of one code that earn the most modifier and unit points."""

    def points(pairs) -> int:
        return sum(_line_mark(expected[i], given[j]).points for i, j in pairs)

    if min(len(expected), len(given)) == 0:
        return []
    if max(len(expected), len(given)) <= _EXACT_PAIRING_LIMIT:
        if len(expected) <= len(given):
            options = (
                list(zip(range(len(expected)), p, strict=True))
                for p in permutations(range(len(given)), len(expected))
            )
        else:
            options = (
                list(zip(p, range(len(given)), strict=True))
                for p in permutations(range(len(expected)), len(given))
            )
        return max(options, key=points)
    candidates = sorted(
        ((i, j) for i in range(len(expected)) for j in range(len(given))),
        key=lambda pair: -points([pair]),
    )
    pairs, used_e, used_g = [], set(), set()
    for i, j in candidates:
        if i not in used_e and j not in used_g:
            pairs.append((i, j))
            used_e.add(i)
            used_g.add(j)
    return pairs


def score_claim(expected: Sequence[ClaimLineLike], given: Sequence[ClaimLineLike]) -> ClaimMark:
    """Mark given claim lines against the expected ones, or against the equivalent claim that
    earns the most (see the module docstring); a tie keeps the expected lines as written."""
    marks = [_score_claim(expected, given)]
    marks += [_score_claim(other, given) for other in equivalent_claims(expected)[1:]]
    return max(marks, key=lambda mark: mark.score)


def _score_claim(expected: Sequence[ClaimLineLike], given: Sequence[ClaimLineLike]) -> ClaimMark:
    paired: dict[int, int] = {}  # expected index -> given index
    for code in dict.fromkeys(line.code for line in expected):
        e_idx = [i for i, line in enumerate(expected) if line.code == code]
        g_idx = [j for j, line in enumerate(given) if line.code == code]
        for a, b in _best_pairing([expected[i] for i in e_idx], [given[j] for j in g_idx]):
            paired[e_idx[a]] = g_idx[b]
    # Lines left over on both sides are shown side by side in their order, with no points.
    missing = [i for i in range(len(expected)) if i not in paired]
    extra = [j for j in range(len(given)) if j not in paired.values()]
    rows = []
    for i, line in enumerate(expected):
        if i in paired:
            rows.append(_line_mark(line, given[paired[i]]))
        else:
            position = missing.index(i)
            other = given[extra[position]] if position < len(extra) else None
            rows.append(_line_mark(line, other))
    rows.extend(_line_mark(None, given[j]) for j in extra[len(missing) :])
    possible = POINTS_PER_LINE * max(len(expected), len(given), 1)
    return ClaimMark(_rounded(sum(row.points for row in rows) / possible), tuple(rows))


@dataclass(frozen=True)
class LineExplanation:
    """The auditor's word on one typed line that is not among the expected ones."""

    given: str
    status: str  # the auditor's: "error", "warning", "ok", "not-audited"
    problems: tuple[Problem, ...]

    def as_dict(self) -> dict:
        return {
            "given": self.given,
            "status": self.status,
            "problems": [problem.as_dict() for problem in self.problems],
        }


def explain(
    typed: str,
    expected: Sequence[ClaimLineLike],
    coverage: Coverage | None = None,
    scenario: dict | None = None,
) -> tuple[LineExplanation, ...]:
    """Why each wrong line of a typed claim is wrong, in the auditor's words.

    Lines that match an expected line (of the equivalent claim closest to the answer) are left
    out. A wrong line the auditor finds nothing against (a right code on the wrong joint, say)
    is explained by naming the expected claim. ``scenario`` (procedure, guidance, joints or
    nerves, intent) lets the auditor check KX and the units per joint; () if the claim cannot
    be read.
    """
    try:
        audit = audit_claim(typed, coverage, scenario)
    except ClaimError:
        return ()
    given = [line.line for line in audit.lines if line.line is not None]
    right = Counter(closest_claim(expected, given))
    expected_text = ", ".join(line.text() for line in closest_claim(expected, given))
    explained = []
    for line in audit.lines:
        key = line.line and ClaimLine(line.code, normalize_modifiers(line.modifiers), line.units)
        if key is not None and right[key] > 0:
            right[key] -= 1
            continue
        problems = tuple(line.problems) or (
            Problem(
                "differs-from-scenario",
                "error",
                f"{line.text} is not among the lines this scenario codes to ({expected_text}).",
                (),
            ),
        )
        status = line.status if line.problems else "error"
        explained.append(LineExplanation(line.text, status, problems))
    return tuple(explained)
