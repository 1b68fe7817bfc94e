"""Quiz pages: taking a quiz one question at a time, results, and trainer-led sessions.

Attempts and sessions are found by random UUIDs and always through the requester's own
attempts or sessions, so another trainee's or trainer's data answers 404 whatever the URL.
"""

import csv
from dataclasses import dataclass
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from codes.caching import revision
from quiz.forms import (
    AnswerForm,
    CertificateForm,
    JoinForm,
    ProjectorForm,
    SessionForm,
    SessionRevealForm,
    SessionStatusForm,
    StartForm,
)
from quiz.models import (
    TRAINERS_GROUP,
    Answer,
    Attempt,
    Certificate,
    MisconceptionProgress,
    Question,
    Quiz,
    TrainingSession,
    start_drill,
)
from quiz.owner import owner_token

# Every page that shows answers, scores or names (a trainee's attempt, results and history, a
# trainer's dashboard and export) is for its viewer alone: no shared cache keeps it, and the
# browser does not store it on disk.
personal = cache_control(private=True, no_store=True)


def own_attempt(request: HttpRequest, attempt_id: UUID, kept: bool = False) -> Attempt:
    """The requester's attempt with its training session and quiz, else 404: one query, the
    three joined. With `kept`, the query, in plain SQL, joins the session and reads the
    content revision (Attempt.with_session), and the quiz is the one kept in the cache for
    that revision (Quiz.kept: no query on a hit): the question page and the answer, which
    every trainee of a session sends at once, take that cheaper way.
    """
    if kept:
        attempt = Attempt.with_session(attempt_id)
    else:
        # get(), not first(): no ORDER BY to build for the one row a primary key finds.
        query = Attempt.objects.select_related("training_session", "quiz")
        try:
            attempt = query.get(pk=attempt_id)
        except Attempt.DoesNotExist:
            attempt = None
    if attempt is None or not attempt.owned_by(request.user, owner_token(request)):
        raise Http404("No such attempt among yours.")
    if kept:
        attempt.quiz = Quiz.kept(attempt.quiz_id, revision(request, attempt.revision_when_read))
        session = attempt.training_session
        if session is not None and session.quiz_id == attempt.quiz_id:
            session.quiz = attempt.quiz  # its name may be the quiz's title: no query for it
    return attempt


def refuse(
    request: HttpRequest, status: int, heading: str, message: str, back_url: str, back_label: str
) -> HttpResponse:
    """A page that says what is wrong and where to go instead."""
    context = {"heading": heading, "message": message, "back_url": back_url}
    context["back_label"] = back_label
    return render(request, "quiz/message.html", context, status=status)


def is_trainer(user) -> bool:
    return user.is_superuser or user.groups.filter(name=TRAINERS_GROUP).exists()


@require_GET
@personal
def quiz_list(request: HttpRequest) -> HttpResponse:
    # Queries: quizzes with counts (1); the visitor's attempts with their quizzes and scores
    # (1, plus the session and the user when signed in).
    quizzes = list(Quiz.objects.with_question_counts())
    attempts = Attempt.objects.owned_by(request.user, owner_token(request)).history()[:20]
    return render(
        request,
        "quiz/list.html",
        {
            "topics": [q for q in quizzes if q.kind == Quiz.Kind.TOPIC],
            "exams": [q for q in quizzes if q.kind == Quiz.Kind.EXAM],
            "attempts": attempts,
            "is_trainer": request.user.is_authenticated and is_trainer(request.user),
        },
    )


@require_GET
def quiz_page(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.with_question_counts(), slug=slug)
    return render(request, "quiz/quiz.html", {"quiz": quiz, "form": StartForm(quiz=quiz)})


@require_POST
@personal
def start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.with_question_counts(), slug=slug)
    form = StartForm(request.POST)
    if not form.is_valid() or not quiz.question_count:
        return render(request, "quiz/quiz.html", {"quiz": quiz, "form": form}, status=400)
    attempt = Attempt.start_once(
        quiz,
        mode=form.cleaned_data["mode"],
        user=request.user,
        owner_token=owner_token(request, create=True),
        key=form.cleaned_data["key"],
    )
    return redirect(attempt.question_url(1))


