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
INPUT = re.compile(r"<input\b[^>]*>")
OPTION_VALUE = re.compile(r'value="(\d+)"')
NEXT_QUESTION = re.compile(r'href="(/quiz/attempts/[0-9a-f-]+/\d+/)"[^>]*>\s*Next question')


def status_of(port: int, path: str, cookie: str = "") -> int | None:
    user = User(port)
    for pair in filter(None, cookie.split("; ")):
        name, _, value = pair.partition("=")
        user.cookies[name] = value
    try:
        return user.get(path).status
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

    def request(
        self, method: str, path: str, form: dict | None = None, htmx: bool = False
    ) -> Reply:
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"}
        if htmx:
            headers["HX-Request"] = "true"
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

    def get(self, path: str, htmx: bool = False) -> Reply:
        return self.request("GET", path, htmx=htmx)

    def post(self, path: str, form: dict, htmx: bool = False) -> Reply:
        form = {**form, "csrfmiddlewaretoken": self.csrf_token()}
        return self.request("POST", path, form, htmx=htmx)

    def idle(self, seconds: float) -> None:
        """Wait, then start afresh on a new connection, as a browser does once the server's
        keep-alive has closed the old one (a POST is never retried on a closed connection)."""
        time.sleep(seconds)
        self.connection.close()

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def twin(self) -> "User":
        """The same visitor (cookies) on a second connection: a second tab, a retry."""
        other = User(self.port)
        other.cookies = self.cookies
        return other


@dataclass
class QuizPlan:
    """The quizzes the load test takes (topic quizzes without a time limit, in practice mode),
    and one question page of an attempt started beforehand, for wrk to measure."""

    slugs: list[str]
    question_path: str
    cookie: str

    @classmethod
    def prepare(cls, server) -> "QuizPlan | None":
        listing = server.manage(
            "shell",
            "-v",
            "0",
            "-c",
            "from quiz.models import Quiz; print(' '.join(Quiz.objects.filter("
            "kind=Quiz.Kind.TOPIC, time_limit__isnull=True).values_list('slug', flat=True)))",
        ).split()
        if not listing:
            return None
        user = User(server.port)
        path = start_attempt(user, listing[0])
        cookie = "; ".join(f"{k}={v}" for k, v in user.cookies.items())
        return cls(slugs=listing, question_path=path, cookie=cookie)


def start_attempt(user: User, slug: str) -> str:
    """Open a quiz and start it in practice mode: the path of its first question."""
    page = user.get(f"/quiz/{slug}/")
    if page.status != 200:
        raise RuntimeError(f"/quiz/{slug}/ answered {page.status}")
    started = user.post(f"/quiz/{slug}/start", {"mode": "practice"})
    if started.status not in (302, 303):
        raise RuntimeError(f"starting {slug} answered {started.status}")
    return started.headers["Location"]


def answer_form(page: str) -> dict | None:
    """The answer a trainee in a hurry gives: the first option, or some claim lines."""
    for tag in INPUT.findall(page):
        if 'name="option"' in tag:
            return {"option": OPTION_VALUE.search(tag).group(1)}
    if 'name="claim"' in page:
        return {"claim": "64493-50, 64494-RT"}
    return None


def post_into(replies: list, user: User, path: str, form: dict, htmx: bool = False) -> None:
    replies.append(user.post(path, form, htmx=htmx))


def take_quiz(user: User, plan: QuizPlan, outcome: "Outcome", rng: random.Random) -> None:
    """Start a quiz and answer a few of its questions; one answer in five is sent twice at
    once, from two connections (a double click, a retry)."""
    path = start_attempt(user, rng.choice(plan.slugs))
    for _ in range(rng.randint(1, 4)):
        page = user.get(path)
        outcome.record("quiz question", page)
        form = answer_form(page.body)
        if page.status != 200 or form is None:
            return
        if rng.random() < 0.2:
            twin = user.twin()
            replies: list = []
            sender = threading.Thread(target=post_into, args=(replies, twin, path, form))
            sender.start()
            reply = user.post(path, form)
            sender.join()
            twin.connection.close()
            outcome.answers_resent += 1
            for other in replies:
                outcome.record("quiz answer (twice)", other)
        else:
            reply = user.post(path, form)
        outcome.record("quiz answer", reply)
        if reply.status not in (302, 303):
            return
        outcome.answers_sent += 1
        feedback = user.get(reply.headers["Location"])
        outcome.record("quiz feedback", feedback)
        following = NEXT_QUESTION.search(feedback.body)
        if not following:
            return
        path = following.group(1)


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


