"""The product's words: one enum per kind of value, each value with its label.

The engine reads and writes these values; the Code and Question models take their choices from
them, the wizard its options and labels, the search its concepts and the templates their words.
A new payer, MAC or claim type is one more member here, and every one of those follows.

Each member is a ``str`` (``Procedure.RFA == "rfa"``) with a ``label`` (how a page names it),
a ``short_label`` (where a picker names it more briefly; the label otherwise) and a ``hint``
(a sentence that helps choose it, or ""). Stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import EnumType, StrEnum
from typing import NamedTuple

__all__ = [
    "CODE_FORMAT",
    "CODE_PATTERN",
    "FORMATS",
    "GUIDANCES",
    "IMAGE_GUIDANCES",
    "INTENTS",
    "PROCEDURES",
    "SIDES",
    "ClaimFormat",
    "Guidance",
    "Intent",
    "Level",
    "Procedure",
    "Region",
    "Side",
    "Term",
    "Words",
    "choices",
    "side_of",
    "side_set",
]


class Words(NamedTuple):
    """A member's value and words, for members that need more than a value and a label."""

    value: str
    label: str
    hint: str = ""
    short_label: str = ""


class _TermType(EnumType):
    @property
    def choices(cls) -> list[tuple[str, str]]:
        """[(value, label), …] in declaration order: what a model field's ``choices`` takes."""
        return choices(cls)

    @property
    def values(cls) -> tuple[str, ...]:
        return tuple(term.value for term in cls)


class Term(StrEnum, metaclass=_TermType):
    """A value with its words; members are ``(value, label)`` or ``Words(...)``."""

    label: str
    hint: str
    short_label: str

    def __new__(cls, value: str, label: str, hint: str = "", short_label: str = ""):
        term = str.__new__(cls, value)
        term._value_ = value
        term.label = label
        term.hint = hint
        term.short_label = short_label or label
        return term


def choices(terms: Iterable[Term]) -> list[tuple[str, str]]:
    """[(value, label), …] of some terms, e.g. only those the engine codes."""
    return [(term.value, term.label) for term in terms]


# --- What was done, and how it was guided ------------------------------------------------------


class Procedure(Term):
    """What a code describes. The engine codes the facet procedures, ``PROCEDURES``."""

    INJECTION = Words(
        "injection",
        "Facet joint injection or medial branch block",
        hint="Intra-articular injection or medial branch block.",
        short_label="Injection",
    )
    RFA = Words(
        "rfa",
        "Radiofrequency ablation (facet nerves)",
        hint="Destruction of the nerves of the facet joint.",
        short_label="Radiofrequency ablation",
    )
    SI_NERVE_BLOCK = "si_nerve_block", "Sacroiliac joint nerve block"
    SI_NERVE_RFA = "si_nerve_rfa", "Sacroiliac joint nerve ablation"
    SI_JOINT_INJECTION = "si_joint_injection", "Sacroiliac joint injection"
    IMAGING = "imaging", "Imaging guidance"
    TRIGGER_POINT = "trigger_point", "Trigger point injection"


class Guidance(Term):
    """Imaging guidance. A session names one of ``GUIDANCES``; the dataset files the facet
    codes that take fluoroscopy or CT under ``FLUOROSCOPY_CT``."""

    FLUOROSCOPY_CT = "fluoroscopy_ct", "Fluoroscopy or CT"
    ULTRASOUND = Words(
        "ultrasound", "Ultrasound", hint="Coded with Category III codes, not 64490-64495."
    )
    NONE = Words("none", "No imaging", hint="No facet joint code applies; the result explains why.")
    FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
    CT = "ct", "CT"


class Region(Term):
    """Where a code applies. Each spinal region is one facet code family (T12-L1 is
    cervical/thoracic); Medicare allows one per session."""

    CERVICAL_THORACIC = "cervical_thoracic", "Cervical or thoracic"
    LUMBAR_SACRAL = "lumbar_sacral", "Lumbar or sacral"
    SACROILIAC = "sacroiliac", "Sacroiliac joint"
    ANY = "any", "Any region"


class Level(Term):
    """Which level or joint of a session a code is for."""

    FIRST = "first", "First (single) level"
    SECOND = "second", "Second level"
    THIRD_PLUS = "third_plus", "Third and any additional levels"
    FIRST_JOINT = "first_joint", "First (single) joint"
    ADDITIONAL_JOINT = "additional_joint", "Each additional joint"
    NONE = "", "Not level-based"


# --- Sides ---------------------------------------------------------------------------------


class Side(Term):
    """The side a joint or nerve was treated on."""

    LEFT = "L", "left"
    RIGHT = "R", "right"
    BOTH = "B", "both sides"


def side_set(side: str) -> frozenset[Side]:
    """B -> {L, R}; L -> {L}; R -> {R}."""
    if side == Side.BOTH:
        return frozenset((Side.LEFT, Side.RIGHT))
    return frozenset((Side(side),))


def side_of(sides: Iterable[str]) -> Side:
    """The one side covering all the sides given: {L, R} or any B -> B."""
    union = frozenset().union(*(side_set(side) for side in sides))
    return Side.BOTH if len(union) == 2 else next(iter(union))


# --- The claim -----------------------------------------------------------------------------


class ClaimFormat(Term):
    """How a bilateral level goes on the claim."""

    MEDICARE = Words(
        "medicare",
        "Medicare (modifier 50)",
        hint="A bilateral level is one line with modifier 50, 1 unit.",
        short_label="Medicare",
    )
    RTLT = Words(
        "rtlt",
        "RT/LT lines",
        hint="A bilateral level is two lines, RT and LT, 1 unit each "
        "(ASC facility claims; some commercial payers).",
    )


class Intent(Term):
    """Why an injection was given: payers count and require different things for each."""

    DIAGNOSTIC = Words("diagnostic", "Diagnostic", hint="A diagnostic block.")
    THERAPEUTIC = "therapeutic", "Therapeutic"


# What the engine codes and accepts, in the order the wizard offers them.
PROCEDURES: tuple[Procedure, ...] = (Procedure.INJECTION, Procedure.RFA)
GUIDANCES: tuple[Guidance, ...] = (
    Guidance.FLUOROSCOPY,
    Guidance.CT,
    Guidance.ULTRASOUND,
    Guidance.NONE,
)
IMAGE_GUIDANCES: tuple[Guidance, ...] = (Guidance.FLUOROSCOPY, Guidance.CT)
FORMATS: tuple[ClaimFormat, ...] = tuple(ClaimFormat)
INTENTS: tuple[Intent, ...] = tuple(Intent)
SIDES: tuple[Side, ...] = tuple(Side)

# A code as CPT and HCPCS Level II write it: five digits (64493); four digits and F, T or U
# (CPT Category II, Category III, proprietary laboratory analyses: 0216T); or a letter and four
# digits (G0260). Upper case; CODE_FORMAT is the bare alternation, to build other patterns on.
CODE_FORMAT = r"\d{5}|\d{4}[FTU]|[A-Z]\d{4}"
CODE_PATTERN = re.compile(rf"^(?:{CODE_FORMAT})$")
