"""Our grammar of facet procedure notes: the words and levels a note uses, with their spans.

Pure Python, no spaCy: the text is normalised (every kind of whitespace but the new line becomes
a space, every kind of dash a hyphen, one character for one, so spans stay the note's own), cut
into tokens by one pass of a pattern that cannot backtrack (each alternative is a single run of
one character class), and read token by token. Long words match with one typo ("flouroscopy",
"medial brnach") through a table of their one-letter deletions, so each lookup costs the same
whatever the note says.

What it finds, as ``Mention``s: procedures (medial branch block, intra-articular injection,
radiofrequency ablation), the ablation's modality and temperature, joints ("L4-5", "L4/5",
"L4-L5", "L5S1"), vertebrae that name nerves ("the L3 and L4 medial branches", "L5 dorsal
ramus"), sides, guidance, intent, steroids, other procedures of the same day, CPT codes, and the
header lines (``Procedure:``, ``CPT:``) they stand in. Which mentions count is decided later
(``coding.reader.reading``), with ConText's negation, history and hypothesis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from coding.engine.anatomy import JOINTS, NERVES, S1_NERVE, TON_NERVE, VERTEBRAE

__all__ = [
    "MAX_TOKEN",
    "Mention",
    "Site",
    "Token",
    "mentions",
    "normalise",
    "tokens",
]

# Characters that normalise to a space or a hyphen (one for one, so spans keep their offsets).
_SPACES = str.maketrans(
    dict.fromkeys(
        "\t\r\v\f\u00a0\u2000\u2001\u2002\u2003\u2004\u2005"
        "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        " ",
    )
)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
# One token: a run of letters, a run of digits, or one other character, with the whitespace
# before it; the end of the text matches an empty token. Each alternative is one character
# class repeated, none starts with whitespace and every other character starts one, so a match
# never fails after its whitespace: the pattern cannot backtrack over the text.
_TOKEN = re.compile(r"(\s*)([^\W\d_]+|\d+|[^\s\w]|_|\Z)")
# Longer tokens are cut here: no word of ours is longer, and a 20,000-letter "word" stays cheap.
MAX_TOKEN = 40


def normalise(text: str) -> str:
    """The text with every whitespace but the new line a space, every dash a hyphen."""
    return text.translate(_SPACES).translate(_DASHES)


class Token:
    """One token of the normalised text (a plain slotted class: a note has thousands)."""

    __slots__ = ("end", "is_number", "is_word", "line", "lower", "spaced", "start", "text")

    def __init__(self, text: str, start: int, end: int, spaced: bool, line: int):
        self.text = text  # as written
        self.lower = text.lower()
        self.start = start
        self.end = end
        self.spaced = spaced  # whitespace (or the start of the text) before it
        self.line = line  # 0-based line number
        self.is_number = text.isdigit()
        self.is_word = text.isalpha()


def tokens(text: str) -> list[Token]:
    """The normalised text's tokens, in order. One pass of ``_TOKEN``: each token comes with
    the whitespace before it, which gives its offset, its line and whether it is spaced."""
    found: list[Token] = []
    end = 0
    line = 0
    for space, word in _TOKEN.findall(text):
        if not word:  # the end of the text
            break
        if space:
            start = end + len(space)
            line += space.count("\n")
        else:
            start = end
        end = start + len(word)
        found.append(Token(word[:MAX_TOKEN], start, end, bool(space) or start == 0, line))
    return found


# --- The lexicon ------------------------------------------------------------------------------

# (kind, value): the phrases, as lower-case word sequences. Hyphens and slashes between the
# words of a phrase are skipped ("intra-articular", "C-arm").
_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("procedure", "rfa"): (
        "radiofrequency ablation",
        "radiofrequency neurotomy",
        "radiofrequency denervation",
        "radiofrequency rhizotomy",
        "radiofrequency lesioning",
        "radio frequency ablation",
        "rf ablation",
        "rf neurotomy",
        "rf lesioning",
        "rf denervation",
        "rfa",
        "rfta",
        "rhizotomy",
        "neurotomy",
        "denervation",
        "radiofrequency",
        "ablation",
        "lesioning",
        "lesioned",
        "lesions",
        "lesion",
    ),
    ("procedure", "mbb"): (
        "medial branch blocks",
        "medial branch block",
        "medial branch nerve blocks",
        "medial branch nerve block",
        "mbb",
        "mbbs",
    ),
    ("procedure", "ia"): (
        "intra articular facet joint injections",
        "intra articular facet joint injection",
        "intra articular facet injections",
        "intra articular facet injection",
        "intra articular injections",
        "intra articular injection",
        "intraarticular",
        "intra articular",
        "into the joint",
        "into the facet joint",
        "into each facet joint",
        "into the joint space",
        "ia",
    ),
    ("procedure", "block"): (
        "block",
        "blocks",
        "blocked",
        "nerve block",
        "nerve blocks",
        "injection",
        "injections",
        "injected",
    ),
    ("procedure", "injection"): (
        "facet joint injections",
        "facet joint injection",
        "facet injections",
        "facet injection",
        "facet joint block",
        "facet joint blocks",
        "facet blocks",
        "facet block",
    ),
    ("nerve_word", "medial branch"): (
        "medial branches",
        "medial branch",
        "medial branch nerves",
        "medial branch nerve",
        "mb",
        "mbs",
        "mbn",
        "dorsal ramus",
        "dorsal rami",
        "primary dorsal ramus",
    ),
    # The third occipital nerve names its level itself: it alone supplies C2-C3 (as "TON",
    # upper case only, see mentions()).
    ("nerve", TON_NERVE): ("third occipital nerves", "third occipital nerve", "third occipital"),
    ("modality", "pulsed"): ("pulsed radiofrequency", "pulsed rf", "pulsed", "prf"),
    ("modality", "cooled"): ("cooled radiofrequency", "cooled rf", "cooled", "coolief"),
    ("modality", "chemical"): ("chemical neurolysis", "chemical", "phenol", "alcohol neurolysis"),
    ("modality", "cryo"): ("cryoablation", "cryoneurolysis", "cryoneurotomy", "cryo"),
    ("modality", "laser"): ("laser",),
    ("modality", "thermal"): ("thermal", "conventional radiofrequency", "heat lesion"),
    ("guidance", "fluoroscopy"): (
        "fluoroscopy",
        "fluoroscopic",
        "fluoroscopically",
        "fluoro",
        "c arm",
    ),
    ("guidance", "ct"): ("ct", "computed tomography", "ct guided", "ct guidance"),
    ("guidance", "ultrasound"): (
        "ultrasound",
        "ultrasonography",
        "ultrasonographic",
        "sonographic",
        "sonography",
        "us guided",
        "us guidance",
    ),
    ("guidance", "none"): (
        "landmark",
        "landmarks",
        "landmark based",
        "palpation",
        "without imaging",
        "without image guidance",
        "without fluoroscopy",
        "no imaging",
        "no image guidance",
        "no fluoroscopy",
    ),
    ("intent", "diagnostic"): (
        "diagnostic",
        "confirmatory",
        "comparative",
        "dx",
    ),
    ("intent", "therapeutic"): ("therapeutic",),
    ("steroid", "steroid"): (
        "steroid",
        "corticosteroid",
        "depo medrol",
        "depomedrol",
        "kenalog",
        "triamcinolone",
        "dexamethasone",
        "decadron",
        "methylprednisolone",
        "betamethasone",
        "celestone",
    ),
    ("other", "epidural"): (
        "epidural",
        "esi",
        "transforaminal",
        "interlaminar",
    ),
    ("other", "sacroiliac"): (
        "sacroiliac",
        "si joint",
        "si joints",
        "lateral branch",
        "lateral branches",
    ),
    ("other", "trigger point"): ("trigger point", "trigger points"),
    ("other", "other"): (
        "genicular",
        "kyphoplasty",
        "vertebroplasty",
        "discogram",
        "discography",
        "occipital nerve block",
        "stellate",
    ),
    ("study", "image"): ("scan", "scans", "mri", "x ray", "xray", "radiographs", "radiograph"),
    ("landmark", "landmark"): (
        "transverse process",
        "transverse processes",
        "articular process",
        "articular processes",
        "superior articular process",
        "superior articular processes",
        "articular pillar",
        "articular pillars",
        "pillar",
        "pillars",
        "sacral ala",
        "ala",
        "pedicle",
        "pedicles",
        "lamina",
        "laminae",
        "spinous process",
        "vertebral body",
        "neural foramen",
        "foramen",
    ),
    ("study", "finding"): (
        "showed",
        "shows",
        "demonstrated",
        "demonstrates",
        "revealed",
        "reveals",
        "evidence",
        "findings",
    ),
    ("side", "B"): (
        "bilateral",
        "bilaterally",
        "bilat",
        "both sides",
        "each side",
        "b l",
    ),
    ("side", "R"): ("right", "right sided", "rt", "right side"),
    ("side", "L"): ("left", "left sided", "lt", "left side"),
    ("header", "procedure"): (
        "procedure",
        "procedures",
        "procedure performed",
        "procedures performed",
        "name of procedure",
        "title of procedure",
        "operation",
        "operations",
        "operation performed",
        "cpt",
        "cpt codes",
        "cpt code",
        "codes",
    ),
}

# Words matched only as written (short or common words where one typo would match something else).
_EXACT_ONLY_BELOW = 6
# Phrases that must start a line and end in ':' to count (a header label).
_HEADER_KIND = "header"
# The side letters of a table column ("L4-5 | R"): upper-case, standing alone.
_SIDE_LETTERS = {"R": "R", "L": "L", "B": "B"}
# Between the words of a phrase: skipped.
_JOINERS = {"-", "/"}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_lexicon() -> tuple[dict, dict, int]:
    phrases: dict[tuple[str, ...], tuple[str, str]] = {}
    for key, texts in _PHRASES.items():
        for text in texts:
            phrases[tuple(text.split())] = key
    words = {word for phrase in phrases for word in phrase}
    # A one-letter deletion of a long word, to that word; None when it is one of two words.
    fuzzy: dict[str, str | None] = {}
    for word in words:
        if len(word) >= _EXACT_ONLY_BELOW:
            for variant in _deletions(word):
                fuzzy[variant] = word if fuzzy.get(variant, word) == word else None
    longest = max(len(phrase) for phrase in phrases)
    return phrases, fuzzy, longest


_PHRASE_KEYS, _FUZZY, _LONGEST = _build_lexicon()
_WORDS = {word for phrase in _PHRASE_KEYS for word in phrase}
# Every beginning of a phrase: reading stops as soon as the words read begin none.
_PREFIXES = {phrase[:n] for phrase in _PHRASE_KEYS for n in range(1, len(phrase) + 1)}
# One typo leaves a word's first three or last three letters as they were: a token that shares
# neither with any long lexicon word is no typo of one, and is not looked up further.
_LONG = [word for word in _WORDS if len(word) >= _EXACT_ONLY_BELOW]
_HEADS = {word[:3] for word in _LONG}
_TAILS = {word[-3:] for word in _LONG}
# How many words ``spelled`` remembers the reading of (each at most ``MAX_TOKEN`` letters).
_RESPELLED = 8192
# The first words of the phrases: a word that spells none of them begins no phrase.
_FIRST_WORDS = frozenset(phrase[0] for phrase in _PHRASE_KEYS)


def spelled(lower: str) -> str:
    """The lexicon word a token stands for, allowing one typo in words of six letters or more."""
    if lower in _WORDS or len(lower) < _EXACT_ONLY_BELOW or len(lower) > MAX_TOKEN:
        return lower
    if lower[:3] not in _HEADS and lower[-3:] not in _TAILS:
        return lower
    return _respelled(lower)


@lru_cache(maxsize=_RESPELLED)
def _respelled(lower: str) -> str:
    """``spelled`` for a word that may be a typo of a lexicon word: a dozen lookups of its
    one-letter deletions, remembered for the words notes use again and again ("patient",
    "performed"), a bounded number of them.

    Only a typo of one word is read as that word. One that two words explain ("medoal": medial
    or medrol) is left as written, so the reading never depends on which is tried first."""
    found = {_FUZZY[lower]} if lower in _FUZZY else set()  # a letter too many
    for variant in _deletions(lower):  # a letter missing, wrong or swapped
        if variant in _WORDS and len(variant) >= _EXACT_ONLY_BELOW:
            found.add(variant)
        if variant in _FUZZY:
            found.add(_FUZZY[variant])
    return found.pop() if len(found) == 1 and None not in found else lower


# --- Mentions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A joint or a nerve, as named at one place in the note."""

    kind: str  # "joint" | "nerve" | "range"
    name: str  # "L4-L5", "L3", "L3-L5" (a range: not one joint)


