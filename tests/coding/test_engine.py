"""The rules engine, one test per rule, with the claim a coder should see."""

import pytest

from coding.engine import (
    FORMATS,
    GUIDANCES,
    INTENTS,
    JOINTS,
    MAX_ENTRIES,
    NERVES,
    PROCEDURES,
    SIDES,
    SOURCE_KEYS,
    CodingWarning,
    InvalidInput,
    Line,
    Region,
    Result,
    code_claim,
    joint_nerves,
    joint_region,
    parse_entries,
    read_coverage,
)


def injection(joints="", nerves="", **options) -> Result:
    options.setdefault("intent", "therapeutic")
    return code_claim("injection", joints=joints, nerves=nerves, **options)


def rfa(joints="", nerves="", **options) -> Result:
    return code_claim("rfa", joints=joints, nerves=nerves, **options)


def warning(result: Result, warning_id: str) -> CodingWarning:
    return next(w for w in result.warnings if w.id == warning_id)


# --- Constants --------------------------------------------------------------------------------


def test_it_lists_the_23_joints_cranial_to_caudal():
    assert len(JOINTS) == 23
    assert JOINTS[:2] == ("C2-C3", "C3-C4")
    assert JOINTS[5:7] == ("C7-T1", "T1-T2")
    assert JOINTS[17:19] == ("T12-L1", "L1-L2")
    assert JOINTS[-1] == "L5-S1"


def test_it_lists_the_24_nerves_in_order():
    assert len(NERVES) == 24
    assert NERVES[:2] == ("C2", "C3")
    assert NERVES[6:8] == ("C8", "T1")
    assert NERVES[-2:] == ("L4", "L5")


def test_it_exposes_the_choices():
    assert PROCEDURES == ("injection", "rfa")
    assert GUIDANCES == ("fluoroscopy", "ct", "ultrasound", "none")
    assert FORMATS == ("medicare", "rtlt")
    assert INTENTS == ("diagnostic", "therapeutic")
    assert SIDES == ("L", "R", "B")
    assert MAX_ENTRIES == 50


@pytest.mark.parametrize(
    ("joint", "nerves"),
    [
        ("C2-C3", ("C2", "C3")),
        ("C7-T1", ("C7", "C8")),
        ("T1-T2", ("C8", "T1")),
        ("T12-L1", ("T11", "T12")),
        ("L1-L2", ("T12", "L1")),
        ("L4-L5", ("L3", "L4")),
        ("L5-S1", ("L4", "L5")),
    ],
)
def test_it_maps_each_joint_to_its_two_nerves(joint, nerves):
    assert joint_nerves(joint) == nerves


def test_it_puts_t12_l1_in_the_cervical_thoracic_region():
    # The region values of codes/data/codes.toml: T12-L1 takes 64490, L1-L2 takes 64493.
    assert joint_region("T12-L1") == Region.CERVICAL_THORACIC == "cervical_thoracic"
    assert joint_region("L1-L2") == Region.LUMBAR_SACRAL == "lumbar_sacral"


# --- Lines and claim text ---------------------------------------------------------------------


def test_it_shows_units_only_when_above_one():
    line = Line("64636", ("RT",), 2, ("L4-L5", "L5-S1"), "why", "rfa-additional-joint", ("x",))
    assert line.text() == "64636-RT x2"
    assert Line("64493", ("50",), 1, ("L4-L5",), "why", "id", ("x",)).text() == "64493-50"


def test_it_serializes_a_result_for_the_api():
    data = injection("L4-L5:B").as_dict()
    assert data["claim"] == "64493-50"
    assert data["lines"][0]["rule_id"] == "first-level-primary"
    assert data["levels"] == ["L4-L5"]
    assert all(isinstance(item, str) for item in data["documentation"])


# --- Laterality -------------------------------------------------------------------------------


