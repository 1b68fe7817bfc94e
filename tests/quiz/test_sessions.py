"""Trainer-led sessions: join codes, joining, the live dashboard, the CSV export, and who may
see what."""

import csv
import io
import re
from html import unescape
from uuid import uuid4

import pytest
from django.test import Client

from quiz import models
from quiz.models import JOIN_CODE_ALPHABET, Answer, Attempt, TrainingSession
from tests.quiz.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def text(response) -> str:
    return " ".join(response.content.decode().split())


def participant_rows(page: str) -> list[list[str]]:
    """The dashboard's participants table as the trainer reads it: per row, each cell's text
    (the Answered cell holds a progress bar whose fallback text repeats the figure)."""
    table = page.split('aria-label="Participants"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def answer(client: Client, number: int, **data):
    return client.post(f"{client.attempt_url}{number}/", data)


def option_id(question, text_: str) -> int:
    return question.options.get(text=text_).pk


def dashboard(session: TrainingSession) -> str:
    return f"/quiz/sessions/{session.pk}/"


# Creating, opening and closing --------------------------------------------------------------


def test_a_trainer_creates_a_session_with_a_short_unambiguous_code(trainer, quiz):
    response = trainer.post(
        "/quiz/sessions/", {"quiz": quiz.pk, "title": "Cohort 3", "mode": "practice"}
    )
    session = TrainingSession.objects.get(trainer=trainer.user)
    assert response["Location"] == dashboard(session)
    assert len(session.code) == 6 and set(session.code) <= set(JOIN_CODE_ALPHABET)
    assert not set(session.code) & set("01OIL")
    assert session.status == TrainingSession.Status.DRAFT
    page = text(trainer.get(dashboard(session)))
    assert session.code in page
    assert f"http://testserver/quiz/join?code={session.code}" in page
    assert "Open the session" in page


def test_creating_a_session_with_bad_input_is_a_400(trainer):
    response = trainer.post("/quiz/sessions/", {"quiz": 999999, "mode": "practice"})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert response.status_code == 400 == trainer.post("/quiz/sessions/", {}).status_code
    assert not TrainingSession.objects.exists()


def test_only_trainers_run_sessions(outsider, anonymous, quiz):
    refused = outsider.get("/quiz/sessions/")
    assert refused.status_code == 403
    assert "Training sessions are run by trainers" in text(refused)
    assert (
        outsider.post("/quiz/sessions/", {"quiz": quiz.pk, "mode": "practice"}).status_code == 403
    )
    response = anonymous.get("/quiz/sessions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert not TrainingSession.objects.exists()


def test_a_join_code_is_unique_among_sessions_not_closed(trainer, quiz, monkeypatch):
    codes = iter(["AAAAAA", "AAAAAA", "BBBBBB", "AAAAAA"])
    monkeypatch.setattr(models, "new_join_code", lambda: next(codes))
    first = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    second = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    assert (first.code, second.code) == ("AAAAAA", "BBBBBB")
    first.set_status(TrainingSession.Status.CLOSED)
    third = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    assert third.code == "AAAAAA"  # a closed session frees its code


def test_reopening_takes_a_new_code_when_another_session_took_the_old_one(
    trainer, quiz, monkeypatch
):
    codes = iter(["AAAAAA", "AAAAAA", "CCCCCC"])
    monkeypatch.setattr(models, "new_join_code", lambda: next(codes))
    first = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    first.set_status(TrainingSession.Status.CLOSED)
    TrainingSession.create(quiz=quiz, trainer=trainer.user)
    first.set_status(TrainingSession.Status.OPEN)
    first.refresh_from_db()
    assert (first.code, first.status) == ("CCCCCC", "open")


def test_the_trainer_opens_and_closes_the_session(trainer, quiz):
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    url = f"/quiz/sessions/{session.pk}/status"
    assert trainer.post(url, {"status": "open"})["Location"] == dashboard(session)
    session.refresh_from_db()
    assert session.is_open and session.opened_at
    assert "Close the session" in text(trainer.get(dashboard(session)))
    trainer.post(url, {"status": "closed"})
    session.refresh_from_db()
    assert session.status == "closed" and session.closed_at
    refused = trainer.post(url, {"status": "deleted"})
    assert refused.status_code == 400
    assert "A session can only be opened or closed." in text(refused)


# Joining ------------------------------------------------------------------------------------


def test_the_join_page_has_a_code_field_and_the_link_fills_it(anonymous, training_session):
    page = text(anonymous.get("/quiz/join"))
    assert 'name="code"' in page and 'name="display_name"' in page
    page = text(anonymous.get(f"/quiz/join?code={training_session.code}"))
    assert f'value="{training_session.code}"' in page


def test_a_trainee_joins_with_the_code_and_a_name_without_an_account(anonymous, training_session):
    location = join(anonymous, training_session, "Ana")
    attempt = Attempt.objects.get(training_session=training_session)
    assert location == f"/quiz/attempts/{attempt.pk}/"
    assert (attempt.display_name, attempt.user, attempt.mode) == ("Ana", None, "practice")
    assert anonymous.get(location)["Location"] == f"/quiz/attempts/{attempt.pk}/1/"


def test_the_code_is_read_leniently(anonymous, training_session):
    code = training_session.code
    messy = f" {code[:3].lower()}-{code[3:].lower()} "
    response = anonymous.post("/quiz/join", {"code": messy, "display_name": "  Ana   Lee "})
    assert response.status_code == 302
    assert Attempt.objects.get().display_name == "Ana Lee"


def test_joining_again_continues_the_same_attempt(anonymous, training_session):
    first = join(anonymous, training_session, "Ana")
    assert join(anonymous, training_session, "Ana again") == first
    assert Attempt.objects.filter(training_session=training_session).count() == 1


def test_a_signed_in_trainee_keeps_one_attempt_across_browsers(outsider, training_session):
    first = join(outsider, training_session, "Olga")
    other_browser = Client()
    other_browser.force_login(outsider.user)
    assert join(other_browser, training_session, "Olga") == first
    assert Attempt.objects.get(training_session=training_session).user == outsider.user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "ZZZZZZ", "display_name": "Ana"}, "No open training session has the code ZZZZZZ"),
        ({"code": "12", "display_name": "Ana"}, "A session code has 6 letters and digits"),
        ({"code": "AB0OIL", "display_name": "Ana"}, "A session code has 6 letters and digits"),
        ({"code": "", "display_name": "Ana"}, "Enter the session code your trainer gave you."),
        ({"code": "{code}", "display_name": ""}, "Enter a name for the trainer to see."),
        ({"code": "{code}", "display_name": "   "}, "Enter a name for the trainer to see."),
        (
            {"code": "{code}", "display_name": "A" * 41},
            "Keep your name to 40 characters (it has 41).",
        ),
        ({"code": "x" * 500, "display_name": "Ana"}, "at most 20 characters"),
    ],
)
def test_bad_join_input_is_a_400_with_a_clear_message(anonymous, training_session, data, message):
    data = {key: value.format(code=training_session.code) for key, value in data.items()}
    response = anonymous.post("/quiz/join", data)
    assert response.status_code == 400
    assert message in text(response)
    assert not Attempt.objects.exists()


