"""Production serving: `make serve` (scripts/serve.sh) started for real with production settings,
gunicorn on loopback, a fresh SQLite file, requests over HTTP as a load balancer sends them."""

import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a TLS-terminating load balancer adds; gunicorn trusts it from loopback.
HTTPS = {"X-Forwarded-Proto": "https"}
ONE_YEAR = 365 * 24 * 60 * 60


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FACETCODER_")) and k != "DATABASE_URL"
    }
    return {
        **clean,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        **extra,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int):
        self.port = port

    def get(self, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response


@contextmanager
def serving(env: dict[str, str], log_path: Path):
    """`make serve` (scripts/serve.sh) in its own process group, until the block ends."""
    log = log_path.open("w")
    process = subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = Server(int(env["PORT"]))
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"make serve exited: {log_path.read_text()}")
            try:
                if started.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"make serve did not answer: {log_path.read_text()}")
            time.sleep(0.3)
        yield started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory) -> dict[str, str]:
    """What every app server of one deployment shares: secret, database, cache table."""
    tmp = tmp_path_factory.mktemp("serve")
    return production_env(
        tmp, HOST="127.0.0.1", WEB_CONCURRENCY="2", DJANGO_CACHE_LOCATION="facetcoder_cache"
    )


@pytest.fixture(scope="module")
def server(shared_env, tmp_path_factory):
    """The first app server: it migrates, loads the data and creates the cache table."""
    log = tmp_path_factory.mktemp("first") / "serve.log"
    with serving({**shared_env, "PORT": str(free_port())}, log) as started:
        yield started


@pytest.fixture(scope="module")
def second_server(server, shared_env, tmp_path_factory):
    """Another app server of the same deployment, which only serves."""
    log = tmp_path_factory.mktemp("second") / "serve.log"
    env = {**shared_env, "PORT": str(free_port()), "SERVE_MIGRATE": "0"}
    with serving(env, log) as started:
        yield started


def test_it_passes_the_deployment_checklist_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path, DJANGO_ALLOWED_HOSTS="coder.example"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_serve_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        ["scripts/serve.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_it_refuses_to_serve_with_debug_on(tmp_path):
    result = subprocess.run(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=production_env(tmp_path, DJANGO_DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DEBUG off" in result.stderr


def test_it_answers_the_load_balancers_health_check_over_plain_http(server):
    response = server.get("/healthz")
    assert response.status == 200
    assert response.body == b'{"status": "ok"}'


def test_it_sends_plain_http_visitors_to_https(server):
    response = server.get("/codes/64493/")
    assert response.status == 301
    assert response.getheader("Location") == "https://127.0.0.1/codes/64493/"


def test_it_sends_the_security_headers(server):
    response = server.get("/", HTTPS)
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == (
        f"max-age={ONE_YEAR}; includeSubDomains; preload"
    )
    csp = response.getheader("Content-Security-Policy")
    assert "script-src 'self';" in csp, csp  # no inline script, so no nonce
    assert "style-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"


def test_it_sets_only_secure_cookies(server):
    response = server.get("/admin/login/", HTTPS)
    assert response.status == 200
    cookies = response.headers.get_all("Set-Cookie")
    assert any(c.startswith("csrftoken=") for c in cookies)
    for cookie in cookies:
        assert "; Secure" in cookie, cookie


def test_it_serves_compressed_static_files_with_far_future_caching(server):
    page = server.get("/", HTTPS).body.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", stylesheet)

    response = server.get(stylesheet, {**HTTPS, "Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert b":root" in gzip.decompress(response.body)
    cache_control = response.getheader("Cache-Control")
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= ONE_YEAR
    assert "immutable" in cache_control


def test_it_shows_no_debug_details_on_an_error(server):
    response = server.get("/codes/99999/", HTTPS)
    assert response.status == 404
    body = response.body.decode()
    assert "Traceback" not in body and "URLconf" not in body and "settings.py" not in body


def test_it_shows_an_edit_on_every_app_server_of_a_deployment(server, second_server, shared_env):
    before = [s.get("/codes/64493/", HTTPS) for s in (server, second_server)]
    assert [r.status for r in before] == [200, 200]
    marker = "Bulletin seen by every app server"
    assert all(marker.encode() not in r.body for r in before)
    # One release, one database: a page a browser got from one server is current on the other.
    etag = before[0].getheader("ETag")
    assert second_server.get("/codes/64493/", {**HTTPS, "If-None-Match": etag}).status == 304

    # An editor's change, as the admin would save it, through the shared database.
    edit = (
        "from notes.models import PayerNote; "
        "note = PayerNote.objects.published().filter(codes__code='64493').first(); "
        f"note.text += '\\n\\n{marker}.'; note.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", edit],
        cwd=ROOT,
        env=shared_env,
        check=True,
        timeout=120,
    )
    after = [s.get("/codes/64493/", HTTPS) for s in (server, second_server)]
    assert all(marker.encode() in r.body for r in after)
    assert second_server.get("/codes/64493/", {**HTTPS, "If-None-Match": etag}).status == 200