def test_it_codes_a_single_lumbar_level_on_one_side():
    result = injection("L4-L5:R")
    assert result.claim_text() == "64493-RT"
    assert result.levels == ("L4-L5",)
    assert result.lines[0].rule_id == "first-level-primary"


def test_it_codes_a_bilateral_level_as_one_line_with_50_for_medicare():
    result = injection("L4-L5:B")
    assert result.claim_text() == "64493-50"
    assert result.lines[0].units == 1


def test_it_codes_a_bilateral_level_as_rt_and_lt_lines_in_rtlt_format():
    result = injection("L4-L5:B", payer_format="rtlt")
    assert result.claim_text() == "64493-RT, 64493-LT"
    assert [line.units for line in result.lines] == [1, 1]
    assert "ASC" in warning(result, "rtlt-format").message


@pytest.mark.parametrize(
    ("joints", "claim"),
    [
        ("L4-L5:B, L5-S1:R", "64493-50, 64494-RT"),
        ("L4-L5:R, L5-S1:B", "64493-RT, 64494-50"),
        ("L4-L5:B, L5-S1:L", "64493-50, 64494-LT"),
        ("L4-L5:L, L5-S1:B", "64493-LT, 64494-50"),
        ("L4-L5:L, L5-S1:R", "64493-LT, 64494-RT"),
    ],
)
def test_it_keeps_each_levels_own_side_when_laterality_is_mixed(joints, claim):
    assert injection(joints).claim_text() == claim


def test_it_codes_mixed_laterality_per_side_in_rtlt_format():
    result = injection("L4-L5:B, L5-S1:R", payer_format="rtlt")
    assert result.claim_text() == "64493-RT, 64493-LT, 64494-RT"


def test_it_treats_a_joint_named_on_both_sides_as_one_bilateral_level():
    result = injection("L4-L5:L, L4-L5:R")
    assert result.claim_text() == "64493-50"
    assert result.levels == ("L4-L5",)
    assert "joint-named-twice" not in result.warning_ids


@pytest.mark.parametrize(
    ("joints", "claim"),
    [("L4-L5:R, L4-L5:R", "64493-RT"), ("L4-L5:B, L4-L5:L", "64493-50")],
)
def test_it_counts_a_joint_named_twice_on_the_same_side_once(joints, claim):
    result = injection(joints)
    assert result.claim_text() == claim
    assert "joint-named-twice" in result.warning_ids


def test_it_never_appends_modifier_51():
    result = injection("L2-L3:B, L3-L4:B, L4-L5:B, L5-S1:B", intent="diagnostic")
    assert all("51" not in line.modifiers for line in result.lines)
    assert "No modifier 51" in result.lines[1].rule


# --- Number of levels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joints", "claim"),
    [
        ("L4-L5:B, L5-S1:B", "64493-50, 64494-50"),
        ("L3-L4:B, L4-L5:B, L5-S1:B", "64493-50, 64494-50, 64495-50"),
        ("L2-L3:B, L3-L4:B, L4-L5:B, L5-S1:B", "64493-50, 64494-50, 64495-50"),
        ("L1-L2:B, L2-L3:B, L3-L4:B, L4-L5:B, L5-S1:B", "64493-50, 64494-50, 64495-50"),
    ],
)
def test_it_reports_the_third_and_further_levels_on_one_line_with_one_unit(joints, claim):
    result = injection(joints)
    assert result.claim_text() == claim
    assert all(line.units == 1 for line in result.lines)
    third = [line for line in result.lines if line.code == "64495"]
    if third:
        assert third[0].joints == result.levels[2:]
        assert third[0].rule_id == "third-level-addon-once"


def test_it_orders_levels_cranial_to_caudal_whatever_the_input_order():
    result = injection("L5-S1:R, L3-L4:L, L4-L5:B")
    assert result.levels == ("L3-L4", "L4-L5", "L5-S1")
    assert result.claim_text() == "64493-LT, 64494-50, 64495-RT"