def test_a_session_not_yet_open_or_closed_cannot_be_joined(anonymous, trainer, quiz):
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user)
    response = anonymous.post("/quiz/join", {"code": session.code, "display_name": "Ana"})
    assert response.status_code == 400 and "has not opened yet" in text(response)
    session.set_status(TrainingSession.Status.OPEN)
    session.set_status(TrainingSession.Status.CLOSED)
    response = anonymous.post("/quiz/join", {"code": session.code, "display_name": "Ana"})
    assert response.status_code == 400 and "a session that has closed cannot be joined" in text(
        response
    )


def test_a_closed_session_takes_no_more_answers(trainee_a, training_session):
    training_session.set_status(TrainingSession.Status.CLOSED)
    for headers in ({}, HTMX):
        response = trainee_a.post(
            f"{trainee_a.attempt_url}1/", {"claim": "64493-50"}, headers=headers
        )
        assert response.status_code == 409
        assert "This training session is closed" in text(response)
    assert not Answer.objects.exists()


# The dashboard ------------------------------------------------------------------------------


@pytest.fixture
def answered(trainee_a, trainee_b, single_question, multiple_question):
    """Ana: claim right, single wrong (+64494 again), multiple half right.
    Ben: claim partly right, single wrong (+64494 again); no third answer yet."""
    answer(trainee_a, 1, claim="64493-50-KX, 64494-RT-KX")
    answer(trainee_a, 2, option=option_id(single_question, "+64494 again"))
    answer(trainee_a, 3, option=[option_id(multiple_question, "Diagnostic block")])
    answer(trainee_b, 1, claim="64493-50, 64494-RT")
    answer(trainee_b, 2, option=option_id(single_question, "+64494 again"))
    return trainee_a, trainee_b


