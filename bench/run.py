"""make bench: FacetCoder under gunicorn with production settings, on loopback, under load.

1. A throwaway database: a PostgreSQL server in a private temporary directory (the default),
   or with BENCH_DB=sqlite a SQLite file, and `make serve` (scripts/serve.sh) on 127.0.0.1
   with a random secret key. Everything the run writes (the database, static files, the
   server's log) lives in private directories outside the checkout (scratch_dir), so it runs
   as root from a checkout the `postgres` user cannot enter.
2. wrk, 50 connections, against /healthz (the floor: one trivial query), a code page, a search,
   the wizard API and a quiz question: requests per second, p50/p95/p99 latency, errors, and each
   endpoint's cost relative to /healthz. Each endpoint is measured in short rounds that alternate
   with rounds of /healthz, and its ratio is the median of the rounds' ratios: on a shared
   machine the speed swings by half within seconds, and a floor measured minutes earlier (or
   one slow round) would skew the ratio.
3. A mixed load test (bench/load.py): 50 simulated users for 60 s browsing pages and answering
   quiz questions, some answers sent twice; no 5xx allowed, and the answers stored in the
   database must equal the distinct answers sent.
4. A training session (bench/load.py, run_session): 300 trainees answering every 5-15 s while
   the trainer's dashboard polls; answers within 4× /healthz at p95, no errors, every answer
   stored once and counted once by the dashboard's tallies.
5. The trainer dashboard's poll at 100, 1,000 and 10,000 answers (bench/dashboard.py).
6. The table, the machine and the date go to bench/results.md (and to stdout).

Every request goes to 127.0.0.1 only. Options: see --help (shorter runs for a quick look).
"""

# ruff: noqa: S603, S607 - it starts the project's own scripts, psql and wrk with fixed arguments
import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - bench/load.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
REPORTER = ROOT / "bench" / "report.lua"
ANSWERER = ROOT / "bench" / "answer.lua"
POSTER = ROOT / "bench" / "post_json.lua"
# A two-page operative note (about 4,800 characters), read by the note reader's API.
NOTE = ROOT / "bench" / "two-page-note.txt"
CLIENT_HEADERS = [
    *("-H", "X-Forwarded-Proto: https"),  # as the TLS-terminating load balancer sends
    *("-H", "Accept-Encoding: gzip, deflate, br"),  # as every browser sends
]

# (name, path, goal: at most this many times the cost of /healthz, or None)
ENDPOINTS = [
    ("/healthz", "/healthz", None),
    ("code page", "/codes/64493/", 3.0),
    ("search", "/search?q=lumbar", 3.0),
    ("wizard API", "/api/wizard?procedure=injection&joints=L4-L5:B,L5-S1:R", 3.0),
]


@dataclass
class Measure:
    name: str
    path: str
    goal: float | None
    requests: int = 0
    seconds: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    errors: int = 0
    note: str = ""
    ratios: list[float] = field(default_factory=list)  # /healthz's req/s over this one's, per round

    @property
    def shown(self) -> str:
        """The path as the table shows it: an attempt's id is the same kind of URL each run."""
        return re.sub(r"/attempts/[0-9a-f-]{36}/", "/attempts/<id>/", self.path)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        """How many times fewer requests per second than /healthz: the median over the rounds,
        each against the /healthz round run next to it."""
        return statistics.median(self.ratios) if self.ratios else 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_dir(prefix: str = "facetcoder-bench.") -> Path:
    """A new private directory (mode 0700) for the run, outside the checkout: the system's
    temporary directory, or /tmp when TMPDIR points into the checkout. A server inside the
    checkout cannot start when the checkout sits where the `postgres` user may not enter
    (a home directory, `mktemp -d`) and the benchmark runs as root."""
    base = Path(tempfile.gettempdir()).resolve()
    if base.is_relative_to(ROOT):
        base = Path("/tmp")  # noqa: S108 - mkdtemp makes a new directory only we may enter
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        subprocess.run([ROOT / "scripts" / "apt-install.sh", "wrk"], check=True)
    return shutil.which("wrk")


