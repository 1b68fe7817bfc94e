"""A bounded fuzzer: every URL pattern of the site gets malformed values in its path, its query
string and its form, with wrong methods, wrong content types, no CSRF token, and htmx's header
on and off. Nothing may answer 5xx, and a marker sent in a value never comes back unescaped in
an HTML page. Deterministic (a fixed list of values, no randomness), so a failure reproduces;
it runs in the SQLite and the PostgreSQL pass and takes well under a minute."""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from notes.models import PayerNote
from quiz.models import TRAINERS_GROUP, Quiz, TrainingSession

pytestmark = pytest.mark.django_db

MARKER = "<script>fz</script>"
HUGE = "9" * 5_000
# What goes into a path parameter, a query value and a form value.
NASTY = [MARKER, "\x00", HUGE, "é☃𝔘\u202e", "²", "", "-1", " ", "../..", '"><b x=1>']
SLOT_VALUE = "\x00VALUE\x00"  # where a path parameter goes, until the value is chosen
# Names the site's forms and views read, and a few the admin does.
FIELDS = [
    "q", "code", "codes", "procedure", "guidance", "joints", "nerves", "format", "intent",
    "claim", "option", "display_name", "name", "mode", "status", "next", "key", "text",
    "opened_version", "change_reason", "old", "new", "username", "password", "action",
    "_selected_action", "_to_field", "_popup", "_changelist_filters", "o", "p", "e", "all",
]  # fmt: skip
SLOT = re.compile(
    r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>(?P<regex>[^)]*)\)"
)


@dataclass
class Pattern:
    route: str  # the whole route, prefixes included: "quiz/attempts/<uuid:attempt_id>/"

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def walk(patterns, prefix: str = "") -> list[Pattern]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            found += walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(Pattern(route))
    return found


def fill(route: str, value: str, real: dict[str, str]) -> str:
    """The route with each parameter set to `value`, or to a real id where one is needed for
    the view to get past its lookup (the attempt, the training session, a payer note)."""

    def one(slot: re.Match) -> str:
        name = slot["name"] or slot["group"]
        if slot["regex"] and "|" in slot["regex"]:  # the admin's app_label: one of the apps
            return slot["regex"].split("|")[0]
        return real.get(name, value) if value == "real" else value

    return SLOT.sub(one, route).replace("\\", "")


def reflected(response) -> bool:
    return "text/html" in response.get("Content-Type", "") and MARKER.encode() in response.content


def persona(username: str, **flags) -> Client:
    user = User.objects.create(username=username, is_staff=flags.get("staff", False))
    if flags.get("superuser"):
        user.is_superuser = user.is_staff = True
        user.save()
    for group in flags.get("groups", ()):
        user.groups.add(Group.objects.get(name=group))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def world():
    """The personas and the real ids the quiz's and the admin's addresses need."""
    trainer = persona("fz-trainer", groups=[TRAINERS_GROUP])
    quiz = Quiz.objects.order_by("slug").first()
    session = TrainingSession.create(quiz=quiz, trainer=User.objects.get(username="fz-trainer"))
    session.set_status(TrainingSession.Status.OPEN)
    trainee = Client()
    started = trainee.post(f"/quiz/{quiz.slug}/start", {"mode": "practice"})
    assert started.status_code == 302, started.content
    attempt_id = started["Location"].split("/")[3]
    note = PayerNote.objects.order_by("key").first()
    real = {
        "attempt_id": attempt_id,
        "session_id": str(session.pk),
        "number": "1",
        "slug": quiz.slug,
        "object_id": str(note.pk),
        "code": "64493",
        "section": "payers",
        "family": "lumbar",
    }
    return {
        "anonymous": Client(enforce_csrf_checks=True),
        "trainee": trainee,
        "trainer": trainer,
        "editor": persona("fz-editor", staff=True, groups=[PayerNote.EDITORS_GROUP]),
        "superuser": persona("fz-admin", superuser=True),
        "real": real,
    }


