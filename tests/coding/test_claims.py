"""The claim parser: lenient where coders differ, precise about what it cannot read."""

import pytest

from coding.engine.claims import MAX_LINES, ClaimError, ClaimLine, parse_claim


def texts(text: str) -> list[str]:
    return [line.text() for line in parse_claim(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64493-50, 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50; 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50\n64494-RT\n", ["64493-50", "64494-RT"]),
        ("64493-50 and 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50 AND 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50 & 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50 64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50 +64494-RT", ["64493-50", "64494-RT"]),
        ("64493-50+64494-RT", ["64493-50", "64494-RT"]),
        ("  64493 - 50 ,,  64494 rt  ", ["64493-50", "64494-RT"]),
        ("+64494-RT", ["64494-RT"]),
        ("0216t-50, 0217t-50", ["0216T-50", "0217T-50"]),
        ("g0260", ["G0260"]),
        ("64493-50, 64494-RT, 64495-LT", ["64493-50", "64494-RT", "64495-LT"]),
    ],
)
def test_it_splits_lines_on_any_separator(text, expected):
    assert texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "64636-RT x2",
        "64636-RT X2",
        "64636-RT x 2",
        "64636-RT ×2",
        "64636-RT *2",
        "64636-RT units 2",
        "64636-RT units: 2",
        "64636-RT unit 2",
        "64636-RT 2 units",
        "64636-RT (2)",
        "64636 rt x2",
        "64636RTx2",
        "+64636-rt ×2",
    ],
)
def test_it_reads_units_written_in_any_usual_way(text):
    assert parse_claim(text) == (ClaimLine("64636", ("RT",), 2),)


def test_it_defaults_to_one_unit():
    assert parse_claim("64493-50")[0].units == 1


@pytest.mark.parametrize(
    "text",
    ["64493-50-KX", "64493-KX-50", "64493 KX 50", "64493-50KX", "64493/kx/50", "64493 mod 50 KX"],
)
def test_it_ignores_modifier_order_and_separators(text):
    assert parse_claim(text) == (ClaimLine("64493", ("50", "KX"), 1),)


def test_it_writes_lines_back_the_way_the_engine_does():
    assert texts("64493-KX-50, 64636-rt x3") == ["64493-50-KX", "64636-RT x3"]


def test_it_keeps_repeated_lines_for_scoring():
    assert texts("64493-50, 64493-50") == ["64493-50", "64493-50"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("64493-5O", 'Could not read "64493-5O": modifier "5O" is not a modifier.'),
        ("64493-50, 64494-RR", 'Could not read "64494-RR": modifier "RR" is not a modifier.'),
        ("6449-50", 'Could not read "6449-50": "6449" is not a code'),
        ("644930", 'Could not read "644930": "644930" is not a code'),
        ("hello", 'Could not read "hello": "HELLO" is not a code'),
        ("64636-RT x0", 'Could not read "64636-RT x0": units must be a whole number from 1 to 99'),
        ("64636-RT x100", "units must be a whole number from 1 to 99, not 100"),
        ("64493-50-50", 'Could not read "64493-50-50": modifier 50 is given twice.'),
        ("64493-50 123", '"123" is not a modifier; start each code on its own line'),
    ],
)
def test_it_names_the_part_it_cannot_read(text, message):
    with pytest.raises(ClaimError) as error:
        parse_claim(text)
    assert message in str(error.value)


def test_it_reports_every_unreadable_line_not_only_the_first():
    with pytest.raises(ClaimError) as error:
        parse_claim("64493-5O, 64494-RT, 6449")
    assert len(error.value.problems) == 2
    assert '"64493-5O"' in error.value.problems[0]
    assert '"6449"' in error.value.problems[1]


@pytest.mark.parametrize("text", ["", "   ", "\n", ",,;", " and "])
def test_it_asks_for_a_claim_when_there_is_none(text):
    with pytest.raises(ClaimError, match="Enter at least one claim line"):
        parse_claim(text)


def test_it_refuses_absurd_input():
    with pytest.raises(ClaimError, match="Too many lines"):
        parse_claim(", ".join(["64493-RT"] * (MAX_LINES + 1)))
    with pytest.raises(ClaimError, match="too long"):
        parse_claim("64493 " * 500)
    with pytest.raises(ClaimError):
        parse_claim(None)
