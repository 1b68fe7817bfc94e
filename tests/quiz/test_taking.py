"""Taking a quiz: one question at a time, with and without htmx, scoring stored once, the time
limit enforced on the server, results, bad input and ownership (queries: test_queries.py)."""

import re
from datetime import timedelta
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from quiz.models import Answer, Attempt, Question
from tests.quiz.conftest import signed_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def text(response) -> str:
    """The page as a reader sees it: whitespace collapsed."""
    return " ".join(response.content.decode().split())


def start(client: Client, quiz, mode: str = "practice") -> Attempt:
    response = client.post(f"/quiz/{quiz.slug}/start", {"mode": mode})
    assert response.status_code == 302
    attempt = Attempt.objects.get(pk=response["Location"].split("/")[3])
    assert response["Location"] == f"/quiz/attempts/{attempt.pk}/1/"
    return attempt


def option_id(question, text: str) -> int:
    return question.options.get(text=text).pk


def question_url(attempt: Attempt, number: int) -> str:
    return f"/quiz/attempts/{attempt.pk}/{number}/"


def answer_all_right(client, attempt, single_question, multiple_question) -> None:
    client.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    client.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    client.post(
        question_url(attempt, 3),
        {
            "option": [
                option_id(multiple_question, "Diagnostic block"),
                option_id(multiple_question, "Confirmatory block"),
            ]
        },
    )


# Listing and starting ------------------------------------------------------------------------


def test_it_lists_the_topic_quizzes_and_the_mixed_exam(anonymous):
    response = anonymous.get("/quiz/")
    page = text(response)
    assert response.status_code == 200
    assert "By topic" in page and "Mixed exam" in page
    assert 'href="/quiz/counting-levels/"' in page
    # In the order of quizzes.toml.
    assert page.index("Counting levels") < page.index("Sides and modifiers")
    assert page.index("Sides and modifiers") < page.index("Radiofrequency ablation")
    assert 'href="/quiz/join"' in page


def test_it_shows_a_quiz_with_its_pass_mark_and_time_limit(anonymous, timed_quiz):
    page = text(anonymous.get(f"/quiz/{timed_quiz.slug}/"))
    assert "Pass mark: 70%" in page
    assert "Time limit: 10 minutes" in page
    assert anonymous.get("/quiz/no-such-quiz/").status_code == 404


def test_anyone_can_start_a_quiz_and_the_attempt_belongs_to_their_browser(anonymous, quiz):
    attempt = start(anonymous, quiz)
    assert attempt.user is None and attempt.owner_token
    assert attempt.question_ids == quiz.question_ids()
    assert anonymous.get(question_url(attempt, 1)).status_code == 200
    assert Client().get(question_url(attempt, 1)).status_code == 404


def test_a_signed_in_user_keeps_attempts_across_browsers(quiz):
    first = signed_in("coder")
    attempt = start(first, quiz)
    assert attempt.user == first.user and attempt.owner_token == ""
    first.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    second = Client()
    second.force_login(first.user)
    assert second.get(question_url(attempt, 1)).status_code == 200
    history = text(second.get("/quiz/"))
    assert f'<a href="/quiz/attempts/{attempt.pk}/">t-quiz</a>' in history
    assert "<td>1 of 3</td> <td>33%</td>" in history


def test_signing_in_part_way_keeps_the_anonymous_attempt(anonymous, quiz, outsider):
    attempt = start(anonymous, quiz)
    anonymous.force_login(outsider.user)
    assert anonymous.get(question_url(attempt, 1)).status_code == 200


def test_it_refuses_an_unknown_mode(anonymous, quiz):
    response = anonymous.post(f"/quiz/{quiz.slug}/start", {"mode": "cheat"})
    assert response.status_code == 400
    assert Attempt.objects.count() == 0


# Answering: practice mode ---------------------------------------------------------------------


def test_it_shows_one_question_with_progress_and_a_form(anonymous, quiz):
    attempt = start(anonymous, quiz)
    page = text(anonymous.get(question_url(attempt, 1)))
    assert "Question 1 of 3" in page
    assert '<progress id="quiz-progress" max="3" value="0">' in page
    assert 'name="claim"' in page
    assert f'hx-post="{question_url(attempt, 1)}"' in page
    assert f'action="{question_url(attempt, 1)}"' in page


