"""The payer matrix (/payers/matrix/): a row per payer and per Medicare contractor, each cell a
figure with its source and confidence or "not available", built from the payer notes' matrix
fields; never Medicare's figure in a commercial payer's row, never Confirmed for a MAC whose own
document we did not read; a fixed number of queries however many payers and notes.

The expected figures are those of the fact sheet (§5, §6, §11, §12), written out by hand."""

import re
from html import unescape
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from codes.loader import NoteForm
from codes.models import Payer, Source
from codes.records import DataError
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

URL = "/payers/matrix/"
CGS_LCD = "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=38773&amp;ver=32"
MACS = ["noridian-je", "noridian-jf", "wps", "ngs", "cgs", "novitas", "first-coast", "palmetto"]
# The columns in the order the page shows them.
DIAGNOSTIC, THERAPEUTIC, RFA, LEVELS, RELIEF, KX, PROFESSIONAL, ASC, OUTPATIENT, PRIOR, POLICY = (
    range(11)
)


def text(html: str) -> str:
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html)).strip()


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def row(html: str, anchor: str) -> list[str]:
    """The cells (HTML) of one row, the row header left out."""
    match = re.search(rf'<tr id="{anchor}".*?</tr>', html, re.S)
    assert match, f"no row {anchor}"
    return re.findall(r"<td>(.*?)</td>", match.group(0), re.S)


def cell(html: str, anchor: str, column: int) -> str:
    return row(html, anchor)[column]


def test_it_shows_a_row_per_payer_and_one_per_mac_for_medicare(coder):
    anchors = re.findall(r'<tr id="([^"]+)"', page(coder))
    assert anchors == [
        "payer-medicare",
        *[f"mac-{mac}" for mac in MACS],
        "payer-aetna",
        "payer-bcbs",
        "payer-cigna",
        "payer-unitedhealthcare",
    ]


def test_it_gives_every_row_a_cell_for_each_of_the_eleven_columns(coder):
    html = page(coder)
    for anchor in re.findall(r'<tr id="([^"]+)"', html):
        assert len(row(html, anchor)) == 11, anchor
    header = text(re.search(r"<thead>.*?</thead>", html, re.S).group(0))
    for heading in (
        "Sessions per 12 months",
        "Diagnostic",
        "Therapeutic",
        "RFA",
        "Levels per session",
        "Relief thresholds",
        "KX modifier",
        "Bilateral format, by claim type",
        "Professional",
        "ASC facility",
        "Hospital outpatient",
        "Prior authorization",
        "Policy: number, version, date",
    ):
        assert heading in header


def test_it_shows_medicares_lcd_figures_with_their_source_and_confidence(coder):
    html = page(coder)
    diagnostic = cell(html, "payer-medicare", DIAGNOSTIC)
    assert "At most 4 per spinal region per rolling 12 months" in text(diagnostic)
    assert "Confirmed" in text(diagnostic)
    assert f'href="{CGS_LCD}"' in diagnostic  # the primary document, linked
    assert "At most 2 per spinal region" in text(cell(html, "payer-medicare", RFA))
    levels = text(cell(html, "payer-medicare", LEVELS))
    assert "1 or 2 levels" in levels and "A third level (64492, 64495) is non-covered" in levels
    relief = text(cell(html, "payer-medicare", RELIEF))
    assert "at least 80%" in relief and "at least 50% for at least 6 months" in relief
    assert "On diagnostic facet injection lines only" in text(cell(html, "payer-medicare", KX))
    professional = text(cell(html, "payer-medicare", PROFESSIONAL))
    assert "One line with modifier 50, 1 unit" in professional and "Confirmed" in professional
    asc = text(cell(html, "payer-medicare", ASC))
    assert "Two lines, RT and LT, 1 unit each" in asc and "Likely" in asc
    assert text(cell(html, "payer-medicare", OUTPATIENT)) == "not available"
    assert "required since 1 July 2023" in text(cell(html, "payer-medicare", PRIOR))


def test_it_keeps_confirmed_only_for_the_mac_whose_own_lcd_gave_the_figure(coder):
    html = page(coder)
    cgs = text(cell(html, "mac-cgs", DIAGNOSTIC))  # read in CGS's own LCD L38773
    assert "At most 4 per spinal region" in cgs
    assert "Confirmed" in cgs and "Not from this MAC's own LCD" not in cgs
    for mac in ("noridian-je", "wps", "ngs", "novitas", "first-coast", "palmetto"):
        borrowed = text(cell(html, f"mac-{mac}", DIAGNOSTIC))
        assert "At most 4 per spinal region" in borrowed, mac
        assert "Likely" in borrowed and "Confirmed" not in borrowed, mac
        assert "Not from this MAC's own LCD" in borrowed, mac


