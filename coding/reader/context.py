"""Sentences and context: which mentions are negated, historical or hypothetical.

medspaCy's ConText (NegEx's successor) marks each of our mentions, with medspaCy's default rules
plus ours for procedure notes ("prior RFA", "will consider RFA if positive"), within the
sentence of each. The pipeline is built once per process, on first use, under a lock: importing
medspaCy and building it takes several seconds (see the README).

Sentences end at a new line and after '.', '?' or '!' (``sentence_starts`` in the note,
``_doc`` in the tokens ConText reads). medspaCy's own splitter, PyRuSH, was measured and left
out: its pure-Python rule engine took 0.6 s for a 2,500-character note and 10 s for 20,000
characters of "L4-5 L4-5 …", and it writes every token of the text to loguru's debug log
(stderr by default), which would put the note in a log. Its logging is switched off all the
same, in case medspaCy loads it.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from copy import copy
from dataclasses import dataclass
from itertools import pairwise, product
from math import prod

__all__ = ["Context", "analyse", "pipeline", "sections"]

NEGATED = "negated"
HISTORICAL = "historical"
HYPOTHETICAL = "hypothetical"

# Our rules, beside medspaCy's defaults: (literal, category, direction[, reach]). FORWARD applies
# to what follows in the sentence, BACKWARD to what precedes it; a reach (in tokens) keeps "after
# two positive blocks, under fluoroscopy, …" from making today's guidance history.
_RULES = (
    ("prior", "HISTORICAL", "FORWARD", 5),
    ("previous", "HISTORICAL", "FORWARD", 5),
    ("previously", "HISTORICAL", "BIDIRECTIONAL"),
    ("has had", "HISTORICAL", "FORWARD", 6),
    ("had undergone", "HISTORICAL", "FORWARD", 6),
    ("had", "HISTORICAL", "FORWARD", 8),
    ("status post", "HISTORICAL", "FORWARD", 6),
    ("s/p", "HISTORICAL", "FORWARD", 6),
    ("last year", "HISTORICAL", "BIDIRECTIONAL"),
    ("last month", "HISTORICAL", "BIDIRECTIONAL"),
    ("last week", "HISTORICAL", "BIDIRECTIONAL"),
    ("months ago", "HISTORICAL", "BACKWARD"),
    ("years ago", "HISTORICAL", "BACKWARD"),
    ("weeks ago", "HISTORICAL", "BACKWARD"),
    ("in the past", "HISTORICAL", "BIDIRECTIONAL"),
    ("after two positive", "HISTORICAL", "FORWARD", 5),
    ("following two positive", "HISTORICAL", "FORWARD", 5),
    ("following positive", "HISTORICAL", "FORWARD", 5),
    ("after positive", "HISTORICAL", "FORWARD", 5),
    ("gave", "HISTORICAL", "BACKWARD", 6),
    ("relief from", "HISTORICAL", "FORWARD", 5),
    ("relief with", "HISTORICAL", "FORWARD", 5),
    ("relief after", "HISTORICAL", "FORWARD", 5),
    ("will consider", "HYPOTHETICAL", "FORWARD"),
    ("consider", "HYPOTHETICAL", "FORWARD"),
    ("considering", "HYPOTHETICAL", "FORWARD"),
    ("if positive", "HYPOTHETICAL", "BACKWARD"),
    ("if relief", "HYPOTHETICAL", "BACKWARD"),
    ("if the patient", "HYPOTHETICAL", "BACKWARD"),
    ("will proceed with", "HYPOTHETICAL", "FORWARD"),
    ("may proceed", "HYPOTHETICAL", "FORWARD"),
    ("plan", "HYPOTHETICAL", "FORWARD"),
    ("plan for", "HYPOTHETICAL", "FORWARD"),
    ("planned", "HYPOTHETICAL", "BIDIRECTIONAL"),
    ("plans", "HYPOTHETICAL", "FORWARD"),
    ("schedule", "HYPOTHETICAL", "FORWARD"),
    ("scheduled", "HYPOTHETICAL", "BIDIRECTIONAL"),
    ("candidate for", "HYPOTHETICAL", "FORWARD"),
    ("next step", "HYPOTHETICAL", "FORWARD"),
    ("would", "HYPOTHETICAL", "FORWARD"),
    ("recommend", "HYPOTHETICAL", "FORWARD"),
    ("recommended", "HYPOTHETICAL", "FORWARD"),
    ("return for", "HYPOTHETICAL", "FORWARD"),
    # The passive future of a plan: "radiofrequency ablation may be considered afterwards",
    # "a second block at the same levels will be scheduled".
    *(
        (f"{verb} be {done}", "HYPOTHETICAL", "BACKWARD")
        for verb in ("will", "may", "might", "could", "would", "can", "should", "to")
        for done in ("considered", "scheduled", "offered", "discussed", "planned", "repeated")
    ),
    ("is not planned", "NEGATED_EXISTENCE", "BACKWARD"),
    # What the note rules out: "medial branch blocks are not technically possible",
    # "pregnancy precludes fluoroscopy".
    ("not possible", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not technically possible", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not feasible", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not suitable", "NEGATED_EXISTENCE", "BACKWARD"),
    ("impossible", "NEGATED_EXISTENCE", "BACKWARD"),
    ("contraindicated", "NEGATED_EXISTENCE", "BACKWARD"),
    ("precludes", "NEGATED_EXISTENCE", "FORWARD"),
    ("preclude", "NEGATED_EXISTENCE", "FORWARD"),
    ("precluded", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not indicated", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not performed", "NEGATED_EXISTENCE", "BACKWARD"),
    ("was not", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("were not", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("not done", "NEGATED_EXISTENCE", "BACKWARD"),
    ("deferred", "NEGATED_EXISTENCE", "BACKWARD"),
    ("cancelled", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("canceled", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("aborted", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
)

# medspaCy default triggers that misread procedure notes: "without complication" must not negate
# the levels of the same sentence, nor "positive" make the day's procedure uncertain.
_DROPPED = frozenset(
    {"without", "free", "free of", "resolved", "past", "history", "was not", "were not"}
)

# ConText compares every modifier with every target of a sentence: a sentence longer than any
# a note needs (a dictation without full stops, or text made to be slow) is cut here.
MAX_SENTENCE = 400
# How much text (in characters) ConText reads at a time: a few sentences.
CHUNK = 1_000

_lock = threading.Lock()
_nlp = None


def pipeline():
    """The medspaCy pipeline (PyRuSH sentences, ConText), built once per process."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = _build()
    return _nlp


