"""The readers of what people type in coding/ (the claim parser, the joint and nerve reader) take
time linear in the text, whatever is typed: no pattern can backtrack over a run of input.

Each reader gets adversarial text at its size limit (runs of spaces, of "+", of separators, of
digits, of "-", alternating patterns) and must answer well under a second; text over the limit is
refused at once with a clear error; and eight times the text costs about eight times as much:
under LINEAR, where quadratic would be 64 and the claim parser's old separator pattern was cubic
(a 1,000-character answer cost 5 s of CPU). The pages that use the readers answer such text with
their usual 200, 302 or 400, quickly.
"""

import time
from uuid import UUID

import pytest

from coding.engine import claims, entries
from coding.engine.claims import MAX_LENGTH, ClaimError, ClaimLine, parse_claim
from coding.engine.entries import InvalidInput, parse_entries
from coding.engine.vocabulary import Side
from tests.quiz.conftest import make_question, make_quiz

# Eight times the text may cost at most this many times as much: linear is 8, quadratic 64.
LINEAR = 30
# The worst text at a reader's limit is read well under a second (the old pattern took 5 s).
QUICK = 0.25


def fit(pattern: str, size: int) -> str:
    """``pattern`` repeated and cut to exactly ``size`` characters."""
    return (pattern * (size // len(pattern) + 1))[:size]


def attempt(read, text: str):
    """What the reader makes of the text: its result, or the message it refuses it with."""
    try:
        return read(text)
    except (ClaimError, InvalidInput) as error:
        return str(error)


def cost(read, text: str, calls: int = 10, runs: int = 5) -> float:
    """Seconds for ``calls`` readings, the least of several runs: the reader's own cost, without
    the noise of whatever else the machine is doing."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            attempt(read, text)
        timings.append(time.perf_counter() - start)
    return min(timings)


def growth(read, make, size: int) -> float:
    """How many times longer a text eight times as long takes to read."""
    return cost(read, make(8 * size)) / cost(read, make(size))


# The claim parser -----------------------------------------------------------------------------

# Adversarial claim answers of exactly n characters.
CLAIM_ATTACKS = {
    "spaces, then no code": lambda n: "64493" + fit(" ", n - 6) + "x",
    "spaces, then a code": lambda n: fit(" ", n - 5) + "64493",
    "spaces between codes": lambda n: "64493" + fit(" ", n - 10) + "64494",
    "spaces and plus signs": lambda n: "64493" + fit(" +", n - 6) + "x",
    "plus signs": lambda n: fit("+", n),
    "plus signs, then a code": lambda n: "64493" + fit("+", n - 10) + "64494",
    "tabs and spaces": lambda n: "64493" + fit(" \t", n - 6) + "x",
    "unicode spaces": lambda n: "64493" + fit("\u00a0\u2003", n - 6) + "x",
    "line separators": lambda n: fit(",;\n\r", n),
    "the word and": lambda n: fit(" and", n),
    "hyphens": lambda n: "64493" + fit("-", n - 6) + "x",
    "modifier separators": lambda n: "64493" + fit(" -:/.–", n - 6) + "x",
    "digits": lambda n: fit("1", n),
    "x, then digits": lambda n: "64493 x" + fit("1", n - 8) + "a",
    "x, spaces, then digits": lambda n: "64493 x" + fit(" ", n - 9) + "1a",
    "units, then spaces": lambda n: "64493 units" + fit(" ", n - 12) + "x",
    "units, spaces and colons": lambda n: "64493 units" + fit(" :", n - 12) + "2",
    "digits, spaces, then units": lambda n: (
        "64493 " + fit("1", n // 2) + fit(" ", n - n // 2 - 11) + "unitx"
    ),
    "parenthesis, then spaces": lambda n: "64493 (" + fit(" ", n - 8) + "x",
    "x and digits alternating": lambda n: fit("x1", n),
    "x, space and digit alternating": lambda n: fit("x 1 ", n),
    "codes run together": lambda n: fit("64493", n),
    "modifiers": lambda n: "64493" + fit(" 50", n - 5),
    "modifiers run together": lambda n: "64493-" + fit("50KX", n - 6),
}


@pytest.mark.parametrize("name", CLAIM_ATTACKS)
def test_it_reads_any_claim_at_its_limit_well_under_a_second(name):
    text = CLAIM_ATTACKS[name](MAX_LENGTH)
    assert len(text) == MAX_LENGTH
    assert cost(parse_claim, text, calls=1, runs=3) < QUICK


@pytest.mark.parametrize("name", CLAIM_ATTACKS)
def test_its_time_grows_linearly_with_the_claim(name, monkeypatch):
    monkeypatch.setattr(claims, "MAX_LENGTH", 8 * MAX_LENGTH)  # to measure beyond the limit
    assert growth(parse_claim, CLAIM_ATTACKS[name], MAX_LENGTH) < LINEAR


def test_it_reads_runs_of_whitespace_as_one_space():
    # The answer that cost 5 s: a code, a thousand spaces and something that is not a code.
    with pytest.raises(ClaimError) as error:
        parse_claim(CLAIM_ATTACKS["spaces, then no code"](MAX_LENGTH))
    assert error.value.problems == ['Could not read "64493 x": modifier "X" is not a modifier.']
    assert parse_claim(CLAIM_ATTACKS["spaces, then a code"](MAX_LENGTH)) == (
        ClaimLine("64493", ()),
    )
    assert parse_claim(CLAIM_ATTACKS["spaces between codes"](MAX_LENGTH)) == (
        ClaimLine("64493", ()),
        ClaimLine("64494", ()),
    )
    assert parse_claim("64636  \t RT   x \u00a0 2") == (ClaimLine("64636", ("RT",), 2),)
    assert parse_claim("64636-RT units  :  2") == (ClaimLine("64636", ("RT",), 2),)
    assert parse_claim("64493-50   +   64494-RT") == (
        ClaimLine("64493", ("50",)),
        ClaimLine("64494", ("RT",)),
    )


def test_it_takes_and_standing_alone_as_a_line_break_wherever_it_stands():
    expected = (ClaimLine("64493", ("50",)), ClaimLine("64494", ("RT",)))
    for text in ("64493-50\nand 64494-RT", "64493-50,and 64494-RT", "64493-50 & 64494-RT and"):
        assert parse_claim(text) == expected
    with pytest.raises(ClaimError, match="Enter at least one claim line"):
        parse_claim(CLAIM_ATTACKS["the word and"](MAX_LENGTH))


def test_it_refuses_100_kb_of_claim_at_once():
    for text in ("64493-50, " * 10_000, "+" * 100_000, "64493" + " " * 100_000 + "x"):
        start = time.perf_counter()
        with pytest.raises(ClaimError) as error:
            parse_claim(text)
        assert time.perf_counter() - start < 0.05
        assert error.value.problems == ["That is too long to be a claim: at most 1000 characters."]


# The joint and nerve reader -------------------------------------------------------------------

ENTRIES_LIMIT = entries.MAX_LENGTH

# Adversarial joints (or nerves) of exactly n characters.
ENTRY_ATTACKS = {
    "spaces inside an entry": lambda n: "L4-L5" + fit(" ", n - 7) + ":B",
    "spaces before the side": lambda n: "L4-L5" + fit(" ", n - 6) + "B",
    "spaces, then no side": lambda n: "L4-L5" + fit(" ", n - 6) + "x",
    "tabs and new lines": lambda n: fit(" \t\n", n),
    "separators": lambda n: fit(",;\n", n),
    "colons": lambda n: fit(":", n),
    "hyphens": lambda n: "L4" + fit("-", n - 6) + "L5:B",
    "dashes and slashes": lambda n: "L4" + fit("-–—/", n - 6) + "L5:B",
    "digits": lambda n: "L" + fit("4", n - 3) + ":B",
    "letters and digits alternating": lambda n: fit("L4", n - 2) + ":B",
    "entries": lambda n: fit("L4-L5:B,", n),
    "sides": lambda n: "L4-L5:" + fit("B ", n - 6),
}


@pytest.mark.parametrize("kind", ["joints", "nerves"])
@pytest.mark.parametrize("name", ENTRY_ATTACKS)
def test_it_reads_any_joints_or_nerves_at_the_limit_well_under_a_second(name, kind):
    text = ENTRY_ATTACKS[name](ENTRIES_LIMIT)
    assert len(text) == ENTRIES_LIMIT
    assert cost(lambda text: parse_entries(text, kind), text, calls=1, runs=3) < QUICK


@pytest.mark.parametrize("name", ENTRY_ATTACKS)
def test_its_time_grows_linearly_with_the_joints(name, monkeypatch):
    monkeypatch.setattr(entries, "MAX_LENGTH", 8 * ENTRIES_LIMIT)  # to measure beyond the limit
    read = lambda text: parse_entries(text, "joints")  # noqa: E731
    assert growth(read, ENTRY_ATTACKS[name], ENTRIES_LIMIT) < LINEAR


def test_it_reads_runs_of_whitespace_in_joints_as_nothing():
    assert parse_entries(ENTRY_ATTACKS["spaces inside an entry"](ENTRIES_LIMIT), "joints") == (
        ("L4-L5", Side.BOTH),
    )
    assert parse_entries(ENTRY_ATTACKS["spaces before the side"](ENTRIES_LIMIT), "joints") == (
        ("L4-L5", Side.BOTH),
    )


def test_it_refuses_100_kb_of_joints_at_once():
    for text in ("L4-L5:B," * 12_500, " " * 100_000, "L4-L5" + " " * 99_993 + ":B"):
        start = time.perf_counter()
        with pytest.raises(InvalidInput) as error:
            parse_entries(text, "joints")
        assert time.perf_counter() - start < 0.05
        assert str(error.value) == (
            "The joints are too long (100000 characters): at most 1000 characters."
        )


def test_it_refuses_an_overlong_entry_given_in_a_list():
    with pytest.raises(InvalidInput, match=r"too long \(1002 characters\): at most 1000"):
        entries.coerce_entries(["L4-L5" + " " * 995 + ":B"], "joints")


# The pages that read them ---------------------------------------------------------------------


@pytest.fixture
def claim_quiz(db):
    """One claim question: bilateral L4-L5 and right L5-S1, diagnostic, Medicare."""
    question = make_question(
        "t-linear",
        "claim",
        procedure="injection",
        guidance="fluoroscopy",
        joints="L4-L5:B, L5-S1:R",
        payer_format="medicare",
        intent="diagnostic",
    )
    return make_quiz("t-linear", [question])


def first_question_url(client, quiz) -> str:
    response = client.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    assert response.status_code == 302
    UUID(response["Location"].split("/")[3])  # the new attempt's own address
    return response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("claim", "status", "shown"),
    [
        (
            CLAIM_ATTACKS["spaces, then no code"](MAX_LENGTH),
            400,
            "Could not read &quot;64493 x&quot;",
        ),
        (CLAIM_ATTACKS["spaces and plus signs"](MAX_LENGTH), 400, "Could not read"),
        (CLAIM_ATTACKS["units, then spaces"](MAX_LENGTH), 400, "Could not read"),
        (CLAIM_ATTACKS["codes run together"](MAX_LENGTH), 400, "is not a code"),
        (" " * 976 + "64493-50-KX, 64494-RT-KX", 302, ""),
        ("64493" + " " * 99_990 + "x", 400, "Ensure this value has at most 1000 characters"),
    ],
)
def test_a_quiz_answers_an_adversarial_claim_as_usual_and_quickly(
    client, claim_quiz, claim, status, shown
):
    url = first_question_url(client, claim_quiz)
    start = time.perf_counter()
    response = client.post(url, {"claim": claim})
    assert time.perf_counter() - start < 1
    assert response.status_code == status
    assert shown in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("joints", "status", "said"),
    [
        (ENTRY_ATTACKS["spaces inside an entry"](ENTRIES_LIMIT), 200, ""),
        (ENTRY_ATTACKS["spaces before the side"](ENTRIES_LIMIT), 200, ""),
        (ENTRY_ATTACKS["spaces, then no side"](ENTRIES_LIMIT), 400, "has no side"),
        (ENTRY_ATTACKS["hyphens"](ENTRIES_LIMIT), 400, "Unknown joint"),
        (ENTRY_ATTACKS["digits"](ENTRIES_LIMIT), 400, "Unknown joint"),
        (ENTRY_ATTACKS["entries"](ENTRIES_LIMIT), 400, "Too many entries"),
        (ENTRY_ATTACKS["colons"](ENTRIES_LIMIT), 400, "Unknown joint"),
        ("L4-L5" + " " * 99_993 + ":B", 400, "too long (100000 characters)"),
    ],
)
def test_the_wizard_api_answers_adversarial_joints_as_usual_and_quickly(
    client, joints, status, said
):
    start = time.perf_counter()
    response = client.get("/api/wizard", {"procedure": "injection", "joints": joints})
    assert time.perf_counter() - start < 1
    assert response.status_code == status
    if status == 200:
        assert response.json()["claim"] == "64493-50"
    else:
        assert said in response.json()["error"]
