"""The claim auditor, check by check (facts §13, issue 15): each problem on the line that has it,
the corrected claim where the fix is certain, and no problem on a clean claim. The expected
answers are written by hand from the fact sheet."""

import datetime as dt
import time
import tomllib
from pathlib import Path

import pytest

from coding.engine import InvalidInput, audit, audit_claim, read_coverage
from coding.engine.audit import equivalent_claims
from coding.engine.claims import ClaimError, ClaimLine, parse_claim
from tests.coding.test_linear_time import CLAIM_ATTACKS, LINEAR, QUICK, cost, fit, growth

MEDICARE = read_coverage()
CGS = read_coverage(mac="cgs")
PALMETTO = read_coverage(mac="palmetto")
ASC = read_coverage(claim_type="asc")
AETNA = read_coverage(payer="aetna")
UHC = read_coverage(payer="uhc")

SOURCES = Path(__file__).resolve().parents[2] / "codes" / "data" / "sources.toml"
L45_B_L5S1_R = {"procedure": "injection", "guidance": "fluoroscopy", "joints": "L4-L5:B, L5-S1:R"}


def problems(text, coverage=MEDICARE, scenario=None, date=None):
    """[(line text, [problem ids])] with the claim's own problems under ''."""
    audit = audit_claim(text, coverage, scenario, date)
    rows = [(line.text, [p.id for p in line.problems]) for line in audit.lines]
    return rows + ([("", [p.id for p in audit.problems])] if audit.problems else [])


def ids(text, coverage=MEDICARE, scenario=None):
    audit = audit_claim(text, coverage, scenario)
    return sorted({p.id for p in audit.all_problems})


# Clean claims -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "coverage"),
    [
        ("64493-50, 64494-RT", MEDICARE),
        ("64490-LT", MEDICARE),
        ("64490-50, 64491-50", MEDICARE),
        ("64635-RT, 64636-RT x2", MEDICARE),
        ("64633-50, 64634-50 x2, 64634-LT", MEDICARE),
        ("64493-RT, 64493-LT, 64494-RT, 64494-LT", ASC),  # the ASC facility's RT/LT lines
        ("64490-50, 64494-50", CGS),  # the CGS T12-L1 + L1-L2 session
        ("64633-RT, 64636-RT", CGS),
        ("64493-50, 64494-50, 64495-50", AETNA),  # three levels: Medicare's limit only
        ("+64494-rt; 64493-50", MEDICARE),  # any order, any separator, a leading +
    ],
)
def test_a_clean_claim_gets_no_problem(text, coverage):
    audit = audit_claim(text, coverage)
    assert audit.all_problems == ()
    assert audit.verdict == "clean"
    assert {line.status for line in audit.lines} == {"ok"}
    assert audit.corrected is None


def test_a_claim_the_scenario_codes_to_gets_no_problem():
    scenario = {**L45_B_L5S1_R, "intent": "diagnostic"}
    audit = audit_claim("64493-50-KX, 64494-RT-KX", MEDICARE, scenario)
    assert audit.verdict == "clean"
    assert audit.corrected == "64493-50-KX, 64494-RT-KX"


# Each check ---------------------------------------------------------------------------------


def test_an_unreadable_or_unknown_code_gets_a_did_you_mean():
    audit = audit_claim("6449-50, 64439, 64493-5O", MEDICARE)
    malformed, transposed, bad_modifier = audit.lines
    assert [p.id for p in malformed.problems] == ["unknown-code"]
    assert malformed.status == "error"
    assert "Did you mean 64490 or 64491 or 64492?" in malformed.problems[0].message
    # A well-formed code that is a transposition of a facet code: a warning, it may be meant.
    assert [(p.id, p.severity) for p in transposed.problems] == [("unknown-code", "warning")]
    assert "did you mean 64493?" in transposed.problems[0].message
    assert bad_modifier.problems[0].message.startswith('Could not read "64493-5O"')
    assert audit.corrected is None


def test_a_code_before_it_existed_is_unknown():
    assert problems("64635-RT", date=dt.date(2011, 6, 1)) == [("64635-RT", ["unknown-code"])]
    assert problems("64635-RT", date=dt.date(2012, 1, 1)) == [("64635-RT", [])]


def test_codes_outside_the_family_are_passed_through_not_audited():
    audit = audit_claim("99213-25, 64493-RT, J1030", MEDICARE)
    assert [line.status for line in audit.lines] == ["not-audited", "ok", "not-audited"]