def test_the_scenario_shows_as_paragraphs_with_its_text_escaped(anonymous, quiz, claim_question):
    claim_question.scenario = (
        "PROCEDURE: Right L4-L5 <b>and</b> L5-S1.\nFluoroscopy.\n\nNo complications."
    )
    claim_question.save()
    attempt = start(anonymous, quiz)
    for headers in ({}, {"HX-Request": "true"}):  # the page, then the htmx fragment (kept)
        page = anonymous.get(question_url(attempt, 1), headers=headers).content.decode()
        assert (
            '<div class="scenario"><p>PROCEDURE: Right L4-L5 &lt;b&gt;and&lt;/b&gt; L5-S1.<br>'
            "Fluoroscopy.</p>\n\n<p>No complications.</p></div>"
        ) in page


def test_each_answer_shows_its_own_feedback_while_others_are_kept(quiz):
    """The page keeps the feedback of an answer for the next one stored alike; an answer
    given differently never shows it, whichever came first."""
    verdicts = {  # by hand: 3 points a line (code, modifiers, units), over the larger count
        "64493-50, 64494-RT, 77003": "Partly right: 44% credit",  # 4 of 9
        "64493-50-KX, 64494-RT-KX": "Right",
        "64493-50, 64494-RT": "Partly right: 67% credit",  # 4 of 6
    }
    pages = {}
    for claim in [*verdicts, *verdicts]:  # each answer twice: the second from what was kept
        trainee = Client()
        url = question_url(start(trainee, quiz), 1)
        for page in (
            trainee.post(url, {"claim": claim}, headers=HTMX).content.decode(),
            trainee.get(url).content.decode(),
        ):
            shown = re.search(r'<section class="feedback.*?</section>', page, re.S).group(0)
            heading = re.search(r"<h2[^>]*>\s*(.*?)\s*</h2>", shown, re.S).group(1)
            assert heading == verdicts[claim]
            for line in claim.split(", "):
                assert f"<code>{line}</code>" in shown
            assert pages.setdefault(claim, shown) == shown


def test_practice_without_javascript_posts_redirects_and_shows_feedback(anonymous, quiz):
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 1)
    response = anonymous.post(url, {"claim": "64493-50, 64494-RT, 77003"})
    assert response.status_code == 302 and response["Location"] == url
    page = text(anonymous.get(url))
    assert "Partly right: 44%" in page  # 2 + 2 of 9 points: KX missing twice, 77003 extra
    assert "<code>64493-50-KX</code>" in page and "<code>64493-50</code>" in page
    assert "<code>77003</code>" in page and "not expected" in page
    assert (  # what the answer suggests, in a list a reader can read
        'This answer suggests: <a href="/modifiers/KX/">KX modifier</a>; '
        '<a href="/codes/77003/">Imaging billed separately</a> </p>'
    ) in page
    assert '<progress id="quiz-progress" max="3" value="1">' in page
    assert f'href="{question_url(attempt, 2)}"' in page
    answer = Answer.objects.get(attempt=attempt)
    assert answer.score == round(4 / 9, 4) and not answer.correct
    assert answer.response == "64493-50, 64494-RT, 77003"
    assert answer.expected == "64493-50-KX, 64494-RT-KX"


def test_practice_with_htmx_swaps_in_the_feedback_without_a_reload(
    anonymous, quiz, single_question
):
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 2)
    response = anonymous.post(
        url, {"option": option_id(single_question, "+64494 again")}, headers=HTMX
    )
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page and 'id="quiz-panel"' in page
    assert "Not right" in page and "your choice, wrong" in page
    assert "Third level miscoded" in page  # the misconception this option reveals
    assert response["HX-Push-Url"] == url
    assert "HX-Request" in response["Vary"]
    next_page = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/3/", headers=HTMX))
    assert "<html" not in next_page and "Question 3 of 3" in next_page


def test_the_question_page_is_keyboard_friendly(anonymous, quiz, single_question):
    attempt = start(anonymous, quiz)
    page = text(anonymous.get(question_url(attempt, 2)))
    # Radios in a fieldset with a legend, each with its label; focus goes to the heading.
    assert "<fieldset" in page and "<legend" in page
    for option in single_question.options.all():
        assert f'value="{option.pk}"' in page
    assert 'id="question-heading" tabindex="-1" autofocus' in page
    assert '<button type="submit">Submit answer</button>' in page


# Exam mode ----------------------------------------------------------------------------------


def test_exam_mode_moves_on_and_keeps_the_feedback_for_the_results(
    anonymous, quiz, single_question, multiple_question
):
    attempt = start(anonymous, quiz, mode="exam")
    response = anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    assert response["Location"] == question_url(attempt, 2)
    page = text(anonymous.get(question_url(attempt, 1)))
    assert "Your answer is recorded" in page
    assert "Expected claim" not in page and "Partly right" not in page
    results = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/results"))
    assert "Your results show once you have answered every question (1 of 3 so far)" in results
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    response = anonymous.post(
        question_url(attempt, 3), {"option": [option_id(multiple_question, "Diagnostic block")]}
    )
    assert response["Location"] == f"/quiz/attempts/{attempt.pk}/results"


