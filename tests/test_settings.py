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