def test_an_add_on_without_its_primary():
    assert problems("64494-50") == [("64494-50", ["add-on-without-primary"])]
    assert problems("64495-RT, 64494-RT") == [
        ("64495-RT", ["third-level-not-covered"]),  # 64494 is a primary it may follow
        ("64494-RT", ["add-on-without-primary"]),
    ]
    assert problems("64636-LT x2") == [("64636-LT x2", ["add-on-without-primary"])]


def test_an_add_on_of_the_other_family():
    assert problems("64493-RT, 64491-RT") == [
        ("64493-RT", []),
        ("64491-RT", ["add-on-wrong-family"]),
        ("", ["two-regions"]),
    ]
    # Ultrasound add-on after a fluoroscopy primary.
    assert ids("64493-RT, 0217T-RT") == ["add-on-wrong-family", "ultrasound-not-covered"]


def test_the_t12_l1_pairing_is_cgs_and_ngs_only():
    assert ids("64490-50, 64494-50", CGS) == []
    assert ids("64490-50, 64494-50", read_coverage(mac="ngs")) == []
    unknown_mac = audit_claim("64490-50, 64494-50", MEDICARE)
    assert [(p.id, p.severity) for p in unknown_mac.lines[1].problems] == [
        ("add-on-wrong-family", "warning")
    ]
    assert [
        (p.id, p.severity) for p in audit_claim("64490-50, 64494-50", PALMETTO).lines[1].problems
    ] == [("add-on-wrong-family", "error")]


def test_the_second_level_repeated():
    assert problems("64493-RT, 64494-RT x2") == [
        ("64493-RT", []),
        ("64494-RT x2", ["second-level-repeated"]),
    ]
    assert ids("64490-RT, 64491-RT, 64491-RT") == ["second-level-repeated"]
    assert audit_claim("64490-RT, 64491-RT, 64491-RT", MEDICARE).corrected is None


def test_the_third_level_in_units_or_on_several_lines():
    audit = audit_claim("64493-RT, 64494-RT, 64495-RT x3", MEDICARE)
    assert [p.id for p in audit.lines[2].problems] == [
        "third-level-units",
        "third-level-not-covered",
    ]
    assert audit.corrected == "64493-RT, 64494-RT, 64495-RT"
    # One line per extra level: one line, its side covering both.
    audit = audit_claim("64493-RT, 64494-RT, 64495-RT, 64495-LT, 64495-LT", MEDICARE)
    assert "third-level-units" in [p.id for p in audit.lines[3].problems]
    assert audit.corrected == "64493-RT, 64494-RT, 64495-50"


def test_modifier_51_on_an_add_on():
    audit = audit_claim("64493-50-51, +64494-50-51", MEDICARE)
    assert [[p.id for p in line.problems] for line in audit.lines] == [
        [],
        ["modifier-51-on-add-on"],
    ]
    assert audit.corrected == "64493-50-51, 64494-50"


def test_imaging_billed_with_facet_codes():
    audit = audit_claim("64635-RT, 77003, 77012-26", MEDICARE)
    assert [[p.id for p in line.problems] for line in audit.lines] == [
        [],
        ["imaging-billed"],
        ["imaging-billed"],
    ]
    assert audit.corrected == "64635-RT"
    # Without a facet line, 77003 is not the auditor's business.
    assert ids("77003, 64451-RT") == []


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("64493-50 x2", "64493-50"),  # 50 with two units
        ("64493, 64493-50", "64493-50"),  # 64493 plus 64493-50
        ("64493-RT, 64493-LT", "64493-50"),  # two lines, RT and LT
        ("64493-50, 64494-50 x2", "64493-50, 64494-50"),
        ("64493 x2", None),  # two units: a bilateral level, or two levels? not certain
    ],
)
def test_a_bilateral_level_as_units_or_lines_on_a_medicare_claim(text, corrected):
    audit = audit_claim(text, MEDICARE)
    assert "bilateral-as-units" in [p.id for p in audit.all_problems]
    assert audit.verdict == "errors"
    assert audit.corrected == corrected


def test_bilateral_lines_are_right_for_the_asc_facility_and_unchecked_for_other_payers():
    assert ids("64493-RT, 64493-LT", ASC) == []
    audit = audit_claim("64493-50 x2", AETNA)
    assert audit.all_problems == ()
    assert [s.check for s in audit.skipped] == ["bilateral-as-units"]


def test_fifty_with_a_side():
    audit = audit_claim("64493-50-RT, 64494-LT", MEDICARE)
    assert [p.id for p in audit.lines[0].problems] == ["fifty-with-side"]
    assert audit.corrected == "64493-50, 64494-LT"