@pytest.mark.parametrize(
    ("joints", "payer_format", "claim"),
    [
        ("L2-L3:R, L3-L4:R, L4-L5:R, L5-S1:R", "medicare", "64493-RT, 64494-RT, 64495-RT"),
        ("L2-L3:R, L3-L4:R, L4-L5:L, L5-S1:R", "medicare", "64493-RT, 64494-RT, 64495-50"),
        (
            "L2-L3:R, L3-L4:R, L4-L5:L, L5-S1:R",
            "rtlt",
            "64493-RT, 64494-RT, 64495-RT, 64495-LT",
        ),
    ],
)
def test_it_gives_the_third_level_add_on_the_union_of_the_sides_beyond_two(
    joints, payer_format, claim
):
    assert injection(joints, payer_format=payer_format).claim_text() == claim


def test_it_warns_when_a_session_has_more_than_two_levels():
    assert "medicare-more-than-two-levels" not in injection("L4-L5:B, L5-S1:B").warning_ids
    result = injection("L3-L4:B, L4-L5:B, L5-S1:B")
    message = warning(result, "medicare-more-than-two-levels").message
    assert "One to two levels, either unilateral or bilateral" in message
    assert "64492/64495" in message and "appeal" in message


# --- Regions ----------------------------------------------------------------------------------


def test_it_codes_cervical_levels_with_the_64490_family():
    result = injection("C4-C5:B, C5-C6:B, C6-C7:B")
    assert result.claim_text() == "64490-50, 64491-50, 64492-50"


def test_it_keeps_cervical_and_thoracic_joints_in_one_family():
    result = injection("C7-T1:R, T1-T2:R")
    assert result.claim_text() == "64490-RT, 64491-RT"
    assert "medicare-two-regions" not in result.warning_ids


def test_it_codes_t12_l1_alone_as_thoracic():
    result = injection("T12-L1:B")
    assert result.claim_text() == "64490-50"
    assert "thoracic" in result.lines[0].rule
    assert "aapc-neurology-alert" in result.lines[0].sources
    assert rfa("T12-L1:B").claim_text() == "64633-50"


CGS = read_coverage(mac="cgs")
NGS = read_coverage(state="NY")  # New York: NGS, JK (facts §12)


@pytest.mark.parametrize("coverage", [CGS, NGS], ids=["cgs", "ngs"])
def test_it_bills_t12_l1_with_l1_l2_as_one_lumbar_session_for_cgs_and_ngs(coverage):
    result = injection("T12-L1:B, L1-L2:B", coverage=coverage)
    assert result.claim_text() == "64490-50, 64494-50"
    assert "medicare-two-regions" not in result.warning_ids
    assert "t12-l1-rule-depends-on-mac" not in result.warning_ids
    assert result.lines[0].rule_id == "t12-l1-lumbar-session"
    assert "cgs25" in result.lines[0].sources and "cgs25" in result.lines[1].sources
    assert "CGS" in result.lines[0].rule


def test_it_continues_the_t12_l1_lumbar_session_with_the_third_level_code():
    result = injection("T12-L1:B, L1-L2:B, L2-L3:R", coverage=CGS)
    assert result.claim_text() == "64490-50, 64494-50, 64495-RT"
    assert "medicare-more-than-two-levels" in result.warning_ids


def test_it_ablates_t12_l1_with_l1_l2_as_one_lumbar_session_for_cgs():
    assert rfa("T12-L1:B, L1-L2:B", coverage=CGS).claim_text() == "64633-50, 64636-50"
    assert rfa("T12-L1:B, L1-L2:B, L2-L3:B", coverage=NGS).claim_text() == ("64633-50, 64636-50 x2")


