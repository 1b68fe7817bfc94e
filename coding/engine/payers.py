"""Who pays, under which contract, on which claim: the payer, the Medicare contractor (MAC), the
claim type and the bilateral format, read once into a ``Coverage`` every tool passes around.

* ``Payer``: Medicare (the default) or a commercial payer. KX and the LCD limits are Medicare's
  alone; a commercial payer gets only what its own policy says (facts §6), never Medicare's.
* ``Mac``: the Medicare contractor. Their LCDs are harmonized (same session rules, facts §5, §12)
  but each has its own LCD and article numbers, and only CGS and NGS publish the T12-L1 + L1-L2
  one-session rule. ``STATES`` maps each state and territory to its MAC and jurisdiction.
* ``ClaimType``: the physician's professional claim (CMS-1500), the ASC facility claim, or the
  hospital outpatient department's claim.
* ``Bilateral``: how a bilateral level goes on the claim, modifier 50 (one line, 1 unit) or RT
  and LT lines. Each payer and claim type has a default (``default_bilateral``); a payer that
  wants the other format is asked for with ``bilateral``.

Stdlib only, like the rest of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from coding.engine.entries import InvalidInput, read_choice
from coding.engine.vocabulary import Term, Words

__all__ = [
    "BILATERALS",
    "CLAIM_TYPES",
    "MACS",
    "PAYERS",
    "STATES",
    "Bilateral",
    "ClaimType",
    "Coverage",
    "Jurisdiction",
    "Mac",
    "MacInfo",
    "Payer",
    "default_bilateral",
    "read_coverage",
]


class Payer(Term):
    """Who pays. The values are what the wizard, its API and every later tool take."""

    MEDICARE = Words(
        "medicare",
        "Medicare (traditional, Part A/B)",
        hint="Rules from the MACs' LCDs; pick the MAC or the state for MAC-specific rules.",
        short_label="Medicare",
    )
    AETNA = Words("aetna", "Aetna", hint="Clinical Policy Bulletin 0016.")
    BCBS = Words(
        "bcbs",
        "Anthem and other BCBS plans",
        hint="Anthem uses the Carelon guideline; other BCBS plans differ.",
        short_label="Anthem / BCBS",
    )
    CIGNA = Words("cigna", "Cigna", hint="eviCore guideline CMM-201.")
    UHC = Words("uhc", "UnitedHealthcare", hint="Commercial medical policy.")
    OTHER = Words(
        "other",
        "Another payer",
        hint="No payer rules applied: check the payer's own policy.",
        short_label="Other",
    )

    @property
    def slug(self) -> str:
        """The payer's page in the reference (``Payer.slug`` in the dataset); '' for OTHER."""
        return _PAYER_SLUGS[self]


_PAYER_SLUGS = {
    Payer.MEDICARE: "medicare",
    Payer.AETNA: "aetna",
    Payer.BCBS: "bcbs",
    Payer.CIGNA: "cigna",
    Payer.UHC: "unitedhealthcare",
    Payer.OTHER: "",
}


class Mac(Term):
    """A Medicare Administrative Contractor (A/B MAC) with facet LCDs."""

    NORIDIAN_JE = "noridian-je", "Noridian (JE)"
    NORIDIAN_JF = "noridian-jf", "Noridian (JF)"
    WPS = "wps", "WPS (J5, J8)"
    NGS = "ngs", "NGS (J6, JK)"
    CGS = "cgs", "CGS (J15)"
    NOVITAS = "novitas", "Novitas (JH, JL)"
    FIRST_COAST = "first-coast", "First Coast (JN)"
    PALMETTO = "palmetto", "Palmetto GBA (JJ, JM)"

    @property
    def info(self) -> MacInfo:
        return MAC_INFO[self]


class ClaimType(Term):
    """The claim the lines go on."""

    PROFESSIONAL = Words(
        "professional",
        "Professional (physician, CMS-1500)",
        hint="The physician's own claim.",
        short_label="Professional",
    )
    ASC = Words(
        "asc",
        "ASC facility",
        hint="The ambulatory surgery center's facility claim.",
        short_label="ASC facility",
    )
    OUTPATIENT = Words(
        "outpatient",
        "Hospital outpatient (OPD)",
        hint="The hospital outpatient department's claim.",
        short_label="Hospital outpatient",
    )


class Bilateral(Term):
    """How a level treated on both sides goes on the claim."""

    FIFTY = Words(
        "50",
        "Modifier 50",
        hint="A bilateral level is one line with modifier 50, 1 unit.",
    )
    RTLT = Words(
        "rtlt",
        "RT/LT lines",
        hint="A bilateral level is two lines, RT and LT, 1 unit each.",
    )


