"""The payer, the MAC, the claim type and the bilateral format (facts §4–6, §11–12).

Every expected claim and rule here is written by hand from the fact sheet.
"""

import re

import pytest

from coding.engine import InvalidInput, Mac, Payer, code_claim, read_coverage

pytestmark = pytest.mark.django_db


def claim_shown(html: str) -> str:
    """The claim lines the result shows in its read-only output."""
    match = re.search(r'<output id="claim-text"[^>]*>([^<]*)</output>', html)
    return match.group(1) if match else ""


def injection(joints, intent="diagnostic", guidance="fluoroscopy", **coverage):
    return code_claim(
        "injection", guidance, joints=joints, intent=intent, coverage=read_coverage(**coverage)
    )


def rfa(joints, **coverage):
    return code_claim("rfa", "fluoroscopy", joints=joints, coverage=read_coverage(**coverage))


def warning(result, warning_id):
    return next(w for w in result.warnings if w.id == warning_id)


# --- Reading the payer side ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "mac", "jurisdiction"),
    [
        ("OH", Mac.CGS, "J15"),
        ("KY", Mac.CGS, "J15"),
        ("CA", Mac.NORIDIAN_JE, "JE"),
        ("GU", Mac.NORIDIAN_JE, "JE"),
        ("AZ", Mac.NORIDIAN_JF, "JF"),
        ("MO", Mac.WPS, "J5"),
        ("MI", Mac.WPS, "J8"),
        ("IL", Mac.NGS, "J6"),
        ("NY", Mac.NGS, "JK"),
        ("TX", Mac.NOVITAS, "JH"),
        ("DC", Mac.NOVITAS, "JL"),
        ("PR", Mac.FIRST_COAST, "JN"),
        ("GA", Mac.PALMETTO, "JJ"),
        ("va", Mac.PALMETTO, "JM"),
    ],
)
def test_it_maps_a_state_to_its_mac_and_jurisdiction(state, mac, jurisdiction):
    coverage = read_coverage(state=state)
    assert coverage.mac == mac
    assert coverage.jurisdiction == jurisdiction
    assert coverage.payer == Payer.MEDICARE


def test_it_knows_every_state_and_territory_once():
    from coding.engine import STATES

    # 50 states, DC, and the territories of facts §12: AS, GU, MP, PR, VI.
    assert len(STATES) == 56


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"payer": "humana"}, "medicare, aetna, bcbs, cigna, uhc, other"),
        ({"mac": "trailblazer"}, "noridian-je, noridian-jf, wps, ngs, cgs"),
        ({"state": "XX"}, "two-letter"),
        ({"claim_type": "inpatient"}, "professional, asc, outpatient"),
        ({"bilateral": "59"}, "50, rtlt"),
        ({"format": "bcbs"}, "medicare, rtlt"),
        ({"payer": "aetna", "mac": "cgs"}, "Medicare claims only"),
        ({"payer": "cigna", "state": "OH"}, "Medicare claims only"),
        ({"mac": "cgs", "state": "OH"}, "either mac or state"),
        ({"format": "rtlt", "bilateral": "50"}, "not both"),
        ({"format": "medicare", "claim_type": "asc"}, "professional claim"),
    ],
)
def test_it_refuses_unknown_or_contradictory_values_naming_what_is_allowed(values, message):
    with pytest.raises(InvalidInput, match=message):
        read_coverage(**values)


# --- Bilateral format by payer and claim type -----------------------------------------------


def test_a_medicare_professional_claim_puts_a_bilateral_level_on_one_line_with_50():
    assert injection("L4-L5:B, L5-S1:B").claim_text() == "64493-50-KX, 64494-50-KX"


def test_a_medicare_asc_facility_claim_uses_rt_and_lt_lines_of_one_unit():
    result = injection("L4-L5:B", claim_type="asc")
    assert result.claim_text() == "64493-RT-KX, 64493-LT-KX"
    assert [line.units for line in result.lines] == [1, 1]
    message = warning(result, "asc-facility-format").message
    assert "physician's professional claim" in message and "modifier 50" in message


