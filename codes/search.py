"""Code search, ranked in Python over the few codes loaded in one query, so that SQLite and
PostgreSQL rank alike.

Order of the results:
1. codes typed exactly ("+64494", "64494", "0216t"), in the order typed;
2. codes starting with what was typed ("6449" lists 64490 to 64495), in code order;
3. keyword matches over the code's structured facts (region, procedure, imaging guidance), its
   synonyms, summary, descriptor and guidance note. What coders type ("MBB", "RFA", "SI joint",
   "zygapophyseal") is mapped to the concept it names; misspelt words ("lumbr") are corrected
   against the words the data uses. Codes matching every word of the query in their facts,
   synonyms or summary come first; codes that only mention some words follow. Among codes that
   match as well, a primary code comes before its add-ons and fluoroscopy/CT before ultrasound,
   unless the query asks for an add-on ("additional level") or for ultrasound.

A query describing a case ("bilateral L4-L5 and L5-S1 medial branch block") is read for what it
says about the code: its sides ("bilateral", "left") are how the code is reported (modifiers),
not words of the code, and are left out of the ranking when the query says anything else.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from coding.engine.vocabulary import Guidance, Procedure, Region

MAX_QUERY_LENGTH = 200

# Each concept, with the phrases (after lowercasing and splitting on anything not a letter or a
# digit) by which coders and the sources name it.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "facet joint": (
        "facet",
        "facets",
        "facet joint",
        "facet joints",
        "zygapophyseal",
        "zygapophysial",
        "zygapophyseal joint",
        "z joint",
        "paravertebral facet",
    ),
    "medial branch block": (
        "mbb",
        "mbbs",
        "medial branch block",
        "medial branch blocks",
        "medial branch nerve block",
        "medial branch nerve blocks",
        "mb block",
    ),
    "injection": (
        "injection",
        "injections",
        "inject",
        "block",
        "blocks",
        "nerve block",
        "intra articular",
        "intraarticular",
        "ia",
    ),
    "radiofrequency ablation": (
        "rfa",
        "rf",
        "rfn",
        "radiofrequency",
        "radio frequency",
        "radiofrequency ablation",
        "ablation",
        "ablate",
        "neurotomy",
        "rhizotomy",
        "denervation",
        "neurolysis",
        "neurolytic",
        "destruction",
    ),
    "sacroiliac joint": (
        "sacroiliac",
        "sacroiliac joint",
        "sacro iliac",
        "si",
        "si joint",
        "sij",
    ),
    "ultrasound": (
        "ultrasound",
        "ultrasound guided",
        "us",
        "us guided",
        "sonography",
        "sonographic",
        "ultrasonography",
    ),
    "fluoroscopy": ("fluoroscopy", "fluoroscopic", "fluoro", "c arm"),
    "ct": ("ct", "computed tomography"),
    "lumbar": ("lumbar", "lumbosacral", "low back", "lower back", "l spine"),
    "sacral": ("sacral", "sacrum"),
    "cervical": ("cervical", "neck", "c spine"),
    "thoracic": ("thoracic", "mid back", "t spine"),
    "trigger point": ("trigger point", "trigger points", "tpi"),
    "no imaging": ("no imaging", "without imaging", "blind"),
}

# What a code's structured fields say about it, whatever words its summary uses.
FIELD_CONCEPTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("region", Region.CERVICAL_THORACIC): ("cervical", "thoracic"),
    ("region", Region.LUMBAR_SACRAL): ("lumbar", "sacral"),
    ("region", Region.SACROILIAC): ("sacroiliac joint",),
    ("procedure", Procedure.INJECTION): ("facet joint", "injection", "medial branch block"),
    ("procedure", Procedure.RFA): ("facet joint", "radiofrequency ablation"),
    ("procedure", Procedure.SI_NERVE_BLOCK): ("sacroiliac joint", "injection"),
    ("procedure", Procedure.SI_NERVE_RFA): ("sacroiliac joint", "radiofrequency ablation"),
    ("procedure", Procedure.SI_JOINT_INJECTION): ("sacroiliac joint", "injection"),
    ("procedure", Procedure.TRIGGER_POINT): ("trigger point", "injection"),
    ("guidance", Guidance.ULTRASOUND): ("ultrasound",),
    ("guidance", Guidance.FLUOROSCOPY_CT): ("fluoroscopy", "ct"),
    ("guidance", Guidance.FLUOROSCOPY): ("fluoroscopy",),
    ("guidance", Guidance.CT): ("ct",),
    ("guidance", Guidance.NONE): ("no imaging",),
}

# A spinal level ("L4", "T12", "C5") names its region.
SPINAL_LEVEL = re.compile(r"^(c[1-8]|t(?:[1-9]|1[0-2])|l[1-5]|s[1-5])$")
LEVEL_CONCEPT = {"c": "cervical", "t": "thoracic", "l": "lumbar", "s": "sacral"}

# Digits, with at most one letter (0216T, G0260): a code or the start of one.
CODE_LIKE = re.compile(r"^(\d{2,5}|\d{4}[a-z]|[a-z]\d{2,4})$")
WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    ("a", "an", "and", "or", "the", "of", "for", "with", "to", "in", "on", "at", "by", "is")
    + ("are", "what", "which", "how", "code", "codes", "cpt")
)

# Words of a case that name its sides: every facet code is reported on either side or both.
SIDE_WORDS = frozenset(
    ("bilateral", "bilat", "unilateral", "left", "right", "both", "side", "sides", "lt", "rt")
)
# Words that ask for an add-on code: then add-ons are not moved after their primary codes.
ADD_ON_WORDS = frozenset(("add", "addon", "additional", "second", "third", "each", "further"))

# How much a match counts, by where it was found.
WEIGHT_FIELD = 3  # the code's region, procedure or guidance, or a synonym listed for it
WEIGHT_SUMMARY = 2
WEIGHT_DESCRIPTOR = 1  # and the guidance note

# Among equally good matches: Category I before Category III (temporary codes for emerging
# technology, which Medicare does not cover here), lumbar/sacral before other regions (where
# most facet procedures are done), then the dataset's own order.
REGION_ORDER = (Region.LUMBAR_SACRAL, Region.CERVICAL_THORACIC, Region.SACROILIAC)
CATEGORY_III = "CPT Category III"

FUZZY_CUTOFF = 0.8
MIN_FUZZY_LENGTH = 4
MIN_PREFIX_LENGTH = 3
MAX_PHRASE = max(len(p.split()) for phrases in CONCEPTS.values() for p in phrases)

PHRASES: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): concept for concept, phrases in CONCEPTS.items() for phrase in phrases
}


class Searchable(Protocol):
    code: str
    code_set: str
    summary: str
    descriptor: str
    guidance_note: str
    synonyms: list
    region: str
    procedure: str
    guidance: str
    add_on: bool
    sort_order: int


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def concepts_in(text_words: list[str]) -> set[str]:
    """The concepts named anywhere in a list of words (longest phrase wins)."""
    found = set()
    for start in range(len(text_words)):
        for size in range(min(MAX_PHRASE, len(text_words) - start), 0, -1):
            concept = PHRASES.get(tuple(text_words[start : start + size]))
            if concept:
                found.add(concept)
                break
    return found


@dataclass
class Entry:
    """One code as the search sees it: each word and concept with the weight it counts for."""

    code: Searchable
    words: dict[str, int] = field(default_factory=dict)
    concepts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, code: Searchable) -> "Entry":
        entry = cls(code)
        texts = [
            (code.guidance_note, WEIGHT_DESCRIPTOR),
            (code.descriptor, WEIGHT_DESCRIPTOR),
            (code.summary, WEIGHT_SUMMARY),
            (" ; ".join(code.synonyms), WEIGHT_FIELD),
        ]
        for text, weight in texts:
            text_words = words(text)
            entry.add(entry.words, text_words, weight)
            entry.add(entry.concepts, concepts_in(text_words), weight)
        for name in ("region", "procedure", "guidance"):
            entry.add(entry.concepts, FIELD_CONCEPTS.get((name, getattr(code, name)), ()), 3)
        return entry

    @staticmethod
    def add(into: dict[str, int], keys: Iterable[str], weight: int) -> None:
        for key in keys:
            into[key] = max(into.get(key, 0), weight)


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: a concept, a whole word, or the start of a word."""

    label: str
    concept: str = ""
    word: str = ""
    prefix: str = ""

    def weight(self, entry: Entry) -> int:
        if self.prefix:
            words = entry.words.items()
            return max((w for word, w in words if word.startswith(self.prefix)), default=0)
        return max(entry.concepts.get(self.concept, 0), entry.words.get(self.word, 0))