def browse(user: User, outcome: Outcome, rng: random.Random, quiz: QuizPlan | None) -> None:
    roll = rng.random()
    if quiz and roll < 0.15:
        take_quiz(user, quiz, outcome, rng)
    elif roll < 0.35:
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

    def user_loop(number: int) -> None:
        rng = random.Random(number)
        user = User(server.port)
        local = Outcome(seconds=seconds, users=1)
        try:
            while time.monotonic() < deadline:
                browse(user, local, rng, quiz)
        except Exception as error:  # noqa: BLE001 - counted and reported, never hidden
            local.errors.append(f"user {number}: {error!r}")
        with lock:
            outcome.statuses.update(local.statuses)
            for kind, values in local.latencies.items():
                outcome.latencies[kind].extend(values)
            outcome.errors.extend(local.errors)
            outcome.answers_sent += local.answers_sent
            outcome.answers_resent += local.answers_resent

    # Answers stored before (the quiz answer POSTs measured with wrk) are not this load's.
    before = stored_answers(server) if quiz else 0
    # From here: counting the answers above takes seconds of a short run.
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=user_loop, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if quiz:
        outcome.answers_stored = stored_answers(server) - before
    return outcome


def stored_answers(server) -> int:
    code = "from quiz.models import Answer; print(Answer.objects.count())"
    return int(server.manage("shell", "-v", "0", "-c", code).strip())


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))] if values else 0.0


# The training session ------------------------------------------------------------------------

# Trainees join over the first RAMP seconds (they type the code as the trainer shows it), then
# answer every THINK seconds (uniformly drawn); the trainer's dashboard polls every POLL
# seconds, as its htmx trigger does, and /healthz is sampled every FLOOR_EVERY seconds under the
# same load: often enough that its p95 rests on hundreds of samples (at one a second, a 90 s run
# gave 90, and its p95 was the fifth slowest: it swung from 19 to 74 ms between runs).
RAMP = 10
THINK = (5.0, 15.0)
POLL = 5.0
FLOOR_EVERY = 0.2
SESSION_SETUP = """
import secrets
from django.contrib.auth.models import Group, User
from django.db.models import Count
from quiz.models import TRAINERS_GROUP, Quiz, TrainingSession
quiz = (
    Quiz.objects.filter(time_limit__isnull=True)
    .annotate(n=Count("quiz_questions")).order_by("-n", "slug").first()
)
password = secrets.token_urlsafe(24)
trainer = User.objects.create_user(f"bench-trainer-{secrets.token_hex(4)}", password=password)
trainer.groups.add(Group.objects.get(name=TRAINERS_GROUP))
session = TrainingSession.create(quiz=quiz, trainer=trainer, title="Bench", mode="practice")
session.set_status(TrainingSession.Status.OPEN)
print(trainer.username, password, session.pk, session.code, len(quiz.question_ids()))
"""
SESSION_CHECK = """
from django.db.models import Sum
from quiz.models import Answer, Attempt, ParticipantTally, QuestionTally
session = "{session}"
print(
    Attempt.objects.filter(training_session=session).count(),
    Answer.objects.filter(attempt__training_session=session).count(),
    ParticipantTally.objects.filter(attempt__training_session=session)
    .aggregate(n=Sum("answered"))["n"] or 0,
    QuestionTally.objects.filter(session=session).aggregate(n=Sum("answered"))["n"] or 0,
)
"""


