"""The note reader's own grammar: levels, nerves, sides, procedures, guidance, intent, the
ablation's temperature, codes and headers, read as coders write them; and in linear time.

Expected values are written by hand (nerves to joints: facts §10).
"""

import os
import subprocess
import sys
import time

import pytest

from coding.engine import read_coverage
from coding.reader import read_note
from coding.reader.grammar import mentions, normalise


def found(text: str, kind: str) -> list[str]:
    return [m.value for m in mentions(normalise(text))[1] if m.kind == kind]


def spans(text: str, kind: str) -> list[str]:
    return [text[m.start : m.end] for m in mentions(normalise(text))[1] if m.kind == kind]


# --- Levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["L4-5", "L4/5", "L4-L5", "L4 - L5", "l4-5", "L4–5", "L4\u20135", "L5-L4", "L4-5 facet"],
)
def test_it_reads_a_joint_however_it_is_written(written):
    assert found(f"Injection at {written} today.", "joint") == ["L4-L5"]


@pytest.mark.parametrize(
    ("written", "joint"),
    [
        ("L5-S1", "L5-S1"),
        ("L5/S1", "L5-S1"),
        ("L5S1", "L5-S1"),
        ("T12-L1", "T12-L1"),
        ("C7-T1", "C7-T1"),
        ("C2-3", "C2-C3"),
        ("T7-8", "T7-T8"),
    ],
)
def test_it_reads_joints_across_the_spine(written, joint):
    assert found(f"at {written}", "joint") == [joint]


def test_its_spans_are_the_notes_own_characters():
    text = "Bilateral\tL4–5 and L5/S1\u00a0facet injections"
    assert spans(text, "joint") == ["L4–5", "L5/S1"]
    assert spans(text, "side") == ["Bilateral"]


def test_it_reads_a_list_of_levels():
    assert found("L3-4, L4-5 and L5-S1", "joint") == ["L3-L4", "L4-L5", "L5-S1"]


def test_it_calls_a_span_of_two_joints_a_range_not_a_joint():
    assert found("L3-5 medial branch blocks", "range") == ["L3-L5"]
    assert found("L3-5 medial branch blocks", "joint") == []


def test_it_reads_lone_vertebrae_as_nerve_candidates():
    text = "the L3 and L4 medial branches and the L5 dorsal ramus"
    assert found(text, "nerve") == ["L3", "L4", "L5"]
    assert found(text, "nerve_word") == ["medial branch", "medial branch"]


@pytest.mark.parametrize(
    "written",
    [
        "the left third occipital nerve",
        "third occipital nerves",
        "right TON block",
        "TON, C3 and C4",
    ],
)
def test_it_reads_the_third_occipital_nerve_by_name(written):
    assert found(written, "nerve")[0] == "TON"


def test_it_reads_ton_as_the_nerve_only_in_capitals():
    assert found("a ton of pain, Ton and ton", "nerve") == []


def test_it_codes_a_third_occipital_nerve_block_at_c2_c3():
    reading = read_note(
        "Right third occipital nerve block under fluoroscopy, diagnostic.",
        read_coverage(payer="medicare"),
    )
    assert (reading.joints, reading.nerves, reading.technique) == ("C2-C3:R", "TON:R", "mbb")
    assert reading.claim == "64490-RT-KX"


def test_it_ignores_letters_and_numbers_that_are_not_levels():
    assert found("L9 and C1 and LT and 2 mL and S2", "joint") == []
    assert found("L9 and C1 and LT and 2 mL and S2", "nerve") == []


# --- Sides, procedures and the rest ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "side"),
    [
        ("bilateral", "B"),
        ("Bilaterally", "B"),
        ("bilat", "B"),
        ("b/l", "B"),
        ("on both sides", "B"),
        ("right-sided", "R"),
        ("Rt", "R"),
        ("on the left", "L"),
        ("left side", "L"),
        ("LT", "L"),
    ],
)
def test_it_reads_a_side(written, side):
    assert found(f"L4-5 {written}", "side") == [side]


def test_it_reads_a_table_cell_letter_as_a_side_only_standing_alone():
    assert found("L4-5 | R\nL5-S1 | L", "side") == ["R", "L"]
    assert found("L4-5 | R\nL5-S1 | L", "joint") == ["L4-L5", "L5-S1"]


TYPO_SCRIPT = """
from coding.reader.grammar import spelled
print(",".join(spelled(word) for word in %r))
"""


