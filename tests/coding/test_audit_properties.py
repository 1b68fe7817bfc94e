"""Any claim the engine writes for a valid scenario audits without error for that scenario and
payer (warnings allowed), and the auditor's answer is always well formed."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from coding.engine import (
    CLAIM_TYPES,
    GUIDANCES,
    INTENTS,
    JOINTS,
    MACS,
    NERVES,
    PAYERS,
    PROBLEM_IDS,
    PROCEDURES,
    SIDES,
    Payer,
    audit_claim,
    code_claim,
    read_coverage,
)
from coding.engine.audit import AUDIT_SOURCE_KEYS

FAST = settings(max_examples=300, deadline=None)


def entries(names):
    return st.lists(
        st.tuples(st.sampled_from(names), st.sampled_from(SIDES)), min_size=1, max_size=8
    ).map(lambda pairs: ", ".join(f"{name}:{side}" for name, side in pairs))


scenarios = st.fixed_dictionaries(
    {
        "procedure": st.sampled_from(PROCEDURES),
        "guidance": st.sampled_from(GUIDANCES),
        "intent": st.sampled_from(("", *INTENTS)),
    }
).flatmap(
    lambda options: st.one_of(
        entries(JOINTS).map(lambda joints: {**options, "joints": joints}),
        entries(NERVES).map(lambda nerves: {**options, "nerves": nerves}),
    )
)
coverages = st.sampled_from(PAYERS).flatmap(
    lambda payer: st.fixed_dictionaries(
        {
            "payer": st.just(payer.value),
            "claim_type": st.sampled_from(["", *CLAIM_TYPES]),
            "mac": st.sampled_from(["", *MACS]) if payer == Payer.MEDICARE else st.just(""),
        }
    )
)


def engine_claim(scenario, coverage):
    arguments = {key: value for key, value in scenario.items() if value}
    return code_claim(**arguments, coverage=coverage)


@FAST
@given(scenarios, coverages)
@example(
    {"procedure": "rfa", "guidance": "fluoroscopy", "intent": "", "joints": "L4-L5:L, L5-S1:B"},
    {"payer": "medicare", "claim_type": "", "mac": ""},
)
@example(
    {"procedure": "injection", "guidance": "ct", "intent": "diagnostic",
     "joints": "T12-L1:B, L1-L2:B, L2-L3:R"},
    {"payer": "medicare", "claim_type": "", "mac": "cgs"},
)  # fmt: skip
@example(
    {
        "procedure": "injection",
        "guidance": "fluoroscopy",
        "intent": "diagnostic",
        "joints": "L3-L4:L, L4-L5:B, L5-S1:R",
    },
    {"payer": "medicare", "claim_type": "asc", "mac": ""},
)
@example(
    {"procedure": "rfa", "guidance": "fluoroscopy", "intent": "",
     "joints": "L2-L3:R, L3-L4:B, L4-L5:L, L5-S1:B"},
    {"payer": "aetna", "claim_type": "", "mac": ""},
)  # fmt: skip
def test_the_engines_claim_audits_without_error(scenario, payer):
    coverage = read_coverage(**payer)
    result = engine_claim(scenario, coverage)
    if not result.lines:
        return
    text = result.claim_text()
    audit = audit_claim(text, coverage, scenario)
    errors = [(p.id, p.message) for p in audit.all_problems if p.severity == "error"]
    assert errors == [], f"{text} for {scenario} ({payer})"
    assert audit.corrected is not None
    # Without the scenario the claim is still free of errors.
    alone = audit_claim(text, coverage)
    errors = [(p.id, p.message) for p in alone.all_problems if p.severity == "error"]
    assert errors == [], f"{text} without its scenario ({payer})"


claims = st.lists(
    st.tuples(
        st.sampled_from(
            ["64490", "64491", "64492", "64493", "64494", "64495", "0213T", "0216T", "0217T",
             "64633", "64634", "64635", "64636", "77003", "77012", "20552", "64451", "99213",
             "64439", "6449"]
        ),
        st.lists(st.sampled_from(["50", "RT", "LT", "KX", "51", "59"]), max_size=3, unique=True),
        st.integers(min_value=1, max_value=4),
    ),
    min_size=1,
    max_size=10,
).map(lambda lines: ", ".join(
    "-".join((code, *mods)) + (f" x{units}" if units > 1 else "") for code, mods, units in lines
))  # fmt: skip


@FAST
@given(claims, coverages)
def test_any_claim_gets_a_well_formed_answer(text, payer):
    coverage = read_coverage(**payer)
    audit = audit_claim(text, coverage)
    assert audit.verdict in ("clean", "warnings", "errors")
    for problem in audit.all_problems:
        assert problem.id in PROBLEM_IDS and problem.message
        assert set(problem.sources) <= set(AUDIT_SOURCE_KEYS)
    for line in audit.lines:
        assert line.status in ("ok", "error", "warning", "not-audited")
    if audit.corrected is not None:
        # The correction itself audits without error.
        assert audit_claim(audit.corrected, coverage).verdict != "errors"