@pytest.mark.parametrize(
    "coverage",
    [read_coverage(), read_coverage(mac="palmetto"), read_coverage(state="CA")],
    ids=["mac-unknown", "palmetto", "noridian-je"],
)
def test_it_codes_t12_l1_and_l1_l2_by_their_families_for_other_macs_and_says_why(coverage):
    result = injection("T12-L1:B, L1-L2:B", coverage=coverage)
    assert result.claim_text() == "64490-50, 64493-50"
    message = warning(result, "t12-l1-rule-depends-on-mac").message
    assert "CGS and NGS" in message and "not known here" in message
    assert "medicare-two-regions" in result.warning_ids
    assert rfa("T12-L1:B, L1-L2:B", coverage=coverage).claim_text() == "64633-50, 64635-50"


def test_it_never_applies_the_t12_l1_session_rule_to_a_commercial_payer():
    result = injection("T12-L1:B, L1-L2:B", coverage=read_coverage(payer="aetna"))
    assert result.claim_text() == "64490-50, 64493-50"
    assert "t12-l1-rule-depends-on-mac" not in result.warning_ids


def test_it_codes_t12_l1_and_l1_l2_as_two_families_in_the_old_rtlt_format():
    result = injection("T12-L1:B, L1-L2:B", payer_format="rtlt")
    assert result.claim_text() == "64490-RT, 64490-LT, 64493-RT, 64493-LT"
    assert "rtlt-format" in result.warning_ids


@pytest.mark.parametrize(
    ("joints", "claim"),
    [
        ("T11-T12:B, T12-L1:B, L1-L2:B", "64490-50, 64491-50, 64493-50"),
        ("T12-L1:B, L2-L3:B", "64490-50, 64493-50"),
    ],
)
def test_it_applies_the_t12_l1_exception_only_to_t12_l1_alone_with_l1_l2(joints, claim):
    result = injection(joints)
    assert result.claim_text() == claim
    assert "medicare-two-regions" in result.warning_ids


def test_it_warns_about_two_regions_in_one_session():
    result = injection("C5-C6:B, L4-L5:B")
    assert result.claim_text() == "64490-50, 64493-50"
    assert "one spinal region per session" in warning(result, "medicare-two-regions").message


# --- Nerves -----------------------------------------------------------------------------------


def test_it_counts_nerves_l3_l4_l5_as_l4_l5_and_l5_s1():
    result = injection(nerves="L3:B, L4:B, L5:B")
    assert result.levels == ("L4-L5", "L5-S1")
    assert result.claim_text() == "64493-50, 64494-50"
    assert "L5 dorsal ramus" in result.lines[1].rule
    assert "nerves-counted-as-joints" in result.warning_ids


def test_it_counts_nerves_l1_l2_l3_as_two_levels():
    result = injection(nerves="L1:B, L2:B, L3:B")
    assert result.levels == ("L2-L3", "L3-L4")
    assert result.claim_text() == "64493-50, 64494-50"


def test_it_counts_nerves_as_joints_for_ablation_too():
    assert rfa(nerves="L3:R, L4:R, L5:R").claim_text() == "64635-RT, 64636-RT"


@pytest.mark.parametrize(
    ("nerves", "levels"),
    [
        ("C7:R, C8:R", ("C7-T1",)),
        ("C8:R, T1:R", ("T1-T2",)),
        ("T11:R, T12:R", ("T12-L1",)),
        ("T12:R, L1:R", ("L1-L2",)),
    ],
)
def test_it_maps_nerves_across_region_borders(nerves, levels):
    assert injection(nerves=nerves).levels == levels


def test_it_marks_the_thoracic_nerve_mapping_as_an_inference():
    result = injection(nerves="T4:L, T5:L")
    assert result.levels == ("T5-T6",)
    assert "anatomical inference" in result.lines[0].rule
    assert "anatomical inference" in warning(result, "nerves-counted-as-joints").message
    lumbar = injection(nerves="L3:L, L4:L")
    assert "anatomical inference" not in lumbar.lines[0].rule