class Database:
    """A throwaway database for the run: a PostgreSQL server of its own, or a SQLite file."""

    def __init__(self, kind: str, scratch: Path):
        self.kind = kind
        if kind == "postgresql":
            # A directory of its own, outside the checkout, as the test suite's server: run as
            # root, the server runs as the "postgres" user, who may not enter a private
            # directory holding the checkout (postgres.sh gives it this one).
            self.dir = scratch_dir("facetcoder-bench-pg.")
            started = subprocess.run(
                [ROOT / "scripts" / "postgres.sh", "start", self.dir],
                env={**os.environ, "PG_DURABLE": "1"},
                capture_output=True,
                text=True,
            )
            if started.returncode != 0:
                shutil.rmtree(self.dir, ignore_errors=True)
                raise SystemExit(
                    "The benchmark's PostgreSQL server did not start "
                    f"(BENCH_DB=sqlite make bench runs without one):\n{started.stderr.strip()}"
                )
            url = started.stdout.strip()
            self.url = url
            self.version = subprocess.run(
                ["psql", url, "-Atc", "show server_version"], capture_output=True, text=True
            ).stdout.strip()
        else:
            self.url = f"sqlite:///{scratch / 'db.sqlite3'}"
            import sqlite3

            self.version = sqlite3.sqlite_version

    def stop(self) -> None:
        if self.kind == "postgresql":
            subprocess.run([ROOT / "scripts" / "postgres.sh", "stop", self.dir], check=False)