def test_a_typo_reads_the_same_in_every_process_and_two_readings_read_as_none():
    """A misspelling one letter away from two lexicon words ("medoal": medial, or the steroid
    medrol) is not guessed at: it was once read as one or the other by Python's hash seed."""
    words = ["medoal", "blockes", "medail", "flouroscopy", "radiofrequncy", "bilatreal"]
    readings = set()
    for seed in ("0", "1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", TYPO_SCRIPT % words],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "DJANGO_DEBUG": "1"},
        )
        readings.add(result.stdout.strip())
    assert readings == {"medoal,blockes,medial,fluoroscopy,radiofrequency,bilateral"}


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("medial branch block", "mbb"),
        ("MBB", "mbb"),
        ("intra-articular facet injection", "ia"),
        ("radiofrequency ablation", "rfa"),
        ("RF neurotomy", "rfa"),
        ("RFA", "rfa"),
        ("medail branch blocks", "mbb"),  # one typo in a long word
        ("radiofrequncy ablation", "rfa"),
        ("facet joint injection", "injection"),
    ],
)
def test_it_reads_the_procedure(written, value):
    assert found(f"Today: {written}.", "procedure") == [value]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("under fluoroscopic guidance", "fluoroscopy"),
        ("under flouroscopy", "fluoroscopy"),
        ("C-arm", "fluoroscopy"),
        ("CT-guided", "ct"),
        ("ultrasound-guided", "ultrasound"),
        ("by landmarks", "none"),
        ("without imaging", "none"),
    ],
)
def test_it_reads_the_guidance(written, value):
    assert found(f"Done {written}.", "guidance") == [value]


@pytest.mark.parametrize(
    ("written", "degrees"),
    [("80 °C", "80"), ("90C", "90"), ("85 degrees C", "85"), ("60 degrees Celsius", "60")],
)
def test_it_reads_the_lesion_temperature(written, degrees):
    assert found(f"lesioned at {written} for 90 seconds", "temperature") == [degrees]


def test_it_reads_pulsed_cooled_and_other_modalities():
    text = "pulsed radiofrequency; cooled RF; cryoablation; phenol; laser"
    assert found(text, "modality") == ["pulsed", "cooled", "cryo", "chemical", "laser"]


def test_it_reads_facet_cpt_codes_and_no_others():
    assert found("CPT: 64493, 64494, 77003, 0216T, 99213", "code") == ["64493", "64494", "0216T"]


def test_it_reads_dx_as_the_intent_but_not_a_diagnosis_heading():
    assert found("MBB, dx #1", "intent") == ["diagnostic"]
    assert found("Dx: lumbar spondylosis", "intent") == []


def test_it_reads_a_header_label_only_at_the_start_of_a_line():
    assert found("PROCEDURE: right L4-5 MBB", "header") == ["procedure"]
    assert found("The procedure was explained.", "header") == []


# --- From mentions to the session --------------------------------------------------------------


def reading(text: str, **coverage):
    return read_note(text, read_coverage(**coverage))


def test_it_counts_joints_not_nerves():
    result = reading(
        "Under fluoroscopy, the L3 and L4 medial branches and the L5 dorsal ramus were blocked "
        "bilaterally. Diagnostic."
    )
    assert result.joints == "L4-L5:B,L5-S1:B"
    assert result.nerves == "L3:B,L4:B,L5:B"
    assert result.claim == "64493-50-KX, 64494-50-KX"


def test_it_gives_each_level_the_side_written_beside_it():
    result = reading("Right L4-5 and left L5-S1 MBB, fluoroscopy, diagnostic.")
    assert result.joints == "L4-L5:R,L5-S1:L"


def test_it_gives_a_side_written_after_a_level_to_that_level():
    result = reading("MBB at L4-5 on the left and L5-S1 on the right, fluoroscopy, diagnostic.")
    assert result.joints == "L4-L5:L,L5-S1:R"


def test_it_gives_a_side_stated_once_to_every_level():
    result = reading("Laterality: right\nLevels: L3-4, L4-5\nMBB under fluoroscopy, diagnostic.")
    assert result.joints == "L3-L4:R,L4-L5:R"


def test_it_joins_two_mentions_of_a_level_on_different_sides_as_both_sides():
    result = reading(
        "Diagnostic MBB under fluoroscopy. The right L4-5 was blocked. Then the left L4-5."
    )
    assert result.joints == "L4-L5:B"


def test_it_asks_rather_than_guesses_a_side():
    result = reading("L4-5 MBB under fluoroscopy, diagnostic.")
    assert result.held
    assert result.lines == []
    assert any("side" in question for question in result.review)


def test_it_asks_about_nerves_that_complete_no_joint():
    result = reading("Fluoroscopy. Right L3 and L5 medial branches blocked. Diagnostic.")
    assert result.held
    assert any("complete no joint" in question for question in result.review)


def test_it_asks_when_the_levels_skip_one():
    result = reading("Bilateral L3-4 and L5-S1 MBB, fluoroscopy, diagnostic.")
    assert result.held
    assert any("L4-L5 is skipped" in question for question in result.review)


def test_a_steroid_alone_does_not_make_the_injection_therapeutic():
    result = reading("Right L4-5 facet injection, fluoroscopy, with 40 mg Kenalog.")
    assert result.intent is None
    assert result.held  # Medicare: KX depends on it
    assert any("steroid" in question for question in result.review)


def test_an_open_intent_does_not_decide_a_claim_without_kx():
    result = reading("Right L4-5 facet injection, fluoroscopy, with 40 mg Kenalog.", payer="uhc")
    assert not result.held
    assert result.claim == "64493-RT"


