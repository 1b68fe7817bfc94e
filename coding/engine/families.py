"""The facet code families: which code each level of a session takes.

A family is the codes that share a procedure, a guidance and a region, one per level, filed
as the dataset (codes/data/codes.toml) files them: fluoroscopy or CT is one guidance there.
Injections: the first level takes the primary code, the second level the second-level add-on,
all further levels the third-and-any-additional add-on (codingahead, aapc-neurology-alert).
Radiofrequency ablation: the first joint, then each additional joint (codingahead).
"""

from __future__ import annotations

from dataclasses import dataclass

from coding.engine.vocabulary import IMAGE_GUIDANCES, Guidance, Level, Procedure, Region

__all__ = ["ADD_ON_CODES", "FAMILIES", "FAMILY_CODES", "Family", "family"]


@dataclass(frozen=True)
class Family:
    procedure: Procedure
    guidance: Guidance
    region: Region
    codes: tuple[tuple[Level, str], ...]  # (level, code), first level first

    def code(self, level: Level) -> str:
        return dict(self.codes)[level]


_INJECTION_LEVELS = (Level.FIRST, Level.SECOND, Level.THIRD_PLUS)
_RFA_LEVELS = (Level.FIRST_JOINT, Level.ADDITIONAL_JOINT)


def _family(procedure, guidance, region, codes) -> Family:
    levels = _INJECTION_LEVELS if procedure == Procedure.INJECTION else _RFA_LEVELS
    return Family(procedure, guidance, region, tuple(zip(levels, codes, strict=True)))


_INJECTION, _RFA = Procedure.INJECTION, Procedure.RFA
_IMAGED, _ULTRASOUND = Guidance.FLUOROSCOPY_CT, Guidance.ULTRASOUND
_UPPER, _LOWER = Region.CERVICAL_THORACIC, Region.LUMBAR_SACRAL

FAMILIES: tuple[Family, ...] = (
    _family(_INJECTION, _IMAGED, _UPPER, ("64490", "64491", "64492")),
    _family(_INJECTION, _IMAGED, _LOWER, ("64493", "64494", "64495")),
    _family(_INJECTION, _ULTRASOUND, _UPPER, ("0213T", "0214T", "0215T")),
    _family(_INJECTION, _ULTRASOUND, _LOWER, ("0216T", "0217T", "0218T")),
    _family(_RFA, _IMAGED, _UPPER, ("64633", "64634")),
    _family(_RFA, _IMAGED, _LOWER, ("64635", "64636")),
)
# Every code the engine can put on a claim line.
FAMILY_CODES: frozenset[str] = frozenset(code for f in FAMILIES for _, code in f.codes)

# The add-on codes (reported only with their primary code; written "+64494").
ADD_ON_CODES: frozenset[str] = frozenset(
    code
    for f in FAMILIES
    for level, code in f.codes
    if level not in (Level.FIRST, Level.FIRST_JOINT)
)

_BY_KEY = {(f.procedure, f.guidance, f.region): f for f in FAMILIES}


def family(procedure: Procedure, guidance: Guidance, region: Region) -> Family:
    """The family of a session's codes; fluoroscopy and CT both file under FLUOROSCOPY_CT."""
    if guidance in IMAGE_GUIDANCES:
        guidance = Guidance.FLUOROSCOPY_CT
    return _BY_KEY[(procedure, guidance, region)]
