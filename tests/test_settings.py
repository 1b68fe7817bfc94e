import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_check(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACETCODER_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = django_check()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_starts_with_debug_on_and_no_secret_key():
    assert django_check(DJANGO_DEBUG="1").returncode == 0


def test_it_starts_in_production_mode_with_a_secret_key():
    result = django_check(DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="coder.example")
    assert result.returncode == 0, result.stderr


def setting(name: str, **env: str) -> str:
    """A setting as the app started with this environment (DEBUG on: no secret needed)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FACETCODER_"))}
    return subprocess.run(
        [sys.executable, "-c", f"from facetsite import settings; print(settings.{name})"],
        cwd=ROOT,
        env={**clean, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()


def test_it_leaves_compression_to_the_proxy_unless_told_otherwise():
    gzip = "django.middleware.gzip.GZipMiddleware"
    assert gzip not in setting("MIDDLEWARE")
    told = ast.literal_eval(setting("MIDDLEWARE", DJANGO_GZIP="1"))
    # Right after whitenoise (static files are compressed already), before everything else
    # that makes a response.
    assert told[told.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1] == gzip
    assert told[0] == "django.middleware.security.SecurityMiddleware"


def test_it_tells_releases_apart_by_the_name_a_deployment_gives_or_the_git_commit():
    assert setting("RELEASE", FACETCODER_RELEASE="2026.11.2") == "2026.11.2"
    commit = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    if commit.returncode == 0:
        assert setting("RELEASE") == commit.stdout.strip()
    else:  # not a git checkout: the time the process started
        assert setting("RELEASE").startswith("started-")
