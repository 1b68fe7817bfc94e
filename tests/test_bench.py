"""`make bench`'s own logic (bench/run.py, bench/load.py), without a server: where the run keeps
its files, and how the training session's figures decide pass or fail."""

import importlib.util
import stat
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    """bench/run.py as a module (it puts bench/ on the path to import bench/load.py beside
    it); the path and the modules are left as they were."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
        sys.modules.pop("load", None)
    return module


@pytest.fixture
def scratch(bench):
    made = []

    def make(*args):
        made.append(bench.scratch_dir(*args))
        return made[-1]

    yield make
    for directory in made:
        directory.rmdir()


def test_it_keeps_the_servers_files_in_a_private_directory_outside_the_checkout(bench, scratch):
    """Issue 19, item 8: run as root from a checkout the `postgres` user cannot enter, a server
    whose files live inside the checkout cannot start."""
    directory = scratch().resolve()
    assert not directory.is_relative_to(ROOT)
    assert directory.is_dir() and not any(directory.iterdir())
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert scratch("facetcoder-bench-pg.").resolve() != directory  # one per use, never shared


def test_it_leaves_the_checkout_even_when_tmpdir_points_into_it(bench, scratch, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(ROOT / "bench"))
    assert not scratch().resolve().is_relative_to(ROOT)


def test_the_sqlite_database_lives_in_the_runs_directory(bench, scratch):
    directory = scratch()
    database = bench.Database("sqlite", directory)
    assert database.url == f"sqlite:///{directory / 'db.sqlite3'}"


def session(bench, **figures):
    outcome = bench.load.SessionOutcome(seconds=60, users=4, trainees=3, questions=10)
    outcome.joined, outcome.participants = 3, 3
    outcome.answers_sent, outcome.answers_stored, outcome.tallied = 12, 12, (12, 12)
    for name, value in figures.items():
        setattr(outcome, name, value)
    return outcome


def test_a_clean_session_passes(bench):
    assert session(bench).failures() == []


@pytest.mark.parametrize(
    ("figures", "problem"),
    [
        ({"answers_stored": 13, "tallied": (13, 13)}, "quiz answers: 12 sent, 13 stored"),
        ({"participants": 4}, "3 joined, 4 participants"),
        ({"tallied": (12, 11)}, "12 answers stored, the dashboard's tallies count 12 and 11"),
    ],
)
def test_a_session_fails_on_an_answer_stored_twice_a_participant_too_many_or_a_tally_off(
    bench, figures, problem
):
    failures = session(bench, **figures).failures()
    assert len(failures) == 1 and problem in failures[0]


def test_answers_within_four_times_healthz_at_p95_meet_the_goal(bench):
    outcome = session(bench)
    outcome.latencies["/healthz"] = [0.010] * 100
    outcome.latencies["answer"] = [0.030] * 95 + [0.041] * 5
    assert outcome.answer_goal() == (0.041, 0.010, False)
    outcome.latencies["answer"] = [0.030] * 95 + [0.040] * 5
    assert outcome.answer_goal()[2] is True
    assert "(goal ≤ 4×: met)" in "\n".join(outcome.report())