def test_two_regions_in_one_session():
    audit = audit_claim("64490-RT, 64493-RT", MEDICARE)
    assert [p.id for p in audit.problems] == ["two-regions"]
    assert audit.verdict == "warnings"  # each region is coded right; Medicare won't cover it
    assert [s.check for s in audit_claim("64490-RT, 64493-RT", AETNA).skipped] == ["two-regions"]


def test_kx_missing_on_a_diagnostic_injection():
    scenario = {**L45_B_L5S1_R, "intent": "diagnostic"}
    audit = audit_claim("64493-50, 64494-RT-KX", MEDICARE, scenario)
    assert [p.id for p in audit.lines[0].problems] == ["kx-missing"]
    assert audit.lines[1].problems == []
    assert audit.corrected == "64493-50-KX, 64494-RT-KX"
    # Without the scenario the intent is unknown: the check is skipped, and says so.
    assert "kx-missing" in [s.check for s in audit_claim("64493-50", MEDICARE).skipped]


def test_kx_where_it_does_not_apply():
    audit = audit_claim("64635-50-KX", MEDICARE)
    assert [(p.id, p.severity) for p in audit.lines[0].problems] == [("kx-not-applicable", "error")]
    assert audit.corrected == "64635-50"
    scenario = {**L45_B_L5S1_R, "intent": "therapeutic"}
    audit = audit_claim("64493-50-KX, 64494-RT", MEDICARE, scenario)
    assert [p.id for p in audit.lines[0].problems] == ["kx-not-applicable"]
    assert audit.corrected == "64493-50, 64494-RT"
    # Commercial payers: no KX rule in our sources; skipped, and said so.
    assert [s.check for s in audit_claim("64493-50-KX", AETNA).skipped] == ["kx-not-applicable"]


def test_the_third_level_is_not_covered_by_medicare():
    audit = audit_claim("64490-50, 64491-50, 64492-50", MEDICARE)
    assert [(p.id, p.severity) for p in audit.lines[2].problems] == [
        ("third-level-not-covered", "warning")
    ]


def test_ultrasound_is_not_covered_by_medicare_nor_proven_for_uhc():
    assert problems("0216T-RT, 0217T-RT") == [
        ("0216T-RT", ["ultrasound-not-covered"]),
        ("0217T-RT", ["ultrasound-not-covered"]),
    ]
    assert ids("0216T-RT", UHC) == ["ultrasound-not-covered"]
    assert [s.check for s in audit_claim("0216T-RT", AETNA).skipped] == ["ultrasound-not-covered"]


def test_rfa_units_against_the_joints_treated():
    scenario = {
        "procedure": "rfa",
        "guidance": "fluoroscopy",
        "joints": "L3-L4:R, L4-L5:R, L5-S1:R",
    }
    audit = audit_claim("64635-RT, 64636-RT", MEDICARE, scenario)
    assert [p.id for p in audit.lines[1].problems] == ["rfa-units"]
    assert audit.corrected == "64635-RT, 64636-RT x2"
    # The first joint is one unit.
    assert problems("64635-RT x3") == [("64635-RT x3", ["rfa-units"])]


def test_trigger_point_codes_beside_imaged_facet_lines():
    assert problems("20552, 64493-RT") == [
        ("20552", ["no-imaging-code-with-facet"]),
        ("64493-RT", []),
    ]


def test_sacroiliac_codes_billed_for_facet_work():
    scenario = {"procedure": "rfa", "guidance": "fluoroscopy", "joints": "L5-S1:B"}
    audit = audit_claim("64635-50, 64625-50", MEDICARE, scenario)
    assert [p.id for p in audit.lines[1].problems] == ["differs-from-scenario"]
    assert "sacroiliac" in audit.lines[1].problems[0].message
    assert audit.corrected == "64635-50"


def test_every_difference_from_the_scenario():
    audit = audit_claim("64493-50, 64494-50, 99213-25", MEDICARE, L45_B_L5S1_R)
    assert [p.id for p in audit.lines[1].problems] == ["differs-from-scenario"]
    assert audit.lines[2].status == "not-audited"
    (claim_problem,) = audit.problems
    assert claim_problem.message == (
        "For this scenario the engine codes 64493-50, 64494-RT. Missing: 64494-RT. "
        "Not expected: 64494-50."
    )
    assert audit.expected == "64493-50, 64494-RT"
    assert audit.corrected == "64493-50, 64494-RT, 99213-25"  # other codes kept as they are


def test_no_facet_code_for_a_scenario_without_imaging():
    scenario = {"procedure": "injection", "guidance": "none", "joints": "L4-L5:B"}
    audit = audit_claim("64493-50", MEDICARE, scenario)
    assert [p.id for p in audit.lines[0].problems] == ["differs-from-scenario"]
    assert "20552/20553" in audit.lines[0].problems[0].message
    assert audit.corrected is None


