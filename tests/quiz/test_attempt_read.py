"""Attempt.with_session(): the attempt and its training session, read in one query of plain SQL
on every question page and answer. What it gives must be what the ORM gives, on both databases:
the JSON list of questions, times with their zone, UUIDs, and no session when there is none."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from quiz.models import Attempt, TrainingSession
from tests.quiz.conftest import join

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_an_attempt_of_a_training_session_reads_as_the_orm_reads_it(
    training_session, django_assert_num_queries
):
    question_ids = training_session.quiz.question_ids()
    training_session.reveal(question_ids[1])
    trainee = Client()
    attempt_id = join(trainee, training_session, "Ana").split("/")[3]
    Attempt.objects.filter(pk=attempt_id).update(started_at=STARTED, time_limit=25)

    with django_assert_num_queries(1):
        attempt = Attempt.with_session(attempt_id)
        session = attempt.training_session  # joined: no second query
        assert session.status == TrainingSession.Status.OPEN
        assert session.title == "Tuesday group"

    assert attempt.started_at == STARTED  # a time with its zone, not text
    assert attempt.time_limit == 25
    assert attempt.display_name == "Ana"
    assert sorted(attempt.question_ids) == sorted(question_ids)  # a list, not JSON text
    assert session.revealed == [question_ids[1]]
    assert session.opened_at is not None and session.opened_at.tzinfo is not None
    assert session.closed_at is None
    assert fields(attempt) == fields(Attempt.objects.get(pk=attempt_id))
    assert fields(session) == fields(TrainingSession.objects.get(pk=training_session.pk))
    assert attempt.owner_token  # the trainee's, who has not signed in
    assert attempt.answered_when_read == frozenset()


def test_it_reads_the_questions_answered_with_the_attempt(anonymous, quiz, claim_question):
    response = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    attempt_id = response["Location"].split("/")[3]
    single, multiple = quiz.question_ids()[1:]
    anonymous.post(f"/quiz/attempts/{attempt_id}/1/", {"claim": "64493-50"})
    assert Attempt.with_session(attempt_id).answered_when_read == {claim_question.pk}
    anonymous.post(f"/quiz/attempts/{attempt_id}/2/", {"option": "0"})  # refused: not stored
    assert Attempt.with_session(attempt_id).answered_when_read == {claim_question.pk}
    option = Attempt.objects.get(pk=attempt_id).quiz.questions.get(pk=single).options.first()
    anonymous.post(f"/quiz/attempts/{attempt_id}/2/", {"option": option.pk})
    assert Attempt.with_session(attempt_id).answered_when_read == {claim_question.pk, single}
    assert multiple not in Attempt.with_session(attempt_id).answered_when_read


def test_an_attempt_without_a_session(anonymous, quiz, django_assert_num_queries):
    response = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "exam"})
    attempt_id = response["Location"].split("/")[3]
    with django_assert_num_queries(1):
        attempt = Attempt.with_session(attempt_id)
        assert attempt.training_session is None
    assert attempt.mode == "exam"
    assert attempt.question_ids == quiz.question_ids()  # not shuffled: the quiz's order
    assert fields(attempt) == fields(Attempt.objects.get(pk=attempt_id))


def test_no_such_attempt(db):
    assert Attempt.with_session("00000000-0000-4000-8000-000000000000") is None


def test_it_reads_the_content_revision_with_the_attempt(anonymous, quiz):
    """The revision read with the attempt is the one a query of its own reads: the page keeps
    its quiz and questions under it, so an edit shows at once."""
    from codes.models import Revision

    response = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    attempt_id = response["Location"].split("/")[3]
    before = Attempt.with_session(attempt_id).revision_when_read
    assert before == Revision.tag() != "0"
    Revision.bump()
    after = Attempt.with_session(attempt_id).revision_when_read
    assert after == Revision.tag() and after.split(".")[0] == str(int(before.split(".")[0]) + 1)
    Revision.objects.all().delete()  # a database with no revision yet
    assert Attempt.with_session(attempt_id).revision_when_read == Revision.tag() == "0"
