"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

- The browser is the system Chromium (`/usr/bin/chromium`, or `$CHROMIUM`); `make test` installs
  it. Playwright never downloads a browser of its own.
- Every test starts from the database as the migrations made it (groups and their
  permissions), the reference data as shipped and an empty page cache. Live-server tests are
  transactional: the database is emptied after each one, so both are restored before the next,
  and the browser tests run after every other test.
- A failing test leaves full-page screenshots of every open page at phone and desktop widths in
  `test-results/<test>/`.
- A Content-Security-Policy violation or an uncaught script error on any page fails the test.
"""

import os
import re
import sqlite3
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Page, expect
from slugify import slugify

from quiz.loader import DATA_DIR
from quiz.models import Attempt, Question
from tests.conftest import clear_caches

# Playwright's sync API runs an event loop in the test thread; Django's ORM, called from the
# same thread for fixtures and checks, would otherwise refuse to run beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Two busy cores (the server, the browser and the tests share them): wait a little longer than
# Playwright's default five seconds for what a page should show.
expect.set_options(timeout=10_000)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "correct horse battery staple 42"


def pytest_collection_modifyitems(config, items):
    """Browser tests last: they empty the database behind them (see the module docstring)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: run `make browser` (installs Debian's chromium) "
            "or set CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(scope="session", autouse=True)
def migrated_database(django_db_setup, django_db_blocker) -> str:
    """The test database as the migrations left it (groups and their permissions included),
    serialized when it was created (`django_db_serialized_rollback` below asks for that).

    Read here, before the browser starts: once Playwright's event loop runs, Django hands the
    test thread another connection object, which lacks the serialized copy, so pytest-django's
    own serialized rollback cannot restore it; `reference_data` does."""
    snapshot = getattr(connection, "_test_serialized_contents", None)
    if snapshot is None:
        with django_db_blocker.unblock():
            snapshot = connection.creation.serialize_db_to_string()
    return snapshot


@pytest.fixture(autouse=True)
def reference_data(migrated_database, django_db_serialized_rollback, live_server):
    """The migrated database and the dataset as shipped, restored after an earlier
    (transactional) test emptied the database; empty caches.

    Loading the dataset takes seconds, and every browser test but the first needs it again: on
    SQLite (where these tests run) the database as loaded the first time is copied aside with
    SQLite's backup API, and copied back in milliseconds."""
    from codes.models import Dataset

    if not Dataset.objects.exists() and not SQLITE_COPY.restore():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(migrated_database)
        call_command("load_reference", stdout=StringIO())
        SQLITE_COPY.take()
    clear_caches()


class DatabaseCopy:
    """A copy of the SQLite test database (in memory), taken once and put back as needed."""

    def __init__(self) -> None:
        self.copy: sqlite3.Connection | None = None

    def take(self) -> None:
        if connection.vendor != "sqlite":
            return
        connection.ensure_connection()
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)

    def restore(self) -> bool:
        """Whether the copy was put back (there is none before the first load, nor off SQLite)."""
        if self.copy is None:
            return False
        connection.ensure_connection()
        self.copy.backup(connection.connection)
        return True


SQLITE_COPY = DatabaseCopy()


@pytest.fixture
def new_context(new_context):
    """Contexts whose pages fail the test on a CSP violation or an uncaught script error."""
    problems: list[str] = []

    def console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    def make(**kwargs):
        context = new_context(**kwargs)
        context.on("console", console)
        context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
        return context

    yield make
    assert not problems, "\n".join(problems)


@pytest.fixture
def no_js_page(new_context) -> Page:
    """A page in a context with JavaScript switched off: what the plain HTML forms must do."""
    return new_context(java_script_enabled=False).new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    browser = item.funcargs.get("browser")
    if browser is None:
        return
    folder = ARTEFACTS / slugify(item.nodeid)[:150]
    saved = []
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            for name, size in WIDTHS.items():
                path = folder / f"context{c}-page{p}-{name}.png"
                try:
                    page.set_viewport_size(size)
                    page.screenshot(path=path, full_page=True)
                except Exception as error:  # noqa: BLE001 - a screenshot must not hide the failure
                    saved.append(f"{path}: not taken ({error})")
                else:
                    saved.append(str(path))
    if saved:
        report.sections.append(("screenshots", "\n".join(saved)))


def accessibility_problems(page: Page, rules: list[str] | None = None) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now (of some rules only)."""
    options: dict = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    # Colours read in the middle of a CSS transition (after a change of width or colour
    # scheme) would be neither the old nor the new ones.
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished)).then(() => true)")
    response = Axe().run(page, options=options).response
    return [
        f"{v['impact']} {v['id']}: {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def make_user(username: str, *, groups: tuple[str, ...] = (), staff: bool = False):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def sign_in(page: Page, username: str, at: str | None = "/admin/login/") -> None:
    """Through a sign-in form (the admin's, the site's own, or the one shown), as a person would."""
    if at:
        page.goto(at)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^(Log in|Sign in)$")).click()
    page.wait_for_load_state()


ATTEMPT_URL = re.compile(r"/quiz/attempts/([0-9a-f-]{36})/(\d+)/$")


def current_question(page: Page) -> tuple[Attempt, int, Question]:
    expect(page).to_have_url(ATTEMPT_URL)
    attempt_id, number = ATTEMPT_URL.search(page.url).groups()
    attempt = Attempt.objects.get(pk=attempt_id)
    number = int(number)
    return attempt, number, Question.objects.get(pk=attempt.question_ids[number - 1])


def answers_in_the_files() -> dict[str, str]:
    """The claim lines each claim-entry question states as its answer in quiz/data, by key."""
    answers = {}
    for path in (DATA_DIR / "questions").glob("*.toml"):
        for record in tomllib.loads(path.read_text(encoding="utf-8"))["question"]:
            if record["kind"] == "claim":
                answers[record["key"]] = record["expected"]
    return answers


ANSWERS = answers_in_the_files()


def answer(page: Page, question: Question, *, right: bool) -> None:
    """Answer as a trainee would: tick the options, or type the claim lines written in the
    question's file (never the engine's own answer), then submit."""
    # Read before submitting: the last answer of an exam leads on to the results.
    practice = Attempt.objects.get(pk=ATTEMPT_URL.search(page.url).group(1)).mode == "practice"
    form = page.locator("form.answer-form")
    if question.is_claim:
        assert right, "a wrong answer is given on a question with options"
        form.get_by_label("Claim lines").fill(ANSWERS[question.key])
    else:
        options = list(question.options.all())
        wrong = [o for o in options if not o.correct][:1]
        chosen = [o for o in options if o.correct] if right else wrong
        for option in chosen:
            form.get_by_label(option.text, exact=True).check()
    form.get_by_role("button", name="Submit answer").click()
    verdict = "Right" if right else "Not right"
    if practice:
        expect(page.get_by_role("heading", level=2, name=verdict, exact=True)).to_be_visible()
