"""Code search reads any query in time linear in its length, and so does the one pattern the
payer notes' Markdown runs over editors' text: no pattern can backtrack over a run of input.

Adversarial queries at the 200-character limit are answered well under a second, on the page
too; a 100 KB query is refused at once; and eight times the text costs about eight times as much
(under LINEAR, where quadratic would be 64).
"""

import random
import time

import pytest

from codes import search as search_module
from codes.models import Code
from codes.search import MAX_QUERY_LENGTH, PHRASE_WORDS, Entry, parse, search
from codes.templatetags.facet import LIST_AFTER_TEXT, render_markdown

# Eight times the text may cost at most this many times as much: linear is 8, quadratic 64.
LINEAR = 30
# The worst query at the limit, over the whole dataset, is answered well under a second.
QUICK = 0.5

FIELDS = ("code", "code_set", "summary", "descriptor", "guidance_note", "synonyms")
FIELDS += ("region", "procedure", "guidance", "add_on", "sort_order")


def fit(pattern: str, size: int) -> str:
    """``pattern`` repeated and cut to exactly ``size`` characters."""
    return (pattern * (size // len(pattern) + 1))[:size]


def misspelt(size: int) -> str:
    """Words of four to eight letters that the data does not use, each corrected against it."""
    rng = random.Random(size)
    words = []
    while sum(len(word) + 1 for word in words) < size:
        words.append("".join(rng.choice("lumbarfcetjoinsr") for _ in range(rng.randint(4, 8))))
    return fit(" ".join(words), size)


def cost(read, text: str, calls: int = 3, runs: int = 5) -> float:
    """Seconds for ``calls`` readings, the least of several runs: the reader's own cost, without
    the noise of whatever else the machine is doing."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            read(text)
        timings.append(time.perf_counter() - start)
    return min(timings)


def growth(read, make, size: int) -> float:
    """How many times longer a text eight times as long takes to read."""
    return cost(read, make(8 * size)) / cost(read, make(size))


# Adversarial queries of exactly n characters.
QUERY_ATTACKS = {
    "spaces, then a word": lambda n: fit(" ", n - 6) + "lumbar",
    "plus signs": lambda n: fit("+", n),
    "plus signs and spaces": lambda n: fit("+ ", n),
    "separators": lambda n: fit("+,;. ", n),
    "hyphens": lambda n: fit("-", n),
    "digits": lambda n: fit("1", n),
    "code prefixes": lambda n: fit("6449 ", n),
    "codes": lambda n: fit("64493 +64494 0216t ", n),
    "spinal levels": lambda n: fit("l4 c5 t12 s1 ", n),
    "one long word": lambda n: "l" + fit("a", n - 1),
    "letters and digits alternating": lambda n: fit("a1", n),
    "phrases": lambda n: fit("medial branch nerve block ", n),
    "stop words": lambda n: fit("the of and ", n),
    "misspelt words": misspelt,
    "accented letters": lambda n: fit("é ", n),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", QUERY_ATTACKS)
def test_it_answers_any_query_at_its_limit_well_under_a_second(name):
    codes = list(Code.objects.only(*FIELDS))
    query = QUERY_ATTACKS[name](MAX_QUERY_LENGTH)
    assert len(query) == MAX_QUERY_LENGTH
    assert cost(lambda query: search(query, codes), query, calls=1, runs=3) < QUICK


@pytest.mark.parametrize("name", QUERY_ATTACKS)
def test_its_time_grows_linearly_with_the_query(name, monkeypatch):
    # Over no codes, so that what is measured is the reading of the query, not the dataset's index.
    monkeypatch.setattr(search_module, "MAX_QUERY_LENGTH", 8 * MAX_QUERY_LENGTH)
    read = lambda query: search(query, [])  # noqa: E731
    assert growth(read, QUERY_ATTACKS[name], MAX_QUERY_LENGTH) < LINEAR


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["misspelt words", "one long word", "phrases", "spinal levels"])
def test_its_spelling_correction_grows_linearly_with_the_query(name):
    vocabulary = set(PHRASE_WORDS)
    for code in Code.objects.only(*FIELDS):
        vocabulary.update(Entry.of(code).words)
    read = lambda text: parse(text, vocabulary, {})  # noqa: E731
    assert growth(read, QUERY_ATTACKS[name], MAX_QUERY_LENGTH) < LINEAR


@pytest.mark.django_db
def test_it_reads_only_the_first_200_characters_of_a_longer_query():
    codes = list(Code.objects.only(*FIELDS))
    start = time.perf_counter()
    results = search("64493 " + fit(" ", 100_000) + "lumbar", codes)
    assert time.perf_counter() - start < QUICK
    assert results.codes == ["64493"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["spaces, then a word", "plus signs", "misspelt words", "codes"])
def test_the_search_page_answers_an_adversarial_query_as_usual_and_quickly(coder, name):
    start = time.perf_counter()
    response = coder.get("/search", {"q": QUERY_ATTACKS[name](MAX_QUERY_LENGTH)})
    assert time.perf_counter() - start < 1
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_search_page_refuses_100_kb_at_once(coder):
    start = time.perf_counter()
    response = coder.get("/search", {"q": "lumbar" + fit(" ", 100_000 - 12) + "facet"})
    assert time.perf_counter() - start < 1
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_its_own_fixes_keep_the_order_typed():
    # Each term once, in the order typed, however often it is repeated.
    terms = parse("lumbar rfa lumbar rfa mbb", set(PHRASE_WORDS), {})
    assert [term.label for term in terms] == ["lumbar", "rfa", "mbb"]


# Payer-note Markdown: the blank line put before a list written straight after a line of text --

NOTE_ATTACKS = {
    "a long line": lambda n: fit("a", n),
    "a long line, then a line": lambda n: fit("a", n - 2) + "\nb",
    "a long line, then a list": lambda n: fit("a", n - 4) + "\n- b",
    "words and spaces": lambda n: fit("a  \t", n - 2) + "\nb",
    "spaces after a word": lambda n: "a" + fit(" ", n - 3) + "\nb",
    "digits, no dot": lambda n: "a\n" + fit("1", n - 2),
    "spaces, then a number": lambda n: "a\n" + fit(" \t", n - 4) + "1.",
    "lines": lambda n: fit("a\n", n),
    "lines and lists": lambda n: fit("a\n- b\n", n),
}


@pytest.mark.parametrize("name", NOTE_ATTACKS)
def test_its_list_spacing_grows_linearly_with_a_note(name):
    read = lambda text: LIST_AFTER_TEXT.sub("\\1\n\n", text)  # noqa: E731
    assert growth(read, NOTE_ATTACKS[name], 10_000) < LINEAR
    assert cost(read, NOTE_ATTACKS[name](100_000), calls=1, runs=3) < QUICK


def test_it_still_reads_a_list_after_a_line_of_text_even_with_spaces_at_its_end():
    html = render_markdown("Covered when: \t\n- one level\n- two levels\n\nNot covered:\n1. three")
    assert "<p>Covered when:" in html
    assert "<ul>\n<li>one level</li>\n<li>two levels</li>\n</ul>" in html
    assert "<p>Not covered:</p>\n<ol>\n<li>three</li>\n</ol>" in html