PAYERS: tuple[Payer, ...] = tuple(Payer)
MACS: tuple[Mac, ...] = tuple(Mac)
CLAIM_TYPES: tuple[ClaimType, ...] = tuple(ClaimType)
BILATERALS: tuple[Bilateral, ...] = tuple(Bilateral)


class Jurisdiction(NamedTuple):
    name: str  # "J15"
    states: tuple[str, ...]  # two-letter USPS codes


class MacInfo(NamedTuple):
    """A MAC's jurisdictions and facet documents, each number with its confidence (facts §12)."""

    jurisdictions: tuple[Jurisdiction, ...]
    lcd: str  # "L38773"
    article: str  # "A58364", or "" when not known
    confidence: str  # of the LCD/article numbers: "C" or "L"
    source: str  # key in codes/data/sources.toml of the source for the numbers
    t12_l1_session: bool  # publishes the T12-L1 + L1-L2 one-lumbar-session rule

    @property
    def lcd_url(self) -> str:
        return _mcd_url("lcd", "lcdid", self.lcd)

    @property
    def article_url(self) -> str:
        return _mcd_url("article", "articleid", self.article) if self.article else ""


def _mcd_url(kind: str, parameter: str, number: str) -> str:
    """The CMS Medicare Coverage Database page of an LCD or article (its current version)."""
    return (
        f"https://www.cms.gov/medicare-coverage-database/view/{kind}.aspx?{parameter}={number[1:]}"
    )


# Facts §12. The jurisdictions and states are [L] (CMS "Who are the MACs"); the LCD/article
# numbers are [C] where a MAC page or the LCD itself gives them, [L] otherwise.
MAC_INFO: dict[Mac, MacInfo] = {
    Mac.NORIDIAN_JE: MacInfo(
        (Jurisdiction("JE", ("CA", "HI", "NV", "AS", "GU", "MP")),),
        "L38801",
        "A58403",
        "L",
        "a58403",
        False,
    ),
    Mac.NORIDIAN_JF: MacInfo(
        (Jurisdiction("JF", ("AK", "AZ", "ID", "MT", "ND", "OR", "SD", "UT", "WA", "WY")),),
        "L38803",
        "A58405",
        "C",
        "norpa",
        False,
    ),
    Mac.WPS: MacInfo(
        (Jurisdiction("J5", ("IA", "KS", "MO", "NE")), Jurisdiction("J8", ("IN", "MI"))),
        "L38841",
        "A58477",
        "L",
        "cms-mcd",
        False,
    ),
    Mac.NGS: MacInfo(
        (
            Jurisdiction("J6", ("IL", "MN", "WI")),
            Jurisdiction("JK", ("CT", "ME", "MA", "NH", "NY", "RI", "VT")),
        ),
        "L35936",
        "",
        "L",
        "cms-mcd-39771",
        True,
    ),
    Mac.CGS: MacInfo(
        (Jurisdiction("J15", ("KY", "OH")),),
        "L38773",
        "A58364",
        "C",
        "l38773q",
        True,
    ),
    Mac.NOVITAS: MacInfo(
        (
            Jurisdiction("JH", ("AR", "CO", "LA", "MS", "NM", "OK", "TX")),
            Jurisdiction("JL", ("DE", "DC", "MD", "NJ", "PA")),
        ),
        "L34892",
        "A57826",
        "L",
        "cms-mcd",
        False,
    ),
    Mac.FIRST_COAST: MacInfo(
        (Jurisdiction("JN", ("FL", "PR", "VI")),),
        "L33930",
        "A57787",
        "C",
        "a57787",
        False,
    ),
    Mac.PALMETTO: MacInfo(
        (
            Jurisdiction("JJ", ("AL", "GA", "TN")),
            Jurisdiction("JM", ("NC", "SC", "VA", "WV")),
        ),
        "L38765",
        "A58350",
        "C",
        "a58350",
        False,
    ),
}

# State or territory -> (MAC, jurisdiction).
STATES: dict[str, tuple[Mac, str]] = {
    state: (mac, jurisdiction.name)
    for mac, info in MAC_INFO.items()
    for jurisdiction in info.jurisdictions
    for state in jurisdiction.states
}