def test_a_commercial_payer_that_takes_modifier_50_gets_no_kx():
    result = injection("L4-L5:B, L5-S1:B", payer="aetna")
    assert result.claim_text() == "64493-50, 64494-50"
    assert "bilateral-format-varies" in result.warning_ids


def test_a_payer_that_wants_rt_lt_lines_gets_them_on_request():
    result = injection("L4-L5:B, L5-S1:R", payer="cigna", bilateral="rtlt")
    assert result.claim_text() == "64493-RT, 64493-LT, 64494-RT"


def test_medicare_rt_lt_lines_still_carry_kx_on_diagnostic_lines():
    assert injection("L4-L5:B", bilateral="rtlt").claim_text() == "64493-RT-KX, 64493-LT-KX"


# --- KX: Medicare only, diagnostic injection lines only --------------------------------------


@pytest.mark.parametrize("payer", ["aetna", "bcbs", "cigna", "uhc", "other"])
def test_kx_goes_on_no_commercial_claim(payer):
    assert "KX" not in injection("L4-L5:R", payer=payer).claim_text()


def test_kx_goes_on_no_medicare_therapeutic_or_ablation_line():
    assert injection("L4-L5:R", intent="therapeutic").claim_text() == "64493-RT"
    assert rfa("L4-L5:R").claim_text() == "64635-RT"


# --- Medicare rules -----------------------------------------------------------------------------


def test_medicare_allows_two_levels_and_pays_a_third_only_on_appeal():
    message = warning(
        injection("L3-L4:R, L4-L5:R, L5-S1:R"), "medicare-more-than-two-levels"
    ).message
    assert "64492/64495" in message and "appeal" in message


def test_medicare_allows_one_region_per_session():
    assert "medicare-two-regions" in injection("C5-C6:R, L4-L5:R").warning_ids


def test_medicare_does_not_cover_ultrasound_guidance():
    result = injection("L4-L5:R", guidance="ultrasound")
    assert result.claim_text() == "0216T-RT"
    assert "not reasonable and necessary" in warning(result, "ultrasound-not-covered").message


def test_a_medicare_outpatient_claim_needs_prior_authorisation_for_the_listed_codes():
    result = injection("L4-L5:B, L5-S1:B", claim_type="outpatient", intent="therapeutic")
    message = warning(result, "medicare-opd-prior-auth").message
    assert "64493, 64494" in message and "1 July 2023" in message
    assert "medicare-opd-prior-auth" not in injection("L4-L5:B").warning_ids


def test_a_third_level_add_on_is_not_on_the_prior_authorisation_list():
    result = injection("L3-L4:B, L4-L5:B, L5-S1:B", claim_type="outpatient")
    message = warning(result, "medicare-opd-prior-auth").message
    assert "64493, 64494 need" in message and "64495 need" not in message


def test_without_a_mac_the_general_rules_apply_and_a_note_names_what_depends_on_it():
    message = warning(injection("L4-L5:B"), "mac-not-given").message
    assert "LCD" in message and "T12-L1 + L1-L2" in message


@pytest.mark.parametrize(
    ("coverage", "documents"),
    [
        ({"mac": "cgs"}, "LCD L38773, billing article A58364."),
        ({"state": "FL"}, "LCD L33930, billing article A57787."),
        ({"mac": "noridian-jf"}, "LCD L38803, billing article A58405."),
        ({"state": "NY"}, "LCD L35936, billing article not known."),
    ],
)
def test_with_a_mac_it_names_the_macs_lcd_and_article(coverage, documents):
    assert documents in warning(injection("L4-L5:B", **coverage), "mac-documents").message


