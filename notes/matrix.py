"""The payer matrix (/payers/matrix/): one row per payer, one per Medicare contractor (MAC), one
column per figure a coder compares (sessions, levels, relief, KX, bilateral format by claim type,
prior authorization, the policy), each cell built from the published payer notes that give that
column's figure (`PayerNote.matrix_column`, `.figure`, `.mac`), never from hand-written HTML.

A cell holds the notes that give its figure, each with its own source and confidence; a cell no
note gives is "not available". A commercial payer's cell only ever holds that payer's notes:
Medicare's figures are never borrowed.

Medicare has a row of its own (the general notes, `mac` blank: any MAC) and one row per MAC. A
MAC's cell shows the notes about that MAC when there are any; otherwise the general notes,
because the MACs' harmonized LCDs share the session rules. A general note keeps its confidence
in a MAC's row only when its source is one of that MAC's own documents (the engine's source for
the MAC's LCD numbers, or the source of a note about that MAC); otherwise it is shown as read in
another MAC's document, at most Likely: never Confirmed for a MAC whose own document we did not
read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from codes.models import Confidence, Payer
from coding.engine import MACS, Mac
from notes.models import MEDICARE_SLUG, MatrixColumn, PayerNote

COLUMNS: tuple[MatrixColumn, ...] = tuple(MatrixColumn)

# The header above the columns: (group label, its columns); a group of one column is that column.
HEADER_GROUPS: tuple[tuple[str, tuple[MatrixColumn, ...]], ...] = (
    (
        "Sessions per 12 months",
        (
            MatrixColumn.SESSIONS_DIAGNOSTIC,
            MatrixColumn.SESSIONS_THERAPEUTIC,
            MatrixColumn.SESSIONS_RFA,
        ),
    ),
    ("Levels per session", (MatrixColumn.LEVELS,)),
    ("Relief thresholds", (MatrixColumn.RELIEF,)),
    ("KX modifier", (MatrixColumn.KX,)),
    (
        "Bilateral format, by claim type",
        (
            MatrixColumn.BILATERAL_PROFESSIONAL,
            MatrixColumn.BILATERAL_ASC,
            MatrixColumn.BILATERAL_OUTPATIENT,
        ),
    ),
    ("Prior authorization", (MatrixColumn.PRIOR_AUTHORIZATION,)),
    ("Policy: number, version, date", (MatrixColumn.POLICY,)),
)
# The short heading of a column under its group.
SUBHEADINGS = {
    MatrixColumn.SESSIONS_DIAGNOSTIC: "Diagnostic",
    MatrixColumn.SESSIONS_THERAPEUTIC: "Therapeutic",
    MatrixColumn.SESSIONS_RFA: "RFA",
    MatrixColumn.BILATERAL_PROFESSIONAL: "Professional",
    MatrixColumn.BILATERAL_ASC: "ASC facility",
    MatrixColumn.BILATERAL_OUTPATIENT: "Hospital outpatient",
}
assert [c for _label, group in HEADER_GROUPS for c in group] == list(COLUMNS)

# A general Medicare note shown for a MAC whose own document we did not read: at most Likely.
_CAPPED = {Confidence.CONFIRMED.value: Confidence.LIKELY.value}


class Heading(NamedTuple):
    label: str
    colspan: int = 1
    rowspan: int = 1


def header() -> tuple[list[Heading], list[Heading]]:
    """The two header rows: groups (a column alone spans both rows), then the grouped columns."""
    top, sub = [], []
    for label, columns in HEADER_GROUPS:
        if len(columns) == 1:
            top.append(Heading(label, rowspan=2))
        else:
            top.append(Heading(label, colspan=len(columns)))
            sub += [Heading(SUBHEADINGS[column]) for column in columns]
    return top, sub


@dataclass(frozen=True)
class Entry:
    """One note's figure in one cell. `borrowed`: a general Medicare note shown in a MAC's row
    that is not from that MAC's own document (its confidence is then at most Likely)."""

    note: PayerNote
    confidence: str
    borrowed: bool = False

    @property
    def figure(self) -> str:
        return self.note.figure

    @property
    def source(self):
        return self.note.source


@dataclass(frozen=True)
class Cell:
    column: MatrixColumn
    entries: tuple[Entry, ...]

    @property
    def is_policy(self) -> bool:
        return self.column == MatrixColumn.POLICY


@dataclass(frozen=True)
class Row:
    anchor: str  # the row's id on the page: "payer-aetna", "mac-cgs"
    label: str
    payer: Payer
    mac: Mac | None
    cells: tuple[Cell, ...]
    general_medicare: bool = False  # the Medicare row for any MAC

    @property
    def states(self) -> str:
        """The MAC's jurisdictions and their states ("J5: IA, KS, MO, NE; J8: IN, MI")."""
        if self.mac is None:
            return ""
        return "; ".join(f"{j.name}: {', '.join(j.states)}" for j in self.mac.info.jurisdictions)


def matrix_notes():
    """The published notes that give a matrix figure, each with its source: one query."""
    return (
        PayerNote.objects.published()
        .exclude(matrix_column="")
        .select_related("source")
        .order_by("payer_id", "matrix_column", "key")
    )


def matrix_rows(payers, notes) -> list[Row]:
    """The matrix's rows from the payers (in their order) and the matrix notes; no query."""
    by_payer: dict[int, list[PayerNote]] = {}
    for note in notes:
        by_payer.setdefault(note.payer_id, []).append(note)
    rows = []
    for payer in payers:
        own = by_payer.get(payer.pk, [])
        if payer.slug != MEDICARE_SLUG:
            rows.append(Row(f"payer-{payer.slug}", payer.name, payer, None, _cells(own)))
            continue
        general = [note for note in own if not note.mac]
        rows.append(
            Row(
                f"payer-{payer.slug}",
                f"{payer.name}: any MAC",
                payer,
                None,
                _cells(general),
                general_medicare=True,
            )
        )
        rows += [_mac_row(payer, mac, own, general) for mac in MACS]
    return rows


def sources_of(rows: list[Row]) -> list:
    """Every source the matrix cites, once each, by title."""
    found = {e.source.pk: e.source for row in rows for cell in row.cells for e in cell.entries}
    return sorted(found.values(), key=lambda source: source.title)


def _cells(notes: list[PayerNote]) -> tuple[Cell, ...]:
    return tuple(
        Cell(
            column,
            tuple(Entry(n, n.confidence) for n in notes if n.matrix_column == column),
        )
        for column in COLUMNS
    )


def _mac_row(payer: Payer, mac: Mac, notes: list[PayerNote], general: list[PayerNote]) -> Row:
    about_mac = [note for note in notes if note.mac == mac.value]
    own_documents = {mac.info.source} | {note.source.key for note in about_mac}
    cells = []
    for column in COLUMNS:
        entries = tuple(Entry(n, n.confidence) for n in about_mac if n.matrix_column == column)
        if not entries:
            entries = tuple(
                _inherited(note, own_documents) for note in general if note.matrix_column == column
            )
        cells.append(Cell(column, entries))
    return Row(f"mac-{mac.value}", f"Medicare: {mac.label}", payer, mac, tuple(cells))


def _inherited(note: PayerNote, own_documents: set[str]) -> Entry:
    if note.source.key in own_documents:
        return Entry(note, note.confidence)
    return Entry(note, _CAPPED.get(note.confidence, note.confidence), borrowed=True)