def test_it_shows_a_macs_own_notes_instead_of_the_general_ones(coder):
    html = page(coder)
    noridian = text(cell(html, "mac-noridian-jf", DIAGNOSTIC))  # Noridian's own Q&A
    assert noridian.startswith("At most 4 per rolling 12 months (64490, 64491, 64493, 64494)")
    assert "Confirmed" in noridian and "Questions and Answers" in noridian
    assert "At most 2 sessions in 12 months" in text(cell(html, "mac-noridian-jf", RFA))
    palmetto = text(cell(html, "mac-palmetto", PRIOR))
    assert "Palmetto GBA hospital OPD prior authorization page" in palmetto
    assert "Confirmed" in palmetto
    cgs_kx = text(cell(html, "mac-cgs", KX))  # CGS's KX wording not seen: Likely
    assert "CGS's own KX wording not seen" in cgs_kx and "Likely" in cgs_kx
    assert "Confirmed" not in cgs_kx
    policy = text(cell(html, "mac-cgs", POLICY))
    assert "LCD L38773 version 32" in policy and "A58364 version 42" in policy
    assert "LCD L35936; billing article not available" in text(cell(html, "mac-ngs", POLICY))


def test_it_never_gives_a_commercial_payer_medicares_figure(coder):
    html = page(coder)
    for anchor in ("payer-aetna", "payer-bcbs", "payer-cigna", "payer-unitedhealthcare"):
        cells = [text(c) for c in row(html, anchor)]
        assert not any("per spinal region" in c for c in cells), anchor
        assert cells[KX] == "not available", anchor
        assert cells[PROFESSIONAL] == cells[ASC] == cells[OUTPATIENT] == "not available", anchor
        assert cells[PRIOR] == "not available", anchor
        assert "CGS LCD" not in " ".join(cells), anchor


def test_it_shows_the_commercial_payers_own_figures(coder):
    html = page(coder)
    aetna = [text(c) for c in row(html, "payer-aetna")]
    assert aetna[DIAGNOSTIC] == "not available"
    assert "therapeutic facet injections are experimental/investigational" in aetna[THERAPEUTIC]
    assert "At most 3 levels" in aetna[LEVELS] and "Likely" in aetna[LEVELS]
    assert "Clinical Policy Bulletin 0016" in aetna[POLICY]
    bcbs = [text(c) for c in row(html, "payer-bcbs")]
    assert "Anthem: diagnostic MBBs up to 4 sessions per rolling 12 months" in bcbs[DIAGNOSTIC]
    assert "Confirmed" in bcbs[DIAGNOSTIC]
    assert "Anthem: 2 unilateral levels per session" in bcbs[LEVELS]
    assert "Carelon: at most 2 per year per level" in bcbs[RFA] and "Likely" in bcbs[RFA]
    cigna = [text(c) for c in row(html, "payer-cigna")]
    assert cigna[:POLICY] == ["not available"] * POLICY  # numeric limits not retrieved
    assert "eviCore CMM-201" in cigna[POLICY] and "dated 15 Aug 2020" in cigna[POLICY]
    uhc = [text(c) for c in row(html, "payer-unitedhealthcare")]
    assert "therapeutic facet injections are unproven" in uhc[THERAPEUTIC]
    assert "2017T0004AA" in uhc[POLICY] and "dated 1 Mar 2017" in uhc[POLICY]


def test_it_lists_each_source_once_with_the_copy_it_was_read_in(coder):
    html = page(coder)
    listing = re.search(r'id="matrix-sources".*?</ul>', html, re.S).group(0)
    titles = re.findall(r"<a [^>]*>([^<]+)</a>", listing)
    assert len(titles) == len(set(titles))
    assert "CGS LCD L38773: Facet Joint Interventions for Pain Management (version 32)" in titles
    assert "as quoted in a public policy file" in text(listing)


def test_it_shows_a_figure_an_editor_changed_and_leaves_out_drafts(coder):
    note = PayerNote.objects.get(key="aetna-levels-per-session")
    note.figure = "At most 2 levels (changed by an editor)"
    note.save_edit(note.version)
    html = page(coder)
    assert "At most 2 levels (changed by an editor)" in text(cell(html, "payer-aetna", LEVELS))

    note.status = PayerNote.Status.DRAFT
    note.save_edit(note.version)
    assert text(cell(page(coder), "payer-aetna", LEVELS)) == "not available"


