"""Page caching and conditional GETs: a change to the data or to a payer note shows at once."""

import gzip
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from codes.models import Code
from codes.pages import squeezed
from notes.models import PayerNote

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


def test_it_serves_a_visitor_without_a_session_the_kept_page_without_rendering_it(coder):
    cache.clear()
    first = coder.get("/codes/64490/")
    again = coder.get("/codes/64490/")
    assert first.templates and not again.templates
    assert again.content.decode().count("Sign in") == first.content.decode().count("Sign in")
    assert again["Content-Type"] == first["Content-Type"]
    assert "Cookie" in again["Vary"] and "HX-Request" in again["Vary"]


def test_it_never_shows_a_kept_page_to_someone_signed_in(coder, client, django_user_model):
    anonymous = coder.get("/codes/64491/")
    assert b"Signed in as" not in anonymous.content
    client.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    signed_in = client.get("/codes/64491/")
    assert b"Signed in as ana" in signed_in.content
    assert signed_in["ETag"] != anonymous["ETag"]
    # The page the browser kept from before signing in is not confirmed as current.
    stale = client.get("/codes/64491/", headers={"If-None-Match": anonymous["ETag"]})
    assert stale.status_code == 200
    assert b"Signed in as ana" in stale.content


def test_it_gives_a_signed_out_visitor_the_anonymous_page_again(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    assert b"Signed in as ana" in client.get("/codes/64492/").content
    client.logout()
    client.cookies.clear()
    page = client.get("/codes/64492/")
    assert b"Signed in as" not in page.content
    assert b"Sign in" in page.content


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def test_it_sends_a_kept_page_compressed_to_a_browser_that_accepts_gzip(coder):
    plain = coder.get("/codes/64493/")
    for _ in range(2):  # the first rendering, then the kept page
        packed = coder.get("/codes/64493/", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        assert len(packed.content) < len(plain.content) / 4
        text = gzip.decompress(packed.content)
        assert nonce_of(packed).encode() in text
        assert text.replace(nonce_of(packed).encode(), b"N") == plain.content.replace(
            nonce_of(plain).encode(), b"N"
        )
    assert not plain.has_header("Content-Encoding")


def test_it_never_compresses_a_page_for_someone_signed_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    page = client.get("/codes/64493/", headers={"Accept-Encoding": "gzip"})
    assert not page.has_header("Content-Encoding")  # it holds a CSRF token: no BREACH
    assert b"csrfmiddlewaretoken" in page.content


def test_it_drops_the_templates_indentation_but_not_inside_pre_or_textarea():
    kept = b"<pre>\n  x\n    y</pre><TEXTAREA>\n  z</TEXTAREA>"
    html = b"<ul>\n    <li>\n      a</li>\n</ul>\n" + kept
    assert squeezed(html) == b"<ul>\n<li>\na</li>\n</ul>\n" + kept


def test_it_flags_a_review_that_falls_overdue_overnight_on_a_kept_page(coder, note, monkeypatch):
    note.last_reviewed = PayerNote.review_cutoff()  # overdue from tomorrow
    note.save()
    marker = f'id="note-{note.key}"'

    def overdue(html: str) -> bool:
        return "Review overdue" in re.search(rf"{marker}.*?</article>", html, re.S).group(0)

    today = coder.get("/codes/64493/")
    assert not overdue(today.content.decode())
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert overdue(coder.get("/codes/64493/").content.decode())
    again = coder.get("/codes/64493/", headers={"If-None-Match": today["ETag"]})
    assert again.status_code == 200