@pytest.mark.parametrize("nerves", ["L4:B", "L2:B, L4:B"])
def test_it_warns_about_nerves_that_complete_no_joint(nerves):
    result = injection(nerves=nerves)
    assert result.lines == ()
    assert result.levels == ()
    assert "nerve-completes-no-joint" in result.warning_ids
    assert "no-joint-completed" in result.warning_ids
    assert "L4 (both sides)" in warning(result, "nerve-completes-no-joint").message


def test_it_treats_a_joint_on_a_side_only_when_both_its_nerves_are_on_that_side():
    result = injection(nerves="L3:B, L4:R")
    assert result.claim_text() == "64493-RT"
    assert "L3 (left)" in warning(result, "nerve-completes-no-joint").message
    mixed = injection(nerves="L3:B, L4:B, L5:R")
    assert mixed.claim_text() == "64493-50, 64494-RT"


def test_it_pairs_nerves_given_on_different_sides_per_side():
    result = injection(nerves="L3:L, L4:B, L5:R")
    assert result.claim_text() == "64493-LT, 64494-RT"
    assert "nerve-completes-no-joint" not in result.warning_ids
    lonely = injection(nerves="L4:L, L5:R")
    assert lonely.lines == ()
    assert "nerve-completes-no-joint" in lonely.warning_ids


def test_it_gives_s1_no_level():
    result = injection(nerves="L4:B, L5:B, S1:B")
    assert result.levels == ("L5-S1",)
    assert result.claim_text() == "64493-50"
    message = warning(result, "s1-adds-no-level").message
    assert "64451" in message and "64625" in message
    alone = injection(nerves="S1:R")
    assert alone.lines == ()
    assert {"s1-adds-no-level", "no-joint-completed"} <= set(alone.warning_ids)


# --- Guidance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joints", "claim"),
    [
        ("C5-C6:B", "0213T-50"),
        ("C4-C5:B, C5-C6:B, C6-C7:R", "0213T-50, 0214T-50, 0215T-RT"),
        ("L3-L4:B, L4-L5:B, L5-S1:L", "0216T-50, 0217T-50, 0218T-LT"),
    ],
)
def test_it_codes_ultrasound_guidance_with_category_iii_codes(joints, claim):
    result = injection(joints, guidance="ultrasound", intent="diagnostic")
    assert result.claim_text() == claim
    assert result.lines[0].rule_id == "ultrasound-first-level-primary"
    message = warning(result, "ultrasound-not-covered").message
    assert "not reasonable and necessary" in message
    assert "imaging-included" not in result.warning_ids
    assert "KX" not in result.claim_text()


def test_it_says_which_payers_cover_ultrasound_guidance():
    uhc = injection("L4-L5:B", guidance="ultrasound", coverage=read_coverage(payer="uhc"))
    assert "unproven" in warning(uhc, "ultrasound-not-covered").message
    aetna = injection("L4-L5:B", guidance="ultrasound", coverage=read_coverage(payer="aetna"))
    assert "ultrasound-not-covered" not in aetna.warning_ids
    assert "not available" in warning(aetna, "ultrasound-category-iii").message


def test_it_codes_no_facet_line_without_imaging():
    result = injection("L4-L5:B, L5-S1:B", guidance="none")
    assert result.lines == ()
    assert result.levels == ("L4-L5", "L5-S1")
    message = warning(result, "no-imaging-injection").message
    assert "20552/20553" in message and "not confirmed" in message
    assert "not reasonable and necessary" in message
    assert set(warning(result, "no-imaging-injection").sources) >= {"beckers-asc", "codingbyjen"}


