"""The history check engine: every rule of the fact sheet's §11 (Medicare, CGS LCD L38773) and
the commercial rules of §6, with the edges issue 13 lists. Expected answers are written by hand
from the fact sheet; dates are counted on a calendar."""

import tomllib
from datetime import date
from pathlib import Path

import pytest

from coding.engine import (
    InvalidInput,
    check_session,
    read_coverage,
    read_history,
    read_session,
)
from coding.engine.history import HISTORY_SOURCE_KEYS, window_start

TODAY = date(2026, 11, 30)


def check(session: dict, history=(), **coverage):
    read = read_session({"procedure": "mbb", "joints": "L4-L5:B", **session})
    return check_session(read, read_history(list(history), read, TODAY), read_coverage(**coverage))


def block(day: str, relief=90, joints="L4-L5:B", procedure="mbb", **fields) -> dict:
    return {"date": day, "procedure": procedure, "joints": joints, "relief": relief, **fields}


def status(result, criterion_id: str) -> str:
    criterion = result.criterion(criterion_id)
    assert criterion is not None, f"{criterion_id} missing: {[c.id for c in result.criteria]}"
    return criterion.status


def ids(result) -> set[str]:
    return {criterion.id for criterion in result.criteria}


# --- The contract's example -----------------------------------------------------------------


def test_it_answers_the_contracts_example():
    """A confirmatory block 3 weeks after a first block with 90% relief: covered, KX."""
    result = check(
        {
            "date": "2026-03-02",
            "joints": "L4-L5:B,L5-S1:B",
            "guidance": "fluoroscopy",
            "intent": "diagnostic",
        },
        [
            block("2026-02-09", 90, "L4-L5:B,L5-S1:B"),
            block("2025-06-01", 60, "C5-C6:R", "rfa", relief_months=7),
        ],
        mac="cgs",
    )
    answer = result.as_dict()
    assert answer["kind"] == "second-diagnostic"
    assert answer["verdict"] == "covered"
    assert answer["kx"] is True
    assert answer["earliest_date"] == "2026-03-02"
    assert answer["claim"] == "64493-50-KX, 64494-50-KX"
    assert {count["region"]: count for count in answer["counts"]} == {
        "lumbar": {
            "region": "lumbar",
            "diagnostic": 2,
            "therapeutic": 0,
            "rfa": 0,
            "since": "2025-03-03",
        },
        "cervical": {
            "region": "cervical",
            "diagnostic": 0,
            "therapeutic": 0,
            "rfa": 1,
            "since": "2025-03-03",
        },
    }
    for criterion_id in (
        "guidance",
        "one-region",
        "two-levels",
        "diagnostic-limit",
        "second-diagnostic-same-level",
        "second-diagnostic-relief",
        "second-diagnostic-interval",
        "declared-intent",
    ):
        assert status(result, criterion_id) == "pass"
    assert all(criterion.sources for criterion in result.criteria)


# --- Kinds --------------------------------------------------------------------------------------


def test_it_calls_a_block_without_earlier_blocks_a_first_diagnostic_with_kx():
    result = check({"date": "2026-03-02", "joints": "L4-L5:B,L5-S1:R"})
    assert result.kind == "first-diagnostic"
    assert result.verdict == "covered"
    assert result.kx is True
    assert result.result.claim_text() == "64493-50-KX, 64494-RT-KX"
    assert result.earliest_date == date(2026, 3, 2)


def test_it_calls_a_block_after_two_diagnostic_blocks_therapeutic_without_kx():
    result = check(
        {"date": "2026-06-01", "intent": "therapeutic"},
        [block("2026-01-05", 90), block("2026-02-02", 85, procedure="ia")],
    )
    assert result.kind == "therapeutic"
    assert status(result, "two-positive-diagnostics") == "pass"
    assert result.verdict == "covered"
    assert result.kx is False
    assert result.result.claim_text() == "64493-50"
    assert any("not a candidate for radiofrequency" in item for item in result.documentation)


