"""Page caching and conditional GETs: a change to the data or to a payer note shows at once."""

import re

import pytest

from codes.models import Code, PayerNote

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def note():
    """A published Medicare note shown on the 64493 page."""
    return PayerNote.objects.published().filter(codes__code="64493", payer__slug="medicare")[0]


def test_it_answers_a_conditional_get_with_304(coder, django_assert_max_num_queries):
    first = coder.get("/codes/64493/")
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert "no-cache" in first["Cache-Control"]
    with django_assert_max_num_queries(1):  # the revision, nothing else
        again = coder.get("/codes/64493/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_it_answers_304_on_every_reference_page(coder):
    for url in ("/", "/search?q=MBB", "/payers/medicare/", "/sources/", "/cheatsheet/sacroiliac/"):
        etag = coder.get(url)["ETag"]
        assert coder.get(url, headers={"If-None-Match": etag}).status_code == 304, url


def test_it_gives_the_fragment_and_the_page_different_etags(coder):
    page = coder.get("/codes/64493/payers/")
    part = coder.get("/codes/64493/payers/", headers=HTMX)
    assert page["ETag"] != part["ETag"]
    assert (
        coder.get("/codes/64493/payers/", headers={"If-None-Match": part["ETag"]}).status_code
        == 200
    )


def test_it_shows_an_edited_payer_note_at_once_with_a_new_etag(coder, note):
    before = coder.get("/codes/64493/")
    assert "Levels are now counted on the moon." not in before.content.decode()
    note.text = "Levels are now counted on the moon."
    note.save()
    after = coder.get("/codes/64493/")
    assert "Levels are now counted on the moon." in after.content.decode()
    assert after["ETag"] != before["ETag"]
    stale = coder.get("/codes/64493/", headers={"If-None-Match": before["ETag"]})
    assert stale.status_code == 200
    assert "Levels are now counted on the moon." in stale.content.decode()
    assert "Levels are now counted on the moon." in coder.get("/payers/medicare/").content.decode()


def test_it_hides_a_note_set_back_to_draft_and_shows_it_when_published(coder, note):
    marker = f'id="note-{note.key}"'
    assert marker in coder.get("/codes/64493/").content.decode()
    note.status = PayerNote.Status.DRAFT
    note.save()
    assert marker not in coder.get("/codes/64493/").content.decode()
    assert marker not in coder.get("/codes/64493/payers/").content.decode()
    note.status = PayerNote.Status.PUBLISHED
    note.save()
    assert marker in coder.get("/codes/64493/").content.decode()


def test_it_shows_a_note_added_to_a_code(coder, note):
    assert f'id="note-{note.key}"' not in coder.get("/codes/G0260/").content.decode()
    note.codes.add(Code.objects.get(code="G0260"))
    assert f'id="note-{note.key}"' in coder.get("/codes/G0260/").content.decode()


def test_it_shows_changed_reference_data_at_once(coder):
    code = Code.objects.get(code="64495")
    coder.get("/codes/64495/")
    coder.get("/")
    code.summary = "A summary changed by a new dataset."
    code.save()
    assert "A summary changed by a new dataset." in coder.get("/codes/64495/").content.decode()
    assert "A summary changed by a new dataset." in coder.get("/search?q=64495").content.decode()


def test_it_serves_a_cached_page_without_reading_the_data_again(
    coder, django_assert_max_num_queries
):
    coder.get("/codes/64636/")
    with django_assert_max_num_queries(1):
        assert coder.get("/codes/64636/").status_code == 200


def test_it_gives_each_cached_page_a_fresh_csp_nonce(coder):
    nonces = []
    for _ in range(2):
        response = coder.get("/codes/64493/")
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        in_page = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
        assert in_page == {header}
        nonces.append(header)
    assert nonces[0] != nonces[1]


def test_it_does_not_mark_an_error_page_as_cacheable(coder):
    response = coder.get("/codes/99999/")
    assert response.status_code == 404
    assert not response.has_header("ETag")


def test_it_keeps_search_results_only_until_the_data_changes(coder):
    assert b"64635" not in coder.get("/search?q=zygoneurotome").content
    code = Code.objects.get(code="64635")
    code.synonyms = [*code.synonyms, "zygoneurotome"]
    code.save()
    assert b"/codes/64635/" in coder.get("/search?q=zygoneurotome").content


def test_it_ranks_a_repeated_search_without_reading_the_codes_again(
    coder, django_assert_num_queries
):
    coder.get("/search?q=lumbar")
    with django_assert_num_queries(1):  # the content revision only
        response = coder.get("/search?q=lumbar")
    assert b"/codes/64493/" in response.content