def test_exam_mode_with_htmx_swaps_in_the_next_question(anonymous, quiz, single_question):
    attempt = start(anonymous, quiz, mode="exam")
    response = anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}, headers=HTMX)
    page = text(response)
    assert "Question 2 of 3" in page and "<html" not in page
    assert response["HX-Push-Url"] == question_url(attempt, 2)


def test_the_last_answer_with_htmx_sends_the_browser_to_the_results(
    anonymous, quiz, single_question, multiple_question
):
    attempt = start(anonymous, quiz, mode="exam")
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50"})
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    response = anonymous.post(
        question_url(attempt, 3),
        {"option": [option_id(multiple_question, "Ablation")]},
        headers=HTMX,
    )
    assert response["HX-Redirect"] == f"/quiz/attempts/{attempt.pk}/results"


def test_resuming_goes_to_the_first_unanswered_question(anonymous, quiz, single_question):
    attempt = start(anonymous, quiz, mode="exam")
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64495 once")})
    assert anonymous.get(f"/quiz/attempts/{attempt.pk}/")["Location"] == question_url(attempt, 1)


# Results ------------------------------------------------------------------------------------


def test_the_results_show_the_score_pass_mark_and_every_answer(
    anonymous, quiz, single_question, multiple_question
):
    attempt = start(anonymous, quiz)
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    anonymous.post(question_url(attempt, 2), {"option": option_id(single_question, "+64492")})
    anonymous.post(
        question_url(attempt, 3), {"option": [option_id(multiple_question, "Diagnostic block")]}
    )
    response = anonymous.get(f"/quiz/attempts/{attempt.pk}/results")
    page = text(response)
    assert "50%: not passed" in page  # (1 + 0 + 0.5) / 3, pass mark 60
    assert "Pass mark 60%. 1 of 3 right; 3 answered" in page
    assert page.count('class="feedback') == 3
    assert "Wrong region" in page  # the misconception revealed by +64492


def test_the_results_pass_at_the_pass_mark(anonymous, quiz, single_question, multiple_question):
    attempt = start(anonymous, quiz)
    answer_all_right(anonymous, attempt, single_question, multiple_question)
    page = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/results"))
    assert "100%: passed" in page


def test_the_results_link_to_the_code_pages_the_question_cites(anonymous):
    from quiz.models import Quiz

    quiz = Quiz.objects.get(slug="counting-levels")
    quiz.shuffle = False  # question 1 is the file's first, a claim question
    quiz.save()
    attempt = start(anonymous, quiz)
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50"})
    page = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/results"))
    first = Question.objects.get(pk=attempt.question_ids[0])  # questions come shuffled
    for code in first.codes.all():
        assert f'href="/codes/{code.code}/"' in page
    for source in first.sources.all():
        assert f'href="/sources/#source-{source.key}"' in page


# Kept in the cache, yet never stale -----------------------------------------------------------


def test_an_edited_question_or_option_shows_at_once(anonymous, quiz, single_question):
    attempt = start(anonymous, quiz)
    assert "Prompt of t-single?" in text(anonymous.get(question_url(attempt, 2)))
    single_question.prompt = "Which add-on takes the third lumbar level?"
    single_question.save()
    page = text(anonymous.get(question_url(attempt, 2)))
    assert "Which add-on takes the third lumbar level?" in page
    assert "Prompt of t-single?" not in page
    option = single_question.options.get(text="+64492")
    option.text = "+64492, the cervical/thoracic add-on"
    option.save()
    assert "+64492, the cervical/thoracic add-on" in text(anonymous.get(question_url(attempt, 2)))


def test_a_changed_scenario_changes_the_expected_answer_at_once(anonymous, quiz, claim_question):
    attempt = start(anonymous, quiz)
    anonymous.get(question_url(attempt, 1))
    claim_question.joints = "L4-L5:B"
    claim_question.save()
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX"})
    assert Answer.objects.get(attempt=attempt).expected == "64493-50-KX"
    assert "Right" in text(anonymous.get(question_url(attempt, 1)))


