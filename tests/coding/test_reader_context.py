"""What the note says was not done today: negated, historical, planned or hypothetical mentions
and those of another procedure of the same day are shown as ignored and never become claim lines.
And the medspaCy pipeline behind it is built once per process."""

import threading

import pytest

from coding.reader import context, read_note
from coding.reader.context import sentence_starts

TODAY = "Bilateral L4-5 medial branch blocks under fluoroscopy, diagnostic."


def ignored(text: str) -> dict[str, str]:
    """The note's words that were ignored, each with the reason."""
    reading = read_note(text)
    return {
        reading.text[f.start : f.end]: f.why
        for f in reading.findings
        if not f.used and f.kind != "other"
    }


@pytest.mark.parametrize(
    ("sentence", "words", "why"),
    [
        ("No RFA was performed.", "RFA", "negated"),
        ("Radiofrequency ablation was not performed today.", "Radiofrequency ablation", "negated"),
        ("Prior RFA at L5-S1 gave 60% relief.", "L5-S1", "historical"),
        (
            "Status post L5-S1 radiofrequency ablation in 2023.",
            "radiofrequency ablation",
            "historical",
        ),
        ("Previous L5-S1 facet injections helped.", "L5-S1", "historical"),
        ("Will consider RFA if positive.", "RFA", "planned or hypothetical"),
        ("Plan: bilateral L5-S1 radiofrequency ablation.", "L5-S1", "planned or hypothetical"),
        ("If relief is 80%, we will proceed with RFA.", "RFA", "planned or hypothetical"),
        ("She is scheduled for L5-S1 RFA next month.", "L5-S1", "planned or hypothetical"),
    ],
)
def test_it_ignores_what_was_not_done_today(sentence, words, why):
    found = ignored(f"{TODAY} {sentence}")
    assert found[words].startswith(why)


@pytest.mark.parametrize(
    "sentence",
    [
        "No RFA was performed.",
        "Prior RFA at L5-S1 gave 60% relief.",
        "Will consider bilateral L5-S1 RFA if positive.",
        "An L5-S1 interlaminar epidural steroid injection was also performed.",
        "A right SI joint injection was also done at L5-S1 level.",
    ],
)
def test_what_was_not_done_today_changes_no_claim_line(sentence):
    assert read_note(f"{TODAY} {sentence}").claim == "64493-50-KX"


def test_it_ignores_the_levels_of_another_procedure_of_the_same_day():
    found = ignored(f"{TODAY} An L5-S1 interlaminar epidural steroid injection was also performed.")
    assert found["L5-S1"] == "another procedure of the day: epidural"


def test_without_complication_negates_nothing_of_the_session():
    reading = read_note(
        "Bilateral L4-5 medial branch blocks were performed under fluoroscopy without "
        "complication, diagnostic."
    )
    assert reading.claim == "64493-50-KX"


def test_no_imaging_is_the_guidance_not_a_negated_mention():
    reading = read_note("Right L4-5 facet injection without imaging, therapeutic.")
    assert reading.guidance == "none"
    assert reading.lines == []  # no facet code without imaging (facts §2)
    assert not reading.held


def test_a_negation_does_not_reach_into_the_next_sentence():
    reading = read_note("No RFA was performed. Bilateral L4-5 MBB under fluoroscopy, diagnostic.")
    assert reading.claim == "64493-50-KX"


def test_history_reaches_only_the_words_just_after_it():
    reading = read_note(
        "After two positive diagnostic medial branch blocks, under fluoroscopic guidance, "
        "radiofrequency lesions were made at 80 degrees C at the right L3 and L4 medial branches."
    )
    assert reading.guidance == "fluoroscopy"
    assert reading.claim == "64635-RT"


def test_sentences_end_at_line_breaks_and_full_stops_but_not_in_decimals():
    text = "Bupivacaine 0.5 mL. Then L4-5\nL5-S1 | R"
    assert sentence_starts(text) == (0, text.index("Then"), text.index("L5-S1"))


def test_a_run_on_sentence_is_cut_so_that_context_stays_linear():
    text = "word " * 400
    starts = sentence_starts(text)
    assert len(starts) > 1
    assert all(b - a <= context.MAX_SENTENCE + 10 for a, b in zip(starts, starts[1:], strict=False))


def test_the_pipeline_is_built_once_per_process_even_from_many_threads():
    built = []
    threads = [threading.Thread(target=lambda: built.append(context.pipeline())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(nlp) for nlp in built}) == 1
    assert context.pipeline() is built[0]


