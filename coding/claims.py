"""The claim-line parser, kept importable here: it lives in the engine (coding/engine/claims.py)
so that the quiz's scoring and the claim auditor read claims with the same code."""

from coding.engine.claims import (
    EXAMPLE,
    KNOWN_MODIFIERS,
    MAX_LENGTH,
    MAX_LINES,
    ClaimError,
    ClaimLine,
    ReadLine,
    modifier_order,
    normalize_modifiers,
    parse_claim,
    read_claim,
)

__all__ = [
    "EXAMPLE",
    "KNOWN_MODIFIERS",
    "MAX_LENGTH",
    "MAX_LINES",
    "ClaimError",
    "ClaimLine",
    "ReadLine",
    "modifier_order",
    "normalize_modifiers",
    "parse_claim",
    "read_claim",
]