@pytest.mark.parametrize("guidance", ["ultrasound", "none"])
def test_it_codes_no_ablation_line_without_fluoroscopy_or_ct(guidance):
    result = rfa("L4-L5:B", guidance=guidance)
    assert result.lines == ()
    message = warning(result, "rfa-needs-fluoroscopy-or-ct").message
    assert "64999" in message and "unverified" in message


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("guidance", ["fluoroscopy", "ct"])
def test_it_includes_imaging_guidance_instead_of_reporting_77003_or_77012(procedure, guidance):
    result = code_claim(procedure, guidance, joints="L4-L5:B, L5-S1:B")
    assert {line.code for line in result.lines}.isdisjoint({"77003", "77012"})
    message = warning(result, "imaging-included").message
    assert "77003" in message and "77012" in message


def test_it_codes_ct_guidance_like_fluoroscopy():
    assert injection("L4-L5:B", guidance="ct").claim_text() == "64493-50"


# --- Radiofrequency ablation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joints", "claim"),
    [
        ("L3-L4:B, L4-L5:B, L5-S1:R", "64635-50, 64636-50, 64636-RT"),
        ("L3-L4:B, L4-L5:B, L5-S1:B", "64635-50, 64636-50 x2"),
        ("L4-L5:L, L5-S1:R", "64635-LT, 64636-RT"),
        ("C5-C6:R, C6-C7:R, C7-T1:R", "64633-RT, 64634-RT x2"),
    ],
)
def test_it_ablates_per_joint_with_units_grouped_by_modifier(joints, claim):
    result = rfa(joints)
    assert result.claim_text() == claim
    assert result.lines[0].rule_id == "rfa-first-joint"
    assert {line.rule_id for line in result.lines[1:]} == {"rfa-additional-joint"}


def test_it_reports_one_line_with_50_for_a_bilateral_ablation():
    result = rfa("L4-L5:B")
    assert result.claim_text() == "64635-50"
    assert result.lines[0].units == 1
    assert "mac-lcd-older" in result.lines[0].sources


def test_it_reports_ablation_per_side_in_rtlt_format():
    result = rfa("L3-L4:B, L4-L5:B, L5-S1:R", payer_format="rtlt")
    assert result.claim_text() == "64635-RT, 64635-LT, 64636-RT x2, 64636-LT"


def test_it_warns_about_ablation_prerequisites_and_limits():
    result = rfa("L4-L5:B")
    message = warning(result, "medicare-rfa-prerequisites").message
    assert "80%" in message and "thermal" in message and "2 RF sessions" in message
    assert (
        "2 radiofrequency ablation sessions" in warning(result, "medicare-frequency-limits").message
    )


# --- Medicare KX, intent and limits -----------------------------------------------------------


def test_it_appends_kx_to_every_diagnostic_line_for_medicare():
    result = injection("L3-L4:B, L4-L5:B, L5-S1:R", intent="diagnostic")
    assert result.claim_text() == "64493-50-KX, 64494-50-KX, 64495-RT-KX"
    assert all("norqa" in line.sources for line in result.lines)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(lambda: injection("L4-L5:B", intent="therapeutic"), id="therapeutic"),
        pytest.param(
            lambda: injection("L4-L5:B", intent="diagnostic", payer_format="rtlt"), id="rtlt"
        ),
        pytest.param(lambda: rfa("L4-L5:B", intent="diagnostic"), id="rfa"),
        pytest.param(
            lambda: injection("L4-L5:B", intent="diagnostic", guidance="ultrasound"),
            id="ultrasound",
        ),
    ],
)
def test_it_appends_no_kx_outside_diagnostic_medicare_injections(result):
    assert all("KX" not in line.modifiers for line in result().lines)


def test_it_asks_for_the_intent_because_kx_depends_on_it():
    result = injection("L4-L5:B", intent=None)
    assert result.claim_text() == "64493-50"
    assert "KX" in warning(result, "medicare-kx-needs-intent").message
    assert "medicare-kx-needs-intent" not in injection("L4-L5:B", intent="diagnostic").warning_ids
    assert "medicare-kx-needs-intent" not in rfa("L4-L5:B").warning_ids


