"""Quiz explanations say no more than their sources (issue 16, item 6).

The explanation is what a trainee reads after answering; each test pins one statement the review
found stronger than the fact sheet (shared/reference/facts.md), with the wording by hand.
"""

import pytest

from quiz.models import Question

pytestmark = pytest.mark.django_db


def explanation(key: str) -> str:
    return " ".join(Question.objects.get(key=key).explanation.split())


def test_it_says_no_source_fixes_the_order_when_sides_differ():
    text = explanation("rfa-mixed-sides")
    assert "No source fixes which joint comes first" in text
    assert "64635-50 with 64636-LT" in text


def test_it_does_not_call_rt_lt_lines_an_asc_only_format():
    text = explanation("add-on-takes-50")
    assert "commercial payers may require it" in text
    assert "only how ASC facility claims work" not in text


def test_it_gives_lumbar_joints_two_to_three_nerves_and_c2_c3_one():
    text = explanation("medial-branch-exclusive")
    assert "two to three medial branch nerves" in text
    assert "C2-C3 is supplied by the third occipital nerve alone" in text
    assert "two nerves per joint" not in text
    keys = set(Question.objects.get(key="medial-branch-exclusive").sources.values_list("key"))
    assert ("facts",) not in keys


def test_it_cites_the_count_joints_rule_for_cervical_nerves():
    text = explanation("cervical-nerves-right")
    assert "Count joints, not nerves (Palmetto A58350, First Coast A57787)" in text


def test_it_makes_no_present_tense_uhc_claim_and_no_0215t_per_day_limit():
    text = explanation("ultrasound-cervical-three-levels")
    assert "UnitedHealthcare's 2017 policy (2017T0004AA" in text
    assert "its current version was not verified" in text
    assert "calls ultrasound guidance unproven" not in text
    assert "once per day" not in text


def test_it_credits_the_t12_l1_ablation_code_to_cgs():
    text = explanation("t12-l1-is-thoracic")
    assert "for ablation, CGS places T12-L1 at 64633" in text
    keys = {
        key for (key,) in Question.objects.get(key="t12-l1-is-thoracic").sources.values_list("key")
    }
    assert "cgs25" in keys


def test_it_does_not_make_t12_l1_the_only_medicare_exception():
    text = explanation("one-region-per-session")
    assert "CGS and NGS bill T12-L1 with L1-L2" in text
    assert "the only exception" not in text


def test_it_drops_the_premise_that_taxonomies_are_linked_to_codes():
    question = Question.objects.get(key="taxonomy-list-incomplete")
    assert "linked" not in question.prompt
    assert "it does not link any taxonomy to a procedure code" in explanation(question.key)