@dataclass
class Mention:
    """Something the note says, with its span and token positions."""

    kind: str  # procedure, modality, temperature, joint, nerve, range, side, guidance, ...
    value: str
    start: int
    end: int
    first: int  # index of the first token
    last: int  # index of the last token
    line: int
    extra: dict = field(default_factory=dict)


_VERTEBRA_INDEX = {name: index for index, name in enumerate(VERTEBRAE)}
_NERVES = frozenset(NERVES) | {S1_NERVE}
_JOINTS = frozenset(JOINTS)
_CODE_NUMBERS = {str(n) for n in (*range(64490, 64496), *range(64633, 64637))}
_CATEGORY_III = {f"02{n}" for n in range(13, 19)}  # 0213T … 0218T
# Words that begin a mention without being a phrase's first word: a vertebra's letter ("L" of
# "L4"), the third occipital nerve's "TON", a table's side letter.
_VERTEBRA_LETTERS = frozenset("ctls")
_LETTER_WORDS = frozenset({"TON", *_SIDE_LETTERS})


def _vertebra(toks: list[Token], i: int) -> tuple[str, int] | None:
    """'L4' at token i (a letter C, T, L or S, then a number without a space): (name, next i)."""
    if i + 1 >= len(toks):
        return None
    letter, number = toks[i], toks[i + 1]
    if len(letter.lower) != 1 or letter.lower not in "ctls" or not number.is_number:
        return None
    if number.spaced or len(number.text) > 2:
        return None
    name = f"{letter.text.upper()}{int(number.text)}"
    if name == "C8":  # a nerve, not a vertebra
        return name, i + 2
    if name not in _VERTEBRA_INDEX and name not in _NERVES:
        return None
    return name, i + 2


