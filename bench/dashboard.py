"""The trainer dashboard's poll as the answers grow: its time, size and queries at 100, 1,000
and 10,000 answers, through Django's test client (no server, no network).

Three training sessions of 100 trainees on one quiz of 100 questions; their trainees have
answered 1, 10 and all 100 questions each (every question is answered in each), so only the
number of answers differs. Each answer is counted in the dashboard's tallies as Attempt.answer
counts it (tally_answer, in the transaction that stores it). The polls go round the three
sessions in turn, so a change in the machine's speed during the run falls on all three alike.
The poll is the htmx fragment the dashboard fetches every few seconds; it reads the tallies,
never the answers. Its database is a throwaway SQLite file (or DATABASE_URL when set).

CPU ms is this process's own time (SQLite runs inside it): on a machine shared with other work it
varies less than the elapsed time.

Run: .venv/bin/python bench/dashboard.py [--polls 20]
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINEES = 100
QUESTIONS = 100
SIZES = (100, 1_000, 10_000)


def setup(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facetsite.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(directory) / 'dashboard.sqlite3'}")
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # the test client's host is allowed
    call_command("migrate", verbosity=0)


def fill(session, questions, per_trainee: int, attempts: list) -> None:
    """Answers up to `per_trainee` per trainee: right, partly right or wrong, with tags,
    stored and counted in the tallies in one transaction. Trainee n starts at question n, so
    every question has answers (and a list of wrong ones to show) at every size: only their
    number grows."""
    from django.db import transaction

    from quiz.models import Answer, tally_answer

    rows = []
    for number, attempt in enumerate(attempts):
        done = set(attempt.answers.values_list("question_id", flat=True))
        for step in range(per_trainee):
            position = (number + step) % len(questions) + 1
            question = questions[position - 1]
            if question.pk in done:
                continue
            kind = (number + position) % 3
            rows.append(
                Answer(
                    attempt=attempt,
                    question=question,
                    position=position,
                    response=["Right", "Half", f"Wrong {number % 7}"][kind],
                    expected="Right",
                    score=[1.0, 0.5, 0.0][kind],
                    correct=kind == 0,
                    tags=[[], ["kx"], ["third-level", "modifier-50"]][kind],
                )
            )
    with transaction.atomic():
        Answer.objects.bulk_create(rows, batch_size=1000)
        for answer in rows:
            tally_answer(answer, session.pk)


def measure(polls: int) -> list[str]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from quiz.models import Answer, Attempt, Question, Quiz, QuizQuestion, TrainingSession

    trainer = User.objects.create(username=f"bench-trainer-{secrets.token_hex(4)}")
    trainer.is_superuser = True
    trainer.save()
    quiz = Quiz.objects.create(slug=f"bench-{secrets.token_hex(4)}", title="Bench")
    questions = []
    for number in range(QUESTIONS):
        question = Question.objects.create(
            key=f"{quiz.slug}-{number}",
            kind="single",
            scenario=f"Scenario {number}.",
            prompt=f"Prompt {number}?",
            explanation="Because.",
        )
        QuizQuestion.objects.create(quiz=quiz, question=question, position=number)
        questions.append(question)
    urls = {}
    for size in SIZES:
        session = TrainingSession.create(quiz=quiz, trainer=trainer)
        session.set_status(TrainingSession.Status.OPEN)
        attempts = [
            Attempt.start(
                quiz,
                mode="practice",
                owner_token=f"t{size}-{n}",
                training_session=session,
                display_name=f"T{n}",
            )
            for n in range(TRAINEES)
        ]
        fill(session, questions, size // TRAINEES, attempts)
        assert session.answers().count() == size
        urls[size] = f"/quiz/sessions/{session.pk}/"
    client = Client()
    client.force_login(trainer)

    def poll(size: int):
        return client.get(urls[size], headers={"HX-Request": "true"}, secure=True)

    times, cpu, seen = ({size: [] for size in SIZES} for _ in range(3))
    for size in SIZES:
        poll(size)  # warm up
    for _ in range(polls):
        for size in SIZES:
            with CaptureQueriesContext(connection) as queries:
                started, used = time.perf_counter(), time.process_time()
                response = poll(size)
                times[size].append((time.perf_counter() - started) * 1000)
                cpu[size].append((time.process_time() - used) * 1000)
            assert response.status_code == 200, response.status_code
            seen[size] = (len(response.content), queries.captured_queries)
    lines = [
        f"## The dashboard's poll as the answers grow ({TRAINEES} trainees, {QUESTIONS} "
        f"questions; {polls} polls at each size, taken in turn)",
        "",
        "| answers | bytes | median ms | p95 ms | CPU ms (median) | queries "
        "| queries reading the answers |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    medians = []
    for size in SIZES:
        ordered = sorted(times[size])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        length, queries = seen[size]
        reading = sum(Answer._meta.db_table in q["sql"] for q in queries)
        medians.append(statistics.median(ordered))
        lines.append(
            f"| {size:,} | {length:,} | {medians[-1]:.1f} | {p95:.1f} | "
            f"{statistics.median(cpu[size]):.1f} | {len(queries)} | {reading} |"
        )
    lines += [
        "",
        f"A poll at {SIZES[-1]:,} answers costs {medians[-1] / medians[0]:.2f}× one at "
        f"{SIZES[0]:,} (the medians).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polls", type=int, default=20, help="polls per size (default 20)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="facetcoder-dashboard-") as directory:
        setup(directory)
        print("\n".join(measure(options.polls)))


if __name__ == "__main__":
    main()
