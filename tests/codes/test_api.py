import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db

FIELDS = {
    "code",
    "code_set",
    "summary",
    "descriptor",
    "region",
    "procedure",
    "guidance",
    "add_on",
    "primary_codes",
    "max_per_day",
    "unit_basis",
    "related",
    "modifiers",
    "taxonomies",
    "diagnoses",
    "payer_notes",
    "misconceptions",
    "sources",
}


def get_code(client, code: str) -> dict:
    response = client.get(f"/api/codes/{code}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_it_lists_every_code_with_its_basics(coder):
    data = coder.get("/api/codes/").json()
    by_code = {item["code"]: item for item in data}
    assert set(data[0]) == {"code", "summary", "region", "procedure", "add_on"}
    assert by_code["64493"] == {
        "code": "64493",
        "summary": by_code["64493"]["summary"],
        "region": "lumbar_sacral",
        "procedure": "injection",
        "add_on": False,
    }
    assert by_code["64495"]["add_on"] is True
    assert by_code["0216T"]["region"] == "lumbar_sacral"
    assert by_code["64633"]["procedure"] == "rfa"


@pytest.mark.parametrize(
    ("code", "region", "procedure", "add_on", "primaries", "max_per_day", "unit_basis"),
    [
        ("64490", "cervical_thoracic", "injection", False, [], None, "level"),
        ("64491", "cervical_thoracic", "injection", True, ["64490"], None, "level"),
        ("64492", "cervical_thoracic", "injection", True, ["64490", "64491"], 1, "level"),
        ("64493", "lumbar_sacral", "injection", False, [], None, "level"),
        ("64494", "lumbar_sacral", "injection", True, ["64493"], None, "level"),
        ("64495", "lumbar_sacral", "injection", True, ["64493", "64494"], 1, "level"),
        ("0213T", "cervical_thoracic", "injection", False, [], None, "level"),
        ("0215T", "cervical_thoracic", "injection", True, ["0213T", "0214T"], None, "level"),
        ("0217T", "lumbar_sacral", "injection", True, ["0216T"], None, "level"),
        ("0218T", "lumbar_sacral", "injection", True, ["0216T", "0217T"], None, "level"),
        ("64633", "cervical_thoracic", "rfa", False, [], None, "joint"),
        ("64634", "cervical_thoracic", "rfa", True, ["64633"], None, "joint"),
        ("64635", "lumbar_sacral", "rfa", False, [], None, "joint"),
        ("64636", "lumbar_sacral", "rfa", True, ["64635"], None, "joint"),
    ],
)
def test_it_describes_each_facet_code(
    coder, code, region, procedure, add_on, primaries, max_per_day, unit_basis
):
    data = get_code(coder, code)
    assert set(data) >= FIELDS
    assert data["code"] == code
    assert data["region"] == region
    assert data["procedure"] == procedure
    assert data["add_on"] is add_on
    assert sorted(data["primary_codes"]) == primaries
    assert data["max_per_day"] == max_per_day
    assert data["unit_basis"] == unit_basis
    assert data["sources"], "every code cites a source"
    for source in data["sources"]:
        assert source["title"] and ("url" in source or "document" in source)


@pytest.mark.parametrize(
    "code", ["64451", "64625", "27096", "G0260", "77003", "77012", "20552", "20553"]
)
def test_it_serves_the_related_codes(coder, code):
    data = get_code(coder, code)
    assert data["add_on"] is False
    assert data["sources"]


def test_it_relates_the_family(coder):
    related = {(r["code"], r["relation"]) for r in get_code(coder, "64493")["related"]}
    assert ("64494", "next_level") in related
    assert ("0216T", "ultrasound_counterpart") in related
    assert ("64635", "ablation_counterpart") in related
    assert ("77003", "includes_imaging") in related and ("77012", "includes_imaging") in related
    assert {"64451", "64625", "27096", "G0260"} <= {
        c for c, t in related if t == "si_alternative"
    } | {"G0260"}
    no_imaging = [
        r for r in get_code(coder, "64493")["related"] if r["relation"] == "no_imaging_alternative"
    ]
    assert {r["code"] for r in no_imaging} == {"20552", "20553"}
    assert all(r["confidence"] != "C" for r in no_imaging), "marked as likely, not confirmed"
    add_on = {(r["code"], r["relation"]) for r in get_code(coder, "64494")["related"]}
    assert ("64493", "add_on_of") in add_on and ("64495", "next_level") in add_on


def test_it_gives_modifier_guidance(coder):
    modifiers = {m["code"]: m for m in get_code(coder, "64494")["modifiers"]}
    assert {"50", "RT", "LT", "KX", "51"} <= set(modifiers)
    assert "add-on" in modifiers["51"]["guidance"].lower()
    assert modifiers["50"]["name"]


def test_it_lists_taxonomies_with_their_exact_nucc_names(coder):
    taxonomies = {t["code"]: t["name"] for t in get_code(coder, "64493")["taxonomies"]}
    assert taxonomies["208VP0014X"] == "Interventional Pain Medicine Physician"
    assert taxonomies["207LP2900X"] == "Pain Medicine (Anesthesiology) Physician"
    assert taxonomies.get("2084P0800X") in (None, "Psychiatry Physician")


def test_it_lists_diagnoses_with_billable_flags(coder):
    diagnoses = get_code(coder, "64493")["diagnoses"]
    by_code = {(d["code"], d["relation"]): d for d in diagnoses}
    lumbar = by_code[("M47.816", "payer_listed")]
    assert lumbar["title"] == "Spondylosis without myelopathy or radiculopathy, lumbar region"
    assert lumbar["billable"] is True
    assert ("M54.16", "conflicts_lcd") in by_code
    headers = [d for d in diagnoses if d["relation"] == "not_billable_header"]
    assert headers and all(d["billable"] is False for d in headers)


def test_it_lists_payer_notes_with_source_and_review_date(coder):
    notes = get_code(coder, "64493")["payer_notes"]
    medicare = [n for n in notes if n["payer_slug"] == "medicare"]
    assert medicare
    for note in notes:
        assert note["source"] and note["last_reviewed"] and note["topic"] and note["text"]
        assert note["review_overdue"] is False  # the shipped dataset was reviewed this year


def test_it_flags_a_note_not_reviewed_for_twelve_months(coder):
    from datetime import timedelta

    from django.utils import timezone

    from notes.models import PayerNote

    note = PayerNote.objects.filter(codes__code="64493", payer__slug="aetna").first()
    note.last_reviewed = timezone.localdate() - timedelta(days=400)
    note.save()
    notes = get_code(coder, "64493")["payer_notes"]
    flagged = [n for n in notes if n["text"] == note.text]
    assert flagged and flagged[0]["review_overdue"] is True


def test_it_shows_seed_misconceptions_for_the_code(coder):
    data = get_code(coder, "64495")
    assert data["misconceptions"]
    for item in data["misconceptions"]:
        assert item["claim"] and item["correction"] and item["source"]


def test_it_hides_descriptors_unless_licensed(coder, settings):
    settings.SHOW_CPT_DESCRIPTORS = False
    assert get_code(coder, "64493")["descriptor"] is None
    settings.SHOW_CPT_DESCRIPTORS = True
    descriptor = get_code(coder, "64493")["descriptor"]
    assert descriptor.startswith("Injection(s), diagnostic or therapeutic agent")
    assert descriptor.endswith("lumbar or sacral; single level")


def test_it_answers_an_unknown_code_with_a_json_404(coder):
    response = coder.get("/api/codes/99999")
    assert response.status_code == 404
    assert "99999" in response.json()["error"]
    assert coder.get("/api/codes/%3Cscript%3E").status_code == 404


def test_it_accepts_lowercase_category_iii_codes(coder):
    assert get_code(coder, "0216t")["code"] == "0216T"


def test_it_refuses_writes(coder):
    assert coder.post("/api/codes/64493").status_code == 405


# Every query of GET /api/codes/<code>: one per kind of related row (Code.objects.with_details),
# whatever the number of rows. A nested prefetch is left out when there is nothing to nest in.
DETAIL = [
    "the code",
    "its sources",
    "the relations from it, with the other code",
    "their sources",
    "the relations to it, with the other code",
    "their sources",
    "its modifier guidance, with the modifiers",
    "their sources",
    "its taxonomies",
    "its diagnosis links, with the diagnoses",
    "its published payer notes, with payer and source",
    "its misconceptions, with the source of the claim and the rule",
    "their sources",
    "its rules",
    "their sources",
]


def without(*left_out: int) -> list[str]:
    return [query for i, query in enumerate(DETAIL) if i not in left_out]


@pytest.mark.parametrize(
    ("code", "queries"),
    [
        ("64490", DETAIL),
        ("64493", DETAIL),
        ("64495", DETAIL),
        ("64636", DETAIL),
        ("0216T", without(12)),  # no misconception
        ("G0260", without(3, 7, 12)),  # no relation from it, no guidance, no misconception
    ],
)
def test_it_reads_a_code_in_one_query_per_kind_of_row(
    coder, django_assert_num_queries, code, queries
):
    with django_assert_num_queries(len(queries), info="\n".join(queries)):
        get_code(coder, code)


def test_it_lists_codes_in_one_query(coder, django_assert_num_queries):
    with django_assert_num_queries(1):
        coder.get("/api/codes/")


def test_healthz_is_ok_after_a_database_query(coder, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = coder.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(coder, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def fail(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", fail)
    response = coder.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
