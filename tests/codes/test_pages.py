"""The reference pages: what a coder reads on them, the 404s and 400s, the strict CSP, and the
query budget of every page."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from codes.models import Code, Misconception, Modifier, Payer, Rule, Source
from codes.sheets import CODE_SECTIONS, FAMILIES
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html))


def fragment(client, code: str, section: str) -> str:
    response = client.get(f"/codes/{code}/{section}/", headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def sequence(html: str) -> list[str]:
    """The codes of the first level sequence on a page, in order."""
    match = re.search(r'<ol class="sequence".*?</ol>', html, re.S)
    assert match, "no sequence on the page"
    return re.findall(r'href="/codes/([^/]+)/">([^<]+)</a>', match.group(0))


# Every page, for the CSP and query-budget checks ---------------------------------------------

CODES = ["64490", "64493", "64495", "0216T", "64636", "64625", "G0260", "77003"]
PAGES = [
    "/",
    "/search",
    "/search?q=lumbr",
    "/search?q=medial+branch+block+lumbar",
    *[f"/codes/{code}/" for code in CODES],
    "/codes/0216t/",
    *[f"/codes/64495/{section}/" for section in CODE_SECTIONS],
    "/modifiers/",
    "/modifiers/50/",
    "/modifiers/KX/",
    "/modifiers/51/",
    "/taxonomies/",
    "/payers/",
    "/payers/medicare/",
    "/payers/aetna/",
    "/sources/",
    "/compare",
    "/compare?codes=64490,64493",
    "/compare?codes=64490,64493,0213T,64633",
    "/cheatsheet/",
    *[f"/cheatsheet/{slug}/" for slug in FAMILIES],
]
ERROR_PAGES = [
    ("/codes/99999/", 404),
    ("/codes/lumbr/", 404),
    ("/codes/64493/nothing/", 404),
    ("/modifiers/ZZ/", 404),
    ("/payers/nobody/", 404),
    ("/cheatsheet/knee/", 404),
    ("/compare?codes=64490", 400),
    ("/compare?codes=64490,99999", 400),
    ("/search?q=" + "x" * 300, 400),
]


# Query budgets: every query of every page, named. A visitor without a session first gets the
# page rendered (nothing cached yet), then kept: a repeat costs the revision alone. The dataset
# in the footer is kept for the revision too: only the first page rendered after a change
# reads it.

REVISION = "the content revision (ETag and cache key)"
DATASET = "the dataset version (footer)"
CODE_SHEETS = [
    "the codes",
    "their modifier guidance, with the modifiers",
    "their taxonomies",
    "their diagnosis links, with the diagnoses",
    "their published payer notes, with payer and source",
    "their misconceptions, with the source of the claim",
    "their rules",
    "the relations from and to them, with both codes",
    "the source of every fact about them (one UNION)",
    "the sources the engine cites (How to bill it)",
]
CODE_PAGE = [REVISION, *CODE_SHEETS, "the payers (a payer without a note: not available)", DATASET]
SECTION = [REVISION, *CODE_SHEETS, DATASET]
MODIFIER = [
    REVISION,
    "the modifier",
    "its sources",
    "its guidance",
    "the codes of each item of guidance",
    "the sources of each item of guidance",
    DATASET,
]
PAYER = [
    REVISION,
    "the payer",
    "its sources",
    "its published notes, with their sources",
    "the codes of each note",
    DATASET,
]
SEARCH = [REVISION, "the codes, ranked by the search", DATASET]
FIRST_VISIT = {
    "/": [REVISION, "every code (the glance, the most used)", DATASET],
    "/search": [REVISION, DATASET],
    "/search?q=lumbr": SEARCH,
    "/search?q=medial+branch+block+lumbar": SEARCH,
    **{f"/codes/{code}/": CODE_PAGE for code in CODES},
    "/codes/0216t/": CODE_PAGE,
    **{f"/codes/64495/{section}/": SECTION for section in CODE_SECTIONS},
    "/codes/64495/payers/": [*SECTION[:-1], "the payers", DATASET],
    "/modifiers/": [REVISION, "the modifiers, each with its number of guidance items", DATASET],
    "/modifiers/50/": MODIFIER,
    "/modifiers/KX/": MODIFIER,
    "/modifiers/51/": MODIFIER,
    "/taxonomies/": [REVISION, "the taxonomies", "their codes", "their sources", DATASET],
    "/payers/": [
        REVISION,
        "the payers, each with its number of published notes",
        "their sources",
        DATASET,
    ],
    "/payers/medicare/": PAYER,
    "/payers/aetna/": PAYER,
    "/sources/": [REVISION, "every fact citing a source (one UNION)", "the sources", DATASET],
    "/compare": [REVISION, DATASET],
    "/compare?codes=64490,64493": [REVISION, *CODE_SHEETS, DATASET],
    "/compare?codes=64490,64493,0213T,64633": [REVISION, *CODE_SHEETS, DATASET],
    "/cheatsheet/": [REVISION, DATASET],
    **{f"/cheatsheet/{slug}/": [REVISION, *CODE_SHEETS, DATASET] for slug in FAMILIES},
}
# A comparison is never kept (the page shows the codes as typed): every visit renders it.
NOT_KEPT = {"/compare?codes=64490,64493", "/compare?codes=64490,64493,0213T,64633"}
# htmx asks for the results or a section alone: no page around it, no footer.
HTMX_VISIT = {
    "/search?q=lumbr": [REVISION, "the codes, ranked by the search"],
    "/codes/64495/family/": [REVISION, *CODE_SHEETS],
    "/codes/64495/payers/": [REVISION, *CODE_SHEETS, "the payers"],
}
# Error pages are never kept.
ERROR_VISIT = {
    "/codes/99999/": [REVISION, "the code (none)", "the codes a search for it finds", DATASET],
    "/codes/lumbr/": [REVISION, "the code (none)", "the codes a search for it finds", DATASET],
    "/codes/64493/nothing/": [REVISION, DATASET],
    "/modifiers/ZZ/": [REVISION, "the modifier (none)", DATASET],
    "/payers/nobody/": [REVISION, "the payer (none)", DATASET],
    "/cheatsheet/knee/": [REVISION, DATASET],
    "/compare?codes=64490": [REVISION, DATASET],
    "/compare?codes=64490,99999": [REVISION, *CODE_SHEETS, DATASET],
    "/search?q=" + "x" * 300: [REVISION, DATASET],
}


def test_it_names_a_query_budget_for_every_page():
    assert set(FIRST_VISIT) == set(PAGES)
    assert set(ERROR_VISIT) == {url for url, _ in ERROR_PAGES}


@pytest.mark.parametrize("url", PAGES)
def test_it_serves_every_page_in_its_query_budget_then_from_the_cache(
    coder, url, django_assert_num_queries
):
    cache.clear()  # the first visit after a change
    queries = FIRST_VISIT[url]
    with django_assert_num_queries(len(queries), info="\n".join(queries)):
        assert coder.get(url).status_code == 200
    repeat = [q for q in queries if q != DATASET] if url in NOT_KEPT else [REVISION]
    with django_assert_num_queries(len(repeat), info="\n".join(repeat)):
        assert coder.get(url).status_code == 200


@pytest.mark.parametrize("url", list(HTMX_VISIT))
def test_it_serves_htmx_fragments_in_their_query_budget_then_from_the_cache(
    coder, url, django_assert_num_queries
):
    cache.clear()
    queries = HTMX_VISIT[url]
    with django_assert_num_queries(len(queries), info="\n".join(queries)):
        assert coder.get(url, headers=HTMX).status_code == 200
    with django_assert_num_queries(1, info=REVISION):
        assert coder.get(url, headers=HTMX).status_code == 200


@pytest.mark.parametrize(("url", "status"), ERROR_PAGES)
def test_it_answers_bad_addresses_in_their_query_budget(
    coder, url, status, django_assert_num_queries
):
    queries = ERROR_VISIT[url]
    with django_assert_num_queries(len(queries), info="\n".join(queries)):
        assert coder.get(url).status_code == status
    repeat = [q for q in queries if q != DATASET]  # never kept but for the footer's dataset
    with django_assert_num_queries(len(repeat), info="\n".join(repeat)):
        assert coder.get(url).status_code == status


def test_it_renders_a_signed_in_coders_page_in_its_budget_each_time(
    client, django_user_model, django_assert_num_queries
):
    client.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    # Rendered for them each time, never kept; the footer reads the revision for the dataset
    # kept for it, and the dataset itself the first time.
    queries = ["the session", "the signed-in user", *CODE_PAGE[1:-1], REVISION, DATASET]
    for expected in (queries, queries[:-1]):
        with django_assert_num_queries(len(expected), info="\n".join(expected)):
            assert b"Signed in as ana" in client.get("/codes/64493/").content


@pytest.mark.parametrize("url", PAGES + [url for url, _ in ERROR_PAGES])
def test_it_sends_a_strict_csp_and_no_inline_script_or_style(coder, url):
    for headers in ({}, HTMX):
        response = coder.get(url, headers=headers)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self';" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "'nonce-" not in policy and " nonce=" not in response.content.decode()
        html = response.content.decode()
        for script in re.findall(r"<script[^>]*>", html):
            assert " src=" in script, script
        assert not re.search(r"<script[^>]*>\s*[^<\s]", html), "inline script"
        assert " style=" not in html and "<style" not in html
        assert "hx-on" not in html
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_it_loads_htmx_and_the_search_shortcut_as_files(coder):
    html = coder.get("/").content.decode()
    assert re.search(r'<script src="[^"]*htmx[^"]*\.js" defer>', html)
    assert re.search(r'<script src="[^"]*js/site\.js" defer>', html)
    script = (Path(settings.BASE_DIR) / "static/js/site.js").read_text()
    assert '"/"' in script and "focus()" in script


def test_it_gives_every_page_the_site_navigation(coder):
    html = coder.get("/codes/64493/").content.decode()
    for href in ('href="/"', 'href="/wizard/"', 'href="/quiz/"', 'href="/modifiers/"'):
        assert href in html
    assert 'href="/payers/"' in html and 'href="/sources/"' in html
    assert re.search(r'<form class="header-search"[^>]*action="/search"', html)
    assert '<label for="site-search"' in html


# Home ------------------------------------------------------------------------------------


def test_it_offers_a_labelled_search_box_on_the_home_page(coder):
    html = coder.get("/").content.decode()
    form = re.search(r'<form class="search-form".*?</form>', html, re.S).group(0)
    assert 'method="get"' in form and 'action="/search"' in form
    assert 'name="q"' in form and 'id="home-q"' in form
    label = re.search(r'<label for="home-q"([^>]*)>([^<]+)</label>', form)
    assert label and "visually-hidden" not in label.group(1) and label.group(2).strip()


def test_it_shows_the_code_families_at_a_glance(coder):
    response = coder.get("/")
    html = response.content.decode()
    table = re.search(r'<table class="glance[^"]*">.*?</table>', html, re.S).group(0)
    assert "Cervical or thoracic" in table and "Lumbar or sacral" in table
    for row in ("Fluoroscopy or CT", "Ultrasound", "Radiofrequency ablation"):
        assert row in table
    rows = [
        [
            [code for code, _ in sequence(cell)]
            for cell in re.findall(r"<td[^>]*>.*?</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>.*?</tr>", table, re.S)[1:]
    ]
    assert [["64490", "64491", "64492"], ["64493", "64494", "64495"]] in rows
    assert [["0213T", "0214T", "0215T"], ["0216T", "0217T", "0218T"]] in rows
    assert [["64633", "64634"], ["64635", "64636"]] in rows
    page = text(response)
    assert "Sacroiliac joint codes (not facet codes)" in page
    for code in ("64451", "64625", "27096", "G0260"):
        assert f'href="/codes/{code}/"' in html
    assert "Most used codes" in page


# Code pages --------------------------------------------------------------------------------


def test_it_shows_the_third_lumbar_level_once_per_day_at_the_end_of_its_family(coder):
    html = fragment(coder, "64495", "family")
    assert sequence(html) == [("64493", "64493"), ("64494", "+64494"), ("64495", "+64495")]
    assert "once per day" in html
    assert 'class="current" aria-current="true"' in html
    counting = text(coder.get("/codes/64495/counting/"))
    assert "Once per day, one line, one unit" in counting
    assert "Third-and-further-level codes: once per day" in counting


def test_it_shows_the_family_from_the_primary_code_too(coder):
    assert [code for code, _ in sequence(fragment(coder, "64490", "family"))] == [
        "64490",
        "64491",
        "64492",
    ]


def test_it_tells_a_code_outside_a_sequence_is_reported_on_its_own(coder):
    assert "is reported on its own" in fragment(coder, "G0260", "family")


def test_it_shows_everything_on_the_64493_page_without_javascript(coder):
    response = coder.get("/codes/64493/")
    html, page = response.content.decode(), text(response)
    for title in CODE_SECTIONS.values():
        assert f">{title}</h2>" in html
    assert "Facet joint injection in the lower back or sacrum" in page
    assert "Lumbar or sacral" in page and "Fluoroscopy or CT" in page
    assert "A level is a facet joint, not a nerve" in page
    # related codes, read from both ends with readable labels
    related = text(coder.get("/codes/64493/related/", headers=HTMX))
    assert "+64494 compare Primary for add-on" in related
    assert "+64494 compare Next level" in related
    assert "0216T compare Ultrasound-guided counterpart" in related
    assert "77003 compare Imaging included, never reported separately" in related
    # taxonomies with their exact NUCC names
    assert "Interventional Pain Medicine Physician" in page
    # diagnoses with the billable flag and how they are linked
    assert "M47.816" in page
    assert "Spondylosis without myelopathy or radiculopathy, lumbar region" in page
    assert "Header, not billable" in page
    assert "Conflicts with the Medicare LCD" in page


def bill_rows(html: str) -> dict[str, list[str]]:
    """The "How to bill it" card: each case (row header) with the claim of each column."""
    card = re.search(r'<section id="bill".*?</section>', html, re.S).group(0)
    body = re.search(r"<tbody>.*?</tbody>", card, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>.*?</tr>", body, re.S):
        label = unescape(re.sub(r"<[^>]+>|Open in the wizard.*", " ", row.split("</th>")[0]))
        claims = [
            ", ".join(re.findall(r'class="claim-line">([^<]+)<', cell))
            for cell in re.findall(r"<td[^>]*>.*?</td>", row, re.S)
        ]
        rows[" ".join(label.split())] = claims
    return rows


def test_it_answers_how_to_bill_64493_first_with_the_claim_lines_of_the_common_cases(coder):
    html = coder.get("/codes/64493/").content.decode()
    assert html.index('id="bill"') < html.index('id="payers"') < html.index('id="family"')
    # Facts §4 and §5: Medicare practitioner claims put a bilateral level on one line with 50,
    # add-ons included; KX on diagnostic injection lines only; ASC facility claims use RT/LT.
    assert bill_rows(html) == {
        "One level, one side (L4-L5 right)": ["64493-RT-KX", "64493-RT"],
        "One level, both sides (L4-L5)": ["64493-50-KX", "64493-50"],
        "Two levels, both sides (L4-L5, L5-S1)": [
            "64493-50-KX, 64494-50-KX",
            "64493-50, 64494-50",
        ],
        "Three levels, both sides (L3-L4, L4-L5, L5-S1)": [
            "64493-50-KX, 64494-50-KX, 64495-50-KX",
            "64493-50, 64494-50, 64495-50",
        ],
        "One level, both sides (L4-L5), ASC facility claim": [
            "64493-RT-KX, 64493-LT-KX",
            "64493-RT, 64493-LT",
        ],
    }
    page = text(coder.get("/codes/64493/"))
    assert "Diagnostic block" in page and "Therapeutic injection" in page
    assert "Medicare limits and KX" in page
    assert "requires the KX modifier on diagnostic facet injection lines only" in page
    assert "at most 4 diagnostic and 4 therapeutic injection sessions" in page
    # Each case opens the wizard with it filled in.
    assert (
        'href="/wizard/?procedure=injection&amp;guidance=fluoroscopy&amp;'
        'joints=L4-L5%3AB%2CL5-S1%3AB&amp;payer=medicare&amp;intent=diagnostic"'
    ) in html


def test_it_shows_an_add_on_only_in_the_cases_that_put_it_on_the_claim(coder):
    html = coder.get("/codes/64494/").content.decode()
    rows = bill_rows(html)
    assert list(rows) == [
        "Two levels, both sides (L4-L5, L5-S1)",
        "Three levels, both sides (L3-L4, L4-L5, L5-S1)",
        "Two levels, both sides (L4-L5, L5-S1), ASC facility claim",
    ]
    assert rows["Two levels, both sides (L4-L5, L5-S1)"][0] == "64493-50-KX, 64494-50-KX"
    card = re.search(r'<section id="bill".*?</section>', html, re.S).group(0)
    assert re.findall(r'<strong class="claim-line">([^<]+)<', card)[:2] == [
        "64494-50-KX",
        "64494-50",
    ]
    assert "64494 is on the claim in these cases" in text(coder.get("/codes/64494/bill/"))


def test_it_counts_ablation_joints_and_gives_no_kx_on_the_ablation_card(coder):
    rows = bill_rows(coder.get("/codes/64636/").content.decode())
    # Facts §3: 64636 is one unit per additional joint; RFA lines take no KX (§5).
    assert rows["Three joints, both sides (L3-L4, L4-L5, L5-S1)"] == ["64635-50, 64636-50 x2"]
    assert not any("KX" in claim for claims in rows.values() for claim in claims)


def test_it_says_the_wizard_does_not_code_a_code_outside_the_facet_families(coder):
    html = coder.get("/codes/64451/").content.decode()
    card = re.search(r'<section id="bill".*?</section>', html, re.S).group(0)
    assert "is not one of the facet code families the wizard codes" in unescape(card)
    assert "claim-line" not in card


def test_it_shows_the_payer_notes_one_payer_at_a_time(coder):
    html = fragment(coder, "64493", "payers")
    tabs = re.findall(r'<details class="payer" name="payer" id="payer-([a-z-]+)">', html)
    assert tabs == list(Payer.objects.values_list("slug", flat=True))
    assert '<details class="payer" name="payer" id="payer-medicare" open' not in html
    medicare = PayerNote.objects.published().filter(payer__slug="medicare", codes__code="64493")
    summary = re.search(r'id="payer-medicare">\s*<summary>(.*?)</summary>', html, re.S).group(1)
    assert f"{medicare.count()} notes" in " ".join(summary.split())


def test_it_states_a_note_shared_by_every_diagnosis_of_a_group_once(coder):
    html = fragment(coder, "64494", "diagnoses")
    groups = {
        re.search(r"<h3>([^<]+)</h3>", group).group(1): unescape(group)
        for group in html.split('<details class="diagnosis-group"')[1:]
    }
    listed = groups["Listed by a payer as supporting medical necessity"]
    shared = "On the covered-diagnosis list of the harmonized Medicare facet LCD"
    assert listed.count(shared) == 1
    assert "M47.816" in listed and "M53.87" in listed
    # A group whose notes differ keeps them on its rows.
    headers = groups["Header code, not billable"]
    assert "Report a child code: M54.50, M54.51 or M54.59." in headers
    assert "Report M51.360, M51.361, M51.362 or M51.369." in headers


def test_it_folds_several_sources_behind_their_count(coder):
    html = coder.get("/codes/64494/").content.decode()
    assert re.search(r'<details class="cited">\s*<summary>\d+ sources</summary>', html)
    assert re.search(r'<span class="cited">\s*<span class="cited-label">Source:</span>', html)


def test_it_groups_payer_notes_by_payer_and_says_not_available_for_the_rest(coder):
    for code in ("64493", "0216T", "64625"):
        page = text(coder.get(f"/codes/{code}/payers/"))
        for payer in Payer.objects.all():
            assert payer.name in page
            has_note = PayerNote.objects.published().filter(payer=payer, codes__code=code)
            missing = f"Not available: none of our sources gives {payer.name}'s rule for"
            assert (missing in page) is not has_note.exists(), (code, payer.slug)


def test_it_shows_each_note_with_its_source_confidence_and_review_date(coder):
    note = PayerNote.objects.published().filter(codes__code="64493").first()
    html = fragment(coder, "64493", "payers")
    block = re.search(rf'<article class="note" id="note-{note.key}">.*?</article>', html, re.S)
    assert block, note.key
    block_text = unescape(re.sub(r"<[^>]+>", " ", block.group(0)))
    assert note.source.title in block_text
    assert f"Checked against its source {note.last_reviewed:%Y-%m-%d}" in block_text
    assert note.get_topic_display() in block_text
    assert {"C": "Confirmed", "L": "Likely", "U": "Unverified"}[note.confidence] in block_text
    assert "Check overdue" not in block_text or note.review_overdue


def test_it_flags_a_note_whose_review_is_overdue(coder):
    note = PayerNote.objects.published().filter(codes__code="64493").first()
    note.last_reviewed = timezone.localdate() - timedelta(days=800)
    note.save()
    html = fragment(coder, "64493", "payers")
    block = re.search(rf'id="note-{note.key}">.*?</article>', html, re.S).group(0)
    assert "Check overdue" in block


def test_it_sanitises_the_markdown_of_payer_notes(coder):
    note = PayerNote.objects.published().filter(codes__code="64493").first()
    note.text = "**Two** levels. <script>alert(1)</script> [policy](javascript:alert(1))"
    note.save()
    html = fragment(coder, "64493", "payers")
    assert "<strong>Two</strong> levels." in html
    assert "<script>alert" not in html and "javascript:" not in html


def test_it_lists_what_some_sources_get_wrong_with_the_claim_and_its_source_title(coder):
    html = fragment(coder, "64495", "misconceptions")
    items = Misconception.objects.filter(codes__code="64495").select_related("source")
    assert items
    page = unescape(html)
    for item in items:
        assert item.claim in page and item.correction in page
        assert item.source.title in page
    assert "Correction:" in page


def test_it_never_presents_an_unverified_fact_as_settled(coder):
    rule = Rule.objects.filter(confidence="U").prefetch_related("codes").first()
    assert rule, "the dataset has unverified rules"
    html = fragment(coder, rule.codes.first().code, "counting")
    item = re.search(rf'<li id="rule-{rule.key}">.*?</li>', html, re.S).group(0)
    assert "Unverified" in item and "Confirmed" not in item


def test_it_shows_ultrasound_and_medicare_non_coverage_on_0216t(coder):
    page = text(coder.get("/codes/0216T/"))
    assert "Ultrasound-guided facet joint injection in the lower back or sacrum" in page
    assert "Imaging guidance Ultrasound" in page
    assert "Medicare coverage: Not reasonable and necessary under the facet LCDs" in page
    assert (
        "Medicare LCDs treat ultrasound-guided facet work as not reasonable and necessary" in page
    )
    assert [code for code, _ in sequence(fragment(coder, "0216T", "family"))] == [
        "0216T",
        "0217T",
        "0218T",
    ]


def test_it_counts_64636_per_additional_joint_with_several_units(coder):
    page = text(coder.get("/codes/64636/"))
    assert "Unit Per facet joint" in page
    assert "Level Each additional joint" in page
    assert "one unit per additional joint; several units are allowed" in page
    assert "RFA is coded per facet joint" in page
    assert "once per day" not in fragment(coder, "64636", "family")
    assert [code for code, _ in sequence(fragment(coder, "64636", "family"))] == [
        "64635",
        "64636",
    ]


def test_it_shows_the_64490_facts(coder):
    page = text(coder.get("/codes/64490/"))
    assert "Facet joint injection in the neck or upper/mid back" in page
    assert "Cervical or thoracic" in page
    assert "The T12-L1 joint is coded here" in page
    assert "Reported as a primary code" in page
    modifiers = text(coder.get("/codes/64490/modifiers/", headers=HTMX))
    assert "KX Requirements specified in the medical policy have been met" in modifiers
    assert "50 Bilateral procedure" in modifiers


def test_it_shows_the_descriptor_only_where_the_licence_allows(coder, settings):
    descriptor = Code.objects.get(code="64490").descriptor
    settings.SHOW_CPT_DESCRIPTORS = False
    page = unescape(coder.get("/codes/64490/").content.decode())
    assert descriptor not in page and "AMA-licensed text and is not shown" in page
    settings.SHOW_CPT_DESCRIPTORS = True
    page = unescape(coder.get("/codes/64490/").content.decode())
    assert descriptor in page


def test_it_accepts_a_code_in_any_case_or_with_a_plus(coder):
    for url in ("/codes/0216t/", "/codes/+64494/", "/codes/g0260/"):
        assert coder.get(url).status_code == 200, url


def test_it_answers_an_unknown_code_with_a_404_that_searches_for_it(coder):
    response = coder.get("/codes/6449/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no code “6449”" in html
    assert re.findall(r'class="code" href="/codes/([^/]+)/"', html)[:6] == [
        "64490",
        "64491",
        "64492",
        "64493",
        "64494",
        "64495",
    ]
    typo = coder.get("/codes/lumbr/")
    assert typo.status_code == 404 and 'href="/codes/64493/"' in typo.content.decode()
    nothing = coder.get("/codes/ZZZZZ/")
    assert nothing.status_code == 404 and "No code matches" in nothing.content.decode()


# Sections on their own ---------------------------------------------------------------------


@pytest.mark.parametrize("section", list(CODE_SECTIONS))
def test_it_serves_each_section_as_a_page_and_as_a_fragment(coder, section):
    page = coder.get(f"/codes/64493/{section}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and f"<h1>64493: {CODE_SECTIONS[section]}</h1>" in html
    assert 'href="/codes/64493/"' in html
    part = coder.get(f"/codes/64493/{section}/", headers=HTMX)
    assert part.status_code == 200
    part_html = part.content.decode()
    assert "<html" not in part_html and f'<section id="{section}"' in part_html
    assert "HX-Request" in part["Vary"]


def test_it_links_every_section_of_the_code_page_to_its_own_address(coder):
    html = coder.get("/codes/64493/").content.decode()
    for section in CODE_SECTIONS:
        assert f'href="/codes/64493/{section}/"' in html
        assert f'<section id="{section}"' in html


# Other reference pages ---------------------------------------------------------------------


def test_it_lists_the_modifiers_and_their_guidance_per_code(coder):
    page = text(coder.get("/modifiers/"))
    for modifier in Modifier.objects.all():
        assert modifier.name in page
    fifty_one = text(coder.get("/modifiers/51/"))
    assert "Modifier 51: Multiple procedures" in fifty_one
    assert "add-on" in fifty_one
    assert "+64494" in fifty_one


def test_it_lists_the_taxonomies_with_their_nucc_names(coder):
    page = text(coder.get("/taxonomies/"))
    assert "208VP0014X Interventional Pain Medicine Physician" in page
    assert "207LP2900X Pain Medicine (Anesthesiology) Physician" in page


def test_it_lists_every_published_note_of_a_payer_by_topic(coder):
    medicare = Payer.objects.get(slug="medicare")
    html = coder.get("/payers/medicare/").content.decode()
    notes = PayerNote.objects.published().filter(payer=medicare)
    assert notes
    for note in notes:
        assert f'id="note-{note.key}"' in html
    for topic in set(notes.values_list("topic", flat=True)):
        assert f'<section id="topic-{topic}"' in html
    draft = notes.first()
    draft.status = PayerNote.Status.DRAFT
    draft.save()
    assert f'id="note-{draft.key}"' not in coder.get("/payers/medicare/").content.decode()


def test_it_lists_each_source_with_the_facts_that_cite_it(coder):
    html = coder.get("/sources/").content.decode()
    for source in Source.objects.all():
        assert f'id="source-{source.key}"' in html
    seed = Source.objects.get(key="seed-000")
    block = re.search(r'id="source-seed-000">.*?</article>', html, re.S).group(0)
    assert "Misconceptions found in this source" in block
    claim = seed.misconceptions.first().claim
    assert unescape(re.sub(r"\s+", " ", block)).count(claim[:40]) >= 1
    fcsocg = re.search(r'id="source-fcsocg">.*?</article>', html, re.S).group(0)
    assert "Relations between codes" in fcsocg and "Codes" in fcsocg


# Compare -------------------------------------------------------------------------------------


def test_it_compares_codes_side_by_side_in_the_order_given(coder):
    response = coder.get("/compare", {"codes": "64493, +64490"})
    assert response.status_code == 200
    html = response.content.decode()
    header = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert re.findall(r'href="/codes/([^/]+)/"', header) == ["64493", "64490"]
    page = text(response)
    assert "Lumbar or sacral Cervical or thoracic" in page


def test_it_highlights_the_rows_that_differ_and_hides_the_rest_until_show_all(coder):
    html = coder.get("/compare", {"codes": "64493,64494"}).content.decode()
    rows = {
        " ".join(unescape(re.sub(r"<[^>]+>", " ", label)).split()): kind
        for kind, label in re.findall(
            r'<tr class="(differs|same)">\s*<th scope="row">(.*?)</th>', html, re.S
        )
    }
    # 64493 and +64494: the same region, procedure and guidance; a primary and its add-on.
    assert rows["Region"] == rows["Procedure"] == rows["Imaging guidance"] == "same"
    assert rows["Summary (differs)"] == rows["Reported (differs)"] == "differs"
    assert 'id="show-all"' in html and '<label for="show-all">Show all rows</label>' in html
    page = text(coder.get("/compare", {"codes": "64493,64494"}))
    differing = sum(kind == "differs" for kind in rows.values())
    assert f"{differing} of {len(rows)} rows differ" in page


def test_it_names_each_related_code_once_on_the_compare_page(coder):
    html = coder.get("/compare", {"codes": "64490,64493"}).content.decode()
    related = re.search(r"Related codes.*?</tr>", html, re.S).group(0)
    first_column = re.search(r"<td[^>]*>.*?</td>", related, re.S).group(0)
    assert first_column.count('href="/codes/64491/"') == 1
    assert "primary for add-on, next level" in first_column


def test_it_compares_up_to_four_codes(coder):
    response = coder.get("/compare", {"codes": "64490,64493,0213t,64633"})
    assert response.status_code == 200
    assert "64633" in text(response)


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ("64490", "Compare two to four different codes; you gave 1."),
        ("64490,64490", "Compare two to four different codes; you gave 1."),
        ("64490,64491,64492,64493,64494", "Compare two to four different codes; you gave 5."),
        ("64490,99999", "Not in FacetCoder: 99999."),
        ("64490,<b>x</b>", "“<b>x</b>” is not a code"),
        ("", "Enter two to four codes"),
        ("6" * 120, "That is too long"),
    ],
)
def test_it_refuses_a_bad_comparison_with_a_clear_message(coder, codes, message):
    response = coder.get("/compare", {"codes": codes})
    assert response.status_code == 400
    assert message in text(response)
    assert "<b>x</b>" not in response.content.decode()


def test_it_offers_the_compare_form_without_codes(coder):
    response = coder.get("/compare")
    assert response.status_code == 200
    assert 'name="codes"' in response.content.decode()


# Cheat sheets ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(FAMILIES))
def test_it_prints_a_cheat_sheet_per_family_with_the_dataset_version(coder, slug):
    from codes.models import Dataset

    dataset = Dataset.objects.get()
    response = coder.get(f"/cheatsheet/{slug}/")
    assert response.status_code == 200
    page = text(response)
    assert f"version {dataset.version} of {dataset.date:%Y-%m-%d}" in page
    codes = Code.objects.filter(FAMILIES[slug].condition)
    assert codes
    for code in codes:
        assert f'href="/codes/{code.code}/"' in response.content.decode()


def test_it_puts_the_lumbar_rules_and_mistakes_on_the_lumbar_sheet(coder):
    page = text(coder.get("/cheatsheet/lumbar-sacral/"))
    assert "Third-and-further-level codes: once per day" in page
    assert "What some sources get wrong" in page
    assert "The third level or more can be billed with the add-on code CPT 64494." in page


def test_it_prints_each_rule_with_its_first_sentence_on_the_cheat_sheet(coder):
    page = text(coder.get("/cheatsheet/lumbar-sacral/"))
    assert "How Medicare pays modifier 50. Medicare accepts modifier 50 only on codes with" in page
    assert "No modifier 51 on add-on codes. Do not append modifier 51 to the add-on codes" in page


def test_it_gives_a_worked_example_and_the_nerve_to_joint_table(coder):
    response = coder.get("/cheatsheet/lumbar-sacral/")
    page = text(response).replace(" ,", ",")  # each line is an element of its own
    # Facts §4, §5: two bilateral levels, Medicare: 50 on each line, KX on diagnostic lines.
    assert "Diagnostic block: 64493-50-KX, 64494-50-KX" in page
    assert "Therapeutic injection: 64493-50, 64494-50" in page
    assert "64635-50, 64636-50" in page
    # Facts §9: L4-L5 <- L3 + L4 medial branches; L5-S1 <- L4 + the L5 dorsal ramus.
    assert "L4-L5 ← L3 + L4" in page and "L5-S1 ← L4 + L5 dorsal ramus" in page
    assert "C5-C6" not in page
    cervical = text(coder.get("/cheatsheet/cervical-thoracic/"))
    assert "C5-C6 ← C5 + C6" in cervical and "T12-L1 ← T11 + T12" in cervical


def test_it_names_the_sources_of_the_cheat_sheet_by_title(coder):
    html = coder.get("/cheatsheet/lumbar-sacral/").content.decode()
    printed = re.search(r'<p class="print-only">(.*?)</p>', html, re.S).group(1)
    cited = Rule.objects.filter(codes__code="64493").first().sources.first()
    assert cited.title in unescape(printed)
    assert not re.search(r"\b(fcsocg|norqa|l38773q)\b", printed)


def test_it_lays_the_cheat_sheets_out_for_print():
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    print_css = css[css.index("@media print") :]
    assert "@page" in print_css and ".site-header" in print_css
    # Body text at 10 pt at least (the browser test prints each sheet on one Letter page).
    assert re.search(r"@media print \{.*?font-size: 10pt", css, re.S)


def test_it_redirects_a_short_family_name_and_refuses_an_unknown_one(coder):
    response = coder.get("/cheatsheet/lumbar/")
    assert response.status_code == 301 and response["Location"] == "/cheatsheet/lumbar-sacral/"
    unknown = coder.get("/cheatsheet/knee/")
    assert unknown.status_code == 404 and "There is no cheat sheet “knee”" in text(unknown)


# 404s --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/payers/nobody/", "There is no payer “nobody”"),
        ("/modifiers/ZZ/", "There is no modifier “ZZ”"),
        ("/codes/64493/nothing/", "A code page has no section “nothing”"),
        ("/codes/99999/payers/", "There is no code “99999”"),
    ],
)
def test_it_answers_unknown_things_with_a_helpful_404(coder, url, message):
    response = coder.get(url)
    assert response.status_code == 404
    page = text(response)
    assert message in page
    assert 'action="/search"' in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/codes/64493/", "/search?q=MBB", "/healthz", "/wizard/"])
def test_it_answers_a_head_request_like_a_get_without_the_body(coder, url):
    response = coder.head(url)
    assert response.status_code == 200
    assert response.content == b""


def test_it_sends_a_payer_typed_with_capitals_to_its_page(coder):
    response = coder.get("/payers/Medicare/")
    assert response.status_code == 301
    assert response["Location"] == "/payers/medicare/"
    assert coder.get("/payers/NoSuchPayer/", follow=True).status_code == 404


def test_it_gives_every_page_an_icon(coder):
    icon = re.search(r'<link rel="icon" href="([^"]+)"', coder.get("/").content.decode())
    assert icon and icon.group(1).endswith(".svg")
    assert Path(settings.BASE_DIR, "static/img/favicon.svg").is_file()
    asked = coder.get("/favicon.ico")
    assert asked.status_code == 302
    assert asked["Location"] == icon.group(1)


def test_the_home_page_reads_a_pasted_note_without_a_token_and_stores_nothing(client):
    # The home page is kept in the cache for every visitor, so its note box posts no CSRF
    # token; the reader's answer is private and nothing of the note is kept.
    from django.test import Client

    home = client.get("/").content.decode()
    assert 'action="/read/"' in home and 'name="text"' in home
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/read/", {"text": "Bilateral L4-L5 medial branch block, fluoroscopy."})
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