@dataclass
class Hit:
    code: Searchable
    kind: str  # "code", "prefix" or "keywords"
    matched: list[str] = field(default_factory=list)
    # Every word of the query matched in the code's facts, synonyms or summary.
    complete: bool = True

    @property
    def reason(self) -> str:
        if self.kind == "code":
            return "Exact code"
        if self.kind == "prefix":
            return "Code starts with what you typed"
        return "Matches " + ", ".join(self.matched)


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    # Words of the query read as another word of the data: {"lumbr": "lumbar"}.
    corrections: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self):
        return iter(self.hits)

    @property
    def codes(self) -> list[str]:
        return [hit.code.code for hit in self.hits]

    @property
    def best(self) -> list[Hit]:
        """Codes typed, code prefixes, and codes matching every word of the query."""
        return [hit for hit in self.hits if hit.complete]

    @property
    def partial(self) -> list[Hit]:
        return [hit for hit in self.hits if not hit.complete]


def normalise_code(text: str) -> str:
    """ "+64494 " → "64494", "0216t" → "0216T"."""
    return text.strip().lstrip("+").strip().upper()


def search(query: str, codes: Iterable[Searchable]) -> Results:
    codes = list(codes)
    results = Results(query=query.strip()[:MAX_QUERY_LENGTH])
    by_code = {code.code.lower(): code for code in codes}
    seen: set[str] = set()

    def add(hit: Hit) -> None:
        if hit.code.code not in seen:
            seen.add(hit.code.code)
            results.hits.append(hit)

    text_parts = []
    prefixes = []
    for token in results.query.lower().split():
        token = token.strip("+,;.")
        if token in by_code:
            add(Hit(by_code[token], "code"))
        elif CODE_LIKE.match(token) and not SPINAL_LEVEL.match(token):
            prefixes.append(token)
        else:
            text_parts.append(token)
    in_code_order = sorted(codes, key=lambda c: c.code)
    for prefix in dict.fromkeys(prefixes):
        for code in in_code_order:
            if code.code.lower().startswith(prefix):
                add(Hit(code, "prefix"))

    entries = [Entry.of(code) for code in codes]
    vocabulary = set(PHRASE_WORDS)
    for entry in entries:
        vocabulary.update(entry.words)
    text = " ".join(text_parts)
    terms = parse(text, vocabulary, results.corrections)
    case_terms = [term for term in terms if term.word not in SIDE_WORDS or term.concept]
    if case_terms:
        terms = case_terms
    if not terms:
        return results
    wants_add_on = bool(set(words(text)) & ADD_ON_WORDS)
    wants_ultrasound = any(term.concept == "ultrasound" for term in terms)
    scored = []
    for entry in entries:
        weights = [(term, term.weight(entry)) for term in terms]
        matched = [term.label for term, weight in weights if weight]
        if matched:
            # A word found only in the guidance note or the descriptor ("not a facet code")
            # does not make the code what the query asks for.
            strong = sum(1 for _, weight in weights if weight >= WEIGHT_SUMMARY)
            total = sum(weight for _, weight in weights)
            later = entry.code.guidance == Guidance.ULTRASOUND and not wants_ultrasound
            key = (-strong, -len(matched), later, -total, *preference(entry.code))
            scored.append((key, entry.code, matched, strong == len(terms)))
    scored.sort(key=lambda row: row[0])
    hits = [
        Hit(code, "keywords", matched, complete=complete) for _, code, matched, complete in scored
    ]
    for hit in hits if wants_add_on else primaries_first(hits):
        add(hit)
    return results