_ENDS = frozenset({".", "?", "!"})


# Where the text ConText reads is cut to be tokenized (see ``_doc``): after each line break
# that joins two sentences, unless whitespace follows it. One fixed character and a lookahead
# of one: the pattern cannot backtrack.
_PIECE_CUT = re.compile(r"\n(?=\S)")


def _doc(nlp, text: str):
    """The doc ConText reads: spaCy's tokens of ``text`` (sentences joined by line breaks), a
    sentence starting at the first token, after a line break, and after '.', '?' or '!'.

    Why the text is tokenized a sentence at a time: spaCy keeps each run of text between
    spaces it has tokenized in a cache, but stops adding to the cache for the rest of a text
    once it has met a special case in it, and a line break is one; so the joined text would be
    tokenized word by word with its affix patterns every time. spaCy tokenizes each run
    between whitespace on its own, and its only special cases with whitespace are single
    whitespace characters, so texts cut right after a whitespace character that a
    non-whitespace one follows have, together, the tokens of the whole text
    (``test_reader_context`` checks the special cases and the tokens).

    The doc is built from the tokens with the sentence starts as numbers: setting
    ``is_sent_start`` token by token costs spaCy time quadratic in the text."""
    import numpy
    from spacy.attrs import IDX, IS_SPACE, LENGTH, ORTH, SENT_START, SPACY
    from spacy.tokens import Doc

    if len(text) > nlp.max_length:
        nlp.make_doc(text)  # spaCy's own error for a text over its limit
    cuts = [0, *(match.end() for match in _PIECE_CUT.finditer(text)), len(text)]
    ends = {nlp.vocab.strings[end] for end in _ENDS}
    words: list[int] = []
    spaces: list[int] = []
    starts: list[int] = []  # as spaCy stores them: 1 starts a sentence, -1 does not
    after_end = True  # the first token starts a sentence, whatever it is
    for start, end in pairwise(cuts):
        piece = text[start:end]
        found = nlp.make_doc(piece).to_array([ORTH, SPACY, IS_SPACE, IDX, LENGTH])
        for orth, spaced, is_space, offset, length in found.tolist():
            words.append(orth)
            spaces.append(spaced)
            starts.append(1 if after_end and not (is_space and starts) else -1)
            after_end = (is_space and "\n" in piece[offset : offset + length]) or orth in ends
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    # As ``Doc(..., sent_starts=...)`` sets them (an unsigned 64-bit array), without its loop.
    return doc.from_array([SENT_START], numpy.array(starts, dtype=numpy.int32).astype(numpy.uint64))


