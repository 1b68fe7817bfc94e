"""Every statement is as strong as its source, and no stronger (issue 16).

Each test pins one statement the review found stronger than its sources, as a coder reads it on
the pages or in the code API. The expected wording comes from the fact sheet
(shared/reference/facts.md, the section named in each test), written here by hand.
"""

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db

FACET_CODES = ["64490", "64491", "64492", "64493", "64494", "64495"]
RFA_CODES = ["64633", "64634", "64635", "64636"]
ULTRASOUND_CODES = ["0213T", "0214T", "0215T", "0216T", "0217T", "0218T"]


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    assert response.status_code == 200
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html))


def sentences(page: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s", page) if s]


def get_code(client, code: str) -> dict:
    response = client.get(f"/api/codes/{code}")
    assert response.status_code == 200
    return response.json()


# §2, §12: the T12-L1 + L1-L2 one-session rule is CGS's and NGS's, not Medicare-wide -----------


@pytest.mark.parametrize("code", ["64490", "64493", "64494", "64633", "64634", "64636"])
def test_it_credits_the_t12_l1_with_l1_l2_session_rule_to_cgs_and_ngs_only(coder, code):
    page = text(coder.get(f"/codes/{code}/"))
    rule_sentences = [
        s for s in sentences(page) if "T12-L1" in s and "L1-L2" in s and "session" in s
    ]
    assert rule_sentences, f"the {code} page does not mention the T12-L1 + L1-L2 rule"
    for sentence in rule_sentences:
        assert "CGS" in sentence or "NGS" in sentence, sentence
    assert "Medicare exception" not in page


@pytest.mark.parametrize("code", ["64494", "64634", "64636"])
def test_it_says_the_t12_l1_rule_is_not_settled_for_the_other_macs(coder, code):
    assert "for the other MACs this rule is not settled" in get_code(coder, code)["guidance_note"]


def test_it_says_which_mac_publishes_the_t12_l1_rule_on_the_medicare_page(coder):
    page = text(coder.get("/payers/medicare/"))
    assert "CGS J15: KY, OH" in page
    assert "published by CGS and NGS; for the other MACs it is not settled" in page


# §5: one region per session, the LCD gives no region definition ------------------------------


def test_it_does_not_define_the_medicare_region_the_lcd_leaves_undefined(coder):
    page = text(coder.get("/payers/medicare/"))
    assert "one spinal region per session" in page
    assert "(cervical/thoracic or lumbar/sacral)" not in page


# §5: CGS's LCD start date comes from one secondary site -----------------------------------------


def test_it_does_not_confirm_the_cgs_lcd_date_from_one_secondary_site(coder):
    notes = [
        note
        for note in get_code(coder, "64490")["payer_notes"]
        if "took effect on 2 May 2021" in note["text"]
    ]
    assert len(notes) == 1
    assert notes[0]["confidence"] == "L"


# §1, §2: only 64492/64495 are once per day ----------------------------------------------------


@pytest.mark.parametrize("code", ["0215T", "0218T"])
def test_it_sets_no_per_day_limit_on_the_ultrasound_third_level_codes(coder, code):
    data = get_code(coder, code)
    assert data["max_per_day"] is None
    assert "once" not in data["guidance_note"]


@pytest.mark.parametrize("code", ["64492", "64495"])
def test_it_keeps_once_per_day_on_64492_and_64495(coder, code):
    assert get_code(coder, code)["max_per_day"] == 1


# §5: the covered-diagnosis list is for codes Medicare covers ---------------------------------


@pytest.mark.parametrize("code", [*ULTRASOUND_CODES, "64492", "64495"])
def test_it_lists_no_covered_diagnosis_for_a_code_medicare_does_not_cover(coder, code):
    relations = {d["relation"] for d in get_code(coder, code)["diagnoses"]}
    assert "payer_listed" not in relations


@pytest.mark.parametrize(("code", "diagnosis"), [("64493", "M47.816"), ("64490", "M47.812")])
def test_it_still_lists_covered_diagnoses_for_covered_codes(coder, code, diagnosis):
    listed = {
        d["code"] for d in get_code(coder, code)["diagnoses"] if d["relation"] == "payer_listed"
    }
    assert diagnosis in listed


# §2: CPT sends T12-L1 to 64490; the RFA code 64633 comes from CGS --------------------------------


def test_it_attributes_the_t12_l1_ablation_code_to_cgs(coder):
    rules = {rule["key"]: rule for rule in get_code(coder, "64633")["rules"]}
    rule = rules["t12-l1-thoracic"]
    (about_64633,) = [s for s in sentences(rule["text"]) if "64633" in s]
    assert "CGS" in about_64633 and "CPT" not in about_64633
    assert "cgs25" in rule["sources"]


# §4: RT/LT lines are not only an ASC facility format -----------------------------------------


def test_it_says_commercial_payers_may_also_want_rt_lt_lines(coder):
    (item,) = [
        m for m in get_code(coder, "64494")["misconceptions"] if "billed twice" in m["claim"]
    ]
    assert "commercial payers may require it" in item["correction"]
    assert "Only ASC facility claims" not in item["correction"]


# §7: NUCC names specialties; it links no taxonomy to a procedure --------------------------------


def test_it_does_not_present_taxonomies_as_linked_to_codes_by_nucc(coder):
    page = text(coder.get("/taxonomies/"))
    assert "it does not link them to procedure codes" in page
    assert "linked" not in page
    code_page = text(coder.get("/codes/64493/"))
    assert "NUCC names the specialties; it does not link them to 64493" in code_page


# §1, §3: the codes each family replaced ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "replaced"),
    [
        *[(code, ["64470-64476"]) for code in FACET_CODES],
        *[(code, ["64622", "64623", "64626", "64627"]) for code in RFA_CODES],
        ("0213T", []),
        ("77003", []),
    ],
)
def test_it_names_the_codes_each_family_replaced(coder, code, replaced):
    assert get_code(coder, code)["replaces"] == replaced


def test_it_shows_the_replaced_codes_on_the_code_page(coder):
    assert "Replaced 64622, 64623, 64626, 64627" in text(coder.get("/codes/64635/"))


# How the app cites: no seed file name and no "seed N" on any page ----------------------------

SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
SEED_NUMBER = re.compile(r"\bseeds? \d", re.I)

PAGES = [
    "/",
    "/sources/",
    "/taxonomies/",
    "/modifiers/",
    "/payers/",
    "/payers/medicare/",
    "/cheatsheet/",
    "/cheatsheet/lumbar-sacral/",
    *[f"/codes/{code}/" for code in FACET_CODES + RFA_CODES + ULTRASOUND_CODES],
    "/search?q=third+level",
]


@pytest.mark.parametrize("url", PAGES)
def test_it_names_no_seed_file_and_no_seed_number_on_a_page(coder, url):
    response = coder.get(url)
    assert response.status_code == 200, url
    assert not SEED_FILE.search(response.content.decode())
    assert not SEED_NUMBER.search(text(response))


@pytest.mark.parametrize("code", FACET_CODES)
def test_it_names_no_seed_file_in_the_code_api(coder, code):
    assert not SEED_FILE.search(coder.get(f"/api/codes/{code}").content.decode())


def test_it_names_a_web_article_by_its_title_and_site(coder):
    page = text(coder.get("/sources/"))
    assert (
        "CPT Code 64494 | Description, Procedure & Billing Guidelines (web article, 2022)" in page
    )
    assert "(openpayer, web article)" in page
