"""Issue 18, the trainer's screens: the projector (join code, QR code, joined count, answer
chart, reveal), the per-trainee drill-down, and the new-session form."""

import pytest
from django.test import Client

from quiz.models import TrainingSession
from tests.quiz.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def text(response) -> str:
    return " ".join(response.content.decode().split())


def projector(session: TrainingSession, number: int | None = None) -> str:
    url = f"/quiz/sessions/{session.pk}/projector"
    return f"{url}?q={number}" if number else url


def answer(client: Client, number: int, **data):
    return client.post(f"{client.attempt_url}{number}/", data)


def option_id(question, text_: str) -> int:
    return question.options.get(text=text_).pk


def test_it_shows_the_join_code_large_with_a_qr_code_and_the_link(trainer, training_session):
    response = trainer.get(projector(training_session))
    page = text(response)
    assert response.status_code == 200
    assert f'<p class="projector-code" aria-label="Session code {training_session.code}">' in page
    assert f"Join at http://testserver/quiz/join?code={training_session.code}" in page
    # Drawn on the server as inline SVG, with no style attribute for the CSP to refuse.
    assert '<svg width="' in page and 'class="qr"' in page
    assert "<title>QR code of the join link</title>" in page
    assert " style=" not in page
    assert 'data-copy="http://testserver/quiz/join?code=' in page
    assert "Tuesday group" in page
    assert response["Cache-Control"] == "private, no-store"


def test_the_chart_counts_each_option_as_trainees_answer(
    trainer, training_session, single_question, trainee_a, trainee_b
):
    # Question 2 of the (unshuffled) quiz is the single-choice one.
    url = projector(training_session, 2)
    page = text(trainer.get(url, headers=HTMX))
    assert "<strong>2</strong> joined" in page and "0 answers so far" in page
    answer(trainee_a, 2, option=option_id(single_question, "+64494 again"))
    answer(trainee_b, 2, option=option_id(single_question, "+64494 again"))
    fragment = trainer.get(url, headers=HTMX)
    page = text(fragment)
    assert "<html" not in page and 'id="board"' in page
    assert "2 answers so far" in page
    assert 'aria-label="+64494 again: 2 of 2"' in page
    assert 'aria-label="+64495 once: 0 of 2"' in page
    # Not revealed yet: no option is marked right, no rationale.
    assert "— right" not in page and "Explanation of t-single" not in page
    assert f'hx-get="{url}" hx-trigger="every 3s"' in page


def test_a_claim_question_is_charted_by_claim(trainer, training_session, trainee_a, trainee_b):
    answer(trainee_a, 1, claim="64493-50-KX, 64494-RT-KX")
    answer(trainee_b, 1, claim="64493-50, 64494-RT")
    page = text(trainer.get(projector(training_session, 1), headers=HTMX))
    assert 'aria-label="64493-50-KX, 64494-RT-KX: 1 of 2"' in page
    assert 'aria-label="64493-50, 64494-RT: 1 of 2"' in page


def test_revealing_shows_the_right_answer_and_the_rationale(
    trainer, training_session, single_question, trainee_a
):
    answer(trainee_a, 2, option=option_id(single_question, "+64494 again"))
    response = trainer.post(f"/quiz/sessions/{training_session.pk}/reveal", {"number": 2})
    assert response.status_code == 302
    assert response["Location"] == projector(training_session, 2)
    page = text(trainer.get(projector(training_session, 2)))
    assert '<li class="bar is-correct">' in page and "+64495 once <strong>— right</strong>" in page
    assert "Answer: +64495 once" in page and "Explanation of t-single." in page
    assert "Reveal the answer" not in page
    # Question 1 stays hidden.
    assert "Explanation of t-claim." not in text(trainer.get(projector(training_session, 1)))


def test_the_projector_refuses_bad_input_clearly(trainer, training_session):
    assert trainer.get(projector(training_session) + "?q=x").status_code == 400
    bad = trainer.post(f"/quiz/sessions/{training_session.pk}/reveal", {"number": 99})
    assert bad.status_code == 400 and "This session has 3 questions" in text(bad)
    assert trainer.post(f"/quiz/sessions/{training_session.pk}/reveal", {}).status_code == 400
    assert trainer.get(f"/quiz/sessions/{training_session.pk}/reveal").status_code == 405
    # A number past the end shows the last question.
    assert "Question 3 of 3" in text(trainer.get(projector(training_session, 50)))


