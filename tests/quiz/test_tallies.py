"""The dashboard's running tallies: every answer given in a training session adds itself to its
participant's, its question's, its wrong answer's and its misconceptions' tallies, in the
transaction that stores it, once, whatever the clicks. Expected figures are counted by hand
from the answers each test gives.

Answers go to a question by its place in the trainee's own attempt, so the tests hold however
the attempt orders its questions.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quiz.models import (
    Answer,
    Attempt,
    ParticipantTally,
    QuestionTally,
    TagTally,
    TrainingSession,
    WrongAnswerTally,
)
from tests.quiz.conftest import join, make_question, make_quiz
from tests.quiz.test_double_click import CLICKS, at_once, committing, on_postgresql

pytestmark = pytest.mark.django_db


def trainee(session: TrainingSession, name: str) -> Client:
    client = Client()
    client.attempt_url = join(client, session, name)
    return client


def attempt_of(client: Client) -> Attempt:
    return Attempt.objects.get(pk=client.attempt_url.split("/")[3])


def number_of(client: Client, question) -> int:
    return attempt_of(client).question_ids.index(question.pk) + 1


def answer(client: Client, question, **data):
    response = client.post(f"{client.attempt_url}{number_of(client, question)}/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def option(question, text: str) -> int:
    return question.options.get(text=text).pk


def participant(client: Client) -> tuple:
    tally = ParticipantTally.objects.get(attempt=attempt_of(client))
    return tally.answered, round(tally.points, 4), tally.correct, tally.late


def question_tally(session, question) -> tuple:
    tally = QuestionTally.objects.get(session=session, question=question)
    return tally.answered, tally.correct, tally.partial, tally.wrong_answers


@pytest.fixture
def choice_session(trainer, single_question, multiple_question) -> TrainingSession:
    """Two choice questions, whose misconceptions are their options' tags."""
    quiz = make_quiz("t-choices", [single_question, multiple_question])
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    session.set_status(TrainingSession.Status.OPEN)
    return session


def test_it_counts_each_answer_for_its_participant_question_and_misconceptions(
    choice_session, single_question, multiple_question
):
    ana, ben, cal = (trainee(choice_session, name) for name in ("Ana", "Ben", "Cal"))
    answer(ana, single_question, option=option(single_question, "+64494 again"))
    answer(ana, multiple_question, option=[option(multiple_question, "Diagnostic block")])
    answer(ben, single_question, option=option(single_question, "+64494 again"))
    answer(cal, single_question, option=option(single_question, "+64492"))
    answer(cal, multiple_question, option=[option(multiple_question, "Diagnostic block")])

    # (answered, points, right, late): the multiple-choice answer earns half its credit.
    assert [participant(c) for c in (ana, ben, cal)] == [
        (2, 0.5, 0, 0),
        (1, 0, 0, 0),
        (2, 0.5, 0, 0),
    ]
    # (answered, right, partly right, commonest wrong answers)
    assert question_tally(choice_session, single_question) == (
        3,
        0,
        0,
        [["+64494 again", 2], ["+64492", 1]],
    )
    assert question_tally(choice_session, multiple_question) == (
        2,
        0,
        2,
        [["Diagnostic block", 2]],
    )
    # The wrong options' misconceptions; a right option left out shows the question's (kx).
    first = {
        "third-level": number_of(ana, single_question),
        "wrong-region": number_of(cal, single_question),
        "kx": number_of(ana, multiple_question),
    }
    assert {
        (t.tag, t.count, t.first_position) for t in TagTally.objects.filter(session=choice_session)
    } == {
        ("third-level", 2, first["third-level"]),
        ("wrong-region", 1, first["wrong-region"]),
        ("kx", 2, first["kx"]),
    }


def statements(queries) -> list[str]:
    """What each query does, to which table: 'INSERT quiz_answer', 'SAVEPOINT', ..."""
    done = []
    for query in queries:
        verb = query["sql"].split()[0].upper()
        table = re.search(r'(?:INTO|UPDATE|FROM) "(\w+)"', query["sql"])
        done.append(f"{verb} {table.group(1)}" if table else verb)
    return done


def test_an_answer_in_a_session_and_its_tallies_are_stored_in_one_transaction(
    choice_session, single_question
):
    ana = trainee(choice_session, "Ana")
    with CaptureQueriesContext(connection) as seen:
        answer(ana, single_question, option=option(single_question, "+64494 again"))
    done = statements(seen.captured_queries)
    start = done.index("SAVEPOINT")  # the transaction, inside the test's own
    assert done[start : start + 8] == [
        "SAVEPOINT",
        "INSERT quiz_answer",  # skipped if the answer is there already; else it returns its id
        "INSERT quiz_participanttally",  # each an upsert that adds to the row
        "INSERT quiz_questiontally",
        "INSERT quiz_wronganswertally",
        "UPDATE quiz_questiontally",  # the commonest wrong answers, with this one
        "INSERT quiz_tagtally",
        "RELEASE",
    ]
    assert "quiz_participanttally" not in " ".join(done[:start] + done[start + 9 :])


def test_a_right_and_a_partly_right_claim(training_session, claim_question):
    ana, ben = trainee(training_session, "Ana"), trainee(training_session, "Ben")
    answer(ana, claim_question, claim="64493-50-KX, 64494-RT-KX")
    answer(ben, claim_question, claim="64493-50, 64494-RT")
    # Ben's lines earn two thirds of the credit (tests/quiz/test_sessions.py: 22% of three).
    assert participant(ana) == (1, 1.0, 1, 0)
    assert participant(ben) == (1, 0.6667, 0, 0)
    assert question_tally(training_session, claim_question) == (
        2,
        1,
        1,
        [["64493-50, 64494-RT", 1]],
    )


