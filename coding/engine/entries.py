"""Reading a description: joints or nerves with their sides, and the choices of a session.

Lenient on case and spaces: 'L4-5' and 'L5/S1' name joints, 'L5-L4' is 'L4-L5', LT/RT/LEFT/
RIGHT/BILATERAL/BOTH name sides, and commas, semicolons or new lines separate entries. Anything
that cannot be read raises InvalidInput, saying what is wrong and what is allowed.

Reading takes time linear in the text: text longer than MAX_LENGTH is refused before it is read,
entries are split on single characters, spaces are dropped with str.split, and the only patterns
are anchored at both ends and repeat only a bounded number of times (one or two digits), so
none can backtrack over a run of input.
"""

from __future__ import annotations

import re
from enum import StrEnum

from coding.engine.anatomy import (
    ALLOWED_JOINTS,
    ALLOWED_NERVES,
    JOINTS,
    NERVES,
    S1_NERVE,
    TON_NERVE,
    VERTEBRAE,
)
from coding.engine.vocabulary import Side

__all__ = [
    "MAX_ENTRIES",
    "MAX_LENGTH",
    "InvalidInput",
    "coerce_entries",
    "parse_entries",
    "read_choice",
]

MAX_ENTRIES = 50
# 50 entries such as "T10-T11:B" fit with room to spare; longer text is not a description.
MAX_LENGTH = 1000

_SIDE_ALIASES = {
    "L": Side.LEFT,
    "LT": Side.LEFT,
    "LEFT": Side.LEFT,
    "R": Side.RIGHT,
    "RT": Side.RIGHT,
    "RIGHT": Side.RIGHT,
    "B": Side.BOTH,
    "BILATERAL": Side.BOTH,
    "BOTH": Side.BOTH,
}
_JOINT_PATTERN = re.compile(r"^([CTLS])(\d{1,2})(?:-?([CTLS])(\d{1,2})|-(\d{1,2}))$")
_NERVE_PATTERN = re.compile(r"^([CTLS])(\d{1,2})$")
# How a description names the third occipital nerve (spaces removed, upper case).
_TON_NAMES = frozenset(("TON", "3ON", "THIRDOCCIPITAL", "THIRDOCCIPITALNERVE"))
_SEPARATORS = re.compile(r"[,;\n]")


class InvalidInput(ValueError):
    """The description cannot be coded; the message says what is wrong and what is allowed."""


def read_choice[T: StrEnum](value: object, allowed: tuple[T, ...], what: str) -> T:
    """One of the allowed terms, read case-insensitively: ' RFA' -> Procedure.RFA."""
    normalized = value.strip().lower() if isinstance(value, str) else None
    for term in allowed:
        if term == normalized:
            return term
    raise InvalidInput(f"Unknown {what} {value!r}: use one of {', '.join(allowed)}.")


def _canonical_joint(raw: str) -> str:
    name = "".join(str(raw).split()).upper().replace("–", "-").replace("—", "-")
    name = name.replace("/", "-")
    match = _JOINT_PATTERN.match(name)
    if not match:
        raise InvalidInput(
            f"Unknown joint {raw!r}: name a facet joint as two adjacent vertebrae, "
            f"e.g. L4-L5 or L4-5; allowed joints are {ALLOWED_JOINTS}."
        )
    region, number, other_region, other_number, short_number = match.groups()
    upper = f"{region}{int(number)}"
    lower = f"{other_region}{int(other_number)}" if other_region else f"{region}{int(short_number)}"
    for a, b in ((upper, lower), (lower, upper)):
        if f"{a}-{b}" in JOINTS:
            return f"{a}-{b}"
    if upper in VERTEBRAE and lower in VERTEBRAE:
        raise InvalidInput(
            f"{upper}-{lower} is not one facet joint: {upper} and {lower} are not adjacent. "
            f"Name each joint separately (a facet joint lies between two adjacent vertebrae); "
            f"allowed joints are {ALLOWED_JOINTS}."
        )
    raise InvalidInput(
        f"Unknown joint {upper}-{lower}: it is not a paravertebral facet joint of this code "
        f"family. Allowed joints are {ALLOWED_JOINTS}."
    )


