"""The trainer dashboard's poll costs the same however many answers the session holds: it reads
the running tallies (tests/quiz/test_tallies.py), never the answers. Its queries are counted
exactly, and none of them may touch the answers' table."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quiz.models import Answer, Attempt
from tests.quiz.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
ANSWERS_TABLE = Answer._meta.db_table


def answer_all(session, name: str, claim_question, single_question, multiple_question) -> None:
    """A new trainee answers every question of the session's quiz, each wrong in its own way."""
    client = Client()
    url = join(client, session, name)
    order = Attempt.objects.get(pk=url.split("/")[3]).question_ids
    forms = {
        claim_question.pk: {"claim": f"6449{len(name) % 3}"},
        single_question.pk: {"option": single_question.options.get(text="+64492").pk},
        multiple_question.pk: {"option": [multiple_question.options.get(text="Ablation").pk]},
    }
    for number, question_id in enumerate(order, start=1):
        assert client.post(f"{url}{number}/", forms[question_id]).status_code == 302


def poll(trainer, session, django_assert_num_queries) -> str:
    with CaptureQueriesContext(connection) as seen, django_assert_num_queries(7):
        # 1 the trainer's session; 2 the user; 3 the training session with its quiz; 4 the
        # participants with their tallies; 5 the questions' tallies, with their commonest wrong
        # answers; 6 the quiz's questions; 7 the misconceptions' tallies.
        response = trainer.get(f"/quiz/sessions/{session.pk}/", headers=HTMX)
    assert response.status_code == 200
    assert not [q["sql"] for q in seen.captured_queries if ANSWERS_TABLE in q["sql"]]
    return response.content.decode()


def test_a_poll_reads_no_answer_and_costs_the_same_at_3_and_60_answers(
    trainer,
    training_session,
    claim_question,
    single_question,
    multiple_question,
    django_assert_num_queries,
):
    questions = (claim_question, single_question, multiple_question)
    answer_all(training_session, "Trainee 0", *questions)
    assert Answer.objects.count() == 3
    small = poll(trainer, training_session, django_assert_num_queries)
    assert "Participants (1)" in small
    for count in range(1, 20):
        answer_all(training_session, f"Trainee {count}", *questions)
    assert Answer.objects.count() == 60
    big = poll(trainer, training_session, django_assert_num_queries)
    assert "Participants (20)" in big
    assert "<li>+64492 (20)</li>" in big
    # Nineteen more participant rows; the rest of the fragment is bounded.
    assert len(big) < len(small) + 19 * 1000


def test_a_poll_with_nobody_yet_costs_the_same(
    trainer, training_session, django_assert_num_queries
):
    assert "Nobody has joined yet." in poll(trainer, training_session, django_assert_num_queries)


@pytest.mark.django_db
def test_the_dashboard_numbers_questions_as_the_sessions_trainees_see_them(
    claim_question, single_question, multiple_question, django_user_model
):
    from quiz.models import SessionReport, TrainingSession
    from tests.quiz.conftest import make_quiz

    questions = [claim_question, single_question, multiple_question]
    quiz = make_quiz("shuffled", questions, shuffle=True)
    trainer = django_user_model.objects.create(username="tess")
    for title in ("Monday", "Tuesday", "Wednesday", "Thursday"):
        session = TrainingSession.create(quiz=quiz, trainer=trainer, title=title)
        report = SessionReport.build(session)
        # Question n on the dashboard is question n for every trainee of this session.
        assert [row.question.pk for row in report.questions] == session.question_order()


def test_a_poll_shows_each_participants_name_link_and_figures(
    trainer,
    training_session,
    claim_question,
    single_question,
    multiple_question,
    django_assert_num_queries,
):
    from tests.quiz.test_sessions import participant_rows

    questions = (claim_question, single_question, multiple_question)
    answer_all(training_session, "Ana", *questions)
    answer_all(training_session, "<b>Ben & co</b>", *questions)
    join(Client(), training_session, "Cy")  # joined, has not answered yet
    page = poll(trainer, training_session, django_assert_num_queries)
    assert "Participants (3)" in page
    # Ana and Ben answer every question wrong (claim 64490, +64492, Ablation alone): 0 of 3
    # right, 0%, finished and not passed. Cy has answered nothing: 0% so far.
    assert participant_rows(page) == [
        [
            "Ana",
            "3 of 3 3 of 3",
            "0 of 3 answered right; 0 of 3 questions",
            "0% (not passed)",
            "0",
        ],
        [
            "<b>Ben & co</b>",
            "3 of 3 3 of 3",
            "0 of 3 answered right; 0 of 3 questions",
            "0% (not passed)",
            "0",
        ],
        ["Cy", "0 of 3 0 of 3", "0 of 0 answered right; 0 of 3 questions", "0% so far", "0"],
    ]
    ana, ben, cy = training_session.attempts.order_by("started_at")
    base = f"/quiz/sessions/{training_session.pk}/trainees"
    assert f'<a href="{base}/{ana.pk}/">Ana</a>' in page
    # A name is shown as typed, never as markup.
    assert f'<a href="{base}/{ben.pk}/">&lt;b&gt;Ben &amp; co&lt;/b&gt;</a>' in page
    assert "<b>Ben" not in page
    assert '<progress max="3" value="0" aria-label="Cy: answered">0 of 3</progress>' in page
