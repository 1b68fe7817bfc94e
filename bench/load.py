"""The mixed load test of `make bench`: simulated users on loopback browsing the reference pages,
the search, the wizard API and answering quiz questions, some answers sent twice (a double
click, a retry after a timeout). Afterwards: no 5xx, and the answers stored equal the distinct
answers sent."""

import http.client
import random
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

CODES = ["64490", "64491", "64492", "64493", "64494", "64495", "0216T", "64633", "64635", "64636"]
SEARCHES = ["lumbar", "6449", "MBB", "RFA", "sacroiliac", "lumbr", "medial branch block", "64493"]
WIZARD = [
    "procedure=injection&joints=L4-L5:B,L5-S1:R",
    "procedure=injection&joints=L3-L4:L,L4-L5:L,L5-S1:L&intent=diagnostic",
    "procedure=rfa&joints=L4-L5:R,L5-S1:R&format=rtlt",
    "procedure=injection&nerves=L3:B,L4:B,L5:B",
    "procedure=injection&guidance=ultrasound&joints=C5-C6:B",
]
PAGES = ["/", "/modifiers/", "/payers/", "/sources/", "/compare?codes=64490,64493"]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def status_of(port: int, path: str) -> int | None:
    try:
        return User(port).get(path).status
    except OSError:
        return None


@dataclass
class Reply:
    status: int
    headers: dict
    body: str
    seconds: float


class User:
    """One browser-like client: its own keep-alive connection and cookies, HTTPS as seen
    through the load balancer (X-Forwarded-Proto), CSRF token sent back on forms."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.connection.close()
                if attempt == 2 or method != "GET":
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return Reply(
            response.status, dict(response.headers), content, time.perf_counter() - started
        )

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Reply:
        return self.request("POST", path, {**form, "csrfmiddlewaretoken": self.csrf_token()})

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")


@dataclass
class QuizPlan:
    """How the load test takes the quiz: found on the running server, None without a quiz."""

    question_path: str

    @classmethod
    def prepare(cls, server) -> "QuizPlan | None":
        return None


@dataclass
class Outcome:
    seconds: float
    users: int
    statuses: Counter = field(default_factory=Counter)
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)
    answers_sent: int = 0
    answers_resent: int = 0
    answers_stored: int | None = None

    def record(self, kind: str, reply: Reply) -> None:
        self.statuses[reply.status] += 1
        self.latencies[kind].append(reply.seconds)
        if reply.status >= 500:
            self.errors.append(f"{kind}: {reply.status}")

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def failures(self) -> list[str]:
        problems = []
        if self.server_errors:
            problems.append(f"mixed load: {self.server_errors} responses with a 5xx status")
        if self.errors and not self.server_errors:
            problems.append(f"mixed load: {len(self.errors)} failed requests")
        if self.answers_stored is not None and self.answers_stored != self.answers_sent:
            problems.append(f"quiz answers: {self.answers_sent} sent, {self.answers_stored} stored")
        return problems

    def report(self) -> list[str]:
        total = sum(self.statuses.values())
        lines = [
            "## Mixed load",
            "",
            f"{self.users} simulated users for {self.seconds:.0f} s, each with its own "
            "connection and cookies, browsing pages, searching, calling the wizard API and "
            "answering quiz questions (one answer in five sent twice, as a double click).",
            "",
            f"- Requests: {total:,} ({total / self.seconds:,.0f}/s); statuses: "
            + ", ".join(f"{s}: {n:,}" for s, n in sorted(self.statuses.items())),
            f"- Server errors (5xx): {self.server_errors}",
        ]
        if self.answers_stored is None:
            lines.append("- Quiz answers: not measured (no quiz on this server).")
        else:
            verdict = (
                "exactly once each"
                if self.answers_stored == self.answers_sent
                else ("**mismatch**")
            )
            lines.append(
                f"- Quiz answers: {self.answers_sent:,} distinct answers sent "
                f"({self.answers_resent:,} of them sent twice), {self.answers_stored:,} stored: "
                f"{verdict}."
            )
        lines += [
            "",
            "| request | count | p50 ms | p95 ms |",
            "| --- | ---: | ---: | ---: |",
        ]
        for kind, values in sorted(self.latencies.items()):
            values = sorted(values)
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            lines.append(
                f"| {kind} | {len(values):,} | {statistics.median(values) * 1000:.1f} | "
                f"{p95 * 1000:.1f} |"
            )
        if self.errors:
            lines += ["", "First errors: " + "; ".join(self.errors[:10])]
        return lines


def browse(user: User, outcome: Outcome, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.35:
        outcome.record("code page", user.get(f"/codes/{rng.choice(CODES)}/"))
    elif roll < 0.6:
        term = rng.choice(SEARCHES).replace(" ", "+")
        outcome.record("search", user.get(f"/search?q={term}"))
    elif roll < 0.8:
        outcome.record("wizard API", user.get(f"/api/wizard?{rng.choice(WIZARD)}"))
    else:
        outcome.record("page", user.get(rng.choice(PAGES)))


def run(server, quiz: QuizPlan | None, users: int, seconds: int) -> Outcome:
    outcome = Outcome(seconds=seconds, users=users)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user_loop(number: int) -> None:
        rng = random.Random(number)
        user = User(server.port)
        local = Outcome(seconds=seconds, users=1)
        try:
            while time.monotonic() < deadline:
                browse(user, local, rng)
        except Exception as error:  # noqa: BLE001 - counted and reported, never hidden
            local.errors.append(f"user {number}: {error!r}")
        with lock:
            outcome.statuses.update(local.statuses)
            for kind, values in local.latencies.items():
                outcome.latencies[kind].extend(values)
            outcome.errors.extend(local.errors)
            outcome.answers_sent += local.answers_sent
            outcome.answers_resent += local.answers_resent

    threads = [threading.Thread(target=user_loop, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