# The primary and the add-on may swap sides (no source fixes which joint comes first) ---------


def test_either_joint_may_be_the_primary_when_the_sides_differ():
    scenario = {"procedure": "rfa", "guidance": "fluoroscopy", "joints": "L4-L5:L, L5-S1:B"}
    for text in ("64635-LT, 64636-50", "64635-50, 64636-LT"):
        audit = audit_claim(text, MEDICARE, scenario)
        assert audit.verdict == "clean", text
        assert audit.corrected == text
    assert set(equivalent_claims(parse_claim("64635-RT, 64636-50 x2"))) == {
        (ClaimLine("64635", ("RT",)), ClaimLine("64636", ("50",), 2)),
        (ClaimLine("64635", ("50",)), ClaimLine("64636", ("50",)), ClaimLine("64636", ("RT",))),
    }


# What cannot be audited at all --------------------------------------------------------------


def test_an_empty_or_overlong_claim_is_refused():
    with pytest.raises(ClaimError, match="Enter at least one claim line"):
        audit_claim(" , ;\n", MEDICARE)
    with pytest.raises(ClaimError, match=r"Too many lines \(51\)"):
        audit_claim("64493-RT\n" * 51, MEDICARE)
    assert len(audit_claim("99213\n" * 50, MEDICARE).lines) == 50


def test_a_scenario_the_engine_cannot_code_is_refused():
    with pytest.raises(InvalidInput, match="Unknown joint"):
        audit_claim("64493", MEDICARE, {"procedure": "injection", "joints": "L9-L10:B"})


# Linear time, as tests/coding/test_linear_time.py measures the parser ----------------------


def _audit_or_refuse(text):
    try:
        return audit_claim(text, MEDICARE)
    except ClaimError as error:
        return str(error)


@pytest.mark.parametrize("name", CLAIM_ATTACKS)
def test_it_audits_any_claim_at_its_limit_well_under_a_second(name):
    text = CLAIM_ATTACKS[name](audit.MAX_AUDIT_LENGTH)
    assert len(text) == audit.MAX_AUDIT_LENGTH
    assert cost(_audit_or_refuse, text, calls=1, runs=3) < QUICK


@pytest.mark.parametrize(
    "make",
    [
        # The parser's own attacks are measured in test_linear_time; these reach the checks.
        CLAIM_ATTACKS["codes run together"],
        CLAIM_ATTACKS["modifiers"],
        CLAIM_ATTACKS["spaces between codes"],
        # Fifty long lines, each a code with many modifiers: the most work per line.
        lambda n: fit("64493-50-RT-LT-KX-59-XS-XU-51-76-77-GA-GY-GZ-AS-TC-26 x2\n", n),
        lambda n: fit("6449-5O-RT-LT-KX-59-XS-XU-51-76-77-GA-GY-GZ-AS-TC-26 ,", n),
    ],
)
def test_its_time_grows_linearly_with_the_claim(make, monkeypatch):
    monkeypatch.setattr(audit, "MAX_AUDIT_LENGTH", 8 * 1000)  # to measure beyond 50 lines
    monkeypatch.setattr(audit, "MAX_AUDIT_LINES", 8 * 50)
    assert growth(_audit_or_refuse, make, 1000) < LINEAR


def test_it_refuses_100_kb_of_claim_at_once():
    start = time.perf_counter()
    with pytest.raises(ClaimError, match="at most 5000 characters"):
        audit_claim("64493-50, " * 10_000, MEDICARE)
    assert time.perf_counter() - start < 0.05


def test_it_cites_only_sources_of_the_dataset():
    keys = {record["key"] for record in tomllib.loads(SOURCES.read_text())["source"]}
    assert set(audit.AUDIT_SOURCE_KEYS) <= keys
    cited = set()
    for text, coverage, scenario in [
        ("64494-50-51, 64493-50-RT x2, 77003, 20552, 0216T-KX, 64635-KX x2, 64492", MEDICARE, None),
        ("64490-50, 64494-50", PALMETTO, None),
        ("64635-RT, 64636-RT, 64625", MEDICARE, {"procedure": "rfa", "joints": "L3-L4:R, L4-L5:R"}),
        ("64635-RT", MEDICARE, None),
        ("0216T", UHC, None),
    ]:
        cited |= set(audit_claim(text, coverage, scenario, dt.date(2011, 1, 1)).source_keys)
    assert cited <= set(audit.AUDIT_SOURCE_KEYS)
    assert len(cited) > 12