def test_it_calls_a_block_billed_therapeutic_that_the_history_makes_diagnostic_a_mismatch():
    """OIG: 33 of 120 sampled sessions billed as therapeutic were diagnostic."""
    result = check({"date": "2026-03-02", "intent": "therapeutic"})
    assert result.kind == "first-diagnostic"
    assert status(result, "declared-intent") == "fail"
    assert result.verdict == "not-covered"
    assert result.earliest_date is None
    assert result.kx is True  # a diagnostic block carries KX


def test_it_flags_a_therapeutic_session_billed_as_diagnostic():
    result = check(
        {"date": "2026-06-01", "intent": "diagnostic"},
        [block("2026-01-05", 90), block("2026-02-02", 90)],
    )
    assert result.kind == "therapeutic"
    assert status(result, "declared-intent") == "fail"
    assert result.kx is False


def test_it_leaves_declared_intent_out_when_no_intent_was_billed():
    result = check({"date": "2026-03-02"})
    assert "declared-intent" not in ids(result)


# --- Second diagnostic: relief, interval, same level ------------------------------------------


def test_it_covers_the_second_block_on_the_14th_day_after_the_first():
    result = check({"date": "2026-03-15"}, [block("2026-03-01", 80)])
    assert result.kind == "second-diagnostic"
    assert status(result, "second-diagnostic-interval") == "pass"
    assert status(result, "second-diagnostic-relief") == "pass"  # exactly 80% is enough
    assert result.verdict == "covered"


def test_it_refuses_the_second_block_on_the_13th_day_and_gives_the_14th():
    result = check({"date": "2026-03-14"}, [block("2026-03-01", 95)])
    assert status(result, "second-diagnostic-interval") == "fail"
    assert result.verdict == "not-covered"
    assert result.earliest_date == date(2026, 3, 15)


def test_it_calls_a_repeat_after_a_negative_block_a_failed_second_diagnostic():
    result = check({"date": "2026-04-01"}, [block("2026-03-01", 79)])
    assert result.kind == "second-diagnostic"
    assert status(result, "second-diagnostic-relief") == "fail"
    assert result.verdict == "not-covered"
    assert result.earliest_date is None  # waiting cannot fix the relief


def test_it_needs_documentation_when_the_first_blocks_relief_is_unknown():
    result = check({"date": "2026-04-01"}, [block("2026-03-01", None)])
    assert status(result, "second-diagnostic-relief") == "unknown"
    assert result.criterion("second-diagnostic-relief").reading is True
    assert result.verdict == "needs-documentation"
    assert result.earliest_date == date(2026, 4, 1)


def test_it_fails_same_level_when_the_second_block_adds_a_joint():
    result = check({"date": "2026-04-01", "joints": "L4-L5:B,L5-S1:B"}, [block("2026-03-01", 90)])
    assert result.kind == "second-diagnostic"
    assert status(result, "second-diagnostic-same-level") == "fail"
    assert "L5-S1" in result.criterion("second-diagnostic-same-level").message


def test_it_calls_a_block_at_other_joints_a_first_diagnostic_and_ignores_their_relief():
    """Blocks at other joints count only toward the limits (the app's reading)."""
    result = check(
        {"date": "2026-04-01", "joints": "L2-L3:B"}, [block("2026-03-01", 10, "L4-L5:B")]
    )
    assert result.kind == "first-diagnostic"
    assert result.verdict == "covered"
    assert result.counts[0].diagnostic == 2


def test_it_reads_same_level_sides_aside():
    result = check({"date": "2026-04-01", "joints": "L4-L5:R"}, [block("2026-03-01", 90)])
    assert result.kind == "second-diagnostic"
    assert status(result, "second-diagnostic-same-level") == "pass"


# --- Limits per region per rolling 12 months -----------------------------------------------------


FOUR_LUMBAR_FIRSTS = [
    block("2025-03-03", 10, "L1-L2:B"),
    block("2025-06-01", 10, "L2-L3:B"),
    block("2025-09-01", 10, "L3-L4:B"),
    block("2025-12-01", 10, "L4-L5:B"),
]


