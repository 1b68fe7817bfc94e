"""Editors' bookmarks of the payer notes' admin from before the notes had an app of their own
(/admin/codes/payernote/...) still open the same page, now under /admin/notes/payernote/."""

from urllib.parse import urlsplit

import pytest

from tests.notes.conftest import history_url


@pytest.mark.parametrize(
    ("bookmark", "target"),
    [
        ("/admin/codes/payernote/", "/admin/notes/payernote/"),
        ("/admin/codes/payernote/12/change/", "/admin/notes/payernote/12/change/"),
        ("/admin/codes/payernote/12/history/", "/admin/notes/payernote/12/history/"),
        (
            "/admin/codes/payernote/12/history/compare/",
            "/admin/notes/payernote/12/history/compare/",
        ),
        ("/admin/codes/payernote/add/", "/admin/notes/payernote/add/"),
        (
            "/admin/codes/payernote/?q=lumbar&status__exact=draft&o=-2",
            "/admin/notes/payernote/?q=lumbar&status__exact=draft&o=-2",
        ),
        (
            "/admin/codes/payernote/12/change/?_changelist_filters=q%3Dkx%26o%3D1",
            "/admin/notes/payernote/12/change/?_changelist_filters=q%3Dkx%26o%3D1",
        ),
    ],
)
def test_it_redirects_old_admin_bookmarks_for_good(client, bookmark, target):
    # Not marked django_db: the redirect would fail the test if it touched the database.
    response = client.get(bookmark)

    assert response.status_code == 301
    assert response["Location"] == target


@pytest.mark.django_db
def test_it_opens_the_bookmarked_note_for_an_editor(editor, note):
    response = editor.get(f"/admin/codes/payernote/{note.pk}/history/", follow=True)

    assert response.redirect_chain == [(history_url(note), 301)]
    assert response.status_code == 200
    assert note.key in response.content.decode()


def test_it_answers_a_link_checker_head_request(client):
    response = client.head("/admin/codes/payernote/7/change/")

    assert response.status_code == 301
    assert response["Location"] == "/admin/notes/payernote/7/change/"


def test_it_refuses_to_post_to_an_old_address(client):
    response = client.post("/admin/codes/payernote/7/change/", {"text": "lost"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("bookmark", "target"),
    [
        ("/admin/codes/payernote//evil.example/", "/admin/notes/payernote//evil.example/"),
        ("/admin/codes/payernote/%2F%2Fevil.example", "/admin/notes/payernote///evil.example"),
        (
            "/admin/codes/payernote/https://evil.example/",
            "/admin/notes/payernote/https://evil.example/",
        ),
        ("/admin/codes/payernote/%5C%5Cevil.example", "/admin/notes/payernote/%5C%5Cevil.example"),
        ("/admin/codes/payernote/../../../evil", "/admin/notes/payernote/../../../evil"),
        (
            "/admin/codes/payernote/1?next=//evil.example",
            "/admin/notes/payernote/1?next=//evil.example",
        ),
    ],
)
def test_it_never_redirects_off_the_site(client, bookmark, target):
    response = client.get(bookmark)

    assert response.status_code == 301
    assert response["Location"] == target
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc) == ("", "")
    assert location.path.startswith("/admin/notes/payernote/")


def test_it_keeps_a_header_break_out_of_the_location(client):
    response = client.get("/admin/codes/payernote/1%0DSet-Cookie:%20x=1/change/?a=%0D%0Ab")

    assert response.status_code == 301
    assert response["Location"] == (
        "/admin/notes/payernote/1%0DSet-Cookie:%20x%3D1/change/?a=%0D%0Ab"
    )
    assert "Set-Cookie" not in response.headers


def test_it_does_not_find_an_old_address_with_a_line_break(client):
    response = client.get("/admin/codes/payernote/1%0ASet-Cookie:%20x=1/change/")

    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
