"""/audit/: the claim auditor's page without JavaScript (a GET form), its htmx fragment, the
links other tools make to it, bad input as a 400 with the form, and exact query counts."""

import re

import pytest

pytestmark = pytest.mark.django_db

URL = "/audit/"
HTMX = {"HX-Request": "true"}


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_it_shows_the_empty_form_in_one_query(coder, django_assert_num_queries):
    with django_assert_num_queries(2):  # the content revision; the dataset in the footer
        response = coder.get(URL)
    with django_assert_num_queries(1):  # then the revision alone: the dataset is kept for it
        assert coder.get(URL).status_code == 200
    assert response.status_code == 200
    page = response.content.decode()
    assert "Claim auditor" in page
    assert '<textarea name="claim"' in page
    assert 'name="payer"' in page and 'name="mac"' in page and 'name="claim_type"' in page
    assert 'name="procedure"' in page and 'name="joints"' in page and 'name="intent"' in page
    assert "Errors found" not in page


def test_it_audits_a_claim_without_javascript_in_two_queries(coder, django_assert_num_queries):
    coder.get(URL)  # the form: the dataset in the footer is kept for the content revision
    with django_assert_num_queries(2):  # the sources the problems cite; the revision
        response = coder.get(URL, {"claim": "64493-50 x2, 64494-50, 77003", "payer": "medicare"})
    assert response.status_code == 200
    text = text_of(response)
    assert "Errors found" in text
    # Each line with its status and problems, each problem with its sources by title.
    assert "64493-50 x2 error" in text
    assert "bilateral-as-units" in text
    assert "imaging-billed" in text
    assert "imaging guidance and contrast are included in 64490-64495" in text
    page = response.content.decode()
    assert 'value="64493-50, 64494-50"' in page  # the corrected claim, ready to copy
    assert 'data-copy="corrected-claim"' in page
    assert re.search(r'<a href="/sources/#source-fcsocg">[^<]+</a>', page)


def test_the_form_keeps_what_was_typed(coder):
    page = coder.get(URL, {"claim": "64490-RT", "payer": "aetna"}).content.decode()
    assert ">64490-RT</textarea>" in page
    assert '<option value="aetna" selected>' in page


def test_a_clean_claim_says_no_problem(coder):
    text = text_of(coder.get(URL, {"claim": "64635-RT, 64636-RT x2"}))
    assert "No problem found" in text
    assert "Corrected claim" not in text


def test_it_compares_with_the_scenario(coder):
    query = {
        "claim": "64635-LT, 64636-LT",
        "procedure": "rfa",
        "guidance": "fluoroscopy",
        "joints": "L4-L5:L, L5-S1:B",
    }
    response = coder.get(URL, query)
    text = text_of(response)
    assert "differs-from-scenario" in text
    assert "The scenario codes to 64635-LT, 64636-50" in text
    assert 'value="64635-LT, 64636-50"' in response.content.decode()


def test_htmx_gets_the_result_fragment_only_in_one_query(coder, django_assert_num_queries):
    with django_assert_num_queries(1):  # the sources the problems cite
        response = coder.get(URL, {"claim": "64494-50"}, headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "<textarea" not in page
    assert "add-on-without-primary" in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"claim": ""}, "This field is required."),
        ({"claim": " , ;"}, "Enter at least one claim line"),
        ({"claim": "64493\n" * 51}, "Too many lines (51)"),
        ({"claim": "6" * 5001}, "Ensure this value has at most 5000 characters"),
        ({"claim": "64493", "payer": "acme"}, "Select a valid choice."),
        ({"claim": "64493", "payer": "aetna", "mac": "cgs"}, "A MAC or state applies to Medicare"),
        ({"claim": "64493", "date": "2026-02-30"}, "Enter a valid date."),
        ({"claim": "64493", "procedure": "rfa", "joints": "L9-L10:B"}, "Unknown joint"),
        ({"claim": "64493", "procedure": "rfa"}, "Give either joints or nerves"),
    ],
)
def test_bad_input_is_a_400_with_the_form_and_the_reason(coder, query, message):
    response = coder.get(URL, query)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<textarea name="claim"' in page
    assert message in text_of(response).replace("&#x27;", "'")


def test_it_takes_get_only(coder):
    assert coder.post(URL, {"claim": "64493"}).status_code == 405
