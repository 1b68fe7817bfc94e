"""POST /api/session-check: the history check as JSON, a clear 400 for every kind of bad input,
and nothing about the patient cached or logged. Expected answers follow the fact sheet's §11."""

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

URL = "/api/session-check"

EXAMPLE = {
    "payer": "medicare",
    "mac": "cgs",
    "session": {
        "date": "2026-03-02",
        "procedure": "mbb",
        "joints": "L4-L5:B,L5-S1:B",
        "guidance": "fluoroscopy",
        "intent": "diagnostic",
    },
    "history": [
        {"date": "2026-02-09", "procedure": "mbb", "joints": "L4-L5:B,L5-S1:B", "relief": 90},
        {
            "date": "2025-06-01",
            "procedure": "rfa",
            "joints": "C5-C6:R",
            "relief": 60,
            "relief_months": 7,
        },
    ],
}


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data, content_type=content_type)


def error_of(client, body, content_type="application/json") -> str:
    response = post(client, body, content_type)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert set(data) == {"error"}
    return data["error"]


def with_session(**fields) -> dict:
    return {**EXAMPLE, "session": {**EXAMPLE["session"], **fields}}


def with_entry(**fields) -> dict:
    return {**EXAMPLE, "history": [{**EXAMPLE["history"][0], **fields}]}


# --- The contract ---------------------------------------------------------------------------------


def test_it_answers_the_contracts_example(coder):
    response = post(coder, EXAMPLE)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert {
        "kind",
        "verdict",
        "kx",
        "criteria",
        "counts",
        "earliest_date",
        "documentation",
        "lines",
        "warnings",
    } <= set(data)
    assert data["kind"] == "second-diagnostic"
    assert data["verdict"] == "covered"
    assert data["kx"] is True
    assert data["earliest_date"] == "2026-03-02"
    assert [line["code"] for line in data["lines"]] == ["64493", "64494"]
    assert data["lines"][0]["modifiers"] == ["50", "KX"]
    counts = {count["region"]: count for count in data["counts"]}
    assert counts["lumbar"] == {
        "region": "lumbar",
        "diagnostic": 2,
        "therapeutic": 0,
        "rfa": 0,
        "since": "2025-03-03",
    }
    assert counts["cervical"]["rfa"] == 1
    interval = next(c for c in data["criteria"] if c["id"] == "second-diagnostic-interval")
    assert interval["status"] == "pass"
    assert interval["sources"] == ["l38773q"]
    assert interval["message"]


def test_it_defaults_to_medicare_fluoroscopy_and_no_history(coder):
    body = {"session": {"date": "2026-03-02", "procedure": "ia", "joints": "C5-C6:L"}}
    data = post(coder, body).json()
    assert data["kind"] == "first-diagnostic"
    assert data["verdict"] == "covered"
    assert [line["code"] for line in data["lines"]] == ["64490"]
    assert data["lines"][0]["modifiers"] == ["LT", "KX"]


def test_it_takes_nerves_and_a_commercial_payer(coder):
    body = {
        "payer": "aetna",
        "session": {"date": "2026-03-02", "procedure": "mbb", "nerves": "L3:B,L4:B,L5:B"},
        "history": [{"date": "2026-02-01", "procedure": "mbb", "nerves": "L3:B,L4:B,L5:B"}],
    }
    data = post(coder, body).json()
    assert data["kind"] == "second-diagnostic"
    assert data["kx"] is False
    assert data["verdict"] == "needs-documentation"  # Aetna's 80% rule, relief unknown
    assert {c["id"] for c in data["criteria"]} == {"three-levels", "second-diagnostic-relief"}


def test_it_gives_null_when_waiting_cannot_help(coder):
    data = post(coder, with_entry(relief=50)).json()
    assert data["verdict"] == "not-covered"
    assert data["earliest_date"] is None


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (with_session(date="2026-02-30"), "does not exist"),
        (with_session(date="02/03/2026"), "not an ISO date"),
        (with_session(date=20260302), "must be a string"),
        (with_entry(date="2026-02-29"), "does not exist"),
        (with_entry(date="2099-01-01"), "in the future"),
        (with_entry(date="2026-03-02"), "not before the session"),
        (with_session(joints="L4-L5:X"), "Side 'X'"),
        (with_session(joints="L4L6"), "has no side"),
        (with_session(joints="L4-L6:B"), "Unknown joint"),
        (with_entry(joints="Z9-Z10:B"), "Unknown joint"),
        (with_session(joints=["L4-L5:B"]), "must be a string"),
        (with_entry(relief=140), "between 0 and 100"),
        (with_entry(relief="ninety"), "must be a number"),
        (with_entry(relief=True), "must be a number"),
        (with_entry(relief_months=-2), "between 0 and 600"),
        (with_session(procedure="injection"), "Unknown procedure"),
        (with_session(intent="curative"), "Unknown intent"),
        (with_session(guidance=["ct"]), "'guidance' must be a string"),
        (with_session(relief=90), "unknown field"),
        ({**EXAMPLE, "session": "L4-L5:B"}, "'session' is required"),
        ({**EXAMPLE, "history": {"date": "2026-02-09"}}, "'history' must be a list"),
        ({**EXAMPLE, "history": ["2026-02-09"]}, "history entry 1: must be an object"),
        ({"history": []}, "'session' is required"),
        ({**EXAMPLE, "payer": "acme"}, "Unknown payer"),
        ({**EXAMPLE, "payer": 3}, "'payer' must be a string"),
        ({**EXAMPLE, "payer": "aetna"}, "Medicare claims only"),
        ({**EXAMPLE, "patient": "Jane Doe"}, "Unknown field(s) in the body: 'patient'"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_400(coder, body, expected):
    assert expected in error_of(coder, body)


def test_it_refuses_101_history_entries_and_takes_100(coder):
    entry = EXAMPLE["history"][0]
    assert "at most 100" in error_of(coder, {**EXAMPLE, "history": [entry] * 101})
    assert post(coder, {**EXAMPLE, "history": [entry] * 100}).status_code == 200


def test_it_refuses_the_wrong_content_type(coder):
    message = error_of(coder, json.dumps(EXAMPLE), content_type="text/plain")
    assert "Content-Type: application/json" in message


def test_it_refuses_a_body_that_is_not_json(coder):
    assert "not valid JSON" in error_of(coder, '{"session": ')


def test_it_refuses_a_body_that_is_not_an_object(coder):
    assert "must be a JSON object" in error_of(coder, [EXAMPLE])


def test_it_takes_post_only(coder):
    assert coder.get(URL).status_code == 405


def test_it_logs_nothing_about_the_patient(coder, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "2026-02-27"
    post(coder, with_entry(date=marker, relief=140))
    post(coder, with_entry(date=marker))
    assert marker not in caplog.text
    assert "L4-L5" not in caplog.text


# --- Fuzz: random bodies never make a 500 --------------------------------------------------------

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
entry_like = st.fixed_dictionaries(
    {},
    optional={
        name: values | st.sampled_from(["2026-01-01", "mbb", "rfa", "L4-L5:B", "90"])
        for name in ("date", "procedure", "joints", "nerves", "relief", "relief_months", "intent")
    },
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    session=st.one_of(values, entry_like),
    history=st.one_of(values, st.lists(entry_like, max_size=4)),
    payer=st.one_of(st.none(), st.sampled_from(["medicare", "aetna", "x"]), values),
)
def test_random_bodies_never_make_a_500(coder, session, history, payer):
    response = post(coder, {"session": session, "history": history, "payer": payer})
    assert response.status_code in (200, 400), response.content
