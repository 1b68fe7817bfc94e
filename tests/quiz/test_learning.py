"""Issue 18, feedback that teaches and progress: shuffled order, the mixed exam in exam mode,
partial credit explained, retake and retry of the questions missed, the session's name for
trainees, progress per misconception, the weak-spot drill and the certificate."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quiz.models import Answer, Attempt, Certificate, Question, TrainingSession
from tests.quiz.conftest import join, make_question, make_quiz, signed_in

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(response.content.decode().split())


def start(client: Client, quiz, mode: str = "practice") -> Attempt:
    response = client.post(f"/quiz/{quiz.slug}/start", {"mode": mode})
    assert response.status_code == 302
    return Attempt.objects.get(pk=response["Location"].split("/")[3])


def question_url(attempt: Attempt, number: int) -> str:
    return f"/quiz/attempts/{attempt.pk}/{number}/"


def option_id(question, text_: str) -> int:
    return question.options.get(text=text_).pk


@pytest.fixture
def many_questions(db) -> list[Question]:
    return [
        make_question(
            f"t-order-{n}",
            "single",
            options=[(f"Option {c} of {n}", c == "A", "") for c in "ABCDEF"],
        )
        for n in range(8)
    ]


# Shuffled, and the same for a whole session --------------------------------------------------


def test_each_attempt_gets_its_own_order_and_keeps_it(many_questions):
    quiz = make_quiz("t-shuffled", many_questions, shuffle=True)
    client = Client()
    attempts = [start(client, quiz) for _ in range(4)]
    orders = {tuple(a.question_ids) for a in attempts}
    keys = [q.pk for q in many_questions]
    assert all(sorted(order) == sorted(keys) for order in orders)
    # Four attempts of 8 questions: 8! orders, so the same order four times means no shuffle.
    assert len(orders) > 1
    # The order of the options on the page does not change on reload.
    first = option_order(client, attempts[0], 1)
    assert sorted(first) == list("ABCDEF")
    assert option_order(client, attempts[0], 1) == first


def option_order(client: Client, attempt: Attempt, number: int) -> list[str]:
    page = text(client.get(question_url(attempt, number)))
    return [part.split(" of ")[0][-1] for part in page.split("Option ")[1:]]


def test_everyone_in_a_session_gets_the_same_order(trainer, many_questions):
    quiz = make_quiz("t-shuffled", many_questions, shuffle=True)
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    session.set_status(TrainingSession.Status.OPEN)
    clients = [Client() for _ in range(3)]
    for n, client in enumerate(clients):
        join(client, session, f"Trainee {n}")
    attempts = list(session.attempts.order_by("started_at"))
    assert len({tuple(a.question_ids) for a in attempts}) == 1
    assert attempts[0].question_ids == session.question_order()
    orders = [option_order(c, a, 1) for c, a in zip(clients, attempts, strict=True)]
    assert orders[0] == orders[1] == orders[2]
    assert sorted(orders[0]) == list("ABCDEF")


def test_a_quiz_can_keep_its_order(quiz, claim_question):
    attempt = start(Client(), quiz)  # the fixture's quiz has shuffle off
    assert attempt.question_ids == [q.question_id for q in quiz.quiz_questions.all()]


def test_the_mixed_exam_starts_in_exam_mode(anonymous, quiz):
    from quiz.models import Quiz

    exam = Quiz.objects.get(kind=Quiz.Kind.EXAM)
    page = text(anonymous.get(f"/quiz/{exam.slug}/"))
    assert 'value="exam" required id="id_mode_1" checked>' in page
    assert 'value="practice" required id="id_mode_0">' in page
    topic = text(anonymous.get(f"/quiz/{quiz.slug}/"))
    assert 'value="practice" required id="id_mode_0" checked>' in topic


# Partial credit, retake, retry ---------------------------------------------------------------


def test_partial_credit_is_explained_where_it_is_given(anonymous, quiz, multiple_question):
    attempt = start(anonymous, quiz)
    page = text(
        anonymous.post(question_url(attempt, 1), {"claim": "64493-50, 64494-RT"}, follow=True)
    )
    assert "Partly right: 67% credit" in page
    assert "each claim line is worth 3 points, one each for the code, its modifiers" in page
    page = text(
        anonymous.post(
            question_url(attempt, 3),
            {"option": [option_id(multiple_question, "Diagnostic block")]},
            follow=True,
        )
    )
    assert "each right option you tick earns an equal share" in page


def test_a_right_answer_explains_no_partial_credit(anonymous, quiz):
    attempt = start(anonymous, quiz)
    page = text(
        anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"}, follow=True)
    )
    assert "Right" in page and "How partial credit works" not in page


def finish(client, attempt, single_question, multiple_question, claim="64493-50"):
    client.post(question_url(attempt, 1), {"claim": claim})
    client.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    client.post(
        question_url(attempt, 3), {"option": [option_id(multiple_question, "Diagnostic block")]}
    )


def test_the_results_offer_a_retake_and_a_retry_of_the_ones_missed(
    anonymous, quiz, claim_question, single_question, multiple_question
):
    attempt = start(anonymous, quiz)
    finish(anonymous, attempt, single_question, multiple_question)
    page = text(anonymous.get(attempt.results_url()))
    assert "Retry the 2 questions you missed" in page
    assert (
        f'<a class="button is-secondary" href="/quiz/{quiz.slug}/">Retake the whole quiz</a>'
        in (page)
    )
    response = anonymous.post(f"/quiz/attempts/{attempt.pk}/retry")
    retry = Attempt.objects.exclude(pk=attempt.pk).get()
    assert response["Location"] == question_url(retry, 1)
    assert sorted(retry.question_ids) == sorted([claim_question.pk, multiple_question.pk])
    assert (retry.kind, retry.retry_of, retry.mode) == ("retry", attempt, "practice")
    page = text(anonymous.get(question_url(retry, 1)))
    assert "Question 1 of 2" in page and "the questions you missed" in page


def test_nothing_to_retry_after_a_perfect_score(
    anonymous, quiz, single_question, multiple_question
):
    attempt = start(anonymous, quiz)
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    anonymous.post(
        question_url(attempt, 3),
        {
            "option": [
                option_id(multiple_question, "Diagnostic block"),
                option_id(multiple_question, "Confirmatory block"),
            ]
        },
    )
    assert "Retry the" not in text(anonymous.get(attempt.results_url()))
    response = anonymous.post(f"/quiz/attempts/{attempt.pk}/retry", follow=True)
    assert "You missed no question" in text(response)
    assert Attempt.objects.count() == 1


def test_only_the_owner_retries_an_attempt(anonymous, quiz):
    attempt = start(anonymous, quiz)
    assert Client().post(f"/quiz/attempts/{attempt.pk}/retry").status_code == 404
    assert anonymous.get(f"/quiz/attempts/{attempt.pk}/retry").status_code == 405


def test_trainees_see_the_sessions_name(training_session, trainee_a):
    page = text(trainee_a.get(f"{trainee_a.attempt_url}1/"))
    assert "Training session: <strong>Tuesday group</strong>" in page
    attempt = training_session.attempts.get()
    assert "Training session: <strong>Tuesday group</strong>" in text(
        trainee_a.get(attempt.results_url())
    )


# Progress and the weak-spot drill --------------------------------------------------------------


def test_a_signed_in_trainee_sees_misconceptions_month_by_month(quiz, single_question):
    coder = signed_in("coder")
    attempt = start(coder, quiz)
    coder.post(question_url(attempt, 1), {"claim": "64493-50, 64494-RT"})  # kx
    coder.post(question_url(attempt, 2), {"option": option_id(single_question, "+64492")})
    # An older answer that showed the third-level misconception, two months back.
    older = start(coder, quiz)
    coder.post(question_url(older, 2), {"option": option_id(single_question, "+64494 again")})
    Answer.objects.filter(attempt=older).update(answered_at=timezone.now() - timedelta(days=62))
    page = text(coder.get("/quiz/progress"))
    month = timezone.localdate().strftime("%b %Y")
    assert f'<th scope="col">{month}</th> </tr>' in page  # the current month last
    zeros = "<td>0</td>" * 4
    assert f">KX modifier</a> </th> {zeros}<td>0</td><td>1</td> </tr>" in page
    assert f">Wrong region</a> </th> {zeros}<td>0</td><td>1</td> </tr>" in page
    # Two months back falls in the fourth column of six (day 62 before today).
    assert ">Third level miscoded</a> </th> <td>" in page
    third = page.split(">Third level miscoded</a> </th> ")[1].split(" </tr>")[0]
    assert third.count("<td>1</td>") == 1 and third.endswith("<td>0</td><td>0</td>")
    assert "Answers given</th> " in page
    assert "Drill my weak spots" in page
    assert coder.get("/quiz/progress")["Cache-Control"] == "private, no-store"


def test_progress_needs_an_account(anonymous):
    response = anonymous.get("/quiz/progress")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert anonymous.post("/quiz/drill").status_code == 302


def test_the_drill_asks_questions_on_the_misconceptions_missed_most(quiz, single_question):
    coder = signed_in("coder")
    attempt = start(coder, quiz)
    coder.post(question_url(attempt, 2), {"option": option_id(single_question, "+64492")})
    response = coder.post("/quiz/drill")
    drill = Attempt.objects.get(kind="drill")
    assert response["Location"] == question_url(drill, 1)
    wanted = {q.pk for q in Question.objects.all() if "wrong-region" in q.tags}
    assert drill.question_ids and set(drill.question_ids) <= wanted
    assert "Drill: your weak spots" in text(coder.get(question_url(drill, 1)))


def test_no_drill_before_any_misconception(db):
    coder = signed_in("coder")
    response = coder.post("/quiz/drill", follow=True)
    assert "No misconception to drill yet" in text(response)
    assert not Attempt.objects.exists()


def test_the_progress_page_costs_a_fixed_number_of_queries(quiz, django_assert_num_queries):
    coder = signed_in("coder")
    with django_assert_num_queries(6):
        # 1 session; 2 user; 3 answers per month; 4 answers per month and tags; 5 the content
        # revision and 6 the dataset in the footer (then kept for the revision).
        assert coder.get("/quiz/progress").status_code == 200


# The certificate ---------------------------------------------------------------------------


@pytest.fixture
def exam(claim_question, single_question):
    return make_quiz("t-exam", [claim_question, single_question], kind="exam", pass_mark=50)


def pass_exam(client, exam, single_question) -> Attempt:
    attempt = start(client, exam, mode="exam")
    client.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    client.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    return attempt


def test_a_passed_exam_gives_a_certificate_anyone_can_check(exam, single_question):
    coder = signed_in("coder")
    attempt = pass_exam(coder, exam, single_question)
    page = text(coder.get(attempt.results_url()))
    assert "Make my certificate" in page and 'value="coder"' in page
    response = coder.post(f"/quiz/attempts/{attempt.pk}/certificate", {"name": " Ana  Lopez "})
    certificate = Certificate.objects.get()
    assert response["Location"] == f"/quiz/certificates/{certificate.code}/"
    # A stranger with the link sees the same: that is the verification.
    page = text(Client().get(response["Location"]))
    assert '<h1 id="certificate-heading">Ana Lopez</h1>' in page
    assert "t-exam" in page and "<strong>100%</strong>" in page
    assert timezone.localdate().strftime("%Y-%m-%d") in page
    assert f"http://testserver/quiz/certificates/{certificate.code}/" in page
    # Issued once: a second request keeps the first name.
    coder.post(f"/quiz/attempts/{attempt.pk}/certificate", {"name": "Someone Else"})
    assert Certificate.objects.get().name == "Ana Lopez"
    assert "Your certificate" in text(coder.get(attempt.results_url()))


def test_no_certificate_for_a_failed_or_practice_attempt(exam, single_question):
    coder = signed_in("coder")
    failed = start(coder, exam, mode="exam")
    coder.post(question_url(failed, 1), {"claim": "64490"})
    coder.post(question_url(failed, 2), {"option": option_id(single_question, "+64492")})
    assert "Make my certificate" not in text(coder.get(failed.results_url()))
    response = coder.post(f"/quiz/attempts/{failed.pk}/certificate", {"name": "Ana"})
    assert response.status_code == 409
    practice = start(coder, exam, mode="practice")
    coder.post(question_url(practice, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    coder.post(question_url(practice, 2), {"option": option_id(single_question, "+64495 once")})
    assert coder.post(f"/quiz/attempts/{practice.pk}/certificate", {"name": "A"}).status_code == 409
    assert not Certificate.objects.exists()


def test_a_certificate_needs_a_name_and_an_owner(exam, single_question):
    coder = signed_in("coder")
    attempt = pass_exam(coder, exam, single_question)
    response = coder.post(f"/quiz/attempts/{attempt.pk}/certificate", {"name": "  "})
    assert response.status_code == 400
    assert "Enter the name to print on the certificate." in text(response)
    stranger = Client().post(f"/quiz/attempts/{attempt.pk}/certificate", {"name": "X"})
    assert stranger.status_code == 404
    assert Client().get("/quiz/certificates/not-a-real-code/").status_code == 404


def test_the_certificate_page_costs_one_query_and_prints(exam, single_question):
    coder = signed_in("coder")
    attempt = pass_exam(coder, exam, single_question)
    location = coder.post(f"/quiz/attempts/{attempt.pk}/certificate", {"name": "Ana"})["Location"]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    anonymous = Client()
    with CaptureQueriesContext(connection) as queries:
        page = text(anonymous.get(location))
    # 1 the certificate; 2 the content revision and 3 the dataset in the footer (the first
    # page rendered for the revision).
    assert len(queries) == 3
    assert 'class="certificate"' in page and 'class="print-page" hidden>Print' in page