def test_an_edited_source_or_link_shows_in_the_feedback_at_once(anonymous):
    from quiz.models import Quiz

    quiz = Quiz.objects.get(slug="counting-levels")
    quiz.shuffle = False  # question 1 is the file's first, a claim question
    quiz.save()
    attempt = start(anonymous, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])  # questions come shuffled
    source = question.sources.first()
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50"})
    assert source.title in text(anonymous.get(question_url(attempt, 1)))
    source.title = "A retitled source"
    source.save()
    page = text(anonymous.get(question_url(attempt, 1)))
    assert "A retitled source" in page and "<h3>Rule" in page
    question.rules.clear()
    assert "<h3>Rule" not in text(anonymous.get(question_url(attempt, 1)))


# Stored once --------------------------------------------------------------------------------


def test_a_submitted_answer_cannot_be_changed(anonymous, quiz):
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 1)
    anonymous.post(url, {"claim": "64493-50"})
    response = anonymous.post(url, {"claim": "64493-50-KX, 64494-RT-KX"}, follow=True)
    assert "your first answer stands" in text(response)
    answer = Answer.objects.get(attempt=attempt)
    assert answer.response == "64493-50" and answer.score < 1


def test_the_same_submission_sent_twice_counts_once(anonymous, quiz, single_question):
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 2)
    data = {"option": option_id(single_question, "+64495 once")}
    first = anonymous.post(url, data, headers=HTMX)
    second = anonymous.post(url, data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert "your first answer stands" in text(second)
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_two_submissions_racing_store_one_answer(anonymous, quiz, claim_question, monkeypatch):
    """The second request passed the 'already answered?' check before the first was stored:
    the unique constraint catches it and the stored answer is returned."""
    from coding.engine.claims import parse_claim
    from quiz import views
    from quiz.models import AnswerInput

    attempt = start(anonymous, quiz)
    original = views.AnswerForm.is_valid

    def is_valid_after_a_competing_request(form):
        attempt.answer(claim_question, 1, AnswerInput(lines=parse_claim("64493-50")))
        return original(form)

    monkeypatch.setattr(views.AnswerForm, "is_valid", is_valid_after_a_competing_request)
    response = anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    assert response.status_code == 302
    assert Answer.objects.get(attempt=attempt).response == "64493-50"


def test_the_model_returns_the_stored_answer_on_a_second_call(quiz, claim_question):
    from coding.engine.claims import parse_claim
    from quiz.models import AnswerInput

    attempt = Attempt.start(quiz, mode="practice", owner_token="t")
    first, created = attempt.answer(claim_question, 1, AnswerInput(lines=parse_claim("64493-50")))
    again, created_again = attempt.answer(
        claim_question, 1, AnswerInput(lines=parse_claim("64493-50-KX, 64494-RT-KX"))
    )
    assert (created, created_again) == (True, False)
    assert Answer.objects.get(attempt=attempt).pk == first.pk
    assert again.pk == first.pk and again.response == "64493-50"


# Time limit ---------------------------------------------------------------------------------


def test_answers_before_the_deadline_count(anonymous, timed_quiz):
    attempt = start(anonymous, timed_quiz)
    assert attempt.time_limit == 10
    anonymous.post(question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"})
    answer = Answer.objects.get(attempt=attempt)
    assert (answer.late, answer.score) == (False, 1.0)


def test_answers_after_the_deadline_are_stored_late_with_no_score(anonymous, timed_quiz):
    attempt = start(anonymous, timed_quiz)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=10, seconds=1)
    )
    response = anonymous.post(
        question_url(attempt, 1), {"claim": "64493-50-KX, 64494-RT-KX"}, follow=True
    )
    page = text(response)
    assert response.redirect_chain[-1][0] == f"/quiz/attempts/{attempt.pk}/results"
    assert "recorded as late and does not count" in page
    assert "0%: not passed" in page
    answer = Answer.objects.get(attempt=attempt)
    assert (answer.late, answer.score, answer.correct) == (True, 0.0, False)


def test_after_the_deadline_the_question_page_says_time_is_up(anonymous, timed_quiz):
    attempt = start(anonymous, timed_quiz)
    page = text(anonymous.get(question_url(attempt, 1)))
    assert "Time left: 9 min" in page or "Time left: 10 min" in page
    assert f'hx-get="/quiz/attempts/{attempt.pk}/time"' in page
    Attempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - timedelta(hours=1))
    page = text(anonymous.get(question_url(attempt, 1)))
    assert "Time is up" in page and 'name="claim"' not in page
    fragment = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/time", headers=HTMX))
    assert "Time is up." in fragment and "hx-get" not in fragment  # polling stops