def test_it_warns_about_therapeutic_injection_prerequisites():
    message = warning(injection("L4-L5:B"), "medicare-therapeutic-prerequisites").message
    assert "80%" in message and "not a candidate for radiofrequency ablation" in message


@pytest.mark.parametrize(
    ("intent", "limit"),
    [
        ("diagnostic", "4 diagnostic"),
        ("therapeutic", "4 therapeutic"),
        (None, "4 diagnostic and 4 therapeutic"),
    ],
)
def test_it_warns_about_frequency_limits_per_region(intent, limit):
    message = warning(injection("L4-L5:B", intent=intent), "medicare-frequency-limits").message
    assert limit in message and "rolling 12 months" in message


# --- Rules, sources, documentation ------------------------------------------------------------

SCENARIOS = [
    {"procedure": "injection", "joints": "L4-L5:B, L5-S1:R", "intent": "diagnostic"},
    {"procedure": "injection", "nerves": "L3:B, L4:B, L5:B, S1:B", "payer_format": "rtlt"},
    {"procedure": "injection", "joints": "T12-L1:B, L1-L2:B, L2-L3:B", "guidance": "ct"},
    {"procedure": "injection", "joints": "C5-C6:B, L4-L5:B", "guidance": "ultrasound"},
    {"procedure": "injection", "joints": "L4-L5:B", "guidance": "none"},
    {"procedure": "rfa", "joints": "L3-L4:B, L4-L5:B, L5-S1:R"},
    {"procedure": "rfa", "nerves": "L2:L, L4:R", "guidance": "ultrasound"},
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_it_explains_every_line_and_warning_with_known_sources(scenario):
    result = code_claim(**scenario)
    for line in result.lines:
        assert line.rule and line.rule_id and line.sources
        assert set(line.sources) <= set(SOURCE_KEYS)
    for item in result.warnings:
        assert item.id and item.message and item.sources
        assert set(item.sources) <= set(SOURCE_KEYS)


def test_it_lists_the_documentation_for_a_diagnostic_injection():
    documentation = " ".join(injection("L4-L5:B, L5-S1:R", intent="diagnostic").documentation)
    assert "L4-L5 both sides, L5-S1 right" in documentation
    assert "Fluoroscopy" in documentation and "images" in documentation
    assert "agent" in documentation
    assert "before and after" in documentation and "percent relief" in documentation


def test_it_lists_the_documentation_for_an_ablation():
    documentation = " ".join(rfa(nerves="L3:B, L4:B", guidance="ct").documentation)
    assert "CT" in documentation
    assert "medial branch blocks" in documentation and "80%" in documentation
    assert "temperature" in documentation and "nerves targeted" in documentation


# --- Parsing and bad input --------------------------------------------------------------------


def test_it_parses_entries_leniently():
    assert parse_entries(" l4-5 : b ; L5/s1:right\nT12-L1 LT", "joints") == (
        ("L4-L5", "B"),
        ("L5-S1", "R"),
        ("T12-L1", "L"),
    )
    assert parse_entries("L5-L4:B", "joints") == (("L4-L5", "B"),)
    assert parse_entries("l3:b, L4 : B,L5:B", "nerves") == (("L3", "B"), ("L4", "B"), ("L5", "B"))


def test_it_accepts_pairs_strings_and_text_alike():
    text = injection("L4-L5:B, L5-S1:R").claim_text()
    assert injection([("l4-5", "b"), ("L5-S1", "R")]).claim_text() == text
    assert injection(["L4-L5:B", "L5-S1:R"]).claim_text() == text


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("L6-L7:B", "joints", "Unknown joint L6-L7"),
        ("S1-S2:B", "joints", "Unknown joint S1-S2"),
        ("C1-C2:B", "joints", "Unknown joint C1-C2"),
        ("L3-L5:B", "joints", "L3 and L5 are not adjacent"),
        ("L4-L5:X", "joints", "Side 'X' for L4-L5 is not allowed"),
        ("L4-L5", "joints", "'L4-L5' has no side"),
        ("L4-L5:", "joints", "L4-L5 has no side"),
        ("", "joints", "No joints given"),
        (" , ", "nerves", "No nerves given"),
        ("L6:B", "nerves", "Unknown nerve 'L6'"),
        ("L4-L5:B", "levels", "Unknown kind 'levels'"),
        (",".join(["L4-L5:B"] * (MAX_ENTRIES + 1)), "joints", "at most 50"),
    ],
)
def test_it_rejects_bad_entries_naming_the_problem(text, kind, expected):
    with pytest.raises(InvalidInput, match=expected):
        parse_entries(text, kind)