def _build():
    from loguru import logger

    logger.disable("PyRuSH")  # it logs every token of the text: never the note
    import medspacy  # noqa: F401 - registers the medspacy_* factories
    import spacy
    from medspacy.context import ConTextRule

    nlp = spacy.blank("en")
    context = nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": "facet",
        },
    )
    defaults = ConTextRule.from_json(context.DEFAULT_RULES_FILEPATH)
    context.add(
        [
            phrase
            for rule in defaults
            if rule.literal.lower() not in _DROPPED
            for phrase in _as_phrases(rule)
        ]
    )
    context.add(
        [
            ConTextRule(
                rule[0], rule[1], direction=rule[2], max_scope=rule[3] if len(rule) > 3 else None
            )
            for rule in _RULES
        ]
    )
    return nlp


_MOST_PHRASES = 64


def _as_phrases(rule) -> list:
    """The rule as rules of plain phrases, where its token pattern is only words or sets of
    words, some optional ("patient|pt was|is not"): the same matches, found by spaCy's phrase
    matcher instead of its token matcher, which tests a set of words in Python for every token
    of the text and took half of the time of reading a note. Any other pattern is kept, and so
    is one that would make more than ``_MOST_PHRASES`` phrases (medspaCy's "family": its
    relatives, each with or without "'s")."""
    if rule.pattern is None:
        return [rule]
    choices: list[list[str | None]] = []
    for token in rule.pattern:
        if set(token) - {"LOWER", "OP"} or token.get("OP", "?") != "?":
            return [rule]
        words = token["LOWER"]
        if isinstance(words, dict):
            if set(words) != {"IN"}:
                return [rule]
            words = words["IN"]
        # A token is one word: a value with a space in it never matched, and still does not.
        options = [
            word for word in ([words] if isinstance(words, str) else words) if " " not in word
        ]
        choices.append(options + ([None] if "OP" in token else []))
    if prod(len(options) for options in choices) > _MOST_PHRASES:
        return [rule]
    phrases = []
    for words in product(*choices):
        literal = " ".join(word for word in words if word is not None)
        if literal:
            phrase = copy(rule)
            phrase.literal, phrase.pattern = literal, None
            phrases.append(phrase)
    return phrases


@dataclass(frozen=True)
class Context:
    """The note's sentence starts and the context of each span asked about."""

    sentence_starts: tuple[int, ...]  # character offsets, ascending
    labels: tuple[str | None, ...]  # per span: negated, historical, hypothetical or None

    def sentence_of(self, offset: int) -> int:
        return bisect_right(self.sentence_starts, offset) - 1


# Where a sentence ends: a line break, or '.', '?' or '!' and a space (the ending is the last
# character of the match); then the next character that is neither starts the next sentence.
# Each alternative is a fixed string, so neither pattern can backtrack.
_SENTENCE_END = re.compile(r"\n|[.?!] ")
_SENTENCE_TEXT = re.compile(r"[^ \n]")


def sentence_starts(text: str) -> tuple[int, ...]:
    """Where each sentence starts: the text's start, each line, and after '.', '?' or '!'
    followed by a space; a run-on "sentence" is cut at its first space more than
    ``MAX_SENTENCE`` characters after its start. One pass over the text: the regular
    expressions jump from one ending to the next, and each ending is searched for once (a
    run-on sentence's cuts do not search the rest of the text again)."""
    starts = [0]
    start = 0
    end = -1  # the next ending at or after ``start``; -1: not searched yet
    while True:
        if end < start:
            found = _SENTENCE_END.search(text, start)
            end = found.end() - 1 if found is not None else len(text)
        cut = text.find(" ", start + MAX_SENTENCE + 1, end)
        ending = cut if cut != -1 else end
        following = _SENTENCE_TEXT.search(text, ending + 1)
        if following is None:
            return tuple(starts)
        start = following.start()
        starts.append(start)


# Section labels of a templated note, by the words of the label ("PLAN:", "Discharge
# instructions:", "Past surgical history:"): what such a section names is not the day's procedure.
PLANNED = "planned"
DIAGNOSIS = "diagnosis"
OTHER = "other"  # "Procedure 1 - transforaminal epidural:", a section about another procedure
_SECTION_WORDS = {
    "plan": PLANNED,
    "plans": PLANNED,
    "recommendation": PLANNED,
    "recommendations": PLANNED,
    "follow": PLANNED,
    "followup": PLANNED,
    "discharge": PLANNED,
    "instructions": PLANNED,
    "history": HISTORICAL,
    "diagnosis": DIAGNOSIS,
    "diagnoses": DIAGNOSIS,
}
# Words of a label that name another procedure of the day.
_OTHER_WORDS = frozenset(
    {
        "epidural",
        "esi",
        "transforaminal",
        "interlaminar",
        "caudal",
        "sacroiliac",
        "si",
        "trigger",
        "genicular",
        "kyphoplasty",
        "vertebroplasty",
        "discogram",
        "discography",
        "stellate",
    }
)
# Words that keep a label about today: "History of present illness", "Plan for today".
_SECTION_TODAY = frozenset({"present", "today"})
# A label is a line's first words, at most this many, then ':'.
_LABEL_WORDS = 5