def _site(toks: list[Token], i: int) -> tuple[Site, int] | None:
    """A joint ('L4-5', 'L4/L5', 'L5S1', 'L5-S1') or a lone vertebra ('L3') at token i."""
    first = _vertebra(toks, i)
    if first is None:
        return None
    name, j = first
    k = j
    if k < len(toks) and toks[k].text in ("-", "/") and k + 1 < len(toks):
        k += 1
    elif not (k < len(toks) and not toks[k].spaced and toks[k].lower in "ctls"):
        return Site("nerve", name), j
    second = _vertebra(toks, k)
    if second is not None:
        other, end = second
    elif k > j and toks[k].is_number and len(toks[k].text) <= 2:
        other, end = f"{name[0]}{int(toks[k].text)}", k + 1
    else:
        return Site("nerve", name), j
    if other == "C8":
        other = "T1"
    if name in _VERTEBRA_INDEX and other in _VERTEBRA_INDEX:
        low, high = sorted((name, other), key=_VERTEBRA_INDEX.__getitem__)
        joint = f"{low}-{high}"
        if joint in _JOINTS:
            return Site("joint", joint), end
        if low != high:
            return Site("range", joint), end
    return Site("nerve", name), j


def _phrase(toks: list[Token], i: int) -> tuple[tuple[str, str], int] | None:
    """The longest lexicon phrase starting at token i: ((kind, value), next i)."""
    words: list[str] = []
    best = None
    k = i
    while k < len(toks) and len(words) < _LONGEST:
        token = toks[k]
        if words and token.text in _JOINERS:
            k += 1
            continue
        if not token.is_word:
            break
        if words and toks[k].line != toks[i].line:
            break
        words.append(spelled(token.lower))
        read = tuple(words)
        if read not in _PREFIXES:
            break
        key = _PHRASE_KEYS.get(read)
        if key is not None:
            best = (key, k + 1)
        k += 1
    return best


