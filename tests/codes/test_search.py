"""Search ranking, on the shipped dataset, and the search page with and without htmx."""

import re

import pytest

from codes.models import Code

pytestmark = pytest.mark.django_db

LUMBAR_INJECTIONS = ["64493", "64494", "64495"]
INJECTION_CODES = {
    "64490", "64491", "64492", "64493", "64494", "64495",
    "0213T", "0214T", "0215T", "0216T", "0217T", "0218T",
}  # fmt: skip
RFA = ["64633", "64634", "64635", "64636"]
SACROILIAC = {"64451", "64625", "27096", "G0260"}
ULTRASOUND = {"0213T", "0214T", "0215T", "0216T", "0217T", "0218T"}


def search(query: str):
    return Code.objects.search(query)


def best(query: str) -> list[str]:
    """The codes that match the whole query (exact, prefix, or every word)."""
    return [hit.code.code for hit in search(query).best]


def region_codes(region: str) -> set[str]:
    return set(Code.objects.filter(region=region).values_list("code", flat=True))


@pytest.mark.parametrize("query", ["+64494", "64494", " 64494 ", "+ 64494"])
def test_it_puts_the_exact_code_first(query):
    results = search(query)
    assert results.hits[0].code.code == "64494"
    assert results.hits[0].kind == "code"


@pytest.mark.parametrize("query", ["0216t", "0216T", "g0260"])
def test_it_finds_a_code_whatever_its_case(query):
    assert search(query).hits[0].code.code == query.upper()


def test_it_lists_code_prefixes_in_code_order():
    results = search("6449")
    assert results.codes[:6] == ["64490", "64491", "64492", "64493", "64494", "64495"]
    assert all(hit.kind == "prefix" for hit in results.hits[:6])


def test_it_puts_an_exact_code_before_other_codes_with_that_prefix():
    assert search("0216t").codes == ["0216T"]
    assert search("6463").codes == RFA


@pytest.mark.parametrize("query", ["MBB", "mbb", "medial branch block"])
def test_it_reads_medial_branch_block_as_the_injection_codes_lumbar_first(query):
    codes = best(query)
    assert codes[:3] == LUMBAR_INJECTIONS
    assert set(codes) == INJECTION_CODES


def test_it_ranks_codes_matching_every_word_first():
    results = search("medial branch block lumbar")
    assert results.codes[:3] == LUMBAR_INJECTIONS
    assert set(best("medial branch block lumbar")) == {
        code for code in INJECTION_CODES if code in region_codes("lumbar_sacral")
    }
    partial = [hit.code.code for hit in results.partial]
    assert "64490" in partial, "a cervical injection matches only some of the words"


@pytest.mark.parametrize("query", ["facet", "zygapophyseal", "facet joint"])
def test_it_finds_every_facet_code_and_no_sacroiliac_code(query):
    codes = set(best(query))
    assert INJECTION_CODES | set(RFA) <= codes
    assert not codes & SACROILIAC


@pytest.mark.parametrize(
    "query", ["RFA", "rfa", "radiofrequency", "neurotomy", "radiofrequncy", "radio frequency"]
)
def test_it_reads_rfa_as_the_ablation_codes_with_the_sacroiliac_one_last(query):
    codes = best(query)
    assert set(codes[:4]) == set(RFA)
    assert codes[4:] == ["64625"]


@pytest.mark.parametrize("query", ["SI joint", "sacroiliac", "sacroilliac", "SIJ"])
def test_it_finds_the_sacroiliac_codes(query):
    assert set(best(query)) == SACROILIAC


@pytest.mark.parametrize("query", ["ultrasound", "ultrasond", "US guided"])
def test_it_finds_the_ultrasound_codes(query):
    assert set(best(query)) == ULTRASOUND


@pytest.mark.parametrize(
    ("query", "region"),
    [
        ("lumbar", "lumbar_sacral"),
        ("lumbr", "lumbar_sacral"),
        ("lumb", "lumbar_sacral"),
        ("cervical", "cervical_thoracic"),
        ("cervicl", "cervical_thoracic"),
        ("thoracic", "cervical_thoracic"),
    ],
)
def test_it_finds_every_code_of_a_region(query, region):
    assert set(best(query)) == region_codes(region)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("lumbr", "lumbar"),
        ("cervicl", "cervical"),
        ("radiofrequncy", "radiofrequency"),
        ("ultrasond", "ultrasound"),
        ("sacroilliac", "sacroiliac"),
    ],
)
def test_it_corrects_typos_and_says_so(typed, read):
    assert search(typed).corrections == {typed: read}


def test_it_leaves_a_real_word_alone_rather_than_correct_it_into_another():
    results = search("bilateral")
    assert "bilateral" not in results.corrections
    assert results, "the guidance notes speak of bilateral levels"


def test_it_needs_every_word_for_the_top_ranks_of_a_combined_query():
    assert best("cervical RFA") == ["64633", "64634"]
    assert best("SI RFA") == ["64625"]


def test_it_reads_a_spinal_level_as_its_region_and_finds_the_codes_naming_it():
    codes = best("T12-L1")
    assert codes[:2] == ["64490", "64633"], "the codes that say T12-L1 is coded there"


CASE = "bilateral L4-L5 and L5-S1 medial branch block"


def test_it_puts_the_primary_code_of_a_described_case_first():
    # Two lumbar levels under fluoroscopy: 64493 for the first, +64494 for the second (facts §3).
    results = search(CASE)
    assert results.codes[:3] == LUMBAR_INJECTIONS
    assert results.hits[0].complete, "the sides are not a word the code must contain"