def default_bilateral(payer: Payer, claim_type: ClaimType) -> Bilateral:
    """The bilateral format a payer takes on a claim type unless told otherwise.

    ASC facility claims: RT and LT lines [L]; Medicare and CPT: modifier 50 on one line [C]
    (facts §4, §12). Commercial payers vary (some want RT/LT): the wizard says so, and
    ``bilateral`` asks for the other format.
    """
    return Bilateral.RTLT if claim_type == ClaimType.ASC else Bilateral.FIFTY


@dataclass(frozen=True)
class Coverage:
    """The payer side of one claim."""

    payer: Payer = Payer.MEDICARE
    mac: Mac | None = None
    claim_type: ClaimType = ClaimType.PROFESSIONAL
    bilateral: Bilateral = Bilateral.FIFTY
    state: str = ""  # the state the MAC was read from, when it was
    bilateral_asked: bool = False  # the bilateral format was asked for, not the default

    @property
    def medicare(self) -> bool:
        return self.payer == Payer.MEDICARE

    @property
    def commercial(self) -> bool:
        return self.payer not in (Payer.MEDICARE, Payer.OTHER)

    @property
    def fifty(self) -> bool:
        """A bilateral level is one line with modifier 50."""
        return self.bilateral == Bilateral.FIFTY

    @property
    def t12_l1_session(self) -> bool:
        """Whether T12-L1 + L1-L2 are billed as one lumbar session (CGS and NGS only)."""
        return self.medicare and self.mac is not None and self.mac.info.t12_l1_session

    @property
    def jurisdiction(self) -> str:
        return STATES[self.state][1] if self.state else ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "payer": self.payer.value,
            "mac": self.mac.value if self.mac else None,
            "state": self.state or None,
            "claim_type": self.claim_type.value,
            "bilateral": self.bilateral.value,
        }


_FORMATS = ("medicare", "rtlt")


def read_coverage(
    payer: str | None = None,
    mac: str | None = None,
    state: str | None = None,
    claim_type: str | None = None,
    bilateral: str | None = None,
    format: str | None = None,  # noqa: A002 - the old wizard parameter's name
) -> Coverage:
    """Read the payer side of a claim from text values ("" or None = the default).

    ``format`` is the wizard's old parameter: ``medicare`` = a professional claim with modifier
    50 lines, ``rtlt`` = RT/LT lines; for ``rtlt`` without a payer the payer is ``other``, so an
    old link keeps its lines (no KX, no Medicare rule). Raises InvalidInput naming the allowed
    values for anything unknown, or a MAC or state for a payer other than Medicare.
    """
    payer, mac, state, claim_type, bilateral, format = (
        value.strip() if isinstance(value, str) else value
        for value in (payer, mac, state, claim_type, bilateral, format)
    )
    old = read_choice(format, _FORMATS, "format") if format else None
    if old == "rtlt" and not payer:
        payer = Payer.OTHER
    read_payer = read_choice(payer, PAYERS, "payer") if payer else Payer.MEDICARE
    read_claim_type = (
        read_choice(claim_type, CLAIM_TYPES, "claim_type") if claim_type else ClaimType.PROFESSIONAL
    )
    if old == "medicare" and read_claim_type != ClaimType.PROFESSIONAL:
        raise InvalidInput(
            "format=medicare means a professional claim with modifier 50 lines: leave it out "
            "and give claim_type and bilateral instead."
        )
    if old and bilateral:
        raise InvalidInput("Give either format (the old parameter) or bilateral, not both.")
    if old:
        bilateral = Bilateral.FIFTY if old == "medicare" else Bilateral.RTLT
    read_mac, read_state = _read_mac(mac, state)
    if read_mac and read_payer != Payer.MEDICARE:
        raise InvalidInput(
            f"A MAC or state applies to Medicare claims only, not to payer {read_payer.value}."
        )
    default = default_bilateral(read_payer, read_claim_type)
    read_bilateral = read_choice(bilateral, BILATERALS, "bilateral") if bilateral else default
    return Coverage(
        payer=read_payer,
        mac=read_mac,
        claim_type=read_claim_type,
        bilateral=read_bilateral,
        state=read_state,
        bilateral_asked=read_bilateral != default,
    )


def _read_mac(mac: str | None, state: str | None) -> tuple[Mac | None, str]:
    if mac and state:
        raise InvalidInput("Give either mac or state, not both.")
    if state:
        code = state.upper()
        if code not in STATES:
            raise InvalidInput(
                "Unknown state: give a two-letter US state or territory code "
                f"({', '.join(sorted(STATES))})."
            )
        return STATES[code][0], code
    if mac:
        return read_choice(mac, MACS, "mac"), ""
    return None, ""