def primaries_first(hits: list[Hit]) -> list[Hit]:
    """The hits with each add-on after the primary code of its family (same region, procedure
    and guidance) when that primary is among them: 64493 before +64494."""
    primaries = {family(hit.code): hit for hit in hits if not hit.code.add_on}
    ordered: list[Hit] = []
    placed: set[str] = set()
    for hit in hits:
        primary = primaries.get(family(hit.code)) if hit.code.add_on else None
        for item in (primary, hit):
            if item is not None and item.code.code not in placed:
                placed.add(item.code.code)
                ordered.append(item)
    return ordered


def family(code: Searchable) -> tuple[str, str, str]:
    return (code.region, code.procedure, code.guidance)


def preference(code: Searchable) -> tuple:
    region = REGION_ORDER.index(code.region) if code.region in REGION_ORDER else len(REGION_ORDER)
    return (code.code_set == CATEGORY_III, region, code.sort_order, code.code)


PHRASE_WORDS = frozenset(word for phrase in PHRASES for word in phrase)


def parse(text: str, vocabulary: set[str], corrections: dict[str, str]) -> list[Term]:
    """The query's words as terms: spelling corrected, phrases read as the concept they name."""
    query_words = []
    for word in words(text):
        if word in STOP_WORDS:
            continue
        query_words.append(correct(word, vocabulary, corrections))
    terms: list[Term] = []
    position = 0
    while position < len(query_words):
        word = query_words[position]
        for size in range(min(MAX_PHRASE, len(query_words) - position), 0, -1):
            phrase = tuple(query_words[position : position + size])
            if phrase in PHRASES:
                terms.append(Term(" ".join(phrase), concept=PHRASES[phrase]))
                position += size
                break
        else:
            position += 1
            if SPINAL_LEVEL.match(word):
                terms.append(Term(word.upper(), concept=LEVEL_CONCEPT[word[0]], word=word))
            elif word in vocabulary:
                terms.append(Term(word, word=word))
            elif len(word) >= MIN_PREFIX_LENGTH:
                terms.append(Term(word + "…", prefix=word))
            else:
                terms.append(Term(word, word=word))
    return list(dict.fromkeys(terms))  # each term once, in the order typed