@dataclass
class SessionOutcome(Outcome):
    trainees: int = 0
    questions: int = 0
    joined: int = 0
    participants: int | None = None
    tallied: tuple = ()
    poll_bytes: list = field(default_factory=list)

    def answer_goal(self) -> tuple[float, float, bool]:
        """(p95 of the answers, p95 of /healthz, whether the answers stay within 4×)."""
        answers = percentile(self.latencies["answer"], 0.95)
        floor = percentile(self.latencies["/healthz"], 0.95)
        return answers, floor, bool(floor) and answers <= 4 * floor

    def failures(self) -> list[str]:
        problems = [f"session: {p}" for p in super().failures()]
        if self.participants is not None and self.participants != self.joined:
            problems.append(f"session: {self.joined} joined, {self.participants} participants")
        if self.tallied and set(self.tallied) != {self.answers_stored}:
            problems.append(
                f"session: {self.answers_stored} answers stored, the dashboard's tallies count "
                f"{' and '.join(map(str, self.tallied))}"
            )
        return problems

    def report(self) -> list[str]:
        answers, floor, met = self.answer_goal()
        total = sum(self.statuses.values())
        lines = [
            "## A training session",
            "",
            f"{self.trainees} trainees join one session over {RAMP} s and answer its "
            f"{self.questions} questions (practice mode, through htmx as the browser does), each "
            f"every {THINK[0]:g}–{THINK[1]:g} s, for {self.seconds:.0f} s in all; one answer in "
            f"five is sent twice at once (a double click). The trainer's dashboard polls every "
            f"{POLL:g} s, and /healthz is fetched every {FLOOR_EVERY:g} s under the same load.",
            "",
            f"- Requests: {total:,} ({total / self.seconds:,.0f}/s); statuses: "
            + ", ".join(f"{s}: {n:,}" for s, n in sorted(self.statuses.items())),
            f"- Server errors (5xx): {self.server_errors}; failed requests: {len(self.errors)}",
            f"- Participants: {self.joined} joined, "
            f"{self.participants if self.participants is not None else '?'} on the server.",
            f"- Answers: {self.answers_sent:,} distinct answers sent ({self.answers_resent:,} of "
            f"them twice), {self.answers_stored if self.answers_stored is not None else '?'} "
            "stored; the dashboard's tallies count "
            + (" and ".join(f"{n:,}" for n in self.tallied) or "?")
            + " (participants', questions').",
            f"- Answers p95 {answers * 1000:.1f} ms, /healthz p95 {floor * 1000:.1f} ms: "
            f"{answers / floor if floor else 0:.1f}× (goal ≤ 4×: "
            + ("met" if met else "**not met**")
            + ").",
        ]
        if self.poll_bytes:
            lines.append(
                f"- Dashboard poll: {statistics.median(self.poll_bytes):,.0f} bytes (median) "
                f"with {self.joined} participants."
            )
        lines += [
            "",
            "| request | count | p50 ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind, values in sorted(self.latencies.items()):
            lines.append(
                f"| {kind} | {len(values):,} | {statistics.median(values) * 1000:.1f} | "
                f"{percentile(values, 0.95) * 1000:.1f} | {max(values) * 1000:.1f} |"
            )
        if self.errors:
            lines += ["", "First errors: " + "; ".join(self.errors[:10])]
        return lines


def trainee(number: int, server, code: str, outcome: SessionOutcome, deadline: float) -> None:
    """Join, then answer a question every THINK seconds until the time is up or the quiz
    is done: the answer and the next question through htmx, as the question page does."""
    rng = random.Random(number)
    user = User(server.port)
    time.sleep(rng.uniform(0, RAMP))
    outcome.record("join page", user.get(f"/quiz/join?code={code}"))
    joined = user.post("/quiz/join", {"code": code, "display_name": f"Trainee {number}"})
    outcome.record("join", joined)
    if joined.status != 302:
        outcome.errors.append(f"trainee {number}: join answered {joined.status}")
        return
    outcome.joined += 1
    start = user.get(joined.headers["Location"])  # the attempt: on to its first question
    page = user.get(start.headers["Location"])
    outcome.record("question page", page)
    path = start.headers["Location"]
    while True:
        form = answer_form(page.body)
        think = rng.uniform(*THINK)
        if form is None or time.monotonic() + think > deadline:
            return
        user.idle(think)
        if rng.random() < 0.2:
            twin = user.twin()
            replies: list = []
            sender = threading.Thread(target=post_into, args=(replies, twin, path, form, True))
            sender.start()
            reply = user.post(path, form, htmx=True)
            sender.join()
            twin.connection.close()
            outcome.answers_resent += 1
            for other in replies:
                outcome.record("answer (the second click)", other)
        else:
            reply = user.post(path, form, htmx=True)
        outcome.record("answer", reply)
        if reply.status != 200:
            outcome.errors.append(f"trainee {number}: an answer answered {reply.status}")
            return
        outcome.answers_sent += 1
        following = NEXT_QUESTION.search(reply.body)
        if not following:
            return
        path = following.group(1)
        page = user.get(path, htmx=True)
        outcome.record("next question", page)


def trainer(server, credentials: tuple[str, str], session: str, outcome, deadline) -> None:
    """Sign in and keep the dashboard open: its live fragment every POLL seconds."""
    user = User(server.port)
    user.get("/accounts/login/")
    username, password = credentials
    signed_in = user.post("/accounts/login/", {"username": username, "password": password})
    if signed_in.status != 302:
        outcome.errors.append(f"trainer: sign-in answered {signed_in.status}")
        return
    url = f"/quiz/sessions/{session}/"
    outcome.record("dashboard page", user.get(url))
    while time.monotonic() + POLL < deadline:
        user.idle(POLL)
        reply = user.get(url, htmx=True)
        outcome.record("dashboard poll", reply)
        outcome.poll_bytes.append(len(reply.body.encode()))


def floor(server, outcome, deadline) -> None:
    user = User(server.port)
    while time.monotonic() + FLOOR_EVERY < deadline:
        user.idle(FLOOR_EVERY)
        outcome.record("/healthz", user.get("/healthz"))


def run_session(server, trainees: int, seconds: int) -> SessionOutcome:
    """A trainer-led session of `trainees` on the running server; see SessionOutcome.report."""
    username, password, session, code, questions = server.manage(
        "shell", "-v", "0", "-c", SESSION_SETUP
    ).split()
    outcome = SessionOutcome(
        seconds=seconds, users=trainees + 1, trainees=trainees, questions=int(questions)
    )
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def guarded(name: str, target, *args) -> None:
        local = SessionOutcome(seconds=seconds, users=1)
        try:
            target(*args, local, deadline)
        except Exception as error:  # noqa: BLE001 - counted and reported, never hidden
            local.errors.append(f"{name}: {error!r}")
        with lock:
            outcome.statuses.update(local.statuses)
            for kind, values in local.latencies.items():
                outcome.latencies[kind].extend(values)
            outcome.errors.extend(local.errors)
            outcome.answers_sent += local.answers_sent
            outcome.answers_resent += local.answers_resent
            outcome.joined += local.joined
            outcome.poll_bytes.extend(local.poll_bytes)

    threads = [
        threading.Thread(target=guarded, args=(f"trainee {n}", trainee, n, server, code))
        for n in range(trainees)
    ]
    threads.append(
        threading.Thread(
            target=guarded, args=("trainer", trainer, server, (username, password), session)
        )
    )
    threads.append(threading.Thread(target=guarded, args=("/healthz", floor, server)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    participants, stored, *tallied = map(
        int, server.manage("shell", "-v", "0", "-c", SESSION_CHECK.format(session=session)).split()
    )
    outcome.participants, outcome.answers_stored, outcome.tallied = (
        participants,
        stored,
        tuple(tallied),
    )
    return outcome