def test_only_the_sessions_trainer_sees_the_projector_and_reveals(
    training_session, other_trainer, trainee_a
):
    assert other_trainer.get(projector(training_session)).status_code == 404
    reveal = f"/quiz/sessions/{training_session.pk}/reveal"
    assert other_trainer.post(reveal, {"number": 1}).status_code == 404
    assert trainee_a.get(projector(training_session)).status_code == 302  # to the sign-in page
    training_session.refresh_from_db()
    assert training_session.revealed == []


def test_the_projector_costs_a_fixed_number_of_queries(
    trainer, training_session, single_question, django_assert_num_queries
):
    for name in ("Ana", "Ben", "Cy"):
        client = Client()
        client.attempt_url = join(client, training_session, name)
        answer(client, 2, option=option_id(single_question, "+64492"))
    with django_assert_num_queries(8):
        # 1 session; 2 user; 3 the training session with its quiz; 4 the quiz's question ids;
        # 5 the question; 6 its options; 7 the number joined; 8 the question's answers.
        assert trainer.get(projector(training_session, 2), headers=HTMX).status_code == 200
    with django_assert_num_queries(10):
        # The whole page: the same, and 9 the content revision and 10 the dataset in the
        # footer, the first page rendered for the revision (the QR code is drawn from the join
        # link, no query).
        assert trainer.get(projector(training_session, 2)).status_code == 200


def test_the_trainer_opens_one_trainees_answers(trainer, training_session, trainee_a, trainee_b):
    answer(trainee_a, 1, claim="64493-50, 64494-RT")
    ana = training_session.attempts.get(display_name="Ana")
    url = f"/quiz/sessions/{training_session.pk}/trainees/{ana.pk}/"
    page = text(trainer.get(url))
    assert "<h1>Ana</h1>" in page
    assert "Answered 1 of 3; 0 of 1 answered right" in page
    assert "<code>64493-50, 64494-RT</code>" in page
    assert "How partial credit works" in page


def test_a_trainees_answers_are_for_the_sessions_trainer_only(
    training_session, trainer, other_trainer, trainee_a, quiz
):
    ana = training_session.attempts.get(display_name="Ana")
    url = f"/quiz/sessions/{training_session.pk}/trainees/{ana.pk}/"
    assert other_trainer.get(url).status_code == 404
    assert trainee_a.get(url).status_code == 302
    # An attempt of another session, through this session's address: 404.
    other = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    other.set_status(TrainingSession.Status.OPEN)
    client = Client()
    join(client, other, "Zed")
    zed = other.attempts.get()
    assert (
        trainer.get(f"/quiz/sessions/{training_session.pk}/trainees/{zed.pk}/").status_code == 404
    )
    response = trainer.get(url)
    assert response["Cache-Control"] == "private, no-store"


def test_the_drill_down_costs_a_fixed_number_of_queries(
    trainer, training_session, trainee_a, single_question, django_assert_num_queries
):
    answer(trainee_a, 1, claim="64493-50")
    answer(trainee_a, 2, option=option_id(single_question, "+64492"))
    ana = training_session.attempts.get()
    with django_assert_num_queries(11):
        # 1 session; 2 user; 3 the training session; 4 the attempt; 5 its answers with their
        # questions; 6-9 the questions' options, codes, sources and rules; 10 the content
        # revision and 11 the dataset in the footer (the first page rendered for the revision).
        trainer.get(f"/quiz/sessions/{training_session.pk}/trainees/{ana.pk}/")


def test_the_new_session_form_puts_each_label_above_its_field(trainer, quiz):
    page = text(trainer.get("/quiz/sessions/"))
    assert '<form method="post" action="/quiz/sessions/" class="session-form">' in page
    assert '<label for="id_title">Name (optional):</label>' in page