def test_it_refuses_a_fifth_diagnostic_session_in_a_region_and_gives_the_date():
    result = check({"date": "2026-03-02", "joints": "L5-S1:B"}, FOUR_LUMBAR_FIRSTS)
    assert result.kind == "first-diagnostic"
    assert result.counts[0].diagnostic == 5
    assert status(result, "diagnostic-limit") == "fail"
    assert result.verdict == "not-covered"
    # 2025-03-03 still counts on 2026-03-02 and drops out the day after.
    assert result.earliest_date == date(2026, 3, 3)


def test_it_no_longer_counts_a_session_exactly_12_months_before():
    history = [block("2025-03-02", 10, "L1-L2:B"), *FOUR_LUMBAR_FIRSTS[1:]]
    result = check({"date": "2026-03-02", "joints": "L5-S1:B"}, history)
    assert result.counts[0].diagnostic == 4
    assert result.counts[0].since == date(2025, 3, 3)
    assert status(result, "diagnostic-limit") == "pass"
    assert result.criterion("diagnostic-limit").reading is True
    assert [entry.counted for entry in result.history] == [False, True, True, True]


def test_it_counts_the_window_across_a_leap_day():
    assert window_start(date(2026, 3, 2)) == date(2025, 3, 3)
    assert window_start(date(2025, 2, 28)) == date(2024, 2, 29)
    assert window_start(date(2024, 2, 29)) == date(2023, 3, 1)


def test_it_counts_two_regions_in_one_history_apart():
    cervical = [block(day, 10, "C5-C6:B") for day in ("2025-05-01", "2025-07-01")]
    cervical += [block("2025-09-01", 10, "C3-C4:B"), block("2025-11-01", 10, "C4-C5:B")]
    result = check({"date": "2026-03-02", "joints": "L4-L5:B"}, cervical)
    assert result.kind == "first-diagnostic"
    counts = {count.region: count for count in result.counts}
    assert counts["lumbar"].diagnostic == 1
    # C5-C6 twice: a first and a second diagnostic; C3-C4, C4-C5 firsts: 4 diagnostic sessions.
    assert counts["cervical"].diagnostic == 4
    assert status(result, "diagnostic-limit") == "pass"


def test_it_counts_therapeutic_sessions_apart_from_diagnostic_ones():
    history = [block("2025-04-01", 90), block("2025-04-20", 90)]
    history += [block(day, 60, relief_months=4) for day in ("2025-05-10", "2025-09-10")]
    history += [block("2026-01-10", 60, relief_months=4)]
    result = check({"date": "2026-03-02"}, history)
    assert result.kind == "therapeutic"
    assert result.counts[0].therapeutic == 4
    assert result.counts[0].diagnostic == 2
    assert status(result, "therapeutic-limit") == "pass"


def test_it_refuses_a_fifth_therapeutic_session_in_a_region():
    history = [block("2025-04-01", 90), block("2025-04-20", 90)]
    history += [
        block(day, 60, relief_months=4)
        for day in ("2025-05-10", "2025-08-10", "2025-11-10", "2026-02-10")
    ]
    result = check({"date": "2026-03-02"}, history)
    assert result.counts[0].therapeutic == 5
    assert status(result, "therapeutic-limit") == "fail"
    # The oldest of the four earlier ones (2025-05-10) is exactly 12 months old on 2026-05-10.
    assert result.earliest_date == date(2026, 5, 10)


def test_it_refuses_a_third_rfa_session_in_a_region():
    history = [block("2025-01-05", 90), block("2025-01-26", 90)]
    history += [
        block("2025-04-01", 70, procedure="rfa", relief_months=7),
        block("2025-11-01", 70, procedure="rfa", relief_months=6),
    ]
    result = check({"date": "2026-03-02", "procedure": "rfa"}, history)
    assert result.kind == "repeat-rfa"
    assert result.counts[0].rfa == 3
    assert status(result, "rfa-limit") == "fail"
    assert status(result, "repeat-rfa-relief") == "pass"
    # The older of the two earlier RFAs (2025-04-01) is exactly 12 months old on 2026-04-01.
    assert result.earliest_date == date(2026, 4, 1)


