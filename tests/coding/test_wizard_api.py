"""GET /api/wizard: the rules engine's answer as JSON, and a clear 400 for anything else."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.engine import JOINTS, MAX_ENTRIES, NERVES, code_claim

pytestmark = pytest.mark.django_db

URL = "/api/wizard"


def get_ok(client, query: str) -> dict:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def get_error(client, query: str) -> str:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"error"}
    return data["error"]


def codes_of(data: dict) -> list[str]:
    return [line["code"] for line in data["lines"]]


def warning_ids(data: dict) -> list[str]:
    return [warning["id"] for warning in data["warnings"]]


# The contract ---------------------------------------------------------------------------------


def test_it_answers_with_lines_warnings_levels_claim_and_checklist(coder):
    data = get_ok(
        coder,
        "procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R"
        "&format=medicare&intent=diagnostic",
    )
    assert {"lines", "warnings", "levels", "claim", "documentation"} <= set(data)
    first = data["lines"][0]
    assert {"code", "modifiers", "units", "joints", "rule", "rule_id", "sources"} <= set(first)
    assert first["code"] == "64493"
    assert first["modifiers"] == ["50", "KX"]
    assert first["units"] == 1
    assert first["joints"] == ["L4-L5"]
    assert first["rule_id"] == "first-level-primary"
    assert "first lumbar/sacral level" in first["rule"]
    assert first["sources"]
    assert all(set(w) >= {"id", "message"} and w["message"] for w in data["warnings"])
    assert data["levels"] == ["L4-L5", "L5-S1"]
    assert data["claim"] == "64493-50-KX, 64494-RT-KX"
    assert any("L4-L5 both sides" in item for item in data["documentation"])


def test_it_gives_exactly_what_the_engine_gives(coder):
    data = get_ok(coder, "procedure=rfa&guidance=ct&joints=C5-C6:L,C6-C7:B&format=rtlt")
    expected = code_claim("rfa", "ct", joints="C5-C6:L,C6-C7:B", payer_format="rtlt")
    assert {key: data[key] for key in expected.as_dict()} == expected.as_dict()


def test_it_defaults_to_fluoroscopy_medicare_and_no_intent(coder):
    data = get_ok(coder, "procedure=injection&joints=L4-L5:B")
    assert data["input"] == {
        "procedure": "injection",
        "guidance": "fluoroscopy",
        "joints": "L4-L5:B",
        "nerves": None,
        "intent": None,
        "payer": "medicare",
        "mac": None,
        "state": None,
        "claim_type": "professional",
        "bilateral": "50",
        "format": "medicare",
    }
    assert data["claim"] == "64493-50"
    assert "imaging-included" in warning_ids(data)
    assert "medicare-kx-needs-intent" in warning_ids(data)


def test_it_reads_empty_optional_parameters_as_their_defaults(coder):
    data = get_ok(coder, "procedure=injection&guidance=&format=&intent=&joints=L4-L5:B")
    assert data["claim"] == "64493-50"


def test_it_reads_choices_regardless_of_case(coder):
    data = get_ok(coder, "procedure=Injection&guidance=CT&format=RTLT&joints=l4-5:r")
    assert data["claim"] == "64493-RT"


# Real coding cases ----------------------------------------------------------------------------


def test_it_codes_a_bilateral_level_as_one_line_with_50_for_medicare(coder):
    data = get_ok(coder, "procedure=injection&joints=L4-L5:B&format=medicare")
    assert data["claim"] == "64493-50"
    assert data["lines"][0]["units"] == 1


def test_it_codes_a_bilateral_level_as_rt_and_lt_lines_in_rtlt_format(coder):
    data = get_ok(coder, "procedure=injection&joints=L4-L5:B&format=rtlt")
    assert data["claim"] == "64493-RT, 64493-LT"
    assert [line["units"] for line in data["lines"]] == [1, 1]
    assert "rtlt-format" in warning_ids(data)


def test_it_keeps_each_levels_own_side_when_laterality_is_mixed(coder):
    assert get_ok(coder, "procedure=injection&joints=L4-L5:B,L5-S1:R")["claim"] == (
        "64493-50, 64494-RT"
    )
    assert get_ok(coder, "procedure=injection&joints=L4-L5:B,L5-S1:L")["claim"] == (
        "64493-50, 64494-LT"
    )


def test_it_reports_three_and_more_levels_with_one_third_level_line(coder):
    data = get_ok(coder, "procedure=injection&joints=L2-L3:B,L3-L4:B,L4-L5:B,L5-S1:B")
    assert codes_of(data) == ["64493", "64494", "64495"]
    third = data["lines"][2]
    assert third["units"] == 1
    assert third["joints"] == ["L4-L5", "L5-S1"]
    assert third["rule_id"] == "third-level-addon-once"
    assert "medicare-more-than-two-levels" in warning_ids(data)


def test_it_counts_nerves_as_the_joints_they_supply(coder):
    data = get_ok(coder, "procedure=injection&nerves=L3:B,L4:B,L5:B")
    assert data["levels"] == ["L4-L5", "L5-S1"]
    assert data["claim"] == "64493-50, 64494-50"
    assert "nerves-counted-as-joints" in warning_ids(data)
    assert data["input"]["nerves"] == "L3:B,L4:B,L5:B"


def test_it_warns_about_nerves_that_complete_no_joint(coder):
    data = get_ok(coder, "procedure=injection&nerves=L2:R")
    assert data["lines"] == []
    assert "nerve-completes-no-joint" in warning_ids(data)


def test_it_codes_ultrasound_with_category_iii_codes_and_warns(coder):
    lumbar = get_ok(coder, "procedure=injection&guidance=ultrasound&joints=L4-L5:R,L5-S1:R")
    assert lumbar["claim"] == "0216T-RT, 0217T-RT"
    assert "ultrasound-not-covered" in warning_ids(lumbar)
    cervical = get_ok(coder, "procedure=injection&guidance=ultrasound&joints=C4-C5:L")
    assert cervical["claim"] == "0213T-LT"


def test_it_codes_no_line_without_imaging_and_says_why(coder):
    data = get_ok(coder, "procedure=injection&guidance=none&joints=L4-L5:B")
    assert data["lines"] == []
    assert data["claim"] == ""
    assert "no-imaging-injection" in warning_ids(data)


def test_it_ablates_per_joint_with_one_unit_per_additional_joint(coder):
    data = get_ok(coder, "procedure=rfa&joints=L3-L4:R,L4-L5:R,L5-S1:R")
    assert [(line["code"], line["units"]) for line in data["lines"]] == [
        ("64635", 1),
        ("64636", 2),
    ]
    assert data["claim"] == "64635-RT, 64636-RT x2"
    assert "medicare-rfa-prerequisites" in warning_ids(data)


def test_it_appends_kx_only_to_diagnostic_medicare_injections(coder):
    query = "procedure=injection&joints=L4-L5:B,L5-S1:R"
    diagnostic = get_ok(coder, f"{query}&intent=diagnostic")
    assert all("KX" in line["modifiers"] for line in diagnostic["lines"])
    therapeutic = get_ok(coder, f"{query}&intent=therapeutic")
    assert not any("KX" in line["modifiers"] for line in therapeutic["lines"])
    rtlt = get_ok(coder, f"{query}&intent=diagnostic&format=rtlt")
    assert not any("KX" in line["modifiers"] for line in rtlt["lines"])


def test_it_adds_up_repeated_joints_parameters(coder):
    data = get_ok(coder, "procedure=injection&joints=L4-L5:B&joints=L5-S1:R")
    assert data["claim"] == "64493-50, 64494-RT"


def test_it_accepts_a_parameter_repeated_with_the_same_value(coder):
    data = get_ok(coder, "procedure=injection&procedure=INJECTION&joints=L4-L5:L")
    assert data["claim"] == "64493-LT"


# Bad input ------------------------------------------------------------------------------------

TOO_MANY = ",".join(f"{JOINTS[i % len(JOINTS)]}:L" for i in range(MAX_ENTRIES + 10))
TOO_LONG = "L4-L5:B," + " " * 2000


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("procedure=surgery&joints=L4-L5:B", ["Unknown procedure 'surgery'", "injection, rfa"]),
        ("joints=L4-L5:B", ["procedure", "injection, rfa"]),
        ("procedure=&joints=L4-L5:B", ["procedure", "injection, rfa"]),
        (
            "procedure=injection&guidance=mri&joints=L4-L5:B",
            ["Unknown guidance 'mri'", "fluoroscopy, ct, ultrasound, none"],
        ),
        ("procedure=injection&format=bcbs&joints=L4-L5:B", ["Unknown format", "medicare, rtlt"]),
        (
            "procedure=injection&intent=maybe&joints=L4-L5:B",
            ["Unknown intent", "diagnostic, therapeutic"],
        ),
        ("procedure=injection&joints=L6-L7:B", ["L6-L7", "C2-C3", "L5-S1"]),
        ("procedure=injection&joints=S1-S2:B", ["S1-S2", "L5-S1"]),
        ("procedure=injection&joints=L3-L5:B", ["L3-L5", "not adjacent"]),
        ("procedure=injection&joints=L4-L5:X", ["Side 'X'", "L (left), R (right) or B"]),
        ("procedure=injection&joints=L4-L5", ["no side", "L4-L5:B"]),
        ("procedure=injection&nerves=L9:B", ["Unknown nerve", "C2"]),
        ("procedure=injection", ["either joints or nerves"]),
        ("procedure=injection&joints=,,", ["either joints or nerves"]),
        ("procedure=injection&joints=L4-L5:B&nerves=L3:B,L4:B", ["not both"]),
        (f"procedure=injection&joints={TOO_MANY}", ["Too many entries", str(MAX_ENTRIES)]),
        (f"procedure=injection&joints={quote(TOO_LONG)}", ["too long", "at most 1000"]),
        (
            "procedure=injection&procedure=rfa&joints=L4-L5:B",
            ["procedure", "more than once", "'injection', 'rfa'"],
        ),
        ("procedure=injection&format=medicare&format=rtlt&joints=L4-L5:B", ["format", "once"]),
        ("procedure=injection&joints=L4-L5%00:B", ["NUL byte"]),
    ],
)
def test_it_rejects_bad_input_naming_the_problem(coder, query, expected):
    error = get_error(coder, query)
    for part in expected:
        assert part in error


def test_it_rejects_an_absurd_number_of_parameters(coder):
    query = "&".join(f"x{i}=1" for i in range(1500))
    assert "Too many parameters" in get_error(coder, f"procedure=injection&{query}")


def test_it_cuts_an_over_long_bad_value_short_in_the_message(coder):
    error = get_error(coder, "procedure=" + "x" * 5000 + "&joints=L4-L5:B")
    assert "Unknown procedure" in error
    assert len(error) < 300


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_allows_only_get(coder, method):
    response = getattr(coder, method)(f"{URL}?procedure=injection&joints=L4-L5:B")
    assert response.status_code == 405


def test_it_queries_nothing(coder, django_assert_num_queries):
    # The engine is pure Python: no query for the answer.
    with django_assert_num_queries(0):
        get_ok(
            coder, "procedure=injection&joints=L2-L3:B,L3-L4:B,L4-L5:B,L5-S1:R&intent=diagnostic"
        )


# Fuzz: random query strings never make a 500 --------------------------------------------------

NAMES = [
    "procedure",
    "guidance",
    "joints",
    "nerves",
    "format",
    "intent",
    "payer",
    "mac",
    "state",
    "claim_type",
    "bilateral",
    "x",
    "",
]
TOKENS = [
    "injection",
    "rfa",
    "fluoroscopy",
    "ct",
    "ultrasound",
    "none",
    "medicare",
    "rtlt",
    "aetna",
    "cgs",
    "OH",
    "asc",
    "50",
    "diagnostic",
    "therapeutic",
    *JOINTS,
    *NERVES,
    "S1",
    "S1-S2",
    "L6",
    ":",
    ",",
    ";",
    "-",
    "L",
    "R",
    "B",
    "%",
    "%00",
    "%FF",
    "%E2%80%93",
    "&",
    "=",
    " ",
    "\n",
]
value = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
    st.text(max_size=40),
)
parameter = st.tuples(st.sampled_from(NAMES), value)
query_string = st.lists(parameter, max_size=8).map(
    lambda pairs: "&".join(f"{quote(name)}={quote(text, safe=':,;%-')}" for name, text in pairs)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=query_string)
def test_it_never_fails_on_random_query_strings(query):
    response = Client().get(f"{URL}?{query}")
    assert response.status_code in (200, 400), (query, response.status_code)
    data = response.json()
    assert ("lines" in data) if response.status_code == 200 else set(data) == {"error"}
    if response.status_code == 400:
        assert data["error"]
