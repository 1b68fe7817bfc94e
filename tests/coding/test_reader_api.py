"""POST /api/read-note and the /read/ page: the reading of a note, a clear 400 for every kind of
bad input, never a 500, never a cached or logged note."""

import json
import logging

import pytest

from coding.views import reader as reader_view

pytestmark = pytest.mark.django_db

URL = "/api/read-note"
PAGE = "/read/"
NOTE = (
    "PROCEDURE: Bilateral L4-5 and L5-S1 medial branch blocks.\n"
    "Under fluoroscopic guidance, the L3 and L4 medial branches and the L5 dorsal ramus were "
    "blocked bilaterally. Diagnostic block. No RFA was performed."
)
# A phrase only this test writes: if it shows up in a log line, the note was logged.
SECRET = "Patient Zebediah Quillfeather MRN 99417723"


def post(client, body, content_type="application/json"):
    data = json.dumps(body) if not isinstance(body, (str, bytes)) else body
    return client.post(URL, data=data, content_type=content_type)


def error_of(response) -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"error"}
    return data["error"]


# --- The API ---------------------------------------------------------------------------------


def test_it_reads_a_note_into_the_wizards_description_and_the_claim(client):
    response = post(client, {"text": NOTE})
    assert response.status_code == 200
    data = response.json()
    assert data["procedure"] == "injection"
    assert data["technique"] == "mbb"
    assert data["guidance"] == "fluoroscopy"
    assert data["intent"] == "diagnostic"
    # The auditors' favourite error: three nerves are two joints (facts §10).
    assert data["joints"] == "L4-L5:B,L5-S1:B"
    assert data["nerves"] == "L3:B,L4:B,L5:B"
    assert [line["text"] for line in data["lines"]] == ["64493-50-KX", "64494-50-KX"]
    assert data["review"] == []
    assert data["warnings"]


def test_it_gives_each_finding_its_span_in_the_note(client):
    data = post(client, {"text": NOTE}).json()
    for finding in data["findings"]:
        assert set(finding) == {"kind", "value", "start", "end", "used", "why"}
    rfa = [f for f in data["findings"] if f["kind"] == "procedure" and f["value"] == "rfa"]
    assert len(rfa) == 1
    assert NOTE[rfa[0]["start"] : rfa[0]["end"]] == "RFA"
    assert rfa[0]["used"] is False
    assert rfa[0]["why"] == "negated"
    l5 = [f for f in data["findings"] if f["kind"] == "nerve" and f["value"] == "L5"]
    assert NOTE[l5[0]["start"] : l5[0]["end"]] == "L5"


def test_it_gives_the_lines_for_the_payer_and_claim_type_given(client):
    data = post(client, {"text": NOTE, "claim_type": "asc"}).json()
    assert data["claim"] == "64493-RT-KX, 64493-LT-KX, 64494-RT-KX, 64494-LT-KX"


def test_it_holds_the_lines_back_when_the_note_leaves_the_side_open(client):
    text = "L4-5 medial branch block under fluoroscopy, diagnostic."
    data = post(client, {"text": text}).json()
    assert data["lines"] == []
    assert any("side" in question for question in data["review"])