@require_GET
@personal
def attempt_page(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """Continue where the trainee left off: the first unanswered question, or the results."""
    attempt = own_attempt(request, attempt_id)
    if attempt.is_overdue():
        return redirect(attempt.results_url())
    answered = attempt.answered_ids()
    for number, question_id in enumerate(attempt.question_ids, start=1):
        if question_id not in answered:
            return redirect(attempt.question_url(number))
    return redirect(attempt.results_url())


def next_number(attempt: Attempt, answered: set[int], number: int) -> int | None:
    """The next unanswered question after `number` (wrapping round), None when all are done."""
    for candidate in [*range(number + 1, attempt.total + 1), *range(1, number)]:
        if attempt.question_id_at(candidate) not in answered:
            return candidate
    return None


@dataclass
class Visit:
    """What every part of the question page needs to know of the attempt, read once."""

    attempt: Attempt
    answered: set[int]  # the ids of the questions answered so far
    # The release and the content revision: questions and fragments kept in the cache are
    # keyed by it, so an edit, a new dataset or a new release shows at once.
    revision: str

    @classmethod
    def of(cls, request: HttpRequest, attempt: Attempt) -> "Visit":
        """`attempt` as Attempt.with_session read it, with the ids of the questions answered
        then; the content revision is the one read for the request (codes.caching.revision),
        which keys the attempt's quiz and the question kept."""
        return cls(attempt, set(attempt.answered_when_read), revision(request))

    def question(self, number: int) -> Question:
        """The question at `number` with all its page shows: kept in the cache for the
        revision (no query), else five queries (Question.for_page)."""
        question = Question.for_page(self.attempt.question_id_at(number), self.revision)
        if question is None:
            raise Http404("This question has been removed from the bank.")
        return question


def render_question(
    request: HttpRequest,
    visit: Visit,
    number: int,
    *,
    question: Question | None = None,
    answer: Answer | None = None,
    form: AnswerForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The question page, or its #panel fragment for htmx.

    Queries, unless given: the question when it is not kept in the cache (5, see
    Visit.question); the answer to it, once answered (1).
    """
    attempt = visit.attempt
    question = question or visit.question(number)
    if answer is None and question.pk in visit.answered:
        answer = attempt.answers.filter(question=question).first()
    if answer is not None and answer.question_id == question.pk:
        answer.question = question  # the kept question: its feedback reads it without a query
    following = next_number(attempt, visit.answered, number)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "question": question,
        "number": number,
        "answer": answer,
        # The form as sent, to show again with its errors; else the empty one, which the
        # template keeps in the cache: built only when it is not kept there.
        "form": form,
        "blank_form": SimpleLazyObject(lambda: AnswerForm(question, seed=attempt.shuffle_seed)),
        "error": error,
        "answered": len(visit.answered),
        "finished": len(visit.answered) >= attempt.total,
        "form_url": attempt.question_url(number),
        "next_url": attempt.question_url(following) if following else attempt.results_url(),
        "overdue": attempt.is_overdue(),
        "time_left": attempt.time_left(),
        "show_feedback": answer is not None and (attempt.gives_feedback or answer.late),
        "closed": attempt.accepts_answers(),
        # Keys the fragments kept in the cache; none with DEBUG on, so an edited template shows.
        "revision": "" if settings.DEBUG else visit.revision,
    }
    template = "quiz/question.html#panel" if request.htmx else "quiz/question.html"
    return render(request, template, context, status=status)


ALREADY_ANSWERED = "You have already answered this question; your first answer stands."


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@personal
def question_page(request: HttpRequest, attempt_id: UUID, number: int) -> HttpResponse:
    """One question: its form, or the feedback once answered. POST answers it, once.

    A POST that succeeds redirects (plain form) or renders in place (htmx): the feedback in
    practice mode, the next question in exam mode, the results at the end or after the time
    limit. Queries (tests/quiz/test_queries.py counts them): the session, and the user when
    signed in; the attempt with its training session, the ids of the questions answered and
    the content revision (1), its quiz unless kept (1); the question unless kept (5); the
    answer to it once answered (1); the dataset in the footer unless kept (1). A POST that
    stores an answer adds its insert (1), which returns the answer's id.
    """
    attempt = own_attempt(request, attempt_id, kept=True)
    question_id = attempt.question_id_at(number)
    if question_id is None:
        return refuse(
            request,
            404,
            "No such question",
            f"This quiz has {attempt.total} questions; there is no question {number}.",
            attempt.get_absolute_url(),
            "Back to your quiz",
        )
    visit = Visit.of(request, attempt)
    if request.method == "GET":
        return render_question(request, visit, number)
    question = visit.question(number)
    form = AnswerForm(question, request.POST, seed=attempt.shuffle_seed)
    if question_id in visit.answered:
        messages.info(request, ALREADY_ANSWERED)
        return after_answer(request, visit, number, question)
    if refused := attempt.accepts_answers():
        return render_question(
            request, visit, number, question=question, form=form, error=refused, status=409
        )
    if not form.is_valid():
        return render_question(request, visit, number, question=question, form=form, status=400)
    answer, created = attempt.answer(question, number, form.response)
    visit.answered.add(question_id)
    if not created:
        messages.info(request, ALREADY_ANSWERED)
    if answer.late:
        messages.warning(
            request,
            "Time was up: this answer was recorded as late and does not count. The time limit "
            f"ended at {timezone.localtime(attempt.deadline):%H:%M}.",
        )
    return after_answer(request, visit, number, question, answer)


def after_answer(
    request: HttpRequest,
    visit: Visit,
    number: int,
    question: Question,
    answer: Answer | None = None,
) -> HttpResponse:
    """Where an answer leads: its feedback (practice), the next question (exam), the results."""
    attempt = visit.attempt
    if attempt.is_overdue():
        target = None
    elif attempt.gives_feedback:
        target = number
    else:
        target = next_number(attempt, visit.answered, number)
    url = attempt.question_url(target) if target else attempt.results_url()
    if not request.htmx:
        return redirect(url)
    if target is None:
        return HttpResponseClientRedirect(url)
    if target == number:
        response = render_question(request, visit, target, question=question, answer=answer)
    else:
        response = render_question(request, visit, target)
    return push_url(response, url)


@require_GET
@personal
def time_left(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """The time left, as a fragment that the question page refreshes."""
    attempt = own_attempt(request, attempt_id)
    if attempt.deadline is None:
        raise Http404("This quiz has no time limit.")
    return render(
        request,
        "quiz/question.html#timer",
        {"attempt": attempt, "time_left": attempt.time_left(), "overdue": attempt.is_overdue()},
    )


@require_GET
@personal
def results(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """Score, pass or fail, and every answer with its explanation.

    Queries: session (1), user when signed in (1), attempt (1), answers with their questions
    (1), the questions' options, codes, sources and rules (4); for a passed exam, its
    certificate if issued (1).
    """
    attempt = own_attempt(request, attempt_id)
    return render_results(request, attempt)


def render_results(
    request: HttpRequest, attempt: Attempt, form: CertificateForm | None = None, status: int = 200
) -> HttpResponse:
    """The results page (see `results`), with the certificate form as sent when it is refused."""
    answers = list(
        attempt.answers.select_related("question").prefetch_related(
            "question__options", "question__codes", "question__sources", "question__rules"
        )
    )
    summary = attempt.summary(answers)
    # Exam results wait until every question is answered, the time is up or the session closed.
    ready = (
        summary.finished
        or attempt.is_overdue()
        or attempt.gives_feedback
        or bool(attempt.accepts_answers())
    )
    certifiable = ready and summary.finished and summary.passed and attempt.earns_certificate
    certificate = Certificate.objects.filter(attempt=attempt).first() if certifiable else None
    if certifiable and certificate is None and form is None:
        name = attempt.display_name
        if not name and request.user.is_authenticated:
            name = request.user.get_full_name() or request.user.username
        form = CertificateForm(initial={"name": name})
    return render(
        request,
        "quiz/results.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "answers": answers if ready else [],
            "summary": summary,
            "ready": ready,
            "overdue": attempt.is_overdue(),
            "missed": sum(1 for a in answers if not a.correct) + summary.total - summary.answered,
            "session": attempt.training_session,
            "certifiable": certifiable,
            "certificate": certificate,
            "certificate_form": form,
        },
        status=status,
    )


@require_POST
@personal
def retry(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """A new practice attempt of the questions this one missed."""
    attempt = own_attempt(request, attempt_id)
    again = attempt.retry_missed(user=request.user, owner_token=owner_token(request, create=True))
    if again is None:
        messages.info(request, "You missed no question: there is nothing to retry.")
        return redirect(attempt.results_url())
    return redirect(again.question_url(1))


@require_POST
@personal
def certify(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    """Issue the certificate of a passed exam, once, with the name the trainee gives."""
    attempt = own_attempt(request, attempt_id)
    form = CertificateForm(request.POST)
    if not form.is_valid():
        return render_results(request, attempt, form=form, status=400)
    summary = attempt.summary(attempt.answers.all())
    if not (summary.finished and summary.passed and attempt.earns_certificate):
        return refuse(
            request,
            409,
            "No certificate for this attempt",
            "A certificate is given for a mixed exam taken in exam mode, answered in full and "
            "passed.",
            attempt.results_url(),
            "Back to your results",
        )
    certificate = Certificate.issue(attempt, summary, form.cleaned_data["name"])
    return redirect(certificate.get_absolute_url())


@require_GET
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    """A certificate, printable, and its verification: anyone with the link may see it.
    Queries: the certificate (1)."""
    found = get_object_or_404(Certificate, code=code)
    return render(
        request,
        "quiz/certificate.html",
        {"certificate": found, "url": request.build_absolute_uri(found.get_absolute_url())},
    )


@require_GET
@personal
def progress(request: HttpRequest) -> HttpResponse:
    """A signed-in trainee's misconceptions month by month, and a drill of the weak spots.
    Queries: session (1), user (1), answers per month (1), per month and tags (1)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(
        request, "quiz/progress.html", {"progress": MisconceptionProgress.of(request.user)}
    )


@require_POST
@personal
def drill(request: HttpRequest) -> HttpResponse:
    """Start a practice attempt of questions on the misconceptions missed most."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("quiz:progress"))
    weak = MisconceptionProgress.of(request.user).weak_spots()
    attempt = start_drill(request.user, weak)
    if attempt is None:
        messages.info(request, "No misconception to drill yet: answer a few questions first.")
        return redirect("quiz:progress")
    return redirect(attempt.question_url(1))


@require_http_methods(["GET", "POST"])
@personal
def join(request: HttpRequest) -> HttpResponse:
    """Join a training session with its code and a display name; no account needed."""
    if request.method == "GET":
        initial = {"code": request.GET.get("code", "")[:20]}
        if request.user.is_authenticated:
            initial["display_name"] = (request.user.get_full_name() or request.user.username)[:40]
        return render(request, "quiz/join.html", {"form": JoinForm(initial=initial)})
    form = JoinForm(request.POST)
    if not form.is_valid():
        return render(request, "quiz/join.html", {"form": form}, status=400)
    attempt = form.session.join(
        user=request.user,
        owner_token=owner_token(request, create=True),
        display_name=form.cleaned_data["display_name"],
    )
    return redirect(attempt.get_absolute_url())


def trainer_only(request: HttpRequest) -> HttpResponse | None:
    """A response refusing someone who is not a trainer, or None for a trainer."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_trainer(request.user):
        return refuse(
            request,
            403,
            "Trainers only",
            "Training sessions are run by trainers (members of the Trainers group). "
            "To take part in one, join it with the code your trainer gives you.",
            reverse("quiz:join"),
            "Join a training session",
        )
    return None


def own_session(request: HttpRequest, session_id: UUID) -> TrainingSession:
    """A session the requester runs (any session for a superuser), else 404."""
    session = (
        TrainingSession.objects.run_by(request.user)
        .select_related("quiz")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404("No such session among yours.")
    return session


@require_http_methods(["GET", "POST"])
@personal
def sessions(request: HttpRequest) -> HttpResponse:
    """A trainer's sessions, and the form that creates one."""
    if refusal := trainer_only(request):
        return refusal
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        session = TrainingSession.create(trainer=request.user, **form.cleaned_data)
        return redirect(session.get_absolute_url())
    listing = TrainingSession.objects.filter(trainer=request.user).select_related("quiz")
    return render(
        request,
        "quiz/sessions.html",
        {"form": form, "sessions": listing},
        status=400 if form.errors else 200,
    )


@require_GET
@vary_on_headers("HX-Request")
@personal
def session_page(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The trainer's live dashboard; htmx polls its #live fragment.

    Queries: session (1), user (1), the session (1), then four of the running tallies the
    answers keep (SessionReport.build): seven whatever the number of trainees or answers, with
    rows bounded by the trainees, questions and misconceptions. No query reads the answers,
    so a poll at 10,000 answers costs what one at 100 does (tests/quiz/test_dashboard.py).
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    template = "quiz/session.html#live" if request.htmx else "quiz/session.html"
    return render(
        request,
        template,
        {
            "session": session,
            "report": session.report(),
            "now": timezone.now(),
            "join_url": request.build_absolute_uri(session.join_url()),
        },
    )


@require_POST
@personal
def session_status(request: HttpRequest, session_id: UUID) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    form = SessionStatusForm(request.POST)
    if not form.is_valid():
        return refuse(
            request,
            400,
            "Open or close",
            "A session can only be opened or closed.",
            session.get_absolute_url(),
            "Back to the session",
        )
    session.set_status(form.cleaned_data["status"])
    return redirect(session.get_absolute_url())


@require_GET
@personal
def session_trainee(request: HttpRequest, session_id: UUID, attempt_id: UUID) -> HttpResponse:
    """One trainee of the session, answer by answer, for the trainer.

    Queries: session (1), user (1), the session (1), the attempt (1), its answers with their
    questions (1), the questions' options, codes, sources and rules (4).
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    attempt = get_object_or_404(session.attempts.select_related("quiz"), pk=attempt_id)
    answers = list(
        attempt.answers.select_related("question").prefetch_related(
            "question__options", "question__codes", "question__sources", "question__rules"
        )
    )
    return render(
        request,
        "quiz/trainee.html",
        {
            "session": session,
            "attempt": attempt,
            "answers": answers,
            "summary": attempt.summary(answers),
        },
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG, drawn on the server (segno): presentation
    attributes only, no style attribute, so the strict CSP allows it."""
    return segno.make(url, error="m").svg_inline(
        scale=8, title="QR code of the join link", svgclass="qr", lineclass="qr-line"
    )


@require_GET
@vary_on_headers("HX-Request")
@personal
def projector(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The session on a projector: the join code, a QR code of the join link, the number
    joined and one question's answers as a bar chart; htmx polls its #board fragment.

    Queries: session (1), user (1), the session (1), the number joined (1), the question with
    its options (2), its answers (1).
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    form = ProjectorForm(request.GET)
    if not form.is_valid():
        return refuse(
            request,
            400,
            "No such question",
            "The projector shows one question by its number, e.g. ?q=2.",
            reverse("quiz:projector", args=[session.pk]),
            "Back to the projector",
        )
    order = session.question_order()
    number = min(form.cleaned_data["q"] or 1, len(order)) if order else 0
    question = None
    if number:
        question = Question.objects.prefetch_related("options").filter(pk=order[number - 1]).first()
    context = {
        "session": session,
        "joined": session.attempts.count(),
        "number": number,
        "total": len(order),
        "question": question,
        "distribution": session.distribution(question) if question else None,
        "revealed": question is not None and question.pk in session.revealed,
        "now": timezone.now(),
    }
    if request.htmx:
        return render(request, "quiz/projector.html#board", context)
    join_url = request.build_absolute_uri(session.join_url())
    context.update(join_url=join_url, qr=mark_safe(qr_svg(join_url)))  # noqa: S308 - segno's SVG
    return render(request, "quiz/projector.html", context)


@require_POST
@personal
def reveal(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Reveal a question's answer and its rationale on the projector."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    form = SessionRevealForm(request.POST)
    order = session.question_order()
    if not form.is_valid() or form.cleaned_data["number"] > len(order):
        return refuse(
            request,
            400,
            "No such question",
            f"This session has {len(order)} questions.",
            reverse("quiz:projector", args=[session.pk]),
            "Back to the projector",
        )
    number = form.cleaned_data["number"]
    session.reveal(order[number - 1])
    return redirect(f"{reverse('quiz:projector', args=[session.pk])}?q={number}")


CSV_FIELDS = [
    "participant",
    "number",
    "question",
    "given",
    "expected",
    "score_percent",
    "correct",
    "late",
    "answered_at",
]


def csv_cell(value) -> str:
    """Text a spreadsheet will not run as a formula: = + - @ (and tab, CR) get a quote."""
    text = str(value)
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


@require_GET
@personal
def session_csv(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """One row per trainee and question, in each trainee's order, answered or not: the
    question's text, the answer, and the score as a percentage.

    Queries: session, user, the session, its attempts, their answers, the questions.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = own_session(request, session_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_FIELDS)
    attempts = list(session.attempts.order_by("started_at", "id"))
    answers = {(a.attempt_id, a.question_id): a for a in session.answers().order_by()}
    ids = {pk for attempt in attempts for pk in attempt.question_ids}
    questions = Question.objects.prefetch_related("options").in_bulk(ids)
    for attempt in attempts:
        for number, question_id in enumerate(attempt.question_ids, start=1):
            question = questions[question_id]  # a question in an attempt cannot be deleted
            answer = answers.get((attempt.pk, question_id))
            row = [attempt.display_name, number, f"{question.headline} {question.prompt}"]
            if answer is None:
                row += ["", question.expected_text(), "", "", "", ""]
            else:
                row += [
                    answer.response,
                    answer.expected,
                    f"{round(answer.score * 100)}%",
                    "yes" if answer.correct else "no",
                    "yes" if answer.late else "no",
                    timezone.localtime(answer.answered_at).isoformat(timespec="seconds"),
                ]
            writer.writerow(csv_cell(value) for value in row)
    return response
