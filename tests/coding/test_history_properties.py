"""Invariants of the history check over random valid histories: it never crashes, and what it
counts never exceeds what the history holds."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.engine import (
    HISTORY_PROCEDURES,
    JOINTS,
    KINDS,
    PAYERS,
    check_session,
    read_coverage,
    read_history,
    read_session,
)
from coding.engine.history import CRITERION_IDS, HISTORY_SOURCE_KEYS, window_start

FAST = settings(max_examples=150, deadline=None)
SESSION_DAY = date(2026, 3, 2)
TODAY = date(2026, 11, 30)

joints = st.lists(
    st.tuples(st.sampled_from(JOINTS), st.sampled_from("LRB")), min_size=1, max_size=4
).map(lambda pairs: ",".join(f"{joint}:{side}" for joint, side in pairs))
relief = st.one_of(st.none(), st.integers(0, 100), st.floats(0, 100, allow_nan=False))
entries = st.fixed_dictionaries(
    {
        # Up to three years back, so some entries fall outside the 12-month window.
        "date": st.integers(1, 3 * 366).map(lambda days: SESSION_DAY - timedelta(days=days)),
        "procedure": st.sampled_from(HISTORY_PROCEDURES),
        "joints": joints,
    },
    optional={
        "relief": relief,
        "relief_months": st.one_of(st.none(), st.integers(0, 36)),
        "intent": st.sampled_from(("diagnostic", "therapeutic")),
    },
).map(lambda entry: {**entry, "date": entry["date"].isoformat()})
sessions = st.fixed_dictionaries(
    {
        "date": st.just(SESSION_DAY.isoformat()),
        "procedure": st.sampled_from(HISTORY_PROCEDURES),
        "joints": joints,
    },
    optional={
        "guidance": st.sampled_from(("fluoroscopy", "ct", "ultrasound", "none")),
        "intent": st.sampled_from(("diagnostic", "therapeutic")),
    },
)


def run(session: dict, history: list[dict], payer: str = "medicare"):
    read = read_session(session)
    return check_session(read, read_history(history, read, TODAY), read_coverage(payer=payer))


@FAST
@given(sessions, st.lists(entries, max_size=30), st.sampled_from(PAYERS))
def test_it_never_crashes_and_answers_in_its_vocabulary(session, history, payer):
    result = run(session, history, payer)
    answer = result.as_dict()
    assert answer["kind"] in KINDS
    assert answer["verdict"] in ("covered", "not-covered", "needs-documentation")
    for criterion in answer["criteria"]:
        assert criterion["id"] in CRITERION_IDS
        assert criterion["status"] in ("pass", "fail", "unknown")
        assert set(criterion["sources"]) <= set(HISTORY_SOURCE_KEYS)
    if any(criterion["status"] == "fail" for criterion in answer["criteria"]):
        assert answer["verdict"] == "not-covered"
    if answer["earliest_date"] is not None:
        assert answer["earliest_date"] >= session["date"]
    if payer != "medicare":
        assert answer["kx"] is False


@FAST
@given(sessions, st.lists(entries, max_size=30))
def test_counts_never_exceed_what_the_history_holds(session, history):
    result = run(session, history)
    since = window_start(SESSION_DAY)
    inside = [entry for entry in history if entry["date"] >= since.isoformat()]
    for count in result.counts:
        total = count.diagnostic + count.therapeutic + count.rfa
        # Each session counts at most once per region, the checked one included.
        assert total <= len(inside) + 1
        assert count.rfa <= sum(entry["procedure"] == "rfa" for entry in inside) + 1
        assert count.diagnostic + count.therapeutic <= (
            sum(entry["procedure"] != "rfa" for entry in inside) + 1
        )
    assert sum(entry.counted for entry in result.history) == len(inside)


@FAST
@given(sessions, st.lists(entries, max_size=30))
def test_the_earliest_date_meets_the_limits_it_waited_for(session, history):
    """Checked again on its earliest date, the session passes every criterion waiting fixes."""
    first = run(session, history)
    if first.earliest_date is None or first.earliest_date == SESSION_DAY:
        return
    moved = {**session, "date": first.earliest_date.isoformat()}
    later = check_session(
        read_session(moved),
        read_history(history, read_session(moved), TODAY),
        read_coverage(),
    )
    waiting = ("second-diagnostic-interval", "diagnostic-limit", "therapeutic-limit", "rfa-limit")
    assert all(c.status != "fail" for c in later.criteria if c.id in waiting)