def requests_for(path: str, real_path: str, values: list[str], full: bool):
    """(method, path, data, content type, htmx) for one pattern and one persona: the nasty
    `values` in the path parameters, then nasty query strings, methods, bodies and content
    types on the real address; `full` adds the body and method variants."""
    for n, value in enumerate(values):
        yield "get", path.replace(SLOT_VALUE, value), None, None, n % 2 == 0
    for n, value in enumerate(NASTY[:3] if full else NASTY[:1]):
        query = {name: [value, MARKER] for name in FIELDS}  # arrays: ?x=1&x=2
        yield "get", real_path, query, None, n % 2 == 1
    if values or full:
        yield "post", real_path, {name: [MARKER, "\x01", ""] for name in FIELDS}, None, False
    if full:
        yield "post", real_path, dict.fromkeys(FIELDS, HUGE), None, True
        yield "post", real_path, '{"q": "' + MARKER + '"}', "application/json", True
        yield "post", real_path, "q=%ff%fe&code=" + MARKER, "text/plain", False
        yield "post", real_path, "--x\r\nbroken", "multipart/form-data; boundary=x", False
        yield "put", real_path, "q=1", "application/x-www-form-urlencoded", False
        yield "delete", real_path, None, None, True
        yield "options", real_path, None, None, False
        yield "head", real_path, None, None, False


def who(pattern: Pattern) -> list[str]:
    if pattern.is_admin:
        return ["superuser", "editor"]
    if "attempt_id" in pattern.route or "<slug:slug>/start" in pattern.route:
        return ["trainee"]
    if "session_id" in pattern.route or pattern.route.startswith("quiz/sessions"):
        return ["trainer"]
    return ["anonymous"]


def admin_object(route: str) -> dict[str, str]:
    """The first row of the admin page's model, so that its change, history and delete pages
    are reached with a real object (their forms then get the nasty values)."""
    parts = route.split("/")
    try:
        model = apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError, IndexError):
        return {}
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return {"object_id": str(first), "id": str(first)} if first is not None else {}


def send(client: Client, method: str, path: str, data, content_type, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    url = "/" + path
    if method in ("get", "head") or isinstance(data, dict):
        return getattr(client, method)(url, data, headers=headers)
    content_type = content_type or "application/octet-stream"
    return getattr(client, method)(url, data or "", content_type=content_type, headers=headers)


def without_csrf_check(client: Client) -> Client:
    """The same browser, signed in the same way, without the CSRF check: so that the forms'
    own handling of bad values is reached, not only the CSRF refusal."""
    other = Client()
    other.cookies = client.cookies
    return other


@pytest.mark.parametrize("part", ["site", "admin"])
def test_it_answers_malformed_requests_to_every_address_without_a_5xx_or_a_reflection(world, part):
    patterns = [p for p in walk(get_resolver().url_patterns) if p.is_admin == (part == "admin")]
    # Signing out ends the personas' sessions: last, so that the others are fuzzed signed in.
    patterns.sort(key=lambda pattern: "logout" in pattern.route)
    assert len(patterns) > (100 if part == "admin" else 30)
    failures: list[str] = []
    for number, pattern in enumerate(patterns):
        template = fill(pattern.route, SLOT_VALUE, {})
        real = (
            {**world["real"], **admin_object(pattern.route)} if pattern.is_admin else world["real"]
        )
        real_path = fill(pattern.route, "real", real)
        for turn, name in enumerate(who(pattern)):
            client = world[name]
            if pattern.is_admin:
                # The admin's patterns repeat per model, and its pages are slow: each pattern
                # takes one of the values in turn, every eighth the body and method variants,
                # so that every value meets every kind of admin page on some model in time.
                values = [NASTY[number % len(NASTY)]] if turn == 0 else []
                full = turn == 0 and number % 8 == 0
            else:
                values, full = NASTY, turn == 0
            plan = requests_for(template, real_path, values, full=full)
            for method, path, data, content_type, htmx in plan:
                # A POST without the CSRF token (refused), then with it (the view's own check).
                browsers = (
                    [client] if method in ("get", "head") else [client, without_csrf_check(client)]
                )
                for browser in browsers:
                    what = f"{name} {method.upper()} /{path[:100]!r} ({content_type}, {htmx=})"
                    try:  # the test client raises the exception behind a 500
                        response = send(browser, method, path, data, content_type, htmx)
                    except Exception as error:  # noqa: BLE001 - each one is a finding
                        failures.append(f"{what}: {error!r}"[:400])
                        continue
                    if response.status_code >= 500 or reflected(response):
                        failures.append(
                            f"{what}: {response.status_code}"
                            + (" reflects the marker" if reflected(response) else "")
                        )
    assert failures == [], "\n".join(failures)