def _canonical_nerve(raw: str) -> str:
    name = "".join(str(raw).split()).upper()
    match = _NERVE_PATTERN.match(name)
    canonical = f"{match.group(1)}{int(match.group(2))}" if match else name
    if canonical in NERVES or canonical == S1_NERVE:
        return canonical
    if canonical in _TON_NAMES:
        return TON_NERVE
    raise InvalidInput(f"Unknown nerve {raw!r}: allowed nerves are {ALLOWED_NERVES}.")


def _canonical_side(raw: object, name: str) -> Side:
    side = "".join(str(raw).split()).upper()
    if side in _SIDE_ALIASES:
        return _SIDE_ALIASES[side]
    if not side:
        raise InvalidInput(f"{name} has no side: add :L (left), :R (right) or :B (bilateral).")
    raise InvalidInput(
        f"Side {raw!r} for {name} is not allowed: use L (left), R (right) or B (bilateral)."
    )


def _canonical_name(raw: str, kind: str) -> str:
    return _canonical_joint(raw) if kind == "joints" else _canonical_nerve(raw)


def _check_kind(kind: str) -> str:
    if kind not in ("joints", "nerves"):
        raise InvalidInput(f"Unknown kind {kind!r}: use 'joints' or 'nerves'.")
    return kind


def _split_entry(entry: str) -> tuple[str, str]:
    """'L4-L5:B' or 'L4-L5 B' -> ('L4-L5', 'B'); a missing side raises."""
    if ":" in entry:
        name, _, side = entry.partition(":")
        return name.strip(), side.strip()
    name, _, last = entry.strip().rpartition(" ")
    if name and last.upper() in _SIDE_ALIASES:
        return name.strip(), last
    raise InvalidInput(
        f"{entry.strip()!r} has no side: write it as NAME:SIDE, e.g. "
        f"{entry.strip()}:L, {entry.strip()}:R or {entry.strip()}:B."
    )


def _check_length(text: str, kind: str) -> None:
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            f"The {kind} are too long ({len(text)} characters): at most {MAX_LENGTH} characters."
        )


def _check_count(count: int) -> None:
    if count > MAX_ENTRIES:
        raise InvalidInput(f"Too many entries ({count}): at most {MAX_ENTRIES} are allowed.")


def _parse_entry(entry: str, kind: str) -> tuple[str, Side]:
    raw_name, raw_side = _split_entry(entry)
    name = _canonical_name(raw_name, kind)
    return name, _canonical_side(raw_side, name)


def parse_entries(text: str, kind: str) -> tuple[tuple[str, Side], ...]:
    """'L4-L5:B, L5-S1:R' (kind 'joints') or 'L3:B, L4:B, L5:B' (kind 'nerves') -> pairs.

    Lenient on case and spaces, accepts 'L4-5' for 'L4-L5', LT/RT/left/right/bilateral for the
    side, and commas, semicolons or new lines between entries. Raises InvalidInput naming the bad
    entry and what is allowed.
    """
    _check_kind(kind)
    if not isinstance(text, str):
        raise InvalidInput(f"Expected text such as 'L4-L5:B, L5-S1:R', got {type(text).__name__}.")
    _check_length(text, kind)
    entries = [entry for entry in _SEPARATORS.split(text) if entry.strip()]
    if not entries:
        example = "L4-L5:B, L5-S1:R" if kind == "joints" else "L3:B, L4:B, L5:B"
        raise InvalidInput(f"No {kind} given: list them with their sides, e.g. '{example}'.")
    _check_count(len(entries))
    return tuple(_parse_entry(entry, kind) for entry in entries)


def coerce_entries(value: object, kind: str) -> tuple[tuple[str, Side], ...]:
    """Accept parseable text, or an iterable of (name, side) pairs or 'NAME:SIDE' strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return parse_entries(value, kind) if value.strip() else ()
    try:
        items = list(value)
    except TypeError:
        raise InvalidInput(f"{kind} must be a list of (name, side) pairs.") from None
    _check_count(len(items))
    pairs = []
    for item in items:
        if isinstance(item, str):
            _check_length(item, kind)
            pairs.append(_parse_entry(item, kind))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            name = _canonical_name(item[0], kind)
            pairs.append((name, _canonical_side(item[1], name)))
        else:
            raise InvalidInput(f"Each of the {kind} must be a (name, side) pair, got {item!r}.")
    return tuple(pairs)
