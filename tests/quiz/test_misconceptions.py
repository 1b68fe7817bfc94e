"""Misconception tags come from what the answer shows, never from the question alone.

Each row: the case's expected claim (the fact sheet's coding, written by hand), a typical answer
and the misconceptions it shows. Right answers show none.
"""

import pytest

from coding.engine.claims import parse_claim
from quiz import misconceptions
from quiz.models import AnswerInput, Tag

TYPICAL_ANSWERS = [
    # Cervical case answered with lumbar codes: the region, not the level count.
    ("64490-50, 64491-50", "64493-50, 64494-50", ["wrong-region"]),
    # T12-L1 is thoracic (fact sheet §2): 64490, not 64493.
    ("64490-50-KX", "64493-50-KX", ["wrong-region"]),
    # Three nerves (L3, L4, L5) are two joints: a third level shows nerves counted as levels.
    ("64493-50-KX, 64494-50-KX", "64493-50-KX, 64494-50-KX, 64495-50-KX", ["nerves-as-levels"]),
    # Third level billed as the second-level add-on twice.
    ("64493-50, 64494-50, 64495-50", "64493-50, 64494-50 x2", ["third-level"]),
    ("64493-LT, 64494-LT, 64495-LT", "64493-LT, 64494-LT, 64494-LT", ["third-level"]),
    # Mixed sides in Medicare format: 50 only on the bilateral level.
    ("64493-50-KX, 64494-RT-KX", "64493-50-KX, 64494-50-KX", ["modifier-50"]),
    # The add-on takes 50 too when its level is bilateral (fact sheet §4).
    ("64490-50, 64491-50", "64490-50, 64491", ["modifier-50"]),
    # Bilateral as RT and LT lines where the payer wants 50, and the reverse.
    ("64493-50-KX", "64493-RT-KX, 64493-LT-KX", ["payer-format"]),
    ("64493-RT, 64493-LT, 64494-RT", "64493-50, 64494-RT", ["payer-format"]),
    # KX left off a diagnostic block for Medicare, or added to a therapeutic one.
    ("64493-50-KX, 64494-50-KX", "64493-50, 64494-50", ["kx"]),
    ("64493-RT, 64494-RT", "64493-RT-KX, 64494-RT-KX", ["kx"]),
    # Fluoroscopy is included in the facet codes.
    ("64493-50-KX, 64494-50-KX", "64493-50-KX, 64494-50-KX, 77003", ["imaging-billed"]),
    # Ultrasound guidance has its own Category III codes.
    ("0216T-50, 0217T-50", "64493-50, 64494-50", ["ultrasound"]),
    # RFA: one unit per additional joint, not per nerve.
    ("64635-50, 64636-50 x2", "64635-50, 64636-50", ["ablation-units"]),
    ("64635-RT, 64636-RT x2", "64635-RT, 64636-RT x3", ["nerves-as-levels", "ablation-units"]),
    # 51 never goes on an add-on code (fact sheet §1).
    ("64493-RT, 64494-RT", "64493-RT, 64494-51-RT", ["modifier-51"]),
    # 59 to split levels that the add-on codes already cover.
    ("64493-RT, 64494-RT", "64493-RT, 64493-59-RT", ["distinct-modifiers"]),
]

RIGHT_ANSWERS = [
    ("64493-50-KX, 64494-RT-KX", "64494-RT-KX, 64493-KX-50"),
    ("64635-50, 64636-50 x2", "64636-50 x2, 64635-50"),
    ("64490-50, 64491-50", "64490-50, 64491-50"),
]


@pytest.mark.parametrize(("expected", "given", "tags"), TYPICAL_ANSWERS)
def test_it_tags_a_typical_wrong_answer_with_what_it_shows(expected, given, tags):
    assert misconceptions.shown(parse_claim(expected), parse_claim(given)) == tags


@pytest.mark.parametrize(("expected", "given"), RIGHT_ANSWERS)
def test_it_tags_no_right_answer(expected, given):
    assert misconceptions.shown(parse_claim(expected), parse_claim(given)) == []


def test_it_names_only_known_tags():
    assert {tag for tag, _ in misconceptions.DETECTORS} <= set(Tag.values)


def test_it_does_not_tag_a_cervical_case_answered_lumbar_as_nerves_counted(claim_question):
    # The question's own tag (modifier-50) is not given to an answer that does not show it.
    marked = claim_question.mark(AnswerInput(lines=parse_claim("64490-50-KX, 64491-RT-KX")))
    assert marked.score < 1
    assert marked.tags == ["wrong-region"]


def test_it_gives_a_question_no_tag_for_its_right_answer_written_otherwise(claim_question):
    marked = claim_question.mark(AnswerInput(lines=parse_claim("64494-KX-RT\n64493 KX 50")))
    assert (marked.score, marked.tags) == (1.0, [])
