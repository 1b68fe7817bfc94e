"""Quiz fixtures: the question bank is loaded once per test session on top of the reference
data; small quizzes of our own make scores exact; personas are real clients."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from quiz.models import TRAINERS_GROUP, Option, Question, Quiz, QuizQuestion, TrainingSession


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_questions", stdout=StringIO())


def make_question(key: str, kind: str, options=(), **fields) -> Question:
    question = Question.objects.create(
        key=key,
        kind=kind,
        scenario=fields.pop("scenario", f"Scenario of {key}."),
        prompt=fields.pop("prompt", f"Prompt of {key}?"),
        explanation=fields.pop("explanation", f"Explanation of {key}."),
        **fields,
    )
    for position, (text, correct, tag) in enumerate(options):
        Option.objects.create(
            question=question, position=position, text=text, correct=correct, tag=tag
        )
    return question


@pytest.fixture
def claim_question(db) -> Question:
    """Bilateral L4-L5 + right L5-S1, diagnostic, Medicare: 64493-50-KX, 64494-RT-KX."""
    return make_question(
        "t-claim",
        "claim",
        tags=["modifier-50"],
        procedure="injection",
        guidance="fluoroscopy",
        joints="L4-L5:B, L5-S1:R",
        payer_format="medicare",
        intent="diagnostic",
    )


@pytest.fixture
def single_question(db) -> Question:
    return make_question(
        "t-single",
        "single",
        tags=["third-level"],
        options=[
            ("+64495 once", True, ""),
            ("+64494 again", False, "third-level"),
            ("+64492", False, "wrong-region"),
        ],
    )


@pytest.fixture
def multiple_question(db) -> Question:
    return make_question(
        "t-multiple",
        "multiple",
        tags=["kx"],
        options=[
            ("Diagnostic block", True, ""),
            ("Confirmatory block", True, ""),
            ("Therapeutic injection", False, "kx"),
            ("Ablation", False, ""),
        ],
    )


def make_quiz(slug: str, questions, **fields) -> Quiz:
    """A quiz of these questions, in this order: not shuffled unless asked (shuffle=True), so
    a test knows which question is number 1."""
    fields.setdefault("shuffle", False)
    quiz = Quiz.objects.create(slug=slug, title=fields.pop("title", slug), **fields)
    for position, question in enumerate(questions, start=1):
        QuizQuestion.objects.create(quiz=quiz, question=question, position=position)
    return quiz


@pytest.fixture
def quiz(claim_question, single_question, multiple_question) -> Quiz:
    """Three questions: 1 claim, 2 single, 3 multiple; pass mark 60; no time limit."""
    return make_quiz("t-quiz", [claim_question, single_question, multiple_question], pass_mark=60)


@pytest.fixture
def timed_quiz(claim_question, single_question, multiple_question) -> Quiz:
    return make_quiz("t-timed", [claim_question, single_question, multiple_question], time_limit=10)


def signed_in(username: str, trainer: bool = False, superuser: bool = False) -> Client:
    user = User.objects.create(username=username)  # signs in with force_login: no password
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    if trainer:
        user.groups.add(Group.objects.get(name=TRAINERS_GROUP))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def trainer(db) -> Client:
    """A member of the Trainers group who runs `training_session`."""
    return signed_in("trainer", trainer=True)


@pytest.fixture
def other_trainer(db) -> Client:
    return signed_in("other-trainer", trainer=True)


@pytest.fixture
def outsider(db) -> Client:
    """Signed in, not a trainer, in no session."""
    return signed_in("outsider")


@pytest.fixture
def superuser(db) -> Client:
    return signed_in("admin", superuser=True)


@pytest.fixture
def anonymous(db) -> Client:
    return Client()


@pytest.fixture
def training_session(trainer, quiz) -> TrainingSession:
    session = TrainingSession.create(quiz=quiz, trainer=trainer.user, title="Tuesday group")
    session.set_status(TrainingSession.Status.OPEN)
    return session


def join(client: Client, session: TrainingSession, name: str):
    """Join a session as a trainee; returns the attempt's address."""
    response = client.post("/quiz/join", {"code": session.code, "display_name": name})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


@pytest.fixture
def trainee_a(training_session) -> Client:
    """An anonymous trainee in `training_session`; `.attempt_url` is their attempt."""
    client = Client()
    client.attempt_url = join(client, training_session, "Ana")
    return client


@pytest.fixture
def trainee_b(training_session) -> Client:
    client = Client()
    client.attempt_url = join(client, training_session, "Ben")
    return client