def test_only_thermal_ablation_at_80_degrees_or_more_is_coded():
    thermal = reading("Right L4-5 RFA, fluoroscopy, L3 and L4 medial branches at 80 °C.")
    assert thermal.claim == "64635-RT"
    cool = reading("Right L4-5 RFA, fluoroscopy, L3 and L4 medial branches at 70 °C.")
    assert cool.held and cool.lines == []


def test_the_wizard_link_carries_what_the_note_settles():
    result = reading(
        "Right L4-5 and L5-S1 MBB, fluoroscopy, diagnostic.",
        payer="medicare",
        mac="cgs",
        claim_type="asc",
    )
    assert result.wizard_query() == {
        "procedure": "injection",
        "guidance": "fluoroscopy",
        "joints": "L4-L5:R,L5-S1:R",
        "intent": "diagnostic",
        "payer": "medicare",
        "mac": "cgs",
        "claim_type": "asc",
    }


# --- Linear time --------------------------------------------------------------------------------

# Eight times the text may cost at most this many times as much: linear is 8, quadratic 64.
LINEAR = 30


def cost(read, text: str, runs: int = 3) -> float:
    """Seconds for one reading: the least of several runs, each of enough readings to last a
    tenth of a second, so that a busy machine's noise does not decide."""
    start = time.perf_counter()
    read(text)
    calls = max(1, int(0.1 / max(time.perf_counter() - start, 1e-6)))
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            read(text)
        timings.append((time.perf_counter() - start) / calls)
    return min(timings)


def fit(pattern: str, size: int) -> str:
    return (pattern * (size // len(pattern) + 1))[:size]


ADVERSARIAL = [
    "L4-5 ",
    "L4-",
    "bilateral ",
    "-" * 7,
    " " * 9 + "\n",
    "L4-5 | R\n",
    "medial branch ",
    "a" * 50 + " ",
    "80 °C ",
    "1" * 30 + " ",
    "no prior RFA will consider ",
]


@pytest.mark.parametrize("pattern", ADVERSARIAL)
def test_the_grammar_reads_in_linear_time(pattern):
    small = cost(lambda t: mentions(normalise(t)), fit(pattern, 2_500))
    large = cost(lambda t: mentions(normalise(t)), fit(pattern, 20_000))
    assert large / small < LINEAR


@pytest.mark.parametrize(
    "pattern",
    [
        "L4-5 ",
        "bilateral L4-5 MBB. ",
        "no prior RFA will consider ",
        "PLAN:\nL4-5 RFA may be considered.\n",
        "transverse process of L4 and L5 on the right and then on the left, ",
    ],
)
def test_the_whole_reader_reads_in_linear_time_and_quickly_at_its_limit(pattern):
    read_note("warm up the pipeline")
    small = cost(read_note, fit(pattern, 2_500), runs=2)
    large = cost(read_note, fit(pattern, 20_000), runs=2)
    assert large / small < LINEAR
    assert large < 5  # seconds, on a busy two-core machine; a few hundred ms when idle


# --- Landmarks and sides of a long note ---------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "the L3 medial branch at the L4 transverse process and the L4 medial branch",
        "the L3 and L4 medial branches at the transverse processes of L4 and L5",
        "the L3 and L4 medial branches, lateral to the L4 and L5 superior articular processes",
    ],
)
def test_a_vertebra_named_as_a_landmark_is_not_a_nerve(sentence):
    result = reading(f"Right {sentence} were blocked under fluoroscopy. Diagnostic.")
    assert result.nerves == "L3:R,L4:R"
    assert result.claim == "64493-RT-KX"


def test_sides_after_the_targets_of_a_sentence_are_its_sides():
    result = reading(
        "Needles were advanced under fluoroscopy to the L3 medial branch at the L4 transverse "
        "process and the L4 medial branch at the L5 transverse process, on the right and then "
        "on the left. Diagnostic medial branch blocks."
    )
    assert result.nerves == "L3:B,L4:B"
    assert result.claim == "64493-50-KX"


def test_a_side_repeated_later_in_the_sentence_adds_that_side():
    result = reading(
        "Under fluoroscopy, bupivacaine was injected at the L3 and L4 medial branches on the "
        "right, and the procedure was then repeated on the left in the same way. Diagnostic."
    )
    assert result.joints == "L4-L5:B"


def test_a_table_row_gives_its_side_to_every_level_of_the_row():
    result = reading(
        "Diagnostic MBB under fluoroscopy.\nLevel    Side       Nerves\n"
        "L4-L5    Bilateral  L3 and L4 medial branches\n"
        "L5-S1    Right      L4 medial branch and L5 dorsal ramus\n"
    )
    assert result.nerves == "L3:B,L4:B,L5:R"
    assert result.joints == "L4-L5:B,L5-S1:R"
    assert result.claim == "64493-50-KX, 64494-RT-KX"