# --- Therapeutic ----------------------------------------------------------------------------


def test_it_refuses_a_therapeutic_injection_after_a_negative_diagnostic():
    result = check({"date": "2026-06-01"}, [block("2026-01-05", 90), block("2026-02-02", 50)])
    assert result.kind == "therapeutic"
    assert status(result, "two-positive-diagnostics") == "fail"
    assert result.earliest_date is None


def test_it_needs_documentation_for_a_therapeutic_injection_after_an_unknown_block():
    result = check({"date": "2026-06-01"}, [block("2026-01-05", 90), block("2026-02-02", None)])
    assert status(result, "two-positive-diagnostics") == "unknown"
    assert result.verdict == "needs-documentation"


@pytest.mark.parametrize(
    ("relief", "months", "expected"),
    [
        (50, 3, "pass"),
        (49, 6, "fail"),
        (80, 2, "fail"),
        (60, None, "unknown"),
        (None, 4, "unknown"),
    ],
)
def test_it_needs_50_percent_for_3_months_before_a_repeat_therapeutic(relief, months, expected):
    history = [block("2025-06-01", 90), block("2025-06-20", 90)]
    history.append(block("2025-09-01", relief, relief_months=months))
    result = check({"date": "2026-01-05"}, history)
    assert result.kind == "therapeutic"
    assert status(result, "repeat-therapeutic-relief") == expected


# --- RFA ------------------------------------------------------------------------------------------


def test_it_covers_an_initial_rfa_after_two_positive_mbbs():
    result = check(
        {"date": "2026-04-01", "procedure": "rfa"},
        [block("2026-02-01", 80), block("2026-02-20", 100)],
    )
    assert result.kind == "initial-rfa"
    assert status(result, "two-positive-mbbs") == "pass"
    assert result.verdict == "covered"
    assert result.kx is False
    assert result.result.claim_text() == "64635-50"


def test_it_does_not_count_ia_blocks_toward_an_rfa():
    result = check(
        {"date": "2026-04-01", "procedure": "rfa"},
        [block("2026-02-01", 90, procedure="ia"), block("2026-02-20", 90, procedure="ia")],
    )
    assert result.kind == "initial-rfa"
    assert status(result, "two-positive-mbbs") == "fail"
    assert result.verdict == "not-covered"


def test_it_needs_two_positive_mbbs_at_every_joint_of_the_rfa():
    result = check(
        {"date": "2026-04-01", "procedure": "rfa", "joints": "L4-L5:B,L5-S1:B"},
        [block("2026-02-01", 90), block("2026-02-20", 90)],
    )
    assert status(result, "two-positive-mbbs") == "fail"
    assert "L5-S1" in result.criterion("two-positive-mbbs").message


@pytest.mark.parametrize(
    ("relief", "months", "expected"),
    [(50, 6, "pass"), (90, 5, "fail"), (40, 12, "fail"), (70, None, "unknown")],
)
def test_it_needs_50_percent_for_6_months_before_a_repeat_rfa(relief, months, expected):
    history = [block("2024-01-05", 90), block("2024-01-26", 90)]
    history.append(block("2025-01-10", relief, procedure="rfa", relief_months=months))
    result = check({"date": "2026-02-01", "procedure": "rfa"}, history)
    assert result.kind == "repeat-rfa"
    assert status(result, "repeat-rfa-relief") == expected


def test_it_refuses_a_block_at_the_level_of_a_successful_rfa():
    history = [block("2025-01-05", 90), block("2025-01-26", 90)]
    history.append(block("2025-03-01", 70, procedure="rfa", relief_months=8))
    result = check({"date": "2026-02-01", "intent": "diagnostic"}, history)
    assert result.kind == "first-diagnostic"  # blocks before the RFA no longer count
    assert status(result, "no-diagnostic-after-rfa") == "fail"
    assert result.verdict == "not-covered"
    assert result.earliest_date is None