def test_the_dashboard_shows_who_joined_their_progress_and_scores(
    trainer, training_session, answered
):
    page = text(trainer.get(dashboard(training_session)))
    assert "Participants (2)" in page
    # Ana: (1 + 0 + 0.5) / 3 = 50%, finished, pass mark 60: not passed. Ben: 0.6667 / 3 = 22%.
    # Each name opens that trainee's answers; the columns say what each figure counts.
    ana, ben = training_session.attempts.order_by("started_at")
    assert f'<a href="/quiz/sessions/{training_session.pk}/trainees/{ana.pk}/">Ana</a>' in page
    assert f'<a href="/quiz/sessions/{training_session.pk}/trainees/{ben.pk}/">Ben</a>' in page
    assert participant_rows(page) == [
        [
            "Ana",
            "3 of 3 3 of 3",
            "1 of 3 answered right; 1 of 3 questions",
            "50% (not passed)",
            "0",
        ],
        ["Ben", "2 of 3 2 of 3", "0 of 2 answered right; 0 of 3 questions", "22% so far", "0"],
    ]
    assert "Late: answers sent after the quiz's time limit" in page


def test_the_dashboard_shows_each_questions_right_share_and_commonest_wrong_answers(
    trainer, training_session, answered
):
    report = training_session.report()
    claim, single, multiple = report.questions
    assert (claim.answered, claim.correct, claim.right_percent) == (2, 1, 50)
    assert claim.wrong_answers == [("64493-50, 64494-RT", 1)]
    assert (single.answered, single.right_percent, single.wrong_answers) == (
        2,
        0,
        [("+64494 again", 2)],
    )
    assert (multiple.answered, multiple.right_percent) == (1, 0)
    page = text(trainer.get(dashboard(training_session)))
    assert "<li>+64494 again (2)</li>" in page
    assert "<li>64493-50, 64494-RT (1)</li>" in page


def test_the_dashboard_ranks_the_most_missed_misconceptions(trainer, training_session, answered):
    missed = [(tag["tag"], tag["count"]) for tag in training_session.report().missed_tags]
    # Both chose "+64494 again" (third level); Ben's claim left KX off (it shows kx, not the
    # question's own modifier-50); Ana missed a right option of the multiple-choice question
    # and chose no wrong one (its tag, kx). A tie goes to the one missed earlier in the quiz.
    assert missed == [("kx", 2), ("third-level", 2)]
    page = text(trainer.get(dashboard(training_session)))
    assert '<a href="/codes/64495/">Third level miscoded</a> : 2 wrong answers' in page


def test_the_dashboard_refreshes_its_figures_with_htmx_while_open(
    trainer, training_session, answered
):
    page = text(trainer.get(dashboard(training_session)))
    assert f'hx-get="{dashboard(training_session)}" hx-trigger="every 5s"' in page
    assert f'<a href="{dashboard(training_session)}">Reload the figures</a>' in page
    fragment = trainer.get(dashboard(training_session), headers=HTMX)
    assert "<html" not in text(fragment) and 'id="live"' in text(fragment)
    assert "HX-Request" in fragment["Vary"]
    training_session.set_status(TrainingSession.Status.CLOSED)
    assert "hx-trigger" not in text(trainer.get(dashboard(training_session), headers=HTMX))


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_trainees(
    trainer, training_session, single_question, django_assert_num_queries
):
    def check():
        with django_assert_num_queries(8):
            # 1 session; 2 user; 3 the training session with its quiz; then its tallies (no
            # query reads the answers): 4 the participants with theirs; 5 the questions'; 6 the
            # quiz's questions; 7 the misconceptions'; 8 the content revision, for which the
            # footer's dataset is kept (the page below read it first).
            assert trainer.get(dashboard(training_session)).status_code == 200
        with django_assert_num_queries(7):
            # The live fragment htmx polls: the same but the footer.
            assert trainer.get(dashboard(training_session), headers=HTMX).status_code == 200
        with django_assert_num_queries(7):
            # 1 session; 2 user; 3 the training session; 4 its attempts; 5 their answers;
            # 6 the questions; 7 their options (the right answer of an unanswered question).
            assert trainer.get(f"{dashboard(training_session)}answers.csv").status_code == 200

    trainer.get(dashboard(training_session))  # the dataset in the footer, kept from here on
    for count in range(8):
        client = Client()
        client.attempt_url = join(client, training_session, f"Trainee {count}")
        answer(client, 2, option=option_id(single_question, "+64492"))
        answer(client, 1, claim="64493-50")
        if count == 0:
            check()
    check()