def _is_header(toks: list[Token], i: int, end: int) -> bool:
    """A header label: the first word of its line, followed by ':'."""
    starts_line = i == 0 or toks[i - 1].line != toks[i].line
    return starts_line and end < len(toks) and toks[end].text == ":"


def _temperature(toks: list[Token], i: int) -> tuple[int, int] | None:
    """'80 °C', '80C', '80 degrees', '90 deg C' at token i: (degrees, next i)."""
    token = toks[i]
    if not token.is_number or len(token.text) > 3:
        return None
    k = i + 1
    if k < len(toks) and toks[k].text in ("°", "º"):
        k += 1
        if k < len(toks) and toks[k].lower in ("c", "celsius"):
            k += 1
        return int(token.text), k
    if k < len(toks) and toks[k].lower in ("c", "celsius", "degrees", "degree", "deg"):
        k += 1
        if k < len(toks) and toks[k].lower in ("c", "celsius") and toks[k - 1].lower != "c":
            k += 1
        return int(token.text), k
    return None


def _code(toks: list[Token], i: int) -> tuple[str, int] | None:
    token = toks[i]
    if token.text in _CODE_NUMBERS:
        return token.text, i + 1
    if token.text in _CATEGORY_III and i + 1 < len(toks):
        after = toks[i + 1]
        if after.lower == "t" and not after.spaced:
            return f"{token.text}T", i + 2
    return None


