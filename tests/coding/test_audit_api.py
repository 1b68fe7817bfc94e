"""POST /api/audit-claim: the audit as JSON, and a clear 400 (never a 500) for any bad input."""

import json

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/audit-claim"


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data, content_type=content_type)


def audit(client, body) -> dict:
    response = post(client, body)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def error(client, body, content_type="application/json") -> str:
    response = post(client, body, content_type)
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"error"}
    return data["error"]


def test_it_answers_each_line_with_its_problems_and_the_correction(coder):
    data = audit(coder, {"claim": "64493-50, 64494-50, 64495-50 x2"})
    assert [line["text"] for line in data["lines"]] == ["64493-50", "64494-50", "64495-50 x2"]
    third = data["lines"][2]
    assert third["code"] == "64495"
    assert third["modifiers"] == ["50"]
    assert third["units"] == 2
    assert third["status"] == "error"
    ids = [problem["id"] for problem in third["problems"]]
    assert ids == ["third-level-units", "third-level-not-covered"]
    assert all(problem["message"] and problem["sources"] for problem in third["problems"])
    assert data["lines"][0]["status"] == "ok"
    assert data["verdict"] == "errors"
    assert data["corrected"] == "64493-50, 64494-50, 64495-50"


def test_a_clean_claim_has_no_problem_and_nothing_to_correct(coder):
    data = audit(coder, {"claim": "64493-50, 64494-RT", "payer": "medicare", "mac": "cgs"})
    assert data["verdict"] == "clean"
    assert [line["status"] for line in data["lines"]] == ["ok", "ok"]
    assert data["problems"] == []
    assert data["corrected"] is None


def test_it_compares_with_the_scenario_and_gives_the_engines_claim(coder):
    data = audit(
        coder,
        {
            "claim": "64493-50, 64494-50, 77003",
            "scenario": {
                "procedure": "injection",
                "guidance": "fluoroscopy",
                "joints": "L4-L5:B, L5-S1:R",
                "intent": "therapeutic",
            },
        },
    )
    assert data["corrected"] == "64493-50, 64494-RT"
    assert [p["id"] for p in data["problems"]] == ["differs-from-scenario"]
    assert [line["status"] for line in data["lines"]] == ["ok", "error", "error"]


def test_it_reads_the_payer_and_says_which_checks_it_skips(coder):
    data = audit(coder, {"claim": "64493-50, 64494-50, 64495-50", "payer": "aetna"})
    assert data["coverage"]["payer"] == "aetna"
    assert data["verdict"] == "clean"
    assert [s["check"] for s in data["skipped"]] == ["third-level-not-covered"]


def test_it_passes_other_codes_through_as_not_audited(coder):
    data = audit(coder, {"claim": "99213-25, 64493-50"})
    assert data["lines"][0]["status"] == "not-audited"
    assert data["lines"][0]["problems"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'claim' is required."),
        ({"claim": ""}, "'claim' is required."),
        ({"claim": "   \n , "}, "Enter at least one claim line"),
        ({"claim": ", ".join(["64493-50"] * 51)}, "Too many lines (51)"),
        ({"claim": "x" * 5001}, "'claim' is too long: at most 5,000 characters."),
        ({"claim": 64493}, "'claim' must be a string."),
        ({"claim": "64493\x00"}, "'claim' contains a NUL character."),
        ({"claim": "64493", "payer": "acme"}, "Unknown payer 'acme'"),
        ({"claim": "64493", "payer": 3}, "'payer' must be a string."),
        ({"claim": "64493", "mac": "cgs", "payer": "aetna"}, "A MAC or state applies to Medicare"),
        ({"claim": "64493", "claim_type": "inpatient"}, "Unknown claim_type 'inpatient'"),
        ({"claim": "64493", "date": "2026-02-30"}, "must be a real date"),
        ({"claim": "64493", "date": "1/2/2026"}, "must be written YYYY-MM-DD"),
        ({"claim": "64493", "date": 20260101}, "must be written YYYY-MM-DD"),
        ({"claim": "64493", "colour": "red"}, "Unknown field(s) in the body: 'colour'"),
        ({"claim": "64493", "scenario": "L4-L5"}, "'scenario' must be an object"),
        ({"claim": "64493", "scenario": {"site": "L4"}}, "Unknown field(s) in the scenario"),
        ({"claim": "64493", "scenario": {"joints": "L4-L5:B"}}, "needs a procedure"),
        ({"claim": "64493", "scenario": {"procedure": "laser", "joints": "L4-L5:B"}},
         "Unknown procedure 'laser'"),
        ({"claim": "64493", "scenario": {"procedure": "rfa", "joints": "L9-L10:B"}},
         "Unknown joint"),
        ({"claim": "64493", "scenario": {"procedure": "rfa", "joints": ["L4-L5:B"]}},
         "'joints' must be a string."),
        ({"claim": "64493", "scenario": {"procedure": "rfa"}}, "Give either joints or nerves"),
    ],
)  # fmt: skip
def test_it_refuses_bad_input_with_a_clear_400(coder, body, message):
    assert message in error(coder, body)


@pytest.mark.parametrize(
    ("raw", "content_type", "message"),
    [
        ("not json", "application/json", "The body is not valid JSON."),
        (b"\xff\xfe", "application/json", "The body is not valid JSON."),
        ("[1, 2]", "application/json", "The body must be a JSON object"),
        ("claim=64493", "application/x-www-form-urlencoded", "Send the request as JSON"),
        ('{"claim": "' + "6" * 300_000 + '"}', "application/json", "The body is too large"),
    ],
)
def test_it_refuses_a_body_that_is_not_a_json_object(coder, raw, content_type, message):
    assert message in error(coder, raw, content_type)


def test_it_takes_post_only(coder):
    assert coder.get(URL).status_code == 405


def test_it_takes_the_note_readers_answer_as_the_scenario(coder):
    note = "Bilateral L4-L5 and right L5-S1 medial branch blocks, therapeutic, under fluoroscopy."
    reading = coder.post("/api/read-note", {"text": note}, content_type="application/json")
    assert reading.status_code == 200
    data = audit(coder, {"claim": "64493-50, 64494-50", "scenario": reading.json()})
    # Written by hand: L5-S1 was treated on the right only (facts §4, mixed laterality).
    assert data["corrected"] == "64493-50, 64494-RT"


def test_it_refuses_a_reading_the_reader_held_back(coder):
    held = {"procedure": "injection", "joints": "", "review": ["Which side?"], "lines": []}
    assert "held this claim back" in error(coder, {"claim": "64493-50", "scenario": held})
