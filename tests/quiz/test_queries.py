"""Every quiz page's database queries, counted exactly, with what each one is.

The question page reads the attempt, its training session and the ids of the questions
answered in one query (Attempt.with_session), and keeps each question, with everything its
page and feedback show, for the content revision (Question.for_page): the first trainee to
reach a question after a change pays five queries for it, everyone after that none. The
dataset in the footer is kept for the revision the same way. Each test starts from an empty
cache, so it counts both.

A trainee who has not signed in has no session: the owner token that marks their attempts is
a signed cookie of its own (quiz/owner.py), so no page of theirs reads a session row.
"""

import pytest
from django.test import Client

from quiz.models import Attempt, TrainingSession
from tests.quiz.conftest import join, signed_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def start(client: Client, quiz, mode: str = "practice") -> Attempt:
    response = client.post(f"/quiz/{quiz.slug}/start", {"mode": mode})
    return Attempt.objects.get(pk=response["Location"].split("/")[3])


def question_url(attempt: Attempt, number: int) -> str:
    return f"/quiz/attempts/{attempt.pk}/{number}/"


def option_id(question, text: str) -> int:
    return question.options.get(text=text).pk


# The question page: what trainees use all at once -------------------------------------------


def test_the_question_page(anonymous, quiz, django_assert_num_queries):
    attempt = start(anonymous, quiz)
    with django_assert_num_queries(8):
        # 1 the attempt with its training session, the ids of the questions answered and the
        # content revision; 2 its quiz (then kept for the revision); 3-7 the question, its
        # options, codes, sources and rules (then kept); 8 the dataset in the footer (then
        # kept too).
        assert anonymous.get(question_url(attempt, 1)).status_code == 200
    with django_assert_num_queries(1):
        # 1 attempt with the answered ids and the revision. Quiz, question and dataset kept.
        assert anonymous.get(question_url(attempt, 1)).status_code == 200
    with django_assert_num_queries(1):
        # The htmx fragment: 1 attempt with the answered ids and the revision.
        assert anonymous.get(question_url(attempt, 1), headers=HTMX).status_code == 200


def test_the_question_page_shows_an_edited_quiz_at_once(anonymous, quiz):
    attempt = start(anonymous, quiz)
    anonymous.get(question_url(attempt, 1))  # the quiz is kept in the cache from here on
    quiz.title = "Counting levels, revised"
    quiz.save()
    assert "Counting levels, revised" in anonymous.get(question_url(attempt, 1)).content.decode()


def test_the_question_page_of_a_signed_in_trainee(quiz, django_assert_num_queries):
    client = signed_in("coder")
    attempt = start(client, quiz)
    client.get(question_url(attempt, 1))
    with django_assert_num_queries(3):
        # 1 attempt with the answered ids and the revision; 2 session; 3 the user (the attempt
        # is theirs).
        assert client.get(question_url(attempt, 1)).status_code == 200


def test_the_answer_post_with_htmx_shows_the_feedback(anonymous, quiz, django_assert_num_queries):
    attempt = start(anonymous, quiz)
    anonymous.get(question_url(attempt, 1))
    with django_assert_num_queries(2):
        # 1 attempt with the answered ids and the revision (the quiz and question are kept);
        # 2 the insert of the answer, which returns its id: nothing is read back.
        response = anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}, headers=HTMX)
    assert "Partly right" in response.content.decode()
    with django_assert_num_queries(2):
        # The feedback again: 1 attempt with the answered ids and the revision; 2 the answer.
        # The explanation, rules, sources and codes are kept with the question.
        assert "Partly right" in anonymous.get(question_url(attempt, 1)).content.decode()


def test_the_answer_post_without_javascript_redirects(
    anonymous, quiz, single_question, django_assert_num_queries
):
    attempt = start(anonymous, quiz)
    anonymous.get(question_url(attempt, 2))
    right = option_id(single_question, "+64495 once")
    with django_assert_num_queries(2):
        # 1 attempt with the answered ids and the revision; 2 insert.
        response = anonymous.post(question_url(attempt, 2), {"option": right})
    assert response.status_code == 302


def test_a_refused_answer_post(anonymous, quiz, django_assert_num_queries):
    attempt = start(anonymous, quiz)
    anonymous.get(question_url(attempt, 1))
    with django_assert_num_queries(1):
        # 1 attempt with the answered ids and the revision: nothing is stored.
        response = anonymous.post(question_url(attempt, 1), {"claim": "64493-5O"})
    assert response.status_code == 400
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50"})
    with django_assert_num_queries(1):
        # Answered already: 1 attempt with the answered ids and the revision; a redirect.
        assert anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}).status_code == 302


def test_the_exam_answer_post_with_htmx_shows_the_next_question(
    anonymous, quiz, django_assert_num_queries
):
    attempt = start(anonymous, quiz, mode="exam")
    anonymous.get(question_url(attempt, 1))
    with django_assert_num_queries(7):
        # 1 attempt with the answered ids and the revision; 2 insert; 3-7 the next question,
        # its options, codes, sources and rules.
        response = anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}, headers=HTMX)
    assert "Question 2 of 3" in response.content.decode()
    other = start(anonymous, quiz, mode="exam")
    with django_assert_num_queries(2):
        # Both questions kept: 1 attempt with the answered ids and the revision; 2 insert.
        anonymous.post(question_url(other, 1), {"claim": "64493-50"}, headers=HTMX)


def test_a_question_of_a_training_session(training_session, django_assert_num_queries):
    trainee = Client()
    url = join(trainee, training_session, "Ana")
    trainee.get(f"{url}1/")
    with django_assert_num_queries(1):
        # The session is joined with the attempt: 1 attempt with its training session, the
        # answered ids and the revision (its quiz is kept).
        assert trainee.get(f"{url}1/").status_code == 200