def test_a_poll_costs_the_same_at_3_and_30_answers(
    trainer, training_session, single_question, multiple_question, django_assert_num_queries
):
    def poll() -> int:
        with django_assert_num_queries(7):
            # 1 session; 2 user; 3 the training session with its quiz; 4 the participants with
            # their tallies; 5 the questions' tallies; 6 the quiz's questions; 7 the
            # misconceptions' tallies. No query reads the answers themselves.
            response = trainer.get(dashboard(training_session), headers=HTMX)
        assert response.status_code == 200
        return len(response.content)

    wrong = ["64493", "64493-50", "64494-RT", "64493-RT, 64494-RT", "64493-LT"]
    for count in range(10):
        client = Client()
        client.attempt_url = join(client, training_session, f"Trainee {count}")
        answer(client, 1, claim=wrong[count % len(wrong)])
        answer(client, 2, option=option_id(single_question, "+64495 once"))
        answer(client, 3, option=[option_id(multiple_question, "Diagnostic block")])
        if count == 0:
            assert Answer.objects.count() == 3
            small = poll()
    assert Answer.objects.count() == 30
    # Ten participant rows instead of one; the rest of the fragment is bounded.
    assert poll() < small + 10 * 1000


def test_the_dashboard_counts_right_partly_right_and_wrong_and_lists_three_wrong_answers(
    trainer, training_session, single_question
):
    claims = ["64493-50-KX, 64494-RT-KX", "64493-50", "64490", "64490", "64491", "64491", "64492"]
    for count, claim in enumerate(claims):
        client = Client()
        client.attempt_url = join(client, training_session, f"Trainee {count}")
        answer(client, 1, claim=claim)
    claim_stats = training_session.report().questions[0]
    # One right; "64493-50" earns part of the credit; codes the case does not call for, none.
    marks = Answer.objects.filter(position=1).order_by("attempt__started_at")
    assert [answer.score > 0 for answer in marks] == [True, True, False, False, False, False, False]
    assert (claim_stats.answered, claim_stats.correct, claim_stats.partial) == (7, 1, 1)
    assert claim_stats.wrong == 5
    # The commonest not fully right first, ties in the order of their text; three listed.
    assert claim_stats.wrong_answers == [("64490", 2), ("64491", 2), ("64492", 1)]
    page = text(trainer.get(dashboard(training_session)))
    assert "<td>7</td> <td> 14% </td> <td>1 / 1 / 5</td>" in page
    assert "64493-50 (1)" not in page


# The CSV export -----------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_one_row_per_trainee_and_question(trainer, training_session, answered):
    rows = read_csv(trainer.get(f"{dashboard(training_session)}answers.csv"))
    assert list(rows[0]) == [
        "participant",
        "number",
        "question",
        "given",
        "expected",
        "score_percent",
        "correct",
        "late",
        "answered_at",
    ]
    # Two trainees, three questions each, answered or not (Ben left the third).
    assert len(rows) == 6 and Answer.objects.count() == 5
    ana = [row for row in rows if row["participant"] == "Ana"]
    assert [row["number"] for row in ana] == ["1", "2", "3"]
    assert [row["question"] for row in ana] == [
        "Scenario of t-claim. Prompt of t-claim?",
        "Scenario of t-single. Prompt of t-single?",
        "Scenario of t-multiple. Prompt of t-multiple?",
    ]
    assert ana[0]["given"] == "64493-50-KX, 64494-RT-KX"
    assert ana[0]["expected"] == "64493-50-KX, 64494-RT-KX"
    assert (ana[0]["score_percent"], ana[0]["correct"], ana[0]["late"]) == ("100%", "yes", "no")
    assert (ana[1]["given"], ana[1]["expected"], ana[1]["score_percent"]) == (
        "'+64494 again",  # quoted: a cell starting with + could run as a formula
        "'+64495 once",
        "0%",
    )
    assert ana[2]["score_percent"] == "50%"
    assert ana[0]["answered_at"][:4].isdigit() and "T" in ana[0]["answered_at"]
    unanswered = [row for row in rows if row["participant"] == "Ben"][2]
    assert unanswered["given"] == unanswered["score_percent"] == unanswered["answered_at"] == ""
    assert unanswered["expected"] == "Diagnostic block; Confirmatory block"


