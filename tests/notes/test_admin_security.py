"""Signing in to the back office resists password guessing, and its cookies are secure in
production."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.notes.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
    )


@pytest.mark.django_db
def test_it_locks_the_login_after_five_failed_attempts(client, make_user, settings):
    make_user("edna", staff=True, editor=True)
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "edna", f"guess {attempt}")
        assert response.status_code == 200  # the login form again, with an error
    response = sign_in(client, "edna", "last guess")
    assert response.status_code == 429

    response = sign_in(client, "edna", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


@pytest.mark.django_db
def test_it_signs_an_editor_in_with_the_right_password(client, make_user):
    make_user("edna", staff=True, editor=True)
    response = sign_in(client, "edna", PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def production_settings(*names: str) -> dict:
    """Settings as a production server (DEBUG off, not under test) reads them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACETCODER_"))}
    env.update(DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="coder.example")
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "facetsite.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_sends_the_admin_cookies_only_over_https_in_production():
    values = production_settings(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "AXES_ENABLED",
        "AXES_FAILURE_LIMIT",
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "AXES_ENABLED": True,
        "AXES_FAILURE_LIMIT": 5,
    }
