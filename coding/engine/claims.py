"""Reads claim lines as coders write them: '64493-50, 64494-RT', '64636-RT x2'.

The one claim parser: the quiz's typed answers (``parse_claim``, strict: any unreadable part is
an error) and the claim auditor (``read_claim``, lenient: each line read on its own, an
unreadable line kept with its problem) both read claims here.

Lenient where people differ and strict where a coder would be wrong:

* lines are separated by commas, semicolons, new lines, the word "and", or simply start with the
  next code ("64493-50 +64494-RT");
* a leading "+" (the add-on sign) is ignored; case does not matter (0216t, -rt);
* modifiers follow the code after hyphens, spaces, colons or slashes, in any order
  ("64493-KX-50" = "64493-50-KX"); run together ("64493-50KX") they are split in pairs;
* units: "x2", "X 2", "×2", "*2", "units 2", "units: 2", "2 units", "(2)"; one unit by default.

Anything it cannot read raises ClaimError naming the part as typed (runs of spaces read as one)
and what is wrong with it, for example: Could not read "64493-5O": modifier "5O" is not a modifier.

Reading takes time linear in the text, whatever is typed: lines are split with string operations,
runs of whitespace are collapsed to one space before any pattern sees them, and the patterns then
have no two quantifiers that could share a character (each is "?", a single class repeated, or a
possessive run of digits), so no pattern can backtrack over a run of input.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from coding.engine.vocabulary import CODE_FORMAT, CODE_PATTERN

__all__ = [
    "EXAMPLE",
    "KNOWN_MODIFIERS",
    "MAX_LENGTH",
    "MAX_LINES",
    "ClaimError",
    "ClaimLine",
    "ReadLine",
    "normalize_modifiers",
    "parse_claim",
    "read_claim",
]

MAX_LINES = 20
MAX_UNITS = 99
MAX_LENGTH = 1000

# Modifiers a coder may put on these claims. Unknown pairs of characters ("5O", "RR") are
# reported rather than silently scored as a wrong modifier.
KNOWN_MODIFIERS = frozenset(
    {
        "22", "25", "26", "33", "51", "52", "53", "58", "59", "76", "77", "78", "79", "80",
        "82", "50", "AS", "GA", "GX", "GY", "GZ", "KX", "LT", "PT", "Q0", "RT", "TC", "XE",
        "XP", "XS", "XU",
    }
)  # fmt: skip

EXAMPLE = "64493-50, 64494-RT"

# Between lines: , ; new line, and the word "and" or "&" standing on its own.
_LINE_BREAKS = str.maketrans({",": "\n", ";": "\n", "\r": "\n"})
_AND = frozenset({"and", "&"})
# The patterns below see a line whose whitespace runs are single spaces (see _parts), so " ?"
# stands for the whitespace a coder may type and no two quantifiers compete for a character.
# A new line also starts wherever another code (in any case) begins after a space or a "+".
_CODE_START = re.compile(rf"(?: \+? ?|\+ ?)(?=(?:{CODE_FORMAT})(?![0-9A-Z]))", re.IGNORECASE)
# Units at the end of a line; "\d++" takes the whole run of digits and never gives one back.
_UNITS = (
    # "x 2" after a space, or "x2" run on ("RTx2"); not the X of "KX 50".
    re.compile(r"(?:(?<![A-Z])[X×*] ?|[X×*](?=\d))(\d++)$", re.IGNORECASE),
    re.compile(r"\bunits? ?:? ?(\d++)$", re.IGNORECASE),
    re.compile(r"\b(\d++) ?units?$", re.IGNORECASE),
    re.compile(r"\( ?(\d++) ?\)$"),
)
_MODIFIER_SEPARATORS = re.compile(r"[\s\-–—:/.]+")
_MODIFIER_WORDS = frozenset({"MOD", "MODS", "MODIFIER", "MODIFIERS"})


class ClaimError(ValueError):
    """The claim text cannot be read; ``problems`` lists each unreadable part."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class ClaimLine:
    code: str
    modifiers: tuple[str, ...]  # sorted: the order does not matter on a claim line
    units: int = 1

    def text(self) -> str:
        """The same spelling as the engine's Line.text(): '64636-RT x2'."""
        text = "-".join((self.code, *self.modifiers))
        return f"{text} x{self.units}" if self.units > 1 else text


def modifier_order(modifier: str) -> tuple[int, str]:
    """Pricing modifiers first (50, then sides), then the others, as coders usually write them."""
    preferred = ("50", "RT", "LT")
    if modifier in preferred:
        return (preferred.index(modifier), modifier)
    return (len(preferred), modifier)