def test_it_allows_diagnostics_again_two_years_after_the_last_rfa():
    history = [block("2023-01-05", 90), block("2023-01-26", 90)]
    history.append(block("2024-03-01", 70, procedure="rfa", relief_months=8))
    result = check({"date": "2026-03-01"}, history)
    assert status(result, "no-diagnostic-after-rfa") == "pass"
    assert result.verdict == "covered"


def test_it_needs_documentation_when_the_earlier_rfas_relief_is_unknown():
    history = [block("2025-01-05", 90), block("2025-01-26", 90)]
    history.append(block("2025-03-01", None, procedure="rfa"))
    result = check({"date": "2026-02-01"}, history)
    assert status(result, "no-diagnostic-after-rfa") == "unknown"


# --- Session rules: guidance, region, levels -----------------------------------------------


@pytest.mark.parametrize(("guidance", "expected"), [("ct", "pass"), ("ultrasound", "fail")])
def test_it_needs_fluoroscopy_or_ct(guidance, expected):
    result = check({"date": "2026-03-02", "guidance": guidance})
    assert status(result, "guidance") == expected


def test_it_refuses_a_session_without_imaging():
    result = check({"date": "2026-03-02", "guidance": "none"})
    assert status(result, "guidance") == "fail"
    assert result.result.lines == ()


def test_it_refuses_three_levels_in_a_session():
    result = check({"date": "2026-03-02", "joints": "L3-L4:L,L4-L5:L,L5-S1:L"})
    assert status(result, "two-levels") == "fail"


def test_it_refuses_two_regions_in_a_session():
    result = check({"date": "2026-03-02", "joints": "C5-C6:B,L4-L5:B"})
    assert status(result, "one-region") == "fail"
    assert {count.region for count in result.counts} == {"cervical", "lumbar"}


def test_it_counts_t12_l1_with_l1_l2_as_one_lumbar_session_for_cgs():
    result = check({"date": "2026-03-02", "joints": "T12-L1:B,L1-L2:B"}, mac="cgs")
    assert status(result, "one-region") == "pass"
    assert [count.region for count in result.counts] == ["lumbar"]


def test_it_leaves_t12_l1_with_l1_l2_unsettled_without_a_mac_that_publishes_the_rule():
    result = check({"date": "2026-03-02", "joints": "T12-L1:B,L1-L2:B"}, mac="palmetto")
    assert status(result, "one-region") == "unknown"
    assert result.verdict == "needs-documentation"


def test_it_reads_nerves_as_joints():
    result = check({"date": "2026-03-02", "joints": None, "nerves": "L3:B,L4:B,L5:B"})
    assert result.session.joints == ("L4-L5", "L5-S1")
    assert result.result.claim_text() == "64493-50-KX, 64494-50-KX"


def test_it_lists_the_lcds_documentation_items():
    result = check({"date": "2026-03-02", "procedure": "ia"})
    text = " ".join(result.documentation)
    assert "medial branch block is impossible" in text
    assert "fibromyalgia" in text
    assert "same scale" in text


# --- Commercial payers and other -----------------------------------------------------------------


def test_it_applies_aetnas_80_percent_rule_at_its_confidence():
    result = check({"date": "2026-04-01"}, [block("2026-03-01", 70)], payer="aetna")
    criterion = result.criterion("second-diagnostic-relief")
    assert criterion.status == "fail"
    assert criterion.confidence == "L"
    assert criterion.sources == ("aetna-cpb-0016",)
    assert result.kx is False


def test_it_applies_no_medicare_rule_to_aetna():
    result = check({"date": "2026-03-14"}, [block("2026-03-01", 90)], payer="aetna")
    assert ids(result) == {"three-levels", "second-diagnostic-relief"}
    assert result.verdict == "covered"
    assert any(warning.id == "history-payer-rules-partial" for warning in result.warnings)


def test_it_refuses_a_therapeutic_injection_under_aetna():
    result = check(
        {"date": "2026-06-01"}, [block("2026-01-05", 90), block("2026-02-02", 90)], payer="aetna"
    )
    assert status(result, "therapeutic-coverage") == "fail"
    assert "two-positive-diagnostics" not in ids(result)