def test_the_time_left_is_computed_on_the_server(anonymous, timed_quiz):
    attempt = start(anonymous, timed_quiz)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=7, seconds=30)
    )
    fragment = text(anonymous.get(f"/quiz/attempts/{attempt.pk}/time"))
    assert "Time left: 2 min" in fragment and "<html" not in fragment


def test_a_quiz_without_a_time_limit_shows_no_timer(anonymous, quiz):
    attempt = start(anonymous, quiz)
    assert "Time left" not in text(anonymous.get(question_url(attempt, 1)))
    assert anonymous.get(f"/quiz/attempts/{attempt.pk}/time").status_code == 404


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "data", "message"),
    [
        (1, {"claim": ""}, "Enter your claim lines"),
        (1, {"claim": "   "}, "Enter your claim lines"),
        (1, {}, "Enter your claim lines"),
        (
            1,
            {"claim": "64493-5O"},
            "Could not read &quot;64493-5O&quot;: modifier &quot;5O&quot; is not a modifier.",
        ),
        (1, {"claim": "x" * 2000}, "Ensure this value has at most 1000 characters"),
        (2, {"option": "999999"}, "not one of this question&#x27;s options"),
        (2, {"option": "abc"}, "not one of this question&#x27;s options"),
        (2, {}, "Choose an answer."),
        (3, {"option": ["999999"]}, "not one of this question&#x27;s options"),
        (3, {}, "Select at least one answer."),
    ],
)
def test_a_bogus_answer_is_refused_with_a_clear_message(anonymous, quiz, number, data, message):
    attempt = start(anonymous, quiz)
    for headers in ({}, HTMX):
        response = anonymous.post(question_url(attempt, number), data, headers=headers)
        assert response.status_code == 400
        assert message in text(response)
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_an_option_of_another_question_is_refused(
    anonymous, quiz, single_question, multiple_question
):
    attempt = start(anonymous, quiz)
    other = option_id(multiple_question, "Diagnostic block")
    assert anonymous.post(question_url(attempt, 2), {"option": other}).status_code == 400
    assert not Answer.objects.exists()


@pytest.mark.parametrize("number", [0, 4, 999])
def test_a_question_not_in_the_attempt_is_not_found(anonymous, quiz, number):
    attempt = start(anonymous, quiz)
    response = anonymous.post(question_url(attempt, number), {"claim": "64493-50"})
    assert response.status_code == 404
    assert f"This quiz has 3 questions; there is no question {number}." in text(response)
    assert anonymous.get(question_url(attempt, number)).status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/quiz/attempts/{random}/1/",
        "/quiz/attempts/{random}/results",
        "/quiz/attempts/{random}/time",
        "/quiz/attempts/not-a-uuid/1/",
        "/quiz/attempts/{random}/one/",
    ],
)
def test_a_made_up_attempt_address_is_not_found(anonymous, path):
    assert anonymous.get(path.format(random=uuid4())).status_code == 404


def test_the_question_page_refuses_other_methods(anonymous, quiz):
    attempt = start(anonymous, quiz)
    assert anonymous.put(question_url(attempt, 1)).status_code == 405
    assert anonymous.get(f"/quiz/{quiz.slug}/start").status_code == 405


# Whose attempt ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "1/", "2/", "results", "time"])
def test_nobody_else_reaches_an_attempt(timed_quiz, path, trainer, outsider, superuser, anonymous):
    owner = Client()
    attempt = start(owner, timed_quiz)
    url = f"/quiz/attempts/{attempt.pk}/{path}".replace("//", "/")
    assert owner.get(url).status_code in (200, 302)
    for stranger in (trainer, outsider, superuser, anonymous):
        assert stranger.get(url).status_code == 404
    assert anonymous.post(question_url(attempt, 1), {"claim": "64493-50"}).status_code == 404
    assert not Answer.objects.exists()


def test_a_wrong_claim_is_explained_line_by_line_by_the_auditor(anonymous, quiz):
    # The scenario is a diagnostic Medicare block (64493-50-KX, 64494-RT-KX): the auditor says
    # that 77003 is included and that the diagnostic lines lack KX.
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 1)
    anonymous.post(url, {"claim": "64493-50, 64494-RT, 77003"})
    page = text(anonymous.get(url))
    assert "What is wrong with your lines" in page
    explained = page[page.index("What is wrong with your lines") :]
    assert "77003" in explained and "KX" in explained


def test_a_right_claim_gets_no_line_by_line_explanation(anonymous, quiz):
    attempt = start(anonymous, quiz)
    url = question_url(attempt, 1)
    anonymous.post(url, {"claim": "64493-50-KX, 64494-RT-KX"})
    assert "What is wrong with your lines" not in text(anonymous.get(url))