def normalize_modifiers(modifiers) -> tuple[str, ...]:
    return tuple(sorted({m.upper() for m in modifiers}, key=modifier_order))


def parse_claim(text: str) -> tuple[ClaimLine, ...]:
    """Claim text to lines, or ClaimError saying which part could not be read and why."""
    read = read_claim(text, max_lines=MAX_LINES, max_length=MAX_LENGTH)
    problems = [line.problem for line in read if line.line is None]
    if problems:
        raise ClaimError(problems)
    return tuple(line.line for line in read)


@dataclass(frozen=True)
class ReadLine:
    """One line of a claim as written: its text, and its line or why it could not be read."""

    text: str  # as written, runs of whitespace read as one space
    line: ClaimLine | None
    problem: str = ""  # 'Could not read "…": …' when line is None
    code: str = ""  # the first word, upper case, when line is None (for a "did you mean")


def read_claim(
    text: str, *, max_lines: int = MAX_LINES, max_length: int | None = None
) -> tuple[ReadLine, ...]:
    """Each line of the claim read on its own; ClaimError only for the claim as a whole (empty,
    too long, too many lines)."""
    max_length = MAX_LENGTH if max_length is None else max_length
    if not isinstance(text, str) or not text.strip():
        raise ClaimError([f"Enter at least one claim line, for example {EXAMPLE}."])
    if len(text) > max_length:
        raise ClaimError([f"That is too long to be a claim: at most {max_length} characters."])
    parts = _parts(text)
    if not parts:
        raise ClaimError([f"Enter at least one claim line, for example {EXAMPLE}."])
    if len(parts) > max_lines:
        raise ClaimError([f"Too many lines ({len(parts)}): a claim here has at most {max_lines}."])
    read = []
    for part in parts:
        try:
            read.append(ReadLine(part, _parse_line(part)))
        except ClaimError as error:
            first = part.lstrip("+ ").split(" ")[0].split("-")[0].upper()
            read.append(ReadLine(part, None, error.problems[0], first))
    return tuple(read)


def _parts(text: str) -> list[str]:
    """The lines of the claim, each with its runs of whitespace collapsed to one space."""
    parts: list[str] = []
    for chunk in text.translate(_LINE_BREAKS).split("\n"):
        words: list[str] = []
        for word in [*chunk.split(), "and"]:  # a last "and" ends the last line of the chunk
            if word.lower() not in _AND:
                words.append(word)
                continue
            pieces = _CODE_START.split(" ".join(words))
            parts.extend(piece.strip() for piece in pieces if piece.strip())
            words = []
    return parts


def _parse_line(part: str) -> ClaimLine:
    def fail(problem: str):
        raise ClaimError([f'Could not read "{part}": {problem}.'])

    body = part.lstrip("+ ").strip()
    units = 1
    for pattern in _UNITS:
        match = pattern.search(body)
        if match:
            units = int(match.group(1))
            body = body[: match.start()].strip()
            break
    if not 1 <= units <= MAX_UNITS:
        fail(f"units must be a whole number from 1 to {MAX_UNITS}, not {units}")
    tokens = [t for t in _MODIFIER_SEPARATORS.split(body.upper()) if t]
    if not tokens:
        fail(f"there is no code in it (for example {EXAMPLE})")
    code, *rest = tokens
    if not CODE_PATTERN.match(code) and CODE_PATTERN.match(code[:5]) and _pieces(code[5:]):
        # "64636RT": the code with its modifiers run on.
        code, rest = code[:5], [code[5:], *rest]
    if not CODE_PATTERN.match(code):
        fail(f'"{code}" is not a code (a code has 5 characters: 64493, 0216T, G0260)')
    modifiers: list[str] = []
    for token in rest:
        if token in _MODIFIER_WORDS:
            continue
        if token.isdigit() and len(token) > 2:
            fail(f'"{token}" is not a modifier; start each code on its own line')
        pieces = _pieces(token)
        if not pieces:
            fail(f'modifier "{token}" is not a modifier')
        modifiers.extend(pieces)
    duplicates = sorted(m for m, count in Counter(modifiers).items() if count > 1)
    if duplicates:
        fail(f"modifier {', '.join(duplicates)} is given twice")
    return ClaimLine(code, normalize_modifiers(modifiers), units)


def _pieces(token: str) -> list[str]:
    """'50' -> ['50'], '50KX' -> ['50', 'KX'] (modifiers run together); [] if any is unknown."""
    pieces = [token[i : i + 2] for i in range(0, len(token), 2)]
    if len(token) % 2 or not all(piece in KNOWN_MODIFIERS for piece in pieces):
        return []
    return pieces