def test_it_answers_privately_and_is_never_cached(client):
    response = post(client, {"text": NOTE})
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        ("{not json", "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        ('["a list"]', "application/json", "JSON object"),
        ("text=hello", "application/x-www-form-urlencoded", "Content-Type"),
        (json.dumps({"text": NOTE}), "text/plain", "Content-Type"),
        ({"text": 42}, "application/json", "'text' must be a string"),
        ({"text": ["a", "list"]}, "application/json", "'text' must be a string"),
        ({}, "application/json", "'text' is required"),
        ({"text": ""}, "application/json", "'text' is required"),
        ({"text": "x" * 20_001}, "application/json", "at most 20,000 characters"),
        ({"text": "L4-5\x00 MBB"}, "application/json", "NUL"),
        ({"text": NOTE, "payer": "acme"}, "application/json", "payer"),
        ({"text": NOTE, "payer": 3}, "application/json", "'payer' must be a string"),
        ({"text": NOTE, "mac": "nowhere"}, "application/json", "mac"),
        ({"text": NOTE, "claim_type": "inpatient"}, "application/json", "claim"),
        ({"text": NOTE, "patient": "x"}, "application/json", "Unknown field(s) in the body"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_400(client, body, content_type, words):
    assert words.lower() in error_of(post(client, body, content_type)).lower()


def test_it_accepts_a_note_of_exactly_twenty_thousand_characters(client):
    text = (NOTE + "\n") * (20_000 // (len(NOTE) + 1))
    text += " " * (20_000 - len(text))
    assert len(text) == 20_000
    response = post(client, {"text": text})
    assert response.status_code == 200


def test_it_takes_post_only(client):
    response = client.get(URL)
    assert response.status_code == 405


def test_it_logs_no_note_text_even_when_the_reader_fails(client, monkeypatch, caplog):
    def explode(text, coverage=None):
        raise ValueError(f"could not read {text!r}")

    monkeypatch.setattr(reader_view, "read_note", explode)
    with caplog.at_level(logging.DEBUG):
        response = post(client, {"text": SECRET})
    assert response.status_code == 500
    assert SECRET not in response.content.decode()
    assert caplog.records, "the failure is logged (without the note)"
    for record in caplog.records:
        assert "Zebediah" not in record.getMessage()
        assert "Zebediah" not in (logging.Formatter().format(record))


def test_it_logs_nothing_of_a_note_it_reads(client, caplog, capfd):
    with caplog.at_level(logging.DEBUG):
        post(client, {"text": SECRET + " " + NOTE})
    assert all("Zebediah" not in logging.Formatter().format(r) for r in caplog.records)
    out, err = capfd.readouterr()  # PyRuSH's loguru debug output would land on stderr
    assert "Zebediah" not in out + err


# --- The page ---------------------------------------------------------------------------------


def test_it_shows_the_form(client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the content revision; the dataset in the footer
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(1):  # then the revision alone: the dataset is kept for it
        response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="text"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    for name in ("payer", "mac", "claim_type"):
        assert f'name="{name}"' in page


def test_it_shows_the_reading_with_the_note_highlighted_and_escaped(client):
    text = "<script>alert(1)</script>\n" + NOTE
    response = client.post(PAGE, {"text": text, "payer": "medicare", "claim_type": "professional"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "64493-50-KX, 64494-50-KX" in page
    assert '<mark class="is-ignored" title="negated">RFA</mark>' in page
    assert "Open in the wizard" in page
    assert (
        "/wizard/?procedure=injection&amp;guidance=fluoroscopy&amp;nerves=L3%3AB%2CL4%3AB%2CL5%3AB"
        "&amp;intent=diagnostic&amp;payer=medicare&amp;claim_type=professional"
    ) in page
    assert "no-store" in response["Cache-Control"]


def test_it_swaps_only_the_result_for_htmx(client, django_assert_num_queries):
    with django_assert_num_queries(0):  # the fragment has no footer; the reader reads no table
        response = client.post(PAGE, {"text": NOTE}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="reader-result"')
    assert "<form" not in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"text": ""}, "Paste the procedure note"),
        ({"text": "x" * 20_001}, "at most 20,000 characters"),
        ({"text": "L4-5\x00"}, "NUL byte"),  # refused at the edge (middleware)
        ({"text": NOTE, "payer": "acme"}, "Select a valid choice"),
    ],
)
def test_the_page_refuses_bad_input_with_a_400(client, data, words):
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert words in response.content.decode()


def test_the_page_logs_no_note_text_when_the_reader_fails(client, monkeypatch, caplog):
    def explode(text, coverage=None):
        raise ValueError(f"could not read {text!r}")

    monkeypatch.setattr(reader_view, "read_note", explode)
    with caplog.at_level(logging.DEBUG):
        response = client.post(PAGE, {"text": SECRET})
    assert response.status_code == 500
    assert "could not read this note" in response.content.decode()
    assert caplog.records
    for record in caplog.records:
        assert "Zebediah" not in logging.Formatter().format(record)


def test_the_page_links_its_claim_to_the_wizard_and_the_auditor(client):
    note = "Bilateral L4-L5 and L5-S1 medial branch blocks under fluoroscopy, therapeutic."
    html = client.post("/read/", {"text": note}).content.decode()
    assert 'href="/audit/?claim=64493-50%2C+64494-50&amp;procedure=injection' in html