def test_pyrush_logging_is_off_so_no_note_reaches_loguru(capfd):
    read_note("Patient Zebediah Quillfeather. " + TODAY)
    out, err = capfd.readouterr()
    assert "Zebediah" not in out + err


# --- Sections and the words of a plan -----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "why"),
    [
        ("PLAN:\nBilateral L5-S1 radiofrequency ablation.", "planned"),
        ("DISCHARGE INSTRUCTIONS:\nA second block at L5-S1 in two weeks.", "planned"),
        ("Follow-up: right L5-S1 RFA after two positive blocks.", "planned"),
        ("Past surgical history: L5-S1 radiofrequency ablation.", "historical"),
        ("Pre-procedure diagnosis: Spondylosis at L5-S1.", "a diagnosis"),
        ("Procedure 2 - transforaminal epidural:\nNeedle to the left L5-S1 foramen.", "another"),
    ],
)
def test_what_a_plan_history_diagnosis_or_other_procedure_section_names_is_not_today(section, why):
    found = ignored(f"{TODAY}\n{section}")
    assert found["L5-S1"].startswith(why)
    assert read_note(f"{TODAY}\n{section}").claim == "64493-50-KX"


def test_a_section_about_today_keeps_its_levels():
    reading = read_note(
        "History of present illness: axial pain.\nProcedure: bilateral L4-5 MBB under "
        "fluoroscopy, diagnostic."
    )
    assert reading.claim == "64493-50-KX"


def test_sections_are_read_from_labels_at_the_start_of_a_line():
    text = "PLAN:\nx\nThe plan: y\nDescription of procedure: z\nnote: the plan is"
    assert context.sections(text) == (
        (0, context.PLANNED),
        (text.index("The plan"), context.PLANNED),
        (text.index("Description"), None),  # the end of "The plan: y", then a label
        (text.index("Description"), None),
        (text.index("note:"), None),
    )


def test_a_section_ends_at_a_blank_line_and_an_inline_one_at_its_line_end():
    text = "PLAN:\nRFA later.\n\nRight L4-5\nHistory: RFA 2023.\nLeft L5-S1"
    assert context.sections(text) == (
        (0, context.PLANNED),
        (text.index("\n\n") + 1, None),
        (text.index("History"), context.HISTORICAL),
        (text.index("Left"), None),
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Radiofrequency ablation may be considered afterwards.",
        "Radiofrequency ablation will be considered only after two positive diagnostic blocks.",
        "If positive, a confirmatory block will be scheduled and an RFA could be offered.",
    ],
)
def test_a_passive_future_is_planned(sentence):
    reading = read_note(f"{TODAY} {sentence}")
    assert reading.procedure == "injection"
    assert reading.claim == "64493-50-KX"


def test_a_list_of_levels_shares_its_context_beyond_contexts_reach():
    found = ignored(
        f"{TODAY} The patient had two diagnostic medial branch blocks at bilateral L3-L4, "
        "L4-L5 and L5-S1, on 02/03/2026 and 02/24/2026."
    )
    assert found["L3-L4"].startswith("historical")
    assert found["L5-S1"].startswith("historical")


def test_what_an_imaging_study_showed_is_not_a_treated_level():
    reading = read_note(f"{TODAY} MRI of the lumbar spine shows facet arthropathy at L5-S1.")
    assert reading.claim == "64493-50-KX"


def test_what_the_note_rules_out_is_negated():
    reading = read_note(
        "Pregnancy precludes fluoroscopy. Bilateral L4-5 MBB under ultrasound, diagnostic."
    )
    assert reading.guidance == "ultrasound"


def test_no_fluoroscopy_beside_ultrasound_is_not_no_imaging():
    reading = read_note(
        "Bilateral L4-5 MBB under ultrasound, diagnostic. No fluoroscopy or contrast was used."
    )
    assert reading.guidance == "ultrasound"
    assert not reading.held


def test_the_procedure_named_right_after_a_historical_list_is_history_too():
    reading = read_note(
        "He had a left L3-L4 and L4-L5 radiofrequency ablation in 2024 that helped. Today "
        "bilateral L4-5 medial branch blocks under fluoroscopy, diagnostic."
    )
    assert reading.procedure == "injection"
    assert reading.claim == "64493-50-KX"