def test_it_says_what_is_allowed_for_a_bad_joint():
    with pytest.raises(InvalidInput) as error:
        parse_entries("L6-L7:B", "joints")
    assert "L5-S1" in str(error.value) and "C2-C3" in str(error.value)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"procedure": "injection"}, "not neither"),
        ({"procedure": "injection", "joints": "L4-L5:B", "nerves": "L3:B, L4:B"}, "not both"),
        ({"procedure": "block", "joints": "L4-L5:B"}, "Unknown procedure 'block'.*injection, rfa"),
        ({"procedure": "injection", "guidance": "mri", "joints": "L4-L5:B"}, "guidance 'mri'"),
        ({"procedure": "rfa", "guidance": None, "joints": "L4-L5:B"}, "Unknown guidance None"),
        ({"procedure": "rfa", "payer_format": "bcbs", "joints": "L4-L5:B"}, "format 'bcbs'"),
        ({"procedure": "injection", "joints": "L4-L5"}, "has no side"),
        (
            {"procedure": "injection", "intent": "palliative", "joints": "L4-L5:B"},
            "intent .palliative",
        ),
        ({"procedure": "injection", "joints": [("L6-L7", "B")]}, "Unknown joint L6-L7"),
        ({"procedure": "injection", "joints": [("L4-L5", "X")]}, "Side 'X'"),
        ({"procedure": "injection", "joints": [("L4-L5",)]}, r"\(name, side\) pair"),
        ({"procedure": "injection", "nerves": [("S2", "B")]}, "Unknown nerve 'S2'"),
        ({"procedure": "injection", "joints": [("L4-L5", "B")] * 51}, "Too many entries"),
    ],
)
def test_it_rejects_bad_claims_naming_the_problem(options, expected):
    with pytest.raises(InvalidInput, match=expected):
        code_claim(**options)


def test_it_raises_a_value_error_subclass():
    assert issubclass(InvalidInput, ValueError)


# --- The third occipital nerve (facts §10.1: C2-C3 is supplied by it alone) --------------------


@pytest.mark.parametrize(
    ("nerves", "levels", "claim"),
    [
        ("TON:R", ("C2-C3",), "64490-RT"),
        ("TON:B, C3:B, C4:B", ("C2-C3", "C3-C4"), "64490-50, 64491-50"),
        (
            "third occipital:L, C3:L, C4:L, C5:L",
            ("C2-C3", "C3-C4", "C4-C5"),
            "64490-LT, 64491-LT, 64492-LT",
        ),
    ],
)
def test_the_third_occipital_nerve_alone_is_the_c2_c3_joint(nerves, levels, claim):
    result = injection(nerves=nerves)
    assert result.levels == levels
    assert result.claim_text() == claim
    assert "third occipital nerve" in result.lines[0].rule
    assert "nerve-completes-no-joint" not in result.warning_ids


def test_the_third_occipital_nerve_on_one_side_does_not_pair_with_the_other_side():
    result = injection(nerves="TON:L, C3:R")
    assert result.claim_text() == "64490-LT"
    assert "C3 (right)" in warning(result, "nerve-completes-no-joint").message
