"""What the engine returns: claim lines, warnings, and the result that holds them."""

from __future__ import annotations

from dataclasses import dataclass

from coding.engine.families import ADD_ON_CODES

__all__ = ["SEVERITIES", "WARNING_TITLES", "CodingWarning", "Line", "Result"]

# How much a warning matters to the claim: "error" = the claim as coded is not paid or not
# allowed as it stands; "caution" = check something before billing; "info" = background.
SEVERITIES = ("info", "caution", "error")

# Each warning's title, as a coder would say it, and its severity. A warning not listed here is
# shown under its id as a caution.
WARNING_TITLES: dict[str, tuple[str, str]] = {
    "joint-named-twice": ("A joint was named twice", "info"),
    "nerves-counted-as-joints": ("Nerves counted as joints", "info"),
    "nerve-completes-no-joint": ("A nerve completes no joint", "caution"),
    "s1-adds-no-level": ("S1 adds no facet level", "caution"),
    "no-joint-completed": ("No joint to code", "error"),
    "imaging-included": ("Imaging guidance is included", "info"),
    "ultrasound-not-covered": ("Ultrasound guidance is not covered", "error"),
    "ultrasound-category-iii": ("Ultrasound guidance: Category III codes", "caution"),
    "no-imaging-injection": ("No facet code without imaging", "error"),
    "rfa-needs-fluoroscopy-or-ct": ("Ablation needs fluoroscopy or CT", "error"),
    "medicare-two-regions": ("Two spinal regions in one session", "error"),
    "medicare-more-than-two-levels": ("More than two levels: paid only on appeal", "error"),
    "medicare-kx-needs-intent": ("Diagnostic or therapeutic?", "caution"),
    "medicare-therapeutic-prerequisites": (
        "Therapeutic injection: Medicare's conditions",
        "caution",
    ),
    "medicare-rfa-prerequisites": ("Ablation: Medicare's conditions", "caution"),
    "medicare-frequency-limits": ("Medicare's limits per 12 months", "info"),
    "medicare-opd-prior-auth": ("Prior authorisation needed", "caution"),
    "t12-l1-rule-depends-on-mac": ("T12-L1 + L1-L2 depends on the MAC", "caution"),
    "mac-not-given": ("Which MAC?", "info"),
    "mac-documents": ("The MAC's LCD and article", "info"),
    "aetna-more-than-three-levels": ("More than 3 levels for Aetna", "error"),
    "aetna-diagnostic-only": ("Aetna: diagnostic blocks only", "info"),
    "aetna-therapeutic-not-covered": ("Aetna does not cover therapeutic injections", "error"),
    "anthem-more-than-two-levels": ("More than 2 unilateral levels for Anthem", "caution"),
    "anthem-diagnostic-sessions": ("Anthem's limit per 12 months", "info"),
    "carelon-rfa-criteria": ("Ablation: Anthem's conditions", "caution"),
    "cigna-limits-not-available": ("Cigna's limits: not available", "info"),
    "uhc-diagnostic-proven": ("UnitedHealthcare's policy", "info"),
    "uhc-therapeutic-unproven": ("UnitedHealthcare: therapeutic injections unproven", "error"),
    "uhc-rfa-policy": ("UnitedHealthcare's ablation policy", "info"),
    "payer-rules-not-applied": ("No payer rules applied", "caution"),
    "payer-figure-not-available": ("A payer figure is not available", "info"),
    "rtlt-format": ("RT/LT lines", "info"),
    "asc-facility-format": ("ASC facility claim: RT/LT lines", "info"),
    "bilateral-format-varies": ("Modifier 50 or RT/LT: ask the payer", "info"),
}


@dataclass(frozen=True)
class Line:
    """One claim line: a code with its modifiers, units, the joints it covers and why."""

    code: str
    modifiers: tuple[str, ...]
    units: int
    joints: tuple[str, ...]
    rule: str
    rule_id: str
    sources: tuple[str, ...]

    @property
    def add_on(self) -> bool:
        """An add-on code, reported with its primary and written "+64494"."""
        return self.code in ADD_ON_CODES

    def text(self) -> str:
        """'64493-50', '64493-50-KX', '64636-RT x2' (units shown only when above 1)."""
        text = "-".join((self.code, *self.modifiers))
        return f"{text} x{self.units}" if self.units > 1 else text

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "add_on": self.add_on,
            "modifiers": list(self.modifiers),
            "units": self.units,
            "joints": list(self.joints),
            "text": self.text(),
            "rule": self.rule,
            "rule_id": self.rule_id,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class CodingWarning:
    """Something the coder must know or check; not a claim line."""

    id: str
    message: str
    sources: tuple[str, ...]

    @property
    def title(self) -> str:
        return WARNING_TITLES.get(self.id, (self.id, ""))[0]

    @property
    def severity(self) -> str:
        """'info', 'caution' or 'error' (see SEVERITIES)."""
        return WARNING_TITLES.get(self.id, ("", "caution"))[1]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "message": self.message,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Result:
    """Claim lines, warnings, the levels counted and a documentation checklist."""

    lines: tuple[Line, ...]
    warnings: tuple[CodingWarning, ...]
    levels: tuple[str, ...]
    documentation: tuple[str, ...] = ()

    def claim_text(self) -> str:
        """'64493-50, 64494-RT'."""
        return ", ".join(line.text() for line in self.lines)

    @property
    def warning_ids(self) -> tuple[str, ...]:
        return tuple(warning.id for warning in self.warnings)

    def as_dict(self) -> dict:
        return {
            "claim": self.claim_text(),
            "lines": [line.as_dict() for line in self.lines],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "levels": list(self.levels),
            "documentation": list(self.documentation),
        }
