"""What the engine returns: claim lines, warnings, and the result that holds them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CodingWarning", "Line", "Result"]


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

    def text(self) -> str:
        """'64493-50', '64493-50-KX', '64636-RT x2' (units shown only when above 1)."""
        text = "-".join((self.code, *self.modifiers))
        return f"{text} x{self.units}" if self.units > 1 else text

    def as_dict(self) -> dict:
        return {
            "code": self.code,
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

    def as_dict(self) -> dict:
        return {"id": self.id, "message": self.message, "sources": list(self.sources)}


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