class Server:
    """`make serve` with production settings on a free loopback port."""

    def __init__(self, database: Database, workers: int, threads: int, scratch: Path):
        self.port = free_port()
        self.scratch = scratch
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers, self.threads = workers, threads
        prefixes = ("DJANGO_", "FACETCODER_")
        clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        self.env = {
            **clean,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database.url,
            "DJANGO_STATIC_ROOT": str(scratch / "static"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
        }
        self.log_path = scratch / "serve.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [ROOT / "scripts" / "serve.sh"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while load.status_of(self.port, "/healthz") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log_path.read_text(errors="replace").splitlines()[-30:]
                raise SystemExit("make serve did not start; its log ends:\n" + "\n".join(tail))
            time.sleep(0.5)

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [ROOT / ".venv" / "bin" / "python", "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def wrk(
    binary: str, url: str, connections: int, seconds: int, cookie: str = "", answers=None
) -> dict:
    """One wrk run. With `answers` (an Answers), POSTs quiz answers instead of GETs."""
    headers = CLIENT_HEADERS + (["-H", f"Cookie: {cookie}"] if cookie and not answers else [])
    script = ["-s", answers.script] if answers else ["-s", REPORTER]
    arguments = ["--", *answers.arguments()] if answers else []
    result = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
        + script
        + headers
        + [url]
        + arguments,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_REPORTER": str(REPORTER)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# Attempts made for the answer POSTs, each answered once; past them, answers are resends.
ANSWER_ATTEMPTS = 8000
PREPARE_ANSWERS = """
from quiz.models import Attempt, Question, Quiz
owner = Attempt.objects.get(pk="{attempt}").owner_token
for quiz in Quiz.objects.filter(kind=Quiz.Kind.TOPIC, time_limit__isnull=True):
    ids = quiz.question_ids()
    if ids and Question.objects.get(pk=ids[0]).kind == Question.Kind.CLAIM:
        break
else:
    raise SystemExit("no untimed topic quiz starts with a claim question")
made = Attempt.objects.bulk_create(
    Attempt(quiz=quiz, mode="practice", owner_token=owner, question_ids=ids,
            pass_mark=quiz.pass_mark, time_limit=None)
    for _ in range({count})
)
print("\\n".join(attempt.question_url(1) for attempt in made))
"""


@dataclass
class Answers:
    """Quiz answer POSTs for wrk: the question paths of fresh attempts of one browser."""

    script: ClassVar[Path] = ANSWERER
    paths: Path
    cookie: str
    csrf: str
    origin: str

    @classmethod
    def prepare(cls, server: "Server", quiz: "load.QuizPlan", count: int) -> "Answers":
        attempt = quiz.question_path.strip("/").split("/")[2]
        code = PREPARE_ANSWERS.format(attempt=attempt, count=count)
        paths = server.scratch / "answer-paths.txt"
        paths.write_text(server.manage("shell", "-v", "0", "-c", code))
        csrf = dict(pair.split("=", 1) for pair in quiz.cookie.split("; "))["csrftoken"]
        return cls(paths, quiz.cookie, csrf, f"https://127.0.0.1:{server.port}")

    def first(self) -> str:
        return self.paths.read_text().split("\n", 1)[0]

    def arguments(self) -> list[str]:
        return [str(self.paths), self.cookie, self.csrf, self.origin]


@dataclass
class JsonPost:
    """One JSON body POSTed again and again (a note to read)."""

    body: Path
    script: ClassVar[Path] = POSTER

    @classmethod
    def note(cls, scratch: Path) -> "JsonPost":
        body = scratch / "note.json"
        body.write_text(json.dumps({"text": NOTE.read_text(), "payer": "medicare"}))
        return cls(body)

    def arguments(self) -> list[str]:
        return [str(self.body)]


def measure(
    binary: str,
    server: Server,
    m: Measure,
    connections: int,
    seconds: int,
    rounds: int,
    cookie: str = "",
    answers: "Answers | JsonPost | None" = None,
) -> Measure:
    """`rounds` rounds of /healthz and the endpoint, `seconds` in all for each."""
    if answers is None:
        status = load.status_of(server.port, m.path, cookie)
        if status != 200:
            m.note = f"answered {status} before the run: not measured"
            return m
        wrk(binary, server.base + m.path, connections, 2, cookie)  # warm-up: caches, connections
    elif isinstance(answers, JsonPost):
        wrk(binary, server.base + m.path, connections, 2, answers=answers)  # warm-up
    share = max(1, round(seconds / rounds))
    latencies = []
    for turn in range(rounds):
        # /healthz goes first in one round and second in the next, so neither gains by its place.
        runs = [("/healthz", ""), (m.path, cookie)]
        runs = runs if turn % 2 == 0 else runs[::-1]
        done = {
            path: wrk(
                binary,
                server.base + path,
                connections,
                share,
                c,
                answers if path == m.path else None,
            )
            for path, c in runs
        }
        floor, figures = done["/healthz"], done[m.path]
        if figures["requests"]:
            rps = figures["requests"] / figures["duration_us"]
            m.ratios.append(floor["requests"] / floor["duration_us"] / rps)
        m.requests += figures["requests"]
        m.seconds += figures["duration_us"] / 1e6
        m.errors += sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
        latencies.append([figures[k] / 1000 for k in ("p50_us", "p95_us", "p99_us")])
    # Each percentile: the median of the rounds' (wrk gives no histogram to merge).
    m.p50, m.p95, m.p99 = (statistics.median(c) for c in zip(*latencies, strict=True))
    return m


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB memory"
            break
    return f"{model}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}"


def table(measures: list[Measure]) -> list[str]:
    rows = [
        "| endpoint | path | req/s | p50 ms | p95 ms | p99 ms | errors | × /healthz | goal |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in measures:
        if not m.requests:
            rows.append(f"| {m.name} | `{m.shown}` | – | – | – | – | – | – | {m.note} |")
            continue
        ratio = m.ratio
        if m is measures[0]:
            goal = "the floor"
        elif m.goal is None:
            goal = "–"
        else:
            goal = f"≤ {m.goal:g}×: " + ("met" if ratio <= m.goal else "**not met**")
        rows.append(
            f"| {m.name} | `{m.shown}` | {m.rps:,.0f} | {m.p50:.1f} | {m.p95:.1f} | "
            f"{m.p99:.1f} | {m.errors} | {ratio:.2f}× | {goal} |"
        )
    return rows


def dashboard_cost(polls: int) -> list[str]:
    """bench/dashboard.py's table: the trainer dashboard's poll at three sizes, in-process on
    a throwaway SQLite file of its own (no server, no network)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    script = ROOT / "bench" / "dashboard.py"
    done = subprocess.run(
        [sys.executable, str(script), "--polls", str(polls)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return [f"Dashboard poll: bench/dashboard.py failed: {done.stderr.strip()[-500:]}"]
    return done.stdout.strip().splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=12, help="per endpoint (default 12)")
    parser.add_argument("--rounds", type=int, default=12, help="per endpoint (default 12)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent (default 50)")
    parser.add_argument("--mixed-seconds", type=int, default=60, help="mixed load (default 60)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4, help="per gunicorn worker")
    parser.add_argument(
        "--db",
        choices=("postgresql", "sqlite"),
        default=os.environ.get("BENCH_DB") or "postgresql",
    )
    parser.add_argument("--trainees", type=int, default=300, help="in the session (default 300)")
    parser.add_argument(
        "--session-seconds", type=int, default=90, help="the training session (default 90)"
    )
    parser.add_argument(
        "--dashboard-polls",
        type=int,
        default=20,
        help="trainer dashboard polls per size, in bench/dashboard.py (default 20)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    binary = ensure_wrk()
    load_before = os.getloadavg()[0]
    scratch = scratch_dir()
    try:
        database = Database(args.db, scratch)
    except SystemExit:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    server = None
    try:
        print(f"Starting make serve on {args.db} ...", flush=True)
        server = Server(database, args.workers, args.threads, scratch)
        quiz = load.QuizPlan.prepare(server)
        endpoints = [Measure(*e) for e in ENDPOINTS]
        answers = None
        if quiz:
            endpoints.append(Measure("quiz question", quiz.question_path, 4.0))
            answers = Answers.prepare(server, quiz, ANSWER_ATTEMPTS)
            endpoints.append(Measure("quiz answer POST", answers.first(), 4.0))
        endpoints.append(Measure("read a two-page note", "/api/read-note", 10.0))
        note = JsonPost.note(scratch)
        for m in endpoints:
            print(f"wrk: {m.name} ({m.path}) ...", flush=True)
            cookie = quiz.cookie if quiz and m.path == quiz.question_path else ""
            posting = {"quiz answer POST": answers, "read a two-page note": note}.get(m.name)
            measure(binary, server, m, args.connections, args.seconds, args.rounds, cookie, posting)
        print(f"mixed load: {args.connections} users for {args.mixed_seconds} s ...", flush=True)
        mixed = load.run(server, quiz, args.connections, args.mixed_seconds)
        print(
            f"training session: {args.trainees} trainees for {args.session_seconds} s ...",
            flush=True,
        )
        session = load.run_session(server, args.trainees, args.session_seconds)
    finally:
        if server:
            server.stop()
        database.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print("dashboard poll at 100, 1,000 and 10,000 answers ...", flush=True)
    dashboard = dashboard_cost(args.dashboard_polls)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark",
        "",
        f"Run with `make bench` on {when}.",
        "",
        f"- Machine: {machine()}. The load generator runs on the same cores as the server. "
        f"Load average (1 min) just before the run: {load_before:.2f}; anything else running "
        "on the machine lowers every figure, the ratios less so.",
        f"- Server: gunicorn (gthread), {args.workers} workers × {args.threads} threads, "
        "production settings (DEBUG off, whitenoise, secure cookies), on 127.0.0.1.",
        f"- Database: {args.db} {database.version}, a throwaway one.",
        f"- Load: wrk, {args.connections} connections, {args.seconds} s per endpoint after a "
        f"2-s warm-up, in {args.rounds} rounds; requests carry `X-Forwarded-Proto: https` as "
        "from the load balancer and `Accept-Encoding: gzip, deflate, br` as from a browser; "
        "a response slower than 5 s counts as an error. Latencies: the median of the rounds.",
        "- × /healthz: how many times fewer requests per second than /healthz (one trivial "
        "query): the median over the rounds of the ratio to the /healthz round run next to "
        "it (before it in one round, after it in the next). The cost of the page over the "
        "floor.",
        "",
        *table(endpoints),
        "",
        "Goals (not asserted by the tests): a code page, search and the wizard API within 3× "
        "of /healthz, a quiz question page and a quiz answer POST within 4×, reading a "
        "two-page note within 10×, no errors at 50 concurrent clients."
        f" The answer POSTs go each to an attempt of its own, "
        f"{ANSWER_ATTEMPTS:,} prepared beforehand; any beyond those are resends, which store "
        "nothing.",
        "",
        *mixed.report(),
        "",
        *session.report(),
        "",
        *dashboard,
        "",
        "Goal: a poll at 10,000 answers costs about what one at 100 does (not asserted here; "
        "its queries are counted exactly, and none reads the answers, in "
        "tests/quiz/test_dashboard.py).",
        "",
    ]
    text = "\n".join(lines)
    args.output.write_text(text)
    print(text)
    failures = mixed.failures() + session.failures()
    failures += [f"{m.name}: {m.errors} errors" for m in endpoints if m.errors]
    if failures:
        raise SystemExit("Benchmark found errors: " + "; ".join(failures))


if __name__ == "__main__":
    main()
