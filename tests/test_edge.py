"""Bad bytes and absurd lengths are a clear 400 at the edge (facetsite/middleware.py), before
a view, a form or the database sees them. On PostgreSQL a NUL byte in a lookup is a DataError
and a login name over 255 characters overflows axes' column: both were anonymous 500s, so this
file runs in the suite's PostgreSQL pass too (scripts/test-postgres.sh tests/test_edge.py)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group

from notes.models import PayerNote
from tests.notes.conftest import PASSWORD, logged_in, open_note, save

pytestmark = pytest.mark.django_db

NUL_PATHS = [
    "/codes/%00/",
    "/payers/%00/",
    "/modifiers/%00/",
    "/api/codes/%00",
    "/codes/%00/payers/",
]
LOGIN_FORMS = ["/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_it_answers_400_to_a_nul_byte_in_the_address(client, path):
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):  # the JSON API answers in JSON
        assert response.json() == {"error": "Bad request: the address contains a NUL byte (%00)."}
    else:
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content == b"Bad request: the address contains a NUL byte (%00).\n"


def test_it_still_answers_404_to_an_unknown_code_without_a_nul(client):
    assert client.get("/codes/99999/").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ("q=a%00b", b"the value of 'q' contains a NUL byte (%00)."),
        ("q%00=1", b"a parameter name contains a NUL byte (%00)."),
        ("q=ok&q=%00", b"the value of 'q' contains a NUL byte (%00)."),
    ],
)
def test_it_answers_400_to_a_nul_byte_in_the_query_string(client, query, message):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert response.content == b"Bad request: in the query string, " + message + b"\n"


def test_it_answers_400_to_a_nul_byte_in_a_form_field(client):
    response = client.post("/quiz/join", {"code": "AB\x00CD", "name": "Ann"})
    assert response.status_code == 400
    assert (
        response.content
        == b"Bad request: in the form, the value of 'code' contains a NUL byte (%00).\n"
    )


def test_it_answers_400_to_an_address_over_2000_characters(client):
    response = client.get("/codes/" + "6" * 2000 + "/")
    assert response.status_code == 400
    assert b"the address is longer than 2,000 characters" in response.content


def test_it_answers_400_to_a_value_over_100_000_characters_and_lets_100_000_through(client):
    assert client.get("/healthz", {"x": "a" * 100_000}).status_code == 200
    response = client.get("/healthz", {"x": "a" * 100_001})
    assert response.status_code == 400
    assert b"the value of 'x' is longer than 100,000 characters" in response.content
    response = client.post("/quiz/join", {"code": "a" * 100_001})
    assert response.status_code == 400
    assert b"in the form, the value of 'code' is longer" in response.content


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_it_answers_400_to_a_username_over_150_characters_and_records_nothing(client, path):
    response = client.post(path, {"username": "u" * 256, "password": "whatever"})
    assert response.status_code == 400
    assert response.content == b"Bad request: a username has at most 150 characters.\n"
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    "path, error",
    [
        ("/accounts/login/", b"enter a correct username and password"),
        ("/admin/login/", b"enter the correct username and password for a staff account"),
    ],
)
def test_it_answers_a_150_character_username_with_the_usual_form_error(client, path, error):
    response = client.post(path, {"username": "u" * 150, "password": "whatever"})
    assert response.status_code == 200
    assert error in response.content
    assert AccessAttempt.objects.get().username == "u" * 150


def test_it_lets_an_editor_save_a_payer_note_of_50_000_characters(django_user_model):
    # The longest text of the site passes the edge: the limit is far above any real value.
    editor = django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=PayerNote.EDITORS_GROUP))
    browser = logged_in(editor)
    note = PayerNote.objects.published().order_by("key").first()
    text = "Prior authorization is required for each level. " * 1000  # 49,000 characters
    response = save(browser, note, open_note(browser, note), text=text)
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == text.strip()