def test_the_csv_cannot_inject_formulas(trainer, training_session, single_question):
    for name in ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"):
        client = Client()
        client.attempt_url = join(client, training_session, name)
        answer(client, 2, option=option_id(single_question, "+64494 again"))
    rows = read_csv(trainer.get(f"{dashboard(training_session)}answers.csv"))
    assert sorted({row["participant"] for row in rows}) == [
        "'+1",
        "'-1",
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1)",
    ]
    assert {row["given"] for row in rows if row["number"] == "2"} == {"'+64494 again"}


# Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "answers.csv"])
def test_only_the_sessions_trainer_or_a_superuser_sees_its_figures(
    suffix, training_session, trainer, other_trainer, outsider, superuser, anonymous, trainee_a
):
    url = f"{dashboard(training_session)}{suffix}"
    assert trainer.get(url).status_code == 200
    assert superuser.get(url).status_code == 200
    for stranger in (other_trainer, outsider):
        assert stranger.get(url).status_code == 404
    for visitor in (anonymous, trainee_a):
        response = visitor.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_only_the_sessions_trainer_opens_or_closes_it(
    training_session, other_trainer, outsider, trainee_a
):
    url = f"{dashboard(training_session)}status"
    assert other_trainer.post(url, {"status": "closed"}).status_code == 404
    assert outsider.post(url, {"status": "closed"}).status_code == 404
    assert trainee_a.post(url, {"status": "closed"}).status_code == 302  # to the sign-in page
    training_session.refresh_from_db()
    assert training_session.is_open


def test_a_trainer_lists_only_their_own_sessions(trainer, other_trainer, training_session):
    assert training_session.code in text(trainer.get("/quiz/sessions/"))
    assert training_session.code not in text(other_trainer.get("/quiz/sessions/"))


@pytest.mark.parametrize("path", ["", "1/", "2/", "results"])
def test_a_trainee_never_reaches_another_trainees_attempt(
    path, trainee_a, trainee_b, trainer, other_trainer, outsider, anonymous
):
    own_a = trainee_a.get(f"{trainee_a.attempt_url}{path}")
    assert own_a.status_code in (200, 302)
    for other in (trainee_b, trainer, other_trainer, outsider, anonymous):
        assert other.get(f"{trainee_a.attempt_url}{path}").status_code == 404
    assert trainee_b.post(f"{trainee_a.attempt_url}1/", {"claim": "64493-50"}).status_code == 404
    assert not Answer.objects.exists()


def test_a_trainee_sees_only_their_own_answers_in_their_results(answered):
    trainee_a, trainee_b = answered
    page = text(trainee_a.get(f"{trainee_a.attempt_url}results"))
    assert "64493-50-KX, 64494-RT-KX" in page
    assert "Ben" not in page and "<code>64493-50, 64494-RT</code>" not in page


@pytest.mark.parametrize("suffix", ["", "answers.csv", "status"])
def test_a_made_up_session_address_is_not_found(trainer, suffix):
    url = f"/quiz/sessions/{uuid4()}/{suffix}"
    response = trainer.post(url, {"status": "open"}) if suffix == "status" else trainer.get(url)
    assert response.status_code == 404
    assert trainer.get(f"/quiz/sessions/not-a-uuid/{suffix}").status_code == 404


def test_a_closed_session_says_so_instead_of_showing_the_form(trainee_a, training_session):
    training_session.set_status(TrainingSession.Status.CLOSED)
    page = text(trainee_a.get(f"{trainee_a.attempt_url}1/"))
    assert "This training session is closed" in page and 'name="claim"' not in page


def test_exam_results_show_once_the_session_closes(trainer, quiz, anonymous):
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user, mode="exam")
    session.set_status(TrainingSession.Status.OPEN)
    anonymous.attempt_url = join(anonymous, session, "Eve")
    answer(anonymous, 1, claim="64493-50")
    results = f"{anonymous.attempt_url}results"
    assert "Your results show once you have answered every question" in text(anonymous.get(results))
    session.set_status(TrainingSession.Status.CLOSED)
    page = text(anonymous.get(results))
    assert "not passed" in page and "Question 1:" in page