def test_it_says_when_a_macs_document_numbers_are_only_likely():
    assert (
        "likely, not confirmed" in warning(injection("L4-L5:B", mac="wps"), "mac-documents").message
    )
    assert "likely" not in warning(injection("L4-L5:B", mac="cgs"), "mac-documents").message


@pytest.mark.parametrize("coverage", [{"mac": "cgs"}, {"mac": "ngs"}, {"state": "MN"}])
def test_cgs_and_ngs_bill_t12_l1_and_l1_l2_as_one_lumbar_session(coverage):
    assert injection("T12-L1:R, L1-L2:R", **coverage).claim_text() == "64490-RT-KX, 64494-RT-KX"
    assert rfa("T12-L1:R, L1-L2:R", **coverage).claim_text() == "64633-RT, 64636-RT"


@pytest.mark.parametrize(
    "coverage", [{}, {"mac": "novitas"}, {"mac": "first-coast"}, {"state": "WA"}]
)
def test_other_macs_code_t12_l1_and_l1_l2_by_cpt_family_and_warn(coverage):
    result = injection("T12-L1:R, L1-L2:R", **coverage)
    assert result.claim_text() == "64490-RT-KX, 64493-RT-KX"
    assert "CGS and NGS" in warning(result, "t12-l1-rule-depends-on-mac").message


# --- Commercial payers: their own rules, never Medicare's ---------------------------------------


@pytest.mark.parametrize("payer", ["aetna", "bcbs", "cigna", "uhc", "other"])
def test_no_commercial_payer_gets_medicares_limits(payer):
    ids = injection("C5-C6:R, L3-L4:R, L4-L5:R, L5-S1:R", payer=payer).warning_ids
    assert not [warning_id for warning_id in ids if warning_id.startswith("medicare-")]
    assert "mac-not-given" not in ids


def test_aetna_covers_facet_injections_for_diagnosis_only():
    result = injection("L4-L5:R", payer="aetna", intent="therapeutic")
    assert "experimental" in warning(result, "aetna-therapeutic-not-covered").message
    assert "radiofrequency neurolysis" in warning(result, "aetna-diagnostic-only").message


def test_aetna_allows_three_levels_per_session():
    assert (
        "aetna-more-than-three-levels"
        not in injection("L2-L3:B, L3-L4:B, L4-L5:B", payer="aetna").warning_ids
    )
    message = warning(
        injection("L1-L2:R, L2-L3:R, L3-L4:R, L4-L5:R", payer="aetna"),
        "aetna-more-than-three-levels",
    ).message
    assert "at most 3 levels" in message


def test_anthem_allows_two_unilateral_levels_and_four_diagnostic_sessions():
    assert (
        "anthem-more-than-two-levels" not in injection("L4-L5:R, L5-S1:R", payer="bcbs").warning_ids
    )
    three = injection("L3-L4:R, L4-L5:R, L5-S1:R", payer="bcbs")
    assert "2 unilateral levels" in warning(three, "anthem-more-than-two-levels").message
    assert (
        "4 diagnostic medial branch block sessions"
        in warning(three, "anthem-diagnostic-sessions").message
    )


def test_uhc_calls_therapeutic_injections_and_ultrasound_guidance_unproven():
    therapeutic = injection("L4-L5:R", payer="uhc", intent="therapeutic")
    assert "unproven" in warning(therapeutic, "uhc-therapeutic-unproven").message
    ultrasound = injection("L4-L5:R", payer="uhc", guidance="ultrasound")
    assert "unproven" in warning(ultrasound, "ultrasound-not-covered").message


def test_cigna_limits_are_not_available_rather_than_borrowed():
    message = warning(injection("L4-L5:R", payer="cigna"), "cigna-limits-not-available").message
    assert "not available" in message and "CMM-201" in message


def test_a_missing_commercial_figure_says_not_available():
    message = warning(injection("L4-L5:R", payer="aetna"), "payer-figure-not-available").message
    assert "sessions per 12 months not available" in message