def test_a_pattern_of_words_becomes_the_phrases_it_matches():
    from medspacy.context import ConTextRule

    rule = ConTextRule(
        "patient was not",
        "NEGATED_EXISTENCE",
        pattern=[
            {"LOWER": {"IN": ["patient", "pt"]}},
            {"LOWER": {"IN": ["was", "is"]}},
            {"LOWER": "not"},
            {"LOWER": "yet", "OP": "?"},
        ],
        direction="FORWARD",
    )
    phrases = context._as_phrases(rule)
    assert sorted(p.literal for p in phrases) == [
        "patient is not",
        "patient is not yet",
        "patient was not",
        "patient was not yet",
        "pt is not",
        "pt is not yet",
        "pt was not",
        "pt was not yet",
    ]
    assert {(p.category, p.direction, p.pattern) for p in phrases} == {
        ("NEGATED_EXISTENCE", "FORWARD", None)
    }


def test_a_pattern_beyond_words_is_kept_as_it_is():
    from medspacy.context import ConTextRule

    rule = ConTextRule(
        "no", "NEGATED_EXISTENCE", pattern=[{"LOWER": "no"}, {"IS_PUNCT": True, "OP": "*"}]
    )
    assert context._as_phrases(rule) == [rule]


def test_the_phrases_mark_the_corpus_as_medspacy_s_own_patterns_do(monkeypatch):
    """The same label for every mention of every corpus note as with medspaCy's rules as
    shipped (its token patterns)."""
    from pathlib import Path

    from coding.reader.grammar import mentions, normalise

    as_phrases = context.pipeline()
    monkeypatch.setattr(context, "_as_phrases", lambda rule: [rule])
    as_shipped = context._build()
    for path in sorted((Path(__file__).parent / "notes").glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        spans = [(m.start, m.end) for m in mentions(text)[1]]
        monkeypatch.setattr(context, "_nlp", as_shipped)
        expected = context.analyse(text, spans).labels
        monkeypatch.setattr(context, "_nlp", as_phrases)
        assert context.analyse(text, spans).labels == expected, path.name


def test_the_doc_context_reads_has_spacys_tokens_of_the_joined_sentences(monkeypatch):
    """ConText reads the sentences of a chunk tokenized one at a time (``context._doc``): the
    same tokens, spaces and sentence starts as spaCy's tokens of the joined text, for every
    chunk of every corpus note and for lines that start with whitespace or are empty."""
    from pathlib import Path

    from coding.reader.grammar import mentions, normalise

    nlp = context.pipeline()
    # The cut is safe because spaCy's only special cases with whitespace are one character.
    rules = nlp.tokenizer.rules
    assert all(len(case) == 1 for case in rules if any(char.isspace() for char in case))
    chunks = [
        "No RFA.  \n\u2028Prior L4-5 \n\na.  b\nDr. Smith, e.g. L5-S1!",
        "\n\n x\ny \u00a0\n\x85z",
    ]
    doc_of = context._doc

    def keep(nlp, text):
        chunks.append(text)
        return doc_of(nlp, text)

    monkeypatch.setattr(context, "_doc", keep)
    for path in sorted((Path(__file__).parent / "notes").glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        context.analyse(text, [(m.start, m.end) for m in mentions(text)[1]])
    assert len(chunks) > 70
    for text in chunks:
        whole = list(nlp.make_doc(text))
        doc = doc_of(nlp, text)
        assert [(t.text, t.whitespace_) for t in doc] == [(t.text, t.whitespace_) for t in whole]
        starts = [
            i == 0
            or (
                not token.is_space
                and (
                    (whole[i - 1].is_space and "\n" in whole[i - 1].text)
                    or whole[i - 1].text in (".", "?", "!")
                )
            )
            for i, token in enumerate(whole)
        ]
        assert [bool(token.is_sent_start) for token in doc] == starts, text


@pytest.mark.parametrize(
    "pattern", ["x" * 997 + " ", "word ", ". ", "\n", " ", "a.b?c!" * 50 + " ", "x" * 20_000]
)
def test_sentences_are_found_in_linear_time(pattern):
    """``sentence_starts`` jumps between sentence ends: eight times the text costs about eight
    times as much, whatever the text, however long its run-on sentences."""
    from tests.coding.test_reader_grammar import LINEAR, cost, fit

    small = cost(sentence_starts, fit(pattern, 20_000))
    large = cost(sentence_starts, fit(pattern, 160_000))
    assert large / small < LINEAR
