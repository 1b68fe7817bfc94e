"""Caching of the reference pages (codes/caching.py) as a visitor notices it: a change to the data
or to a payer note shows at once, a browser asking again gets 304 while nothing changed, and no
one is ever shown a page rendered for someone else."""

import gzip
import re
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.utils import timezone

from codes.models import Code
from notes.models import PayerNote

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MOON = "Levels are now counted on the moon."


@pytest.fixture
def note():
    """A published Medicare note shown on the 64493 page."""
    return PayerNote.objects.published().filter(codes__code="64493", payer__slug="medicare")[0]


@pytest.fixture
def signed_in(django_user_model):
    """A coder signed in, in a browser of their own."""
    browser = Client()
    browser.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    return browser


# Conditional GETs ----------------------------------------------------------------------------


def test_it_answers_a_conditional_get_with_304_after_one_query(coder, django_assert_num_queries):
    first = coder.get("/codes/64493/")
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    with django_assert_num_queries(1):  # the content revision, nothing else
        again = coder.get("/codes/64493/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


@pytest.mark.parametrize(
    "url", ["/", "/search?q=MBB", "/payers/medicare/", "/sources/", "/cheatsheet/sacroiliac/"]
)
def test_it_answers_304_on_every_kind_of_reference_page(coder, url):
    etag = coder.get(url)["ETag"]
    assert coder.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_it_gives_the_fragment_and_the_page_different_etags(coder):
    page = coder.get("/codes/64493/payers/")
    part = coder.get("/codes/64493/payers/", headers=HTMX)
    assert page["ETag"] != part["ETag"]
    again = coder.get("/codes/64493/payers/", headers={"If-None-Match": part["ETag"]})
    assert again.status_code == 200 and b"<html" in again.content


# Editors' changes show at once ---------------------------------------------------------------


def test_it_shows_an_edited_payer_note_at_once_with_a_new_etag(coder, note):
    before = coder.get("/codes/64493/")
    assert MOON not in before.content.decode()
    note.text = MOON
    note.save()
    after = coder.get("/codes/64493/")
    assert MOON in after.content.decode()
    assert after["ETag"] != before["ETag"]
    stale = coder.get("/codes/64493/", headers={"If-None-Match": before["ETag"]})
    assert stale.status_code == 200
    assert MOON in stale.content.decode()
    assert MOON in coder.get("/payers/medicare/").content.decode()


def test_it_hides_a_note_set_back_to_draft_and_shows_it_when_published(coder, note):
    marker = f'id="note-{note.key}"'
    assert marker in coder.get("/codes/64493/").content.decode()
    assert marker in coder.get("/payers/medicare/").content.decode()
    note.status = PayerNote.Status.DRAFT
    note.save()
    assert marker not in coder.get("/codes/64493/").content.decode()
    assert marker not in coder.get("/codes/64493/payers/", headers=HTMX).content.decode()
    assert marker not in coder.get("/payers/medicare/").content.decode()
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
    coder.get("/search?q=64495")
    code.summary = "A summary changed by a new dataset."
    code.save()
    assert "A summary changed by a new dataset." in coder.get("/codes/64495/").content.decode()
    assert "A summary changed by a new dataset." in coder.get("/search?q=64495").content.decode()


def test_it_keeps_search_results_only_until_the_data_changes(coder):
    assert b"64635" not in coder.get("/search?q=zygoneurotome").content
    code = Code.objects.get(code="64635")
    code.synonyms = [*code.synonyms, "zygoneurotome"]
    code.save()
    assert b"/codes/64635/" in coder.get("/search?q=zygoneurotome").content


def test_it_flags_a_review_that_falls_overdue_overnight_on_a_kept_page(coder, note, monkeypatch):
    note.last_reviewed = PayerNote.review_cutoff()  # overdue from tomorrow
    note.save()
    marker = f'id="note-{note.key}"'

    def overdue(html: str) -> bool:
        return "Check overdue" in re.search(rf"{marker}.*?</article>", html, re.S).group(0)

    today = coder.get("/codes/64493/")
    assert not overdue(today.content.decode())
    assert not overdue(coder.get("/codes/64493/").content.decode())  # kept
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert overdue(coder.get("/codes/64493/").content.decode())
    again = coder.get("/codes/64493/", headers={"If-None-Match": today["ETag"]})
    assert again.status_code == 200
    assert overdue(again.content.decode())


# Nobody sees a page rendered for someone else ------------------------------------------------


def test_it_never_shows_a_kept_page_to_someone_signed_in(coder, signed_in):
    anonymous = coder.get("/codes/64491/")
    assert b"Signed in as" not in anonymous.content
    page = signed_in.get("/codes/64491/")
    assert b"Signed in as ana" in page.content
    assert not page.has_header("ETag")
    assert "private" in page["Cache-Control"] and "Cookie" in page["Vary"]
    # The page the browser kept from before signing in is not confirmed as current.
    stale = signed_in.get("/codes/64491/", headers={"If-None-Match": anonymous["ETag"]})
    assert stale.status_code == 200
    assert b"Signed in as ana" in stale.content


def test_it_never_shows_a_signed_in_page_to_anyone_else(coder, signed_in):
    cache.clear()
    for url in ("/codes/64494/", "/search?q=MBB", "/payers/medicare/"):
        assert b"Signed in as ana" in signed_in.get(url).content
        page = coder.get(url)
        assert b"Signed in as" not in page.content and b"csrfmiddlewaretoken" not in page.content


def test_it_serves_a_trainee_the_kept_page_but_never_keeps_one_rendered_for_them(
    coder, django_assert_num_queries
):
    trainee = Client()
    session = trainee.session  # a trainee in a quiz: a session, no account
    session["joined"] = "ABC123"
    session.save()
    cache.clear()
    assert trainee.get("/codes/64490/").status_code == 200  # rendered for them, not kept
    # So the next visitor's page is rendered too: 13 queries but the dataset in the footer,
    # which the first page kept for the revision.
    with django_assert_num_queries(12):
        kept = coder.get("/codes/64490/")
    with django_assert_num_queries(2):  # the session, the revision: then the kept page
        again = trainee.get("/codes/64490/")
    assert again.content == kept.content and again["ETag"] == kept["ETag"]
    assert "private" not in again["Cache-Control"]
    assert trainee.get("/codes/64490/", headers={"If-None-Match": kept["ETag"]}).status_code == 304


def test_it_gives_a_signed_out_visitor_the_anonymous_page_again(signed_in):
    assert b"Signed in as ana" in signed_in.get("/codes/64492/").content
    signed_in.logout()
    signed_in.cookies.clear()
    page = signed_in.get("/codes/64492/")
    assert b"Signed in as" not in page.content
    assert b"Sign in" in page.content


def test_it_keeps_no_page_for_a_made_up_query_string(coder, monkeypatch):
    kept = []
    for each in (cache, caches["objects"]):
        set_ = each.set
        monkeypatch.setattr(
            each, "set", lambda key, *a, set_=set_, **kw: (kept.append(key), set_(key, *a, **kw))
        )
    for url in ("/codes/64490/?from=newsletter", "/codes/64490/?x=1", "/search?q=MBB&page=2"):
        assert coder.get(url).status_code == 200
    # No page, nothing at all in the shared cache: only the dataset in the footer, kept once
    # for the revision (the frame's menu and links are rendered once per process).
    assert [key.rsplit(":", 1)[1] for key in kept] == ["dataset"]
    # The page kept for everyone links back to its own address, not to the made-up one.
    coder.get("/codes/64490/?from=newsletter")
    page = coder.get("/codes/64490/").content.decode()
    assert "newsletter" not in page


def test_it_keeps_one_page_however_the_code_or_search_is_typed(coder, monkeypatch):
    kept = []
    set_ = cache.set
    monkeypatch.setattr(cache, "set", lambda key, *a, **kw: (kept.append(key), set_(key, *a, **kw)))
    cache.clear()
    for url in (
        "/codes/0216t/",
        "/codes/0216T/",
        "/codes/+0216T/",
        "/search?q=MBB",
        "/search?q=MBB+",
    ):
        assert coder.get(url).status_code == 200
    pages = [key for key in kept if key.startswith("page:")]
    assert len(pages) == 2  # the 0216T page and the search for "MBB"


def test_it_keeps_nothing_with_debug_on(coder, settings):
    settings.DEBUG = True  # `make run`: an edited template shows on reload
    first, again = coder.get("/codes/64490/"), coder.get("/codes/64490/")
    assert not first.has_header("ETag") and again.templates


# Compression ---------------------------------------------------------------------------------


def test_it_leaves_compressing_pages_to_the_proxy(coder):
    page = coder.get("/codes/64493/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert not page.has_header("Content-Encoding")


def test_it_answers_304_to_the_weak_etag_of_a_page_it_compressed(settings):
    """With DJANGO_GZIP=1 (no proxy to compress): kept pages go out compressed, and the ETag
    that compression makes weak still confirms the page."""
    after = settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:after],
        "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE[after:],
    ]
    browser = Client(headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = Client().get("/codes/64493/")
    for _ in range(2):  # rendered, then kept
        packed = browser.get("/codes/64493/")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
    assert packed["ETag"].startswith('W/"')
    assert (
        browser.get("/codes/64493/", headers={"If-None-Match": packed["ETag"]}).status_code == 304
    )