def test_it_limits_anthem_to_four_diagnostic_mbb_sessions():
    result = check({"date": "2026-03-02", "joints": "L5-S1:B"}, FOUR_LUMBAR_FIRSTS, payer="bcbs")
    assert status(result, "diagnostic-limit") == "fail"
    assert result.criterion("diagnostic-limit").sources == ("anthem-2023",)
    assert result.earliest_date == date(2026, 3, 3)


def test_it_does_not_count_ia_sessions_toward_anthems_mbb_limit():
    history = [{**entry, "procedure": "ia"} for entry in FOUR_LUMBAR_FIRSTS]
    result = check({"date": "2026-03-02", "joints": "L5-S1:B"}, history, payer="bcbs")
    assert status(result, "diagnostic-limit") == "pass"


def test_it_applies_no_rules_for_cigna_and_says_so():
    result = check({"date": "2026-03-02", "guidance": "ultrasound"}, payer="cigna")
    assert result.criteria == ()
    assert result.verdict == "needs-documentation"
    assert [w.id for w in result.warnings if w.id.startswith("history-")] == [
        "history-payer-rules-partial"
    ]


def test_it_applies_no_rules_for_another_payer():
    result = check({"date": "2026-03-02", "joints": "L5-S1:B"}, FOUR_LUMBAR_FIRSTS, payer="other")
    assert result.criteria == ()
    assert result.kind == "first-diagnostic"
    assert any(warning.id == "history-no-payer-rules" for warning in result.warnings)


def test_it_refuses_ultrasound_under_uhc():
    result = check({"date": "2026-03-02", "guidance": "ultrasound"}, payer="uhc")
    assert status(result, "guidance") == "fail"
    assert result.criterion("guidance").confidence == "L"


# --- Reading the input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": "2026-02-30"}, "does not exist"),
        ({"date": "2026-3-2"}, "not an ISO date"),
        ({"date": "1999-12-31"}, "before 2000"),
        ({"date": None}, "'date' is required"),
        ({"joints": "L3-L5:B"}, "not adjacent"),
        ({"joints": "L4-L5"}, "no side"),
        ({"joints": "L4-L5:B", "nerves": "L3:B"}, "not both"),
        ({"joints": ""}, "not neither"),
        ({"nerves": "L3:B", "joints": None}, "complete no facet joint"),
        ({"procedure": "cryo"}, "Unknown procedure"),
        ({"intent": 3}, "'intent' must be a string"),
        ({"relief": 50}, "unknown field"),
    ],
)
def test_it_refuses_a_bad_session(fields, message):
    with pytest.raises(InvalidInput, match=message):
        read_session({"date": "2026-03-02", "procedure": "mbb", "joints": "L4-L5:B", **fields})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"relief": 140}, "between 0 and 100"),
        ({"relief": -1}, "between 0 and 100"),
        ({"relief": True}, "must be a number"),
        ({"relief": "lots"}, "must be a number"),
        ({"relief_months": 1000}, "between 0 and 600"),
        ({"date": "2026-12-01"}, "in the future"),
        ({"date": "2026-03-02"}, "not before the session"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_it_refuses_a_bad_history_entry(fields, message):
    session = read_session({"date": "2026-03-02", "procedure": "mbb", "joints": "L4-L5:B"})
    with pytest.raises(InvalidInput, match=f"history entry 1: .*{message}"):
        read_history([block("2026-01-05", **fields)], session, TODAY)


def test_it_refuses_more_than_100_history_entries():
    session = read_session({"date": "2026-03-02", "procedure": "mbb", "joints": "L4-L5:B"})
    with pytest.raises(InvalidInput, match="at most 100"):
        read_history([block("2026-01-05")] * 101, session, TODAY)
    assert len(read_history([block("2026-01-05")] * 100, session, TODAY)) == 100


def test_it_cites_only_sources_in_the_reference():
    path = Path(__file__).resolve().parents[2] / "codes" / "data" / "sources.toml"
    keys = {source["key"] for source in tomllib.loads(path.read_text("utf-8"))["source"]}
    assert set(HISTORY_SOURCE_KEYS) <= keys