# The other pages of taking a quiz -----------------------------------------------------------


def test_the_quiz_list(anonymous, quiz, django_assert_num_queries):
    with django_assert_num_queries(3):
        # No attempt yet: 1 the quizzes with their question counts; 2 the revision and 3 the
        # dataset in the footer (then kept for the revision).
        assert anonymous.get("/quiz/").status_code == 200
    start(anonymous, quiz)
    with django_assert_num_queries(3):
        # 1 quizzes; 2 the browser's attempts with quizzes and scores; 3 revision.
        assert anonymous.get("/quiz/").status_code == 200
    client = signed_in("coder")
    with django_assert_num_queries(6):
        # 1 session; 2 user; 3 quizzes; 4 the user's attempts; 5 the Trainers check;
        # 6 revision.
        assert client.get("/quiz/").status_code == 200


def test_the_quiz_page_and_starting(anonymous, quiz, django_assert_num_queries):
    with django_assert_num_queries(3):
        # 1 the quiz with its question count; 2 revision; 3 dataset.
        assert anonymous.get(f"/quiz/{quiz.slug}/").status_code == 200
    with django_assert_num_queries(6):
        # 1 the quiz; 2 an attempt this browser started from this form? 3-6 the question list
        # and the insert of the attempt, in a savepoint. No session: the owner token is a
        # cookie.
        response = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "exam", "key": "form-1"})
    assert response.status_code == 302
    with django_assert_num_queries(2):
        # The same form again: 1 the quiz; 2 the attempt it started.
        again = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "exam", "key": "form-1"})
    assert again["Location"] == response["Location"]


def test_resuming_an_attempt(anonymous, quiz, django_assert_num_queries):
    attempt = start(anonymous, quiz)
    with django_assert_num_queries(2):
        # 1 attempt; 2 answered ids; then a redirect to question 1.
        assert anonymous.get(f"/quiz/attempts/{attempt.pk}/")["Location"].endswith("/1/")


def test_the_results(anonymous, quiz, single_question, django_assert_num_queries):
    attempt = start(anonymous, quiz)
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50"})
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64492")})
    with django_assert_num_queries(8):
        # 1 attempt; 2 the answers with their questions; 3-6 the questions' options, codes,
        # sources and rules; 7 revision; 8 dataset.
        assert anonymous.get(f"/quiz/attempts/{attempt.pk}/results").status_code == 200


def test_the_timer(anonymous, timed_quiz, django_assert_num_queries):
    attempt = start(anonymous, timed_quiz)
    with django_assert_num_queries(1):
        # 1 attempt. A fragment: no footer.
        url = f"/quiz/attempts/{attempt.pk}/time"
        assert anonymous.get(url, headers=HTMX).status_code == 200


# Training sessions --------------------------------------------------------------------------


def test_joining(anonymous, training_session, django_assert_num_queries):
    with django_assert_num_queries(2):
        # The join form: 1 revision; 2 dataset.
        assert anonymous.get(f"/quiz/join?code={training_session.code}").status_code == 200
    with django_assert_num_queries(6):
        # 1 the open session by its code, with its quiz; 2 this browser's attempt in it;
        # 3-6 the quiz's question list and the insert of the attempt, in a savepoint. No
        # session: the owner token is a cookie.
        join(anonymous, training_session, "Ana")


def test_the_trainers_pages(trainer, training_session, django_assert_num_queries):
    with django_assert_num_queries(7):
        # 1 session; 2 user; 3 the Trainers check; 4 the trainer's sessions with their
        # quizzes; 5 the quizzes to choose from; 6 revision; 7 dataset (then kept for it).
        assert trainer.get("/quiz/sessions/").status_code == 200
    dashboard = f"/quiz/sessions/{training_session.pk}/"
    with django_assert_num_queries(8):
        # 1 session; 2 user; 3 the training session with its quiz; its tallies: 4 the
        # participants with theirs; 5 the questions'; 6 the quiz's questions; 7 the
        # misconceptions'; 8 revision.
        assert trainer.get(dashboard).status_code == 200
    with django_assert_num_queries(7):
        # The live fragment htmx polls: 1-7 as above, no footer (tests/quiz/test_dashboard.py).
        assert trainer.get(dashboard, headers=HTMX).status_code == 200
    with django_assert_num_queries(5):
        # 1 session; 2 user; 3 the training session; 4 its attempts; 5 their answers. Nobody
        # joined yet: no question to read (tests/quiz/test_sessions.py counts them with some).
        assert trainer.get(f"{dashboard}answers.csv").status_code == 200
    with django_assert_num_queries(6):
        # 1 session; 2 user; 3 the training session; 4-6 the update of its status, in a
        # savepoint (a join code another session took meanwhile would be replaced).
        response = trainer.post(f"{dashboard}status", {"status": "closed"})
    assert response.status_code == 302
    training_session.refresh_from_db()
    assert training_session.status == TrainingSession.Status.CLOSED


# The engine ---------------------------------------------------------------------------------


def test_the_engine_codes_a_scenario_once_however_many_pages_show_it(anonymous, quiz, monkeypatch):
    from quiz import models

    calls = []
    engine = models.code_claim

    def counted(**scenario):
        calls.append(scenario)
        return engine(**scenario)

    monkeypatch.setattr(models, "code_claim", counted)
    models.code_scenario.cache_clear()
    for _ in range(3):
        attempt = start(anonymous, quiz)
        anonymous.get(question_url(attempt, 1))
        anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}, headers=HTMX)
        anonymous.get(question_url(attempt, 1))
        anonymous.get(f"/quiz/attempts/{attempt.pk}/results")
    assert len(calls) == 1
    models.code_scenario.cache_clear()
