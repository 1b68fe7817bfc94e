"""A question's answer marked through the scorer, and the misconceptions it reveals."""

from coding.engine.claims import parse_claim
from quiz.models import AnswerInput


def test_a_claim_question_is_marked_against_the_engine(claim_question):
    right = claim_question.mark(AnswerInput(lines=parse_claim("64493-50-KX, 64494-RT-KX")))
    assert (right.score, right.tags) == (1.0, [])
    assert right.expected == "64493-50-KX, 64494-RT-KX"
    partial = claim_question.mark(AnswerInput(lines=parse_claim("64493-50, 64494-RT")))
    assert partial.score == round(4 / 6, 4)
    # KX left off: that is what the answer shows, not the question's own tag (modifier-50).
    assert partial.tags == ["kx"]
    assert [row["given"] for row in partial.lines] == ["64493-50", "64494-RT"]


def test_a_wrong_option_reveals_its_own_misconception(single_question):
    options = {o.text: o.pk for o in single_question.options.all()}
    wrong = single_question.mark(AnswerInput(choices=(options["+64492"],)))
    assert (wrong.score, wrong.tags) == (0.0, ["wrong-region"])
    assert wrong.response == "+64492"
    assert wrong.expected == "+64495 once"
    right = single_question.mark(AnswerInput(choices=(options["+64495 once"],)))
    assert (right.score, right.tags) == (1.0, [])


def test_missing_a_right_option_alone_reveals_the_questions_misconception(multiple_question):
    options = {o.text: o.pk for o in multiple_question.options.all()}
    missed = multiple_question.mark(AnswerInput(choices=(options["Diagnostic block"],)))
    assert (missed.score, missed.tags) == (0.5, ["kx"])
    untagged_wrong = multiple_question.mark(
        AnswerInput(
            choices=(
                options["Diagnostic block"],
                options["Confirmatory block"],
                options["Ablation"],
            )
        )
    )
    # A wrong option that names no misconception shows none, even with one right one missed.
    assert untagged_wrong.score == 0.5
    assert untagged_wrong.tags == []