@pytest.mark.parametrize(
    "query",
    [CASE, "lumbar", "MBB", "RFA", "facet", "cervical medial branch block", "T12-L1", "bilatral"],
)
def test_it_never_ranks_an_add_on_before_its_primary_code(query):
    codes = search(query).codes
    for primary, add_ons in (
        ("64490", ("64491", "64492")),
        ("64493", ("64494", "64495")),
        ("0213T", ("0214T", "0215T")),
        ("0216T", ("0217T", "0218T")),
        ("64633", ("64634",)),
        ("64635", ("64636",)),
    ):
        for add_on in add_ons:
            if add_on in codes and primary in codes:
                assert codes.index(primary) < codes.index(add_on), (query, primary, add_on)


def test_it_ranks_fluoroscopy_codes_before_ultrasound_unless_asked_for_ultrasound():
    codes = search(CASE).codes
    assert max(codes.index(code) for code in LUMBAR_INJECTIONS) < codes.index("0216T")
    ultrasound = search("ultrasound L4-L5 medial branch block").codes
    assert ultrasound[:3] == ["0216T", "0217T", "0218T"]


def test_it_ranks_add_ons_as_matched_when_the_query_asks_for_an_additional_level():
    assert search("lumbar additional level").codes[0] != "64493"


def test_it_keeps_forgiving_typos_in_a_described_case():
    results = search("bilaterl L4-L5 L5-S1 medial brnch blok")
    assert results.codes[0] == "64493"


@pytest.mark.parametrize("query", ["", "   ", "knee arthroscopy", "zzzz"])
def test_it_finds_nothing_for_an_empty_or_unrelated_query(query):
    assert not search(query)


# The search page ----------------------------------------------------------------------------


def result_codes(html: str) -> list[str]:
    return re.findall(r'class="code" href="/codes/([^/]+)/"', html)


def test_it_serves_the_whole_page_with_the_results_without_javascript(coder):
    response = coder.get("/search", {"q": "MBB"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and '<form class="search-form"' in html
    assert 'method="get"' in html and 'action="/search"' in html and 'name="q"' in html
    assert 'value="MBB"' in html
    assert result_codes(html)[:3] == LUMBAR_INJECTIONS


def test_it_makes_the_form_an_active_search(coder):
    html = coder.get("/search").content.decode()
    assert 'hx-get="/search"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#results"' in html and 'id="results"' in html
    assert 'hx-push-url="true"' in html


def test_it_makes_the_home_page_search_box_live_too(coder):
    html = coder.get("/").content.decode()
    form = re.search(r'<form class="search-form".*?</form>', html, re.S).group(0)
    assert 'action="/search"' in form and 'hx-get="/search"' in form
    assert 'hx-trigger="input changed delay:300ms, search"' in form
    assert 'hx-target="#results"' in form and 'hx-push-url="true"' in form
    assert '<div id="results" class="home-results" aria-live="polite"></div>' in html


def test_it_lists_the_described_case_with_64493_first_on_the_search_page(coder):
    html = coder.get("/search", {"q": CASE}).content.decode()
    assert result_codes(html)[:3] == LUMBAR_INJECTIONS


def test_it_answers_htmx_with_only_the_results(coder):
    response = coder.get("/search", {"q": "lumbr"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and 'id="results"' not in html
    assert result_codes(html)[:3] == LUMBAR_INJECTIONS
    assert "you typed “lumbr”" in html
    assert "HX-Request" in response["Vary"]


def test_it_shows_the_search_page_without_error_for_an_empty_query(coder):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = coder.get("/search", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert result_codes(html) == []
        assert 'role="alert"' not in html


def test_it_refuses_an_overlong_query_with_a_clear_message(coder):
    response = coder.get("/search", {"q": "lumbar " * 40})
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    fragment = coder.get("/search", {"q": "x" * 201}, headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    assert "at most 200 characters" in fragment.content.decode()


def test_it_says_when_nothing_matches(coder):
    html = coder.get("/search", {"q": "knee arthroscopy"}).content.decode()
    assert "No code matches “knee arthroscopy”" in html


def test_it_escapes_the_query_it_shows(coder):
    html = coder.get("/search", {"q": '<img src=x onerror="alert(1)">'}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


# A query that describes a case: the answer on top, and the wizard filled in ----------------


@pytest.mark.parametrize(
    ("query", "claim", "wizard"),
    [
        # Written by hand: two bilateral lumbar levels, modifier 50 on one line each (facts §4).
        (
            "bilateral L4-L5 and L5-S1 medial branch block",
            "64493-50, 64494-50",
            "/wizard/?procedure=injection&amp;joints=L4-L5:B,L5-S1:B",
        ),
        # A lumbar ablation on the right: the first lumbar joint is 64635 (facts §3).
        ("right L4-5 RFA", "64635-RT", "/wizard/?procedure=rfa&amp;joints=L4-L5:R"),
    ],
)
def test_a_query_describing_a_case_puts_the_claim_and_the_wizard_on_top(
    client, query, claim, wizard
):
    html = client.get("/search", {"q": query}).content.decode()
    case = re.search(r'<p class="search-case">(.*?)</p>', html, re.S).group(1)
    assert f'<code class="claim">{claim}</code>' in case
    assert f'href="{wizard}"' in case
    assert html.index('class="search-case"') < html.index('class="count"')


def test_a_query_naming_no_level_gets_no_case(client):
    assert 'class="search-case"' not in client.get("/search", {"q": "64493"}).content.decode()
    assert 'class="search-case"' not in client.get("/search", {"q": "lumbar mbb"}).content.decode()
