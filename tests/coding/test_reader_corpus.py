"""The note reader on the corpus: every note in tests/coding/notes/ against its expected reading.

The notes were written for these tests (templated EHR notes, dictations, terse notes, tables,
typos, cervical, thoracic and T12-L1 notes, ablations with their temperatures, ultrasound and no
imaging, headers that disagree with the body) and each expected reading in ``expected.toml`` by
hand, from the note and the fact sheet. The test prints the accuracy field by field and note by
note (``pytest -s`` shows it), then fails on any wrong claim or any other wrong field.
"""

import tomllib
from pathlib import Path

import pytest

from coding.engine import read_coverage
from coding.reader import read_note

NOTES = Path(__file__).parent / "notes"
EXPECTED = tomllib.loads((NOTES / "expected.toml").read_text(encoding="utf-8"))
FIELDS = ("procedure", "technique", "guidance", "intent", "joints", "nerves", "claim", "held")
COVERAGE_KEYS = ("payer", "mac", "claim_type")


def read(name: str) -> dict:
    expected = EXPECTED[name]
    coverage = read_coverage(**{key: expected.get(key) for key in COVERAGE_KEYS})
    reading = read_note((NOTES / f"{name}.txt").read_text(encoding="utf-8"), coverage)
    got = reading.as_dict()
    got["held"] = reading.held
    return {key: got[key] or ("" if key != "held" else False) for key in FIELDS} | {
        "review": got["review"]
    }


@pytest.fixture(scope="module")
def readings() -> dict[str, dict]:
    return {name: read(name) for name in EXPECTED}


def test_it_has_forty_notes_or_more_each_with_its_expected_reading():
    files = {path.stem for path in NOTES.glob("*.txt")}
    assert len(files) >= 40
    assert files == set(EXPECTED)


def test_it_reads_every_note_as_expected(readings):
    wrong = []
    right = dict.fromkeys(FIELDS, 0)
    for name, got in readings.items():
        expected = EXPECTED[name]
        for key in FIELDS:
            if got[key] == expected[key]:
                right[key] += 1
            else:
                wrong.append(f"{name}: {key} {got[key]!r}, expected {expected[key]!r}")
        for words in expected.get("review", ()):
            if not any(words.lower() in question.lower() for question in got["review"]):
                wrong.append(f"{name}: no review question about {words!r} in {got['review']}")
    total = len(readings)
    print(f"\nNote reader on {total} notes:")
    for key in FIELDS:
        print(f"  {key:<10} {right[key]:>3}/{total} right ({100 * right[key] / total:.0f} %)")
    print("\n".join(wrong) or "  every field of every note right")
    assert not wrong


def test_it_holds_no_claim_back_without_a_deciding_question(readings):
    for name, got in readings.items():
        if got["held"]:
            assert got["claim"] == "", name