def test_it_keeps_an_editors_matrix_figure_when_the_dataset_is_loaded_again():
    note = PayerNote.objects.get(key="aetna-levels-per-session")
    note.figure = "At most 2 levels (changed by an editor)"
    note.save_edit(note.version)
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "1 kept (edited since loaded)" in out.getvalue()
    assert PayerNote.objects.get(pk=note.pk).figure == "At most 2 levels (changed by an editor)"


# Query budget ------------------------------------------------------------------------------

REVISION = "the content revision (ETag and cache key)"
MATRIX = [
    REVISION,
    "the payers",
    "the published notes that give a matrix figure, with their sources",
    "the dataset version (footer)",
]


def test_it_serves_the_matrix_in_its_query_budget_then_from_the_cache(
    coder, django_assert_num_queries
):
    cache.clear()
    with django_assert_num_queries(len(MATRIX), info="\n".join(MATRIX)):
        assert coder.get(URL).status_code == 200
    with django_assert_num_queries(1, info=REVISION):
        assert coder.get(URL).status_code == 200


def test_it_needs_no_more_queries_for_more_payers_and_notes(coder, django_assert_num_queries):
    source = Source.objects.get(key="aetna-cpb-0016")
    for number in range(3):
        payer = Payer.objects.create(slug=f"payer-{number}", name=f"Payer {number}")
        for column in PayerNote.MatrixColumn.values:
            PayerNote.objects.create(
                key=f"p{number}-{column}".replace("_", "-"),
                payer=payer,
                topic=PayerNote.Topic.COVERAGE,
                text="A figure.",
                source=source,
                confidence="L",
                last_reviewed=timezone.localdate(),
                matrix_column=column,
                figure=f"Figure {number} {column}",
            )
    cache.clear()
    with django_assert_num_queries(len(MATRIX), info="\n".join(MATRIX)):
        html = coder.get(URL).content.decode()
    assert "Figure 2 policy" in text(cell(html, "payer-payer-2", POLICY))


def test_it_sends_no_inline_script_or_style(coder):
    html = page(coder)
    assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_the_payers_page_links_to_the_matrix_and_the_mac_finder(coder):
    html = coder.get("/payers/").content.decode()
    assert 'href="/payers/matrix/"' in html and 'href="/macs/"' in html


# The matrix fields' checks: the loader's record form and the model (the admin) -------------

KNOWN = {"payer": {"medicare", "aetna"}, "code": {"64493"}, "source": {"aetna-cpb-0016"}}
RECORD = {
    "key": "aetna-test",
    "payer": "aetna",
    "codes": ["64493"],
    "topic": "coverage",
    "text": "A note.",
    "source": "aetna-cpb-0016",
    "confidence": "L",
    "last_reviewed": "2026-11-30",
}


def read(**fields):
    return NoteForm.read(
        {**RECORD, **fields}, file="payers.toml", record="note #1 (aetna-test)", known=KNOWN
    )


def test_the_loader_reads_a_matrix_cell():
    row = read(matrix_column="levels", figure="At most 3 levels")
    assert (row["matrix_column"], row["figure"], row["mac"]) == ("levels", "At most 3 levels", "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"matrix_column": "levels"}, "a matrix cell needs both matrix_column and figure"),
        ({"figure": "3 levels"}, "a matrix cell needs both matrix_column and figure"),
        ({"matrix_column": "sessions"}, "'matrix_column' is 'sessions'; allowed:"),
        ({"mac": "cgs", "matrix_column": "kx", "figure": "x"}, "mac is for Medicare notes only"),
        ({"payer": "medicare", "mac": "j15"}, "'mac' is 'j15'; allowed: 'noridian-je'"),
    ],
)
def test_the_loader_refuses_a_bad_matrix_cell_naming_file_and_record(fields, message):
    with pytest.raises(DataError) as error:
        read(**fields)
    assert str(error.value).startswith("payers.toml, note #1 (aetna-test): ")
    assert message in str(error.value)


def test_a_note_refuses_a_mac_unless_it_is_about_medicare():
    note = PayerNote.objects.get(key="aetna-levels-per-session")
    note.mac = "cgs"
    with pytest.raises(Exception, match="A MAC applies to Medicare notes only"):
        note.full_clean()
    note.mac, note.figure = "", ""
    with pytest.raises(Exception, match="Give the figure the matrix cell shows"):
        note.full_clean()


def test_editors_find_the_matrix_fields_in_the_admin(editor):
    note = PayerNote.objects.get(key="aetna-levels-per-session")
    html = editor.get(f"/admin/notes/payernote/{note.pk}/change/").content.decode()
    assert "Payer matrix" in html
    assert re.search(r'<select name="matrix_column"[^>]*>', html)
    assert 'name="figure" value="At most 3 levels (at most 6 injections if bilateral)"' in html
    assert re.search(r'<select name="mac"[^>]*>', html)