def sections(text: str) -> tuple[tuple[int, str | None], ...]:
    """Where each section starts, in order: (offset, what it is about: planned, historical, a
    diagnosis, another procedure, or None for the rest). A section starts at a label's line and
    ends at the next label or blank line, or at the end of its line when the label has its
    text beside it ("Plan: RFA if positive." then the next line is not the plan's). One pass
    over the lines."""
    found: list[tuple[int, str | None]] = []
    offset = 0
    for line in text.split("\n"):
        if not line.strip() and found and found[-1][1] is not None:
            found.append((offset, None))
        label, colon, rest = line.partition(":")
        words = label.replace("-", " ").replace("/", " ").replace("&", " ").lower().split()
        if (
            colon
            and 0 < len(words) <= _LABEL_WORDS
            and all(word.isalnum() for word in words)
            and line[:1].isalpha()
        ):
            kinds = {_SECTION_WORDS[word] for word in words if word in _SECTION_WORDS}
            if _OTHER_WORDS & set(words):
                kind = OTHER
            elif len(kinds) == 1 and not _SECTION_TODAY & set(words):
                kind = kinds.pop()
            else:
                kind = None
            found.append((offset, kind))
            if kind is not None and rest.strip():
                found.append((offset + len(line) + 1, None))
        offset += len(line) + 1
    return tuple(found)


def analyse(text: str, spans: list[tuple[int, int]]) -> Context:
    """Split ``text`` into sentences and give each (start, end) character span its context.

    Only the sentences that hold a span go through ConText, a few at a time (``CHUNK``
    characters): ConText compares every modifier of a text with every target of it, so one
    long text would cost time quadratic in its length, and a two-page note is mostly consent,
    vitals and medications, which then cost nothing.
    """
    starts = sentence_starts(text)
    context = Context(starts, ())
    bounds = (*starts[1:], len(text))
    by_sentence: dict[int, list[int]] = {}
    for index, (start, _) in enumerate(spans):
        by_sentence.setdefault(context.sentence_of(start), []).append(index)
    labels: list[str | None] = [None] * len(spans)
    chunk: list[int] = []
    size = 0
    for sentence in sorted(by_sentence):
        chunk.append(sentence)
        size += bounds[sentence] - starts[sentence] + 1
        if size >= CHUNK:
            _mark(text, spans, chunk, by_sentence, starts, bounds, labels)
            chunk, size = [], 0
    if chunk:
        _mark(text, spans, chunk, by_sentence, starts, bounds, labels)
    return Context(starts, tuple(labels))


def _mark(text, spans, sentences, by_sentence, starts, bounds, labels) -> None:
    """Run ConText over some sentences of the note, joined by line breaks, and set the labels
    of their spans."""
    pieces = []
    shift: dict[int, int] = {}  # sentence -> offset in the short text minus offset in the note
    length = 0
    for sentence in sentences:
        piece = text[starts[sentence] : bounds[sentence]].replace("\n", " ")
        shift[sentence] = length - starts[sentence]
        pieces.append(piece)
        length += len(piece) + 1
    nlp = pipeline()
    doc = _doc(nlp, "\n".join(pieces))
    group = []
    marked_of: dict[int, int] = {}
    for sentence in sentences:
        moved = shift[sentence]
        for index in by_sentence[sentence]:
            start, end = spans[index]
            span = doc.char_span(start + moved, end + moved, "FACET", alignment_mode="expand")
            if span is not None:
                marked_of[index] = len(group)
                group.append(span)
    doc.spans["facet"] = group
    doc = nlp.get_pipe("medspacy_context")(doc)
    marked = doc.spans["facet"]
    for index, position in marked_of.items():
        found = marked[position]._
        if not found.modifiers:  # ConText sets the attributes below only with a modifier
            continue
        if found.is_negated:
            labels[index] = NEGATED
        elif found.is_historical:
            labels[index] = HISTORICAL
        elif found.is_hypothetical or found.is_uncertain:
            labels[index] = HYPOTHETICAL