def correct(word: str, vocabulary: set[str], corrections: dict[str, str]) -> str:
    """A word the data does not use, read as the closest one it does ("lumbr" → "lumbar").

    A word that starts a known word is kept as typed: the search box updates as people type.
    """
    if word in vocabulary or len(word) < MIN_FUZZY_LENGTH or word.isdigit():
        return word
    if any(known.startswith(word) for known in vocabulary):
        return word
    # Typos rarely touch the first letter; requiring it keeps "bilateral" from becoming "lateral".
    candidates = [known for known in vocabulary if known[0] == word[0]]
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=FUZZY_CUTOFF)
    if close:
        corrections[word] = close[0]
        return close[0]
    return word


# --- A query that describes a case ------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What a query that describes a session reads as: its joints (or nerves), the claim the
    engine gives for them, and the wizard with them filled in."""

    sites: str  # "L4-L5:B,L5-S1:B" (or nerves "L3:B,L4:B,L5:B")
    claim: str  # "64493-50, 64494-50"; "" when the query names no procedure
    guidance_assumed: bool  # the claim assumes fluoroscopy: the query names no guidance
    wizard_query: dict[str, str]

    @property
    def wizard_url(self) -> str:
        from django.urls import reverse

        return reverse("coding:wizard") + "?" + urlencode(self.wizard_query, safe=":,")


def search_case(query: str) -> Case | None:
    """The note reader's reading of a query that names levels or nerves with their sides
    ("bilateral L4-L5 and L5-S1 medial branch block"), else None. A query without a digit names
    no level and is not read (the reader loads its language pipeline on first use)."""
    if not any(character.isdigit() for character in query):
        return None
    from coding.engine import InvalidInput, code_claim
    from coding.reader import read_note

    reading = read_note(query)
    kind = "nerves" if reading.nerves else "joints"
    sites = reading.nerves or reading.joints
    if not sites:
        return None
    wizard_query = {
        name: value
        for name, value in (
            ("procedure", reading.procedure),
            ("guidance", reading.guidance),
            (kind, sites),
            ("intent", reading.intent),
        )
        if value
    }
    claim = ""
    if reading.procedure:
        try:
            result = code_claim(
                reading.procedure,
                reading.guidance or Guidance.FLUOROSCOPY,
                intent=reading.intent,
                **{kind: sites},
            )
            claim = result.claim_text()
        except InvalidInput:
            claim = ""
    return Case(sites, claim, reading.guidance is None, wizard_query)