def mentions(text: str) -> tuple[list[Token], list[Mention]]:
    """The tokens of the normalised text and every mention in it, in order, none overlapping."""
    toks = tokens(text)
    found: list[Mention] = []

    def add(kind: str, value: str, i: int, end: int, **extra) -> None:
        found.append(
            Mention(kind, value, toks[i].start, toks[end - 1].end, i, end - 1, toks[i].line, extra)
        )

    i = 0
    while i < len(toks):
        token = toks[i]
        # Each reading below begins at a number (a code, a temperature), a vertebra's letter,
        # "TON", a side letter or a word that spells a phrase's first word: most words are none.
        if not token.is_number and not (
            token.is_word
            and (
                token.lower in _VERTEBRA_LETTERS
                or token.text in _LETTER_WORDS
                or spelled(token.lower) in _FIRST_WORDS
            )
        ):
            i += 1
            continue
        site = _site(toks, i)
        if site is not None:
            (kind, name), end = (site[0].kind, site[0].name), site[1]
            add(kind, name, i, end)
            i = end
            continue
        code = _code(toks, i)
        if code is not None:
            add("code", code[0], i, code[1])
            i = code[1]
            continue
        degrees = _temperature(toks, i)
        if degrees is not None:
            add("temperature", str(degrees[0]), i, degrees[1])
            i = degrees[1]
            continue
        if token.text == "TON":  # the third occipital nerve, abbreviated
            add("nerve", TON_NERVE, i, i + 1)
            i += 1
            continue
        if token.text in _SIDE_LETTERS and _lone_letter(toks, i):
            add("side", _SIDE_LETTERS[token.text], i, i + 1)
            i += 1
            continue
        phrase = _phrase(toks, i)
        if phrase is not None:
            (kind, value), end = phrase
            if (
                (kind, value) == ("intent", "diagnostic")
                and toks[i].lower == "dx"
                and (end < len(toks) and toks[end].text == ":")
            ):
                i = end  # "Dx:" heads a diagnosis, not the intent
                continue
            if kind == _HEADER_KIND:
                if _is_header(toks, i, end):
                    add(kind, value, i, end + 1)
                    i = end + 1
                    continue
            else:
                add(kind, value, i, end)
                i = end
                continue
        i += 1
    return toks, found


def _lone_letter(toks: list[Token], i: int) -> bool:
    """R, L or B alone in a table cell or in brackets: '| R |', '(L)', 'L4-5 R'."""
    token = toks[i]
    after = toks[i + 1] if i + 1 < len(toks) else None
    glued = after is not None and not after.spaced and after.line == token.line
    if glued and after.text not in (")", "|", ",", ";", "."):
        return False
    if i == 0:
        return True
    before = toks[i - 1]
    return before.text in ("|", "(", ":", ",") or before.line != token.line or before.is_number