def test_an_answer_sent_again_counts_once(choice_session, single_question):
    ana = trainee(choice_session, "Ana")
    for _ in range(3):
        answer(ana, single_question, option=option(single_question, "+64494 again"))
    assert Answer.objects.filter(attempt=attempt_of(ana)).count() == 1
    assert participant(ana) == (1, 0, 0, 0)
    assert question_tally(choice_session, single_question) == (1, 0, 0, [["+64494 again", 1]])
    assert list(TagTally.objects.values_list("tag", "count")) == [("third-level", 1)]


def test_a_late_answer_counts_as_answered_and_late_only(trainer, timed_quiz, single_question):
    session = TrainingSession.create(quiz=timed_quiz, trainer=trainer.user)
    session.set_status(TrainingSession.Status.OPEN)
    ana = trainee(session, "Ana")
    attempt = attempt_of(ana)
    attempt.started_at -= timedelta(minutes=11)  # the time limit is 10 minutes
    attempt.save()
    answer(ana, single_question, option=option(single_question, "+64494 again"))
    assert participant(ana) == (1, 0, 0, 1)
    assert question_tally(session, single_question) == (1, 0, 0, [])
    assert not WrongAnswerTally.objects.exists()
    assert not TagTally.objects.exists()


def test_a_practice_attempt_outside_a_session_keeps_no_tally(anonymous, quiz, single_question):
    started = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    anonymous.attempt_url = started["Location"].rsplit("/", 2)[0] + "/"
    answer(anonymous, single_question, option=option(single_question, "+64492"))
    assert Answer.objects.count() == 1
    assert not ParticipantTally.objects.exists() and not QuestionTally.objects.exists()


def test_the_commonest_wrong_answers_change_places_as_answers_come_in(
    training_session, claim_question
):
    def given(*claims) -> list:
        for claim in claims:
            answer(
                trainee(training_session, f"T{Answer.objects.count()}"), claim_question, claim=claim
            )
        return question_tally(training_session, claim_question)[3]

    # Three listed; ties in the order of their text, so the fourth waits outside the list.
    assert given("64492", "64491", "64490", "64633") == [["64490", 1], ["64491", 1], ["64492", 1]]
    # It comes in from outside the list once it is given more often.
    assert given("64633", "64633") == [["64633", 3], ["64490", 1], ["64491", 1]]
    assert given("64492", "64492", "64492") == [["64492", 4], ["64633", 3], ["64490", 1]]
    assert WrongAnswerTally.objects.get(response="64491").count == 1
    assert training_session.report().questions[0].wrong_answers == [
        ("64492", 4),
        ("64633", 3),
        ("64490", 1),
    ]


def test_deleting_an_answer_or_an_attempt_takes_it_out_of_the_tallies(
    choice_session, single_question, multiple_question
):
    ana, ben, cal = (trainee(choice_session, name) for name in ("Ana", "Ben", "Cal"))
    answer(ana, single_question, option=option(single_question, "+64494 again"))
    answer(ben, single_question, option=option(single_question, "+64494 again"))
    answer(cal, single_question, option=option(single_question, "+64492"))
    answer(cal, multiple_question, option=[option(multiple_question, "Diagnostic block")])
    assert question_tally(choice_session, single_question)[3] == [
        ["+64494 again", 2],
        ["+64492", 1],
    ]

    # In the back office: one answer, then a whole attempt (its answers go with it).
    Answer.objects.get(attempt=attempt_of(ben)).delete()
    assert participant(ben) == (0, 0, 0, 0)
    assert question_tally(choice_session, single_question) == (
        2,
        0,
        0,
        [["+64492", 1], ["+64494 again", 1]],
    )
    attempt_of(cal).delete()
    assert question_tally(choice_session, single_question) == (1, 0, 0, [["+64494 again", 1]])
    assert question_tally(choice_session, multiple_question) == (0, 0, 0, [])
    assert list(TagTally.objects.values_list("tag", "count")) == [("third-level", 1)]
    report = choice_session.report()
    assert [row.name for row in report.participants] == ["Ana", "Ben"]
    assert [t["tag"] for t in report.missed_tags] == ["third-level"]


# At the same moment, on PostgreSQL ----------------------------------------------------------


@on_postgresql
@committing
def test_answers_sent_at_the_same_moment_are_stored_and_counted_once(committed_question):
    question, session = committed_question
    trainees = [trainee(session, name) for name in ("Ana", "Ben", "Cal")]
    wrong = option(question, "No")
    # Each trainee's answer is sent twice at once (a double click, from a second connection
    # with the same cookies), all six together.
    clients = [client for t in trainees for client in (t, twin(t))]
    assert len(clients) == CLICKS
    sent = iter(range(len(clients)))

    def send():
        client = clients[next(sent)]
        return client.post(f"{client.attempt_url}1/", {"option": wrong}).status_code

    assert at_once(send) == [302] * len(clients)
    assert Answer.objects.filter(attempt__training_session=session).count() == 3
    assert [participant(c) for c in trainees] == [(1, 0, 0, 0)] * 3
    assert question_tally(session, question) == (3, 0, 0, [["No", 3]])
    assert list(TagTally.objects.filter(session=session).values_list("tag", "count")) == [
        ("wrong-region", 3)
    ]


def twin(client: Client) -> Client:
    other = Client()
    other.cookies = client.cookies
    other.attempt_url = client.attempt_url
    return other


@pytest.fixture
def committed_question():
    trainer = User.objects.create(username="trainer")
    question = make_question(
        "t-race-tally", "single", options=[("Yes", True, ""), ("No", False, "wrong-region")]
    )
    session = TrainingSession.create(quiz=make_quiz("t-race-tally", [question]), trainer=trainer)
    session.set_status(TrainingSession.Status.OPEN)
    return question, session
