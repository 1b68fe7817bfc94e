"""Which misconceptions a wrong claim shows, read from the claim itself.

A tag is given only when the given lines show it next to the expected ones: lumbar codes for a
cervical case show "wrong region", a third level where two were done shows "nerves counted as
levels", and so on. A right answer shows none. Pure functions over lines that have a `code`,
`modifiers` and `units` (the engine's Line and the parser's ClaimLine both do).

The returned values are those of quiz.models.Tag (tests/quiz/test_misconceptions.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from coding.engine.families import FAMILIES
from coding.engine.vocabulary import Guidance, Level, Procedure


class LineLike(Protocol):
    code: str
    modifiers: Sequence[str]
    units: int


# code -> (procedure, guidance, region, level) for every facet family code.
FACET = {
    code: (family.procedure, family.guidance, family.region, level)
    for family in FAMILIES
    for level, code in family.codes
}
IMAGING_CODES = frozenset(
    {"77003", "77012", "76942", "72275"}
)  # fluoroscopy, CT, US, epidurography
SACROILIAC_CODES = frozenset({"64451", "64625", "27096", "G0260"})
NO_IMAGING_CODES = frozenset({"20552", "20553"})
DISTINCT = frozenset({"59", "XS", "XU", "XE", "XP"})
SECOND_LEVEL = frozenset({Level.SECOND})
ADD_ONS = frozenset({Level.SECOND, Level.THIRD_PLUS, Level.ADDITIONAL_JOINT})

Lines = Sequence[LineLike]


def _facet(lines: Lines) -> list[LineLike]:
    return [line for line in lines if line.code in FACET]


def _sides(line: LineLike) -> set[str]:
    """The sides a line covers: 50 both, RT or LT one; no side modifier says nothing."""
    modifiers = set(line.modifiers)
    if "50" in modifiers:
        return {"R", "L"}
    return {side for side, mod in (("R", "RT"), ("L", "LT")) if mod in modifiers}


def _units_by_side(lines: Lines, code: str) -> dict[str, int]:
    """Units of `code` per side; a line with no side modifier counts for both."""
    units = {"R": 0, "L": 0}
    for line in lines:
        if line.code == code:
            for side in _sides(line) or {"R", "L"}:
                units[side] += line.units
    return units


def levels(lines: Lines) -> int:
    """Levels (or joints) a claim reports: per code, its units on the busier side."""
    return sum(
        max(_units_by_side(lines, code).values()) for code in {ln.code for ln in _facet(lines)}
    )


def _regions(lines: Lines) -> set:
    return {FACET[line.code][2] for line in _facet(lines)}


def _guidances(lines: Lines) -> set:
    return {FACET[line.code][1] for line in _facet(lines)}


def _rfa_add_on_units(lines: Lines) -> dict[str, int]:
    units = {"R": 0, "L": 0}
    for line in _facet(lines):
        procedure, _, _, level = FACET[line.code]
        if procedure == Procedure.RFA and level == Level.ADDITIONAL_JOINT:
            for side in _sides(line) or {"R", "L"}:
                units[side] += line.units
    return units


def wrong_region(expected: Lines, given: Lines) -> bool:
    return bool(_regions(given)) and _regions(given) != _regions(expected)


def ultrasound(expected: Lines, given: Lines) -> bool:
    mixed_up = bool(_guidances(given)) and _guidances(given) != _guidances(expected)
    ultrasound_billed = any(line.code == "76942" for line in given) and Guidance.ULTRASOUND in (
        _guidances(expected)
    )
    return mixed_up or ultrasound_billed


def imaging_billed(expected: Lines, given: Lines) -> bool:
    wanted = {line.code for line in expected}
    return any(line.code in IMAGING_CODES and line.code not in wanted for line in given)


def nerves_as_levels(expected: Lines, given: Lines) -> bool:
    return bool(_facet(expected)) and levels(given) > levels(expected)


def third_level(expected: Lines, given: Lines) -> bool:
    """A second-level add-on used for more than one level, or the third-level add-on left out
    of a session that had the same number of levels."""
    second_twice = any(
        max(_units_by_side(given, line.code).values()) > 1
        for line in _facet(given)
        if FACET[line.code][3] == Level.SECOND
    )
    third_wanted = any(FACET[line.code][3] == Level.THIRD_PLUS for line in _facet(expected))
    third_given = any(FACET[line.code][3] == Level.THIRD_PLUS for line in _facet(given))
    third_missing = third_wanted and not third_given and levels(given) == levels(expected)
    return second_twice or third_missing


def ablation_units(expected: Lines, given: Lines) -> bool:
    """RFA: the additional-joint units per side differ, or the first joint reported twice."""
    rfa = any(FACET[line.code][0] == Procedure.RFA for line in _facet([*expected, *given]))
    primary_twice = any(
        FACET[line.code][0] == Procedure.RFA
        and FACET[line.code][3] == Level.FIRST_JOINT
        and line.units > 1
        for line in _facet(given)
    )
    return rfa and (primary_twice or _rfa_add_on_units(given) != _rfa_add_on_units(expected))


def _side_sets(lines: Lines) -> dict[str, set[str]]:
    sides: dict[str, set[str]] = {}
    for line in _facet(lines):
        sides.setdefault(line.code, set()).update(_sides(line))
    return sides


def _uses_50(lines: Lines, code: str) -> bool:
    return any(line.code == code and "50" in line.modifiers for line in lines)


def modifier_50(expected: Lines, given: Lines) -> bool:
    """A code billed on other sides than done, where modifier 50 is on one of the two."""
    wanted, got = _side_sets(expected), _side_sets(given)
    return any(
        code in wanted
        and wanted[code] != got[code]
        and (_uses_50(expected, code) or _uses_50(given, code))
        for code in got
    )


def payer_format(expected: Lines, given: Lines) -> bool:
    """Both sides reported, but as 50 where RT and LT lines are wanted, or the reverse."""
    wanted, got = _side_sets(expected), _side_sets(given)
    return any(
        code in wanted
        and wanted[code] == got[code] == {"R", "L"}
        and _uses_50(expected, code) != _uses_50(given, code)
        for code in got
    )


def kx(expected: Lines, given: Lines) -> bool:
    """KX wanted on the facet lines and left off one, or added where none is wanted."""
    given_kx = [("KX" in line.modifiers) for line in _facet(given)]
    if any("KX" in line.modifiers for line in _facet(expected)):
        return not all(given_kx)
    return any(given_kx)


def modifier_51(expected: Lines, given: Lines) -> bool:
    return any("51" in line.modifiers and FACET[line.code][3] in ADD_ONS for line in _facet(given))


def distinct_modifiers(expected: Lines, given: Lines) -> bool:
    wanted = {m for line in expected for m in line.modifiers}
    return any(m in DISTINCT and m not in wanted for line in given for m in line.modifiers)


def sacroiliac(expected: Lines, given: Lines) -> bool:
    return any(line.code in SACROILIAC_CODES for line in expected) and bool(_facet(given))


def no_imaging(expected: Lines, given: Lines) -> bool:
    return any(line.code in NO_IMAGING_CODES for line in expected) and bool(_facet(given))


DETECTORS: tuple[tuple[str, Callable[[Lines, Lines], bool]], ...] = (
    ("wrong-region", wrong_region),
    ("ultrasound", ultrasound),
    ("sacroiliac", sacroiliac),
    ("no-imaging", no_imaging),
    ("nerves-as-levels", nerves_as_levels),
    ("third-level", third_level),
    ("ablation-units", ablation_units),
    ("modifier-50", modifier_50),
    ("payer-format", payer_format),
    ("kx", kx),
    ("modifier-51", modifier_51),
    ("distinct-modifiers", distinct_modifiers),
    ("imaging-billed", imaging_billed),
)


def shown(expected: Lines, given: Lines) -> list[str]:
    """The misconceptions the given claim shows against the expected one, most basic first;
    none for a claim that matches line for line."""
    if _key(expected) == _key(given):
        return []
    return [tag for tag, detect in DETECTORS if detect(expected, given)]


def _key(lines: Lines) -> list[tuple]:
    return sorted((line.code, tuple(sorted(line.modifiers)), line.units) for line in lines)
