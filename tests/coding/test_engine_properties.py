"""Invariants of the rules engine over random valid descriptions."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.engine import (
    FORMATS,
    GUIDANCES,
    INTENTS,
    JOINTS,
    NERVES,
    PROCEDURES,
    RULE_IDS,
    SIDES,
    SOURCE_KEYS,
    WARNING_IDS,
    code_claim,
    joint_nerves,
    parse_entries,
)

FAST = settings(max_examples=200, deadline=None)

# Add-on code -> the primary codes it may follow (64490 starts a Medicare T12-L1 + L1-L2 session).
PRIMARIES = {
    "64491": {"64490"},
    "64492": {"64490"},
    "64494": {"64493", "64490"},
    "64495": {"64493", "64490"},
    "0214T": {"0213T"},
    "0215T": {"0213T"},
    "0217T": {"0216T"},
    "0218T": {"0216T"},
    "64634": {"64633"},
    "64636": {"64635", "64633"},
}
SECOND_LEVEL = {"64492": "64491", "64495": "64494", "0215T": "0214T", "0218T": "0217T"}
THIRD_LEVEL = {"64492", "64495", "0215T", "0218T"}
SIDE_MODIFIERS = {"50", "RT", "LT"}


def entries(names):
    return st.lists(
        st.tuples(st.sampled_from(names), st.sampled_from(SIDES)), min_size=1, max_size=20
    )


descriptions = st.fixed_dictionaries(
    {
        "procedure": st.sampled_from(PROCEDURES),
        "guidance": st.sampled_from(GUIDANCES),
        "payer_format": st.sampled_from(FORMATS),
        "intent": st.sampled_from((None, *INTENTS)),
    }
).flatmap(
    lambda options: st.one_of(
        entries(JOINTS).map(lambda joints: {**options, "joints": joints}),
        entries((*NERVES, "S1")).map(lambda nerves: {**options, "nerves": nerves}),
    )
)


def side_modifier(line):
    (side,) = [modifier for modifier in line.modifiers if modifier in SIDE_MODIFIERS]
    return side


@FAST
@given(descriptions)
def test_it_explains_every_line_and_warning(description):
    result = code_claim(**description)
    for line in result.lines:
        assert line.rule and line.rule_id in RULE_IDS and line.sources
        assert set(line.sources) <= set(SOURCE_KEYS)
    for warning in result.warnings:
        assert warning.id in WARNING_IDS and warning.message and warning.sources
        assert set(warning.sources) <= set(SOURCE_KEYS)
    assert len(result.warning_ids) == len(set(result.warning_ids))


@FAST
@given(descriptions)
def test_it_never_reports_51_imaging_codes_or_empty_units(description):
    result = code_claim(**description)
    for line in result.lines:
        assert line.units >= 1
        assert "51" not in line.modifiers
        assert line.code not in ("77003", "77012")
        assert line.joints


@FAST
@given(descriptions)
def test_it_gives_each_line_exactly_one_side_modifier_for_its_format(description):
    result = code_claim(**description)
    for line in result.lines:
        side = side_modifier(line)
        if description["payer_format"] == "rtlt":
            assert side in ("RT", "LT")
        assert set(line.modifiers) <= SIDE_MODIFIERS | {"KX"}


@FAST
@given(descriptions)
def test_it_reports_each_code_at_most_once_per_side_modifier(description):
    result = code_claim(**description)
    counts = Counter((line.code, side_modifier(line)) for line in result.lines)
    assert max(counts.values(), default=1) == 1
    third_lines = Counter(line.code for line in result.lines if line.code in THIRD_LEVEL)
    limit = 1 if description["payer_format"] == "medicare" else 2
    assert all(count <= limit for count in third_lines.values())


@FAST
@given(descriptions)
def test_it_never_reports_an_add_on_without_its_primary(description):
    result = code_claim(**description)
    codes = {line.code for line in result.lines}
    for code in codes:
        if code in PRIMARIES:
            assert codes & PRIMARIES[code], (code, result.claim_text())
        if code in SECOND_LEVEL:
            assert SECOND_LEVEL[code] in codes
    lumbar_add_ons = codes & {"64494", "64495", "64636"}
    if lumbar_add_ons and not codes & {"64493", "64635"}:  # the Medicare T12-L1 + L1-L2 session
        assert description["payer_format"] == "medicare"
        assert result.levels[:2] == ("T12-L1", "L1-L2")


@FAST
@given(descriptions)
def test_it_covers_exactly_the_levels_counted(description):
    result = code_claim(**description)
    assert list(result.levels) == sorted(set(result.levels), key=JOINTS.index)
    if result.lines:
        covered = {joint for line in result.lines for joint in line.joints}
        assert covered == set(result.levels)


@FAST
@given(descriptions)
def test_it_appends_kx_only_to_diagnostic_medicare_injections(description):
    result = code_claim(**description)
    wants_kx = (
        description["procedure"] == "injection"
        and description["payer_format"] == "medicare"
        and description["intent"] == "diagnostic"
        and description["guidance"] in ("fluoroscopy", "ct")
    )
    for line in result.lines:
        assert ("KX" in line.modifiers) == wants_kx


@FAST
@given(descriptions)
def test_it_counts_one_ablation_unit_per_joint_and_side(description):
    result = code_claim(**description)
    if description["procedure"] != "rfa" or not result.lines:
        return
    units = sum(line.units for line in result.lines)
    if description["payer_format"] == "medicare":
        assert units == len(result.levels)
    elif "joints" in description:
        per_side = {joint: set() for joint in result.levels}
        for joint, side in description["joints"]:
            per_side[joint] |= {"L", "R"} if side == "B" else {side}
        assert units == sum(len(joint_sides) for joint_sides in per_side.values())


@FAST
@given(descriptions)
def test_it_counts_a_joint_from_nerves_only_when_both_nerves_are_given(description):
    if "nerves" not in description:
        return
    result = code_claim(**description)
    given_nerves = {nerve for nerve, _ in description["nerves"]}
    for joint in result.levels:
        assert set(joint_nerves(joint)) <= given_nerves
    if not result.levels:
        assert result.lines == ()
        assert "no-joint-completed" in result.warning_ids


@FAST
@given(entries(JOINTS))
def test_it_parses_its_own_text_back(joints):
    text = ", ".join(f"{name}:{side}" for name, side in joints)
    assert parse_entries(text, "joints") == tuple(joints)
    assert code_claim("injection", joints=text) == code_claim("injection", joints=joints)
