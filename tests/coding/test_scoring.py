"""Partial credit: choice questions and claim lines (code, modifiers, units), as documented in
coding/scoring.py."""

import pytest

from coding.engine import code_claim, read_coverage
from coding.engine.claims import parse_claim
from coding.scoring import explain, score_claim, score_multiple, score_single


def claim_score(expected: str, given: str) -> float:
    return score_claim(parse_claim(expected), parse_claim(given)).score


def test_single_choice_is_all_or_nothing():
    assert score_single(1, {1}) == 1.0
    assert score_single(2, {1}) == 0.0


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        ({1, 2}, 1.0),  # both right options
        ({1}, 0.5),  # one of two right options
        ({1, 2, 3}, 0.5),  # a wrong tick takes a share back
        ({1, 3}, 0.0),
        ({1, 2, 3, 4}, 0.0),  # ticking everything earns nothing
        ({3, 4}, 0.0),  # never below zero
    ],
)
def test_multiple_choice_gives_a_share_per_right_tick_and_takes_one_per_wrong_tick(chosen, score):
    assert score_multiple(chosen, {1, 2}) == score


@pytest.mark.parametrize(
    ("given", "score"),
    [
        ("64493-50, 64494-RT", 1.0),
        ("64494-RT, 64493-50", 1.0),  # line order does not matter
        ("64493-50", 3 / 6),  # a missing line earns nothing
        ("64493-50, 64494-LT", 5 / 6),  # wrong side: code and units still count
        ("64493-50, 64494-RT x2", 5 / 6),  # wrong units
        ("64493-50, 64495-RT", 3 / 6),  # wrong code: the line earns nothing
        ("64493-50, 64494-RT, 77003", 6 / 9),  # an extra line counts against
        ("64493, 64493, 64494-RT", 5 / 9),  # bilateral as two unmodified lines
        ("77003", 0.0),
    ],
)
def test_claim_lines_earn_code_modifier_and_unit_points(given, score):
    assert claim_score("64493-50, 64494-RT", given) == round(score, 4)


def test_claim_modifiers_count_in_any_order():
    assert claim_score("64493-50-KX", "64493-KX-50") == 1.0
    assert claim_score("64493-50-KX", "64493-50") == round(2 / 3, 4)


def test_claim_lines_of_one_code_pair_up_for_the_most_points():
    # RT/LT format: the two lines of one code may come in any order.
    assert claim_score("64493-RT, 64493-LT, 64494-RT", "64494-RT, 64493-LT, 64493-RT") == 1.0
    # Each given line pairs with the expected line it matches best, not the first one.
    mark = score_claim(parse_claim("64636-RT, 64636-LT x2"), parse_claim("64636-LT x2, 64636-RT"))
    assert mark.score == 1.0


def test_claim_feedback_shows_expected_and_given_lines_side_by_side():
    mark = score_claim(
        parse_claim("64493-50, 64494-50, 64495-50"), parse_claim("64493-50, 64494-50 x2, 77003")
    )
    rows = [(row.expected, row.given, row.points) for row in mark.lines]
    assert rows == [
        ("64493-50", "64493-50", 3),
        ("64494-50", "64494-50 x2", 2),
        ("64495-50", "77003", 0),  # left over on both sides: shown next to each other
    ]
    assert mark.score == round(5 / 9, 4)


def test_claim_extra_lines_are_listed_as_not_expected():
    mark = score_claim(parse_claim("64635-RT"), parse_claim("64635-RT, 64636-RT, 64636-RT"))
    assert [(row.expected, row.given) for row in mark.lines] == [
        ("64635-RT", "64635-RT"),
        ("", "64636-RT"),
        ("", "64636-RT"),
    ]
    assert mark.score == round(3 / 9, 4)


def test_either_joint_may_be_the_primary_when_the_sides_differ():
    # rfa-mixed-sides: left L4-L5 and L5-S1 on both sides. No source fixes which joint comes
    # first, so both orders earn full marks.
    expected = code_claim("rfa", "fluoroscopy", joints="L4-L5:L, L5-S1:B").lines
    assert [line.text() for line in expected] == ["64635-LT", "64636-50"]
    for given in ("64635-LT, 64636-50", "64636-50, 64635-LT", "64635-50, 64636-LT"):
        assert score_claim(expected, parse_claim(given)).score == 1.0, given
    # Marked against the order it comes closest to: only the add-on's side is wrong here.
    mark = score_claim(expected, parse_claim("64635-50, 64636-RT"))
    assert [(row.expected, row.given, row.points) for row in mark.lines] == [
        ("64635-50", "64635-50", 3),
        ("64636-LT", "64636-RT", 2),
    ]
    # The same codes with the same side on both lines is not the same claim.
    assert claim_score("64635-LT, 64636-50", "64635-50, 64636-50") == round(5 / 6, 4)


def test_the_same_sides_swapped_on_an_injection_claim_earn_full_marks():
    assert claim_score("64493-50, 64494-RT", "64493-RT, 64494-50") == 1.0
    assert claim_score("64493-50, 64494-RT", "64493-RT, 64494-RT") == round(5 / 6, 4)


def test_a_wrong_claim_is_explained_line_by_line_by_the_auditor():
    expected = parse_claim("64493-50, 64494-50, 64495-50")
    explained = explain("64493-50, 64494-50 x2, 77003", expected, read_coverage())
    assert [(row.given, row.status, [p.id for p in row.problems]) for row in explained] == [
        ("64494-50 x2", "error", ["bilateral-as-units"]),
        ("77003", "error", ["imaging-billed"]),
    ]
    assert all(p.message and p.sources for row in explained for p in row.problems)


def test_a_wrong_line_the_auditor_finds_nothing_against_names_the_expected_claim():
    explained = explain("64493-LT", parse_claim("64493-RT"), read_coverage())
    assert [row.as_dict() for row in explained] == [
        {
            "given": "64493-LT",
            "status": "error",
            "problems": [
                {
                    "id": "differs-from-scenario",
                    "severity": "error",
                    "message": "64493-LT is not among the lines this scenario codes to (64493-RT).",
                    "sources": [],
                }
            ],
        }
    ]


def test_a_right_claim_needs_no_explanation():
    expected = parse_claim("64635-LT, 64636-50")
    assert explain("64635-50, 64636-LT", expected, read_coverage()) == ()
    assert explain(" , ", expected) == ()  # nothing to explain: no line at all
    (unreadable,) = explain("64635-50, 64636-LT, 6463", expected)
    assert [p.id for p in unreadable.problems] == ["unknown-code"]