def test_another_payer_gets_no_rules_and_is_told_so():
    result = injection("L4-L5:B", payer="other")
    assert result.claim_text() == "64493-50"
    assert "payer-rules-not-applied" in result.warning_ids


# --- The API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "claim"),
    [
        ("payer=medicare&intent=diagnostic", "64493-50-KX, 64494-RT-KX"),
        ("payer=aetna&intent=diagnostic", "64493-50, 64494-RT"),
        (
            "payer=medicare&claim_type=asc&intent=diagnostic",
            "64493-RT-KX, 64493-LT-KX, 64494-RT-KX",
        ),
        ("payer=bcbs&bilateral=rtlt&intent=diagnostic", "64493-RT, 64493-LT, 64494-RT"),
        ("state=OH&intent=therapeutic", "64493-50, 64494-RT"),
        ("format=medicare&intent=diagnostic", "64493-50-KX, 64494-RT-KX"),
        ("format=rtlt&intent=diagnostic", "64493-RT, 64493-LT, 64494-RT"),
    ],
)
def test_the_api_takes_the_payer_and_claim_type_separately(client, query, claim):
    response = client.get(f"/api/wizard?procedure=injection&joints=L4-L5:B,L5-S1:R&{query}")
    assert response.status_code == 200
    assert response.json()["claim"] == claim


def test_the_api_echoes_the_payer_side_it_used(client):
    data = client.get("/api/wizard?procedure=injection&joints=L4-L5:B&state=oh").json()
    assert data["input"]["payer"] == "medicare"
    assert data["input"]["mac"] == "cgs"
    assert data["input"]["state"] == "OH"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("payer=aetna2", "medicare, aetna, bcbs, cigna, uhc, other"),
        ("mac=cgs2", "noridian-je"),
        ("state=ZZ", "AK, AL"),
        ("claim_type=facility", "professional, asc, outpatient"),
        ("bilateral=both", "50, rtlt"),
        ("payer=aetna&mac=cgs", "Medicare claims only"),
        ("payer=medicare&payer=aetna", "once"),
        ("colour=blue", "the parameters are procedure, guidance"),
    ],
)
def test_the_api_answers_a_bad_payer_value_or_name_with_a_400_listing_what_is_allowed(
    client, query, message
):
    response = client.get(f"/api/wizard?procedure=injection&joints=L4-L5:B&{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]


# --- The wizard's payer step ---------------------------------------------------------------------


def test_the_payer_step_offers_payers_macs_states_claim_types_and_formats(client):
    html = client.get("/wizard/?procedure=injection&guidance=ct&joints=L4-L5:B").content.decode()
    for text in ("Who pays?", "Aetna", "Noridian (JF)", "OH · CGS (J15), J15", "ASC facility"):
        assert text in html
    assert 'name="bilateral"' in html and 'name="state"' in html


def test_the_payer_step_ignores_a_mac_picked_for_a_commercial_payer(client):
    page = client.get(
        "/wizard/?procedure=injection&guidance=ct&joints=L4-L5:B&answered=payer"
        "&payer=aetna&mac=cgs&state=&claim_type=professional&bilateral=&intent=diagnostic",
        follow=True,
    )
    assert page.redirect_chain[-1][0].endswith("&payer=aetna&intent=diagnostic")
    assert claim_shown(page.content.decode()) == "64493-50"


def test_the_payer_step_reads_the_mac_from_the_state(client):
    page = client.get(
        "/wizard/?procedure=injection&guidance=ct&joints=T12-L1:B,L1-L2:B&answered=payer"
        "&payer=medicare&mac=&state=KY&claim_type=professional&bilateral=&intent=therapeutic",
        follow=True,
    )
    assert "&state=KY" in page.redirect_chain[-1][0]
    assert claim_shown(page.content.decode()) == "64490-50, 64494-50"
