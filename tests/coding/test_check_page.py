"""/check/: the history check page without JavaScript (plain form posts), its htmx fragment,
the JSON download and upload, the print summary, exact query counts, and no-store."""

import html
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

URL = "/check/"
HTMX = {"HX-Request": "true"}

# The contract's example, as the page's form sends it.
FORM = {
    "date": "2026-03-02",
    "procedure": "mbb",
    "joints": "L4-L5:B,L5-S1:B",
    "guidance": "fluoroscopy",
    "intent": "diagnostic",
    "payer": "medicare",
    "mac": "cgs",
    "rows": "2",
    "h-0-date": "2026-02-09",
    "h-0-procedure": "mbb",
    "h-0-kind": "joints",
    "h-0-sites": "L4-L5:B,L5-S1:B",
    "h-0-relief": "90",
    "h-1-date": "2025-06-01",
    "h-1-procedure": "rfa",
    "h-1-kind": "joints",
    "h-1-sites": "C5-C6:R",
    "h-1-relief": "60",
    "h-1-relief_months": "7",
}


def text_of(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def assert_private(response):
    assert response["Cache-Control"] == "private, no-store"


# --- GET --------------------------------------------------------------------------------------


def test_it_shows_the_empty_form_in_one_query(coder, django_assert_num_queries):
    with django_assert_num_queries(2):  # the content revision; the dataset in the footer
        response = coder.get(URL)
    with django_assert_num_queries(1):  # then the revision alone: the dataset is kept for it
        assert coder.get(URL).status_code == 200
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "Check a session against the patient's history" in page
    assert 'name="h-0-date"' in page  # one empty row to start with
    assert 'name="h-1-date"' not in page
    assert "Nothing about the patient is stored" in page


def test_it_prefills_the_session_from_the_wizards_link(coder):
    response = coder.get(
        f"{URL}?procedure=rfa&joints=L4-L5:B,L5-S1:R&guidance=ct&intent=diagnostic"
        "&payer=medicare&mac=cgs"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="L4-L5:B,L5-S1:R"' in page
    assert re.search(r'value="rfa"\s+checked', page)
    assert re.search(r'value="ct"\s+selected', page)
    assert re.search(r'value="cgs"\s+selected', page)


def test_it_leaves_ia_or_mbb_to_choose_when_the_wizard_says_injection(coder):
    page = coder.get(f"{URL}?procedure=injection&joints=L4-L5:B").content.decode()
    assert "checked" not in re.sub(r"<input type=\"checkbox\"[^>]*>", "", page)


def test_it_refuses_a_bad_parameter_with_a_400_that_says_why(coder):
    response = coder.get(f"{URL}?payer=acme")
    assert response.status_code == 400
    assert_private(response)
    assert "Payer: Select a valid choice" in text_of(response)


# --- POST: check ------------------------------------------------------------------------------


def test_it_checks_the_session_without_javascript_in_two_queries(coder, django_assert_num_queries):
    coder.get(URL)  # the form: the dataset in the footer is kept for the content revision
    with django_assert_num_queries(2):  # the sources the criteria cite; the revision
        response = coder.post(URL, {**FORM, "action": "check"})
    assert response.status_code == 200
    assert_private(response)
    text = text_of(response)
    assert "Covered" in text
    assert "Second (confirmatory) diagnostic block" in text
    assert "KX modifier Yes" in text
    assert "Earliest date 2026-03-02" in text
    assert "64493-50-KX, 64494-50-KX" in text
    assert "second-diagnostic-interval" in text
    # Each criterion quotes its source by title.
    assert "CGS LCD L38773: Facet Joint Interventions for Pain Management" in text
    # The rows come back as typed.
    assert 'value="2025-06-01"' in response.content.decode()


def test_it_draws_the_timeline_as_inline_svg_without_inline_styles(coder):
    page = coder.post(URL, {**FORM, "action": "check"}).content.decode()
    assert page.count('<svg viewBox="0 0 640') == 2  # lumbar and cervical
    assert "Lumbar region, 2025-03-03 to 2026-03-02: 2 diagnostic of 4" in page
    assert 'class="chart-mark chart-diagnostic chart-current"' in page
    assert "style=" not in page


def test_it_says_why_when_a_history_row_is_wrong(coder):
    response = coder.post(URL, {**FORM, "h-1-relief": "140", "action": "check"})
    assert response.status_code == 400
    assert "history entry 2: 'relief' must be between 0 and 100." in text_of(response)
    assert "Covered" not in text_of(response)


def test_it_ignores_empty_rows(coder):
    data = {**FORM, "rows": "3", "action": "check"}
    response = coder.post(URL, data)
    assert response.status_code == 200
    assert "Covered" in text_of(response)


def test_it_refuses_more_than_100_rows(coder):
    response = coder.post(URL, {**FORM, "rows": "500", "action": "check"})
    assert response.status_code == 400


# --- Rows: add without and with htmx, remove --------------------------------------------------


def test_it_adds_a_row_without_javascript(coder):
    response = coder.post(URL, {**FORM, "action": "add"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="h-2-date"' in page
    assert 'value="2026-02-09"' in page  # the rows typed so far are kept
    assert 'name="rows" value="3"' in page
    assert "Earliest date" not in page  # adding a row does not check


def test_it_adds_a_row_as_an_htmx_fragment_without_queries(coder, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = coder.post(URL, {**FORM, "action": "add"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    assert page.lstrip().startswith('<fieldset class="check-history" id="history">')
    assert "<html" not in page
    assert 'name="h-2-date"' in page
    assert "autofocus" in page
    assert "HX-Request" in response["Vary"]


def test_it_removes_a_row(coder):
    response = coder.post(URL, {**FORM, "h-0-remove": "1", "action": "check"})
    text = text_of(response)
    assert "First diagnostic block" in text  # without the block of 2026-02-09
    assert 'value="2026-02-09"' not in response.content.decode()


# --- Download, upload, print ------------------------------------------------------------------


def test_it_downloads_the_history_as_the_apis_body_and_stores_nothing(coder):
    response = coder.post(URL, {**FORM, "action": "download"})
    assert response.status_code == 200
    assert_private(response)
    assert response["Content-Disposition"] == 'attachment; filename="facet-history.json"'
    body = json.loads(response.content)
    assert body["session"] == {
        "date": "2026-03-02",
        "procedure": "mbb",
        "joints": "L4-L5:B,L5-S1:B",
        "guidance": "fluoroscopy",
        "intent": "diagnostic",
    }
    assert body["history"][1] == {
        "date": "2025-06-01",
        "procedure": "rfa",
        "joints": "C5-C6:R",
        "relief": 60,
        "relief_months": 7,
    }
    # The same body is what the API takes.
    api = coder.post("/api/session-check", response.content, content_type="application/json")
    assert api.json()["kind"] == "second-diagnostic"


def test_it_uploads_a_downloaded_history_and_checks_it(coder):
    saved = coder.post(URL, {**FORM, "action": "download"}).content
    upload = SimpleUploadedFile("facet-history.json", saved, "application/json")
    response = coder.post(URL, {"action": "upload", "upload": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="2025-06-01"' in page
    assert 'value="L4-L5:B,L5-S1:B"' in page
    assert "Second (confirmatory) diagnostic block" in text_of(response)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"patient": "x"}', "Unknown field(s) in the file"),
        (json.dumps({"history": [{}] * 101}).encode(), "at most 100"),
    ],
)
def test_it_refuses_a_bad_upload(coder, content, expected):
    upload = SimpleUploadedFile("history.json", content, "application/json")
    response = coder.post(URL, {"action": "upload", "upload": upload})
    assert response.status_code == 400
    assert expected in text_of(response)


def test_it_asks_for_a_file_when_none_is_uploaded(coder):
    response = coder.post(URL, {"action": "upload"})
    assert response.status_code == 400
    assert "Choose a history file" in text_of(response)


def test_it_shows_the_prior_authorisation_summary_with_a_way_back(coder):
    response = coder.post(URL, {**FORM, "action": "print"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Prior-authorisation summary</h1>" in page
    assert 'id="check-form"' not in page  # no editable form in the summary
    assert '<input type="hidden" name="h-1-relief_months" value="7">' in page
    assert "Back to the check" in page


def test_it_refuses_an_unknown_action(coder):
    assert coder.post(URL, {**FORM, "action": "delete"}).status_code == 400


def test_the_result_links_to_the_auditor_with_its_claim_and_payer(coder):
    html = coder.post(URL, {**FORM, "action": "check"}).content.decode()
    assert 'href="/audit/?claim=64493-50-KX%2C+64494-50-KX&amp;payer=medicare' in html
