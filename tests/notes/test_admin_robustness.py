"""Malformed ids and parameters in the back office get a clear 4xx or the normal page, never a
server error: every changelist and change view of every model the apps register (codes, notes,
quiz), the payer notes' history, version, compare and revert pages.

`"²".isdigit()` is true but `int("²")` fails: ids are parsed by URL converters and forms."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from quiz.models import Answer, Attempt, Certificate, Mode, Question, Quiz, TrainingSession
from tests.notes.conftest import compare_url, history_url, open_note, revert_url, save

pytestmark = pytest.mark.django_db

APPS = ("codes", "notes", "quiz")
MODELS = [
    model
    for app in APPS
    for model in apps.get_app_config(app).get_models()
    if admin.site.is_registered(model)
]
# Bad ids as an editor's browser, a bookmark or a prober may send them: a superscript digit
# (isdigit() says yes, int() says no), an Arabic-Indic digit, NUL, text, a number too big for
# any column, a negative number, a decimal, nothing at all.
BAD_IDS = ["²", "١", "\x00", "abc", "99999999999999999999999", "-1", "1.5", ""]
# What reaches the payer notes' own views: a NUL byte never does (RejectBadInput answers 400).
BAD_VERSIONS = [value for value in BAD_IDS if value not in ("", "\x00")]


def label(model) -> str:
    return model._meta.label


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_each(make_user):
    """An object of every registered model (the quiz's sessions, attempts and answers are not
    part of the shipped data): model -> object."""
    trainer = make_user("trina", staff=True)
    quiz = Quiz.objects.filter(quiz_questions__isnull=False).first()
    session = TrainingSession.create(quiz=quiz, trainer=trainer, title="Tuesday cohort")
    attempt = Attempt.start(quiz, mode=Mode.PRACTICE, user=trainer)
    Answer.objects.create(
        attempt=attempt,
        question=Question.objects.get(pk=attempt.question_ids[0]),
        position=1,
        response="64490",
        expected="64493",
        score=0,
        correct=False,
    )
    Certificate.objects.create(attempt=attempt, name="Trina", exam=quiz.title, percent=90)
    assert session.pk
    return {model: model.objects.order_by("pk").first() for model in MODELS}


def test_it_covers_every_model_of_the_apps():
    assert {label(model) for model in MODELS} >= {
        "codes.Code",
        "codes.Dataset",
        "notes.PayerNote",
        "quiz.Question",
        "quiz.Answer",
    }


@pytest.mark.parametrize("query", ["q=%00", "q=abc%00def", "status__exact=%00", "o=%00"])
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_it_refuses_a_search_or_filter_holding_nul_with_400(superuser, model, query):
    # PostgreSQL cannot compare text with a NUL in it: the search would be a DataError.
    response = superuser.get(f"{url(model, 'changelist')}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "q=%C2%B2",
        "_to_field=",
        "_to_field=%00",
        "_to_field=id",
        "_selected_action=%C2%B2",
        "o=%C2%B2",
        "o=abc",
        "p=%C2%B2",
        "p=99999999999999999999999",
        "id__exact=%C2%B2",
        "id__exact=%00",
        "pk=%00",
        "_popup=1&_to_field=",
    ],
)
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_it_answers_a_malformed_changelist_query_without_an_error(superuser, model, query):
    response = superuser.get(f"{url(model, 'changelist')}?{query}")
    assert response.status_code < 500


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_it_answers_an_empty_or_malformed_to_field_without_an_error(
    superuser, one_of_each, model, view
):
    obj = one_of_each[model]
    for to_field in ["", "\x00", "²", "nonexistent"]:
        response = superuser.get(url(model, view, quote(obj.pk)), {"_to_field": to_field})
        assert response.status_code < 500, repr(to_field)


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_it_answers_a_malformed_object_id_without_an_error(superuser, model, view):
    for object_id in BAD_IDS:
        if not object_id:
            continue  # /admin/app/model//change/ is not an object's address
        response = superuser.get(url(model, view, quote(object_id)))
        assert response.status_code < 500, repr(object_id)


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_it_refuses_an_action_on_malformed_ids_and_changes_nothing(superuser, one_of_each, model):
    model_admin = admin.site.get_model_admin(model)
    changelist = url(model, "changelist")
    request = superuser.get(changelist).wsgi_request
    actions = list(model_admin.get_actions(request))
    # Without actions (the dataset is read-only) the list ignores the post: the normal page.
    status = 400 if actions else 200
    good = str(one_of_each[model].pk)
    before = list(model.objects.order_by("pk").values())
    for action in actions or ["delete_selected"]:
        for selected in ["²", "abc", "1.5", "", "99999999999999999999999"]:
            for ticked in ([selected], [good, selected]):
                data = {"action": action, "_selected_action": ticked, "index": "0"}
                response = superuser.post(changelist, data)
                assert response.status_code == status, (action, ticked)
    assert list(model.objects.order_by("pk").values()) == before


# The payer notes' own pages ------------------------------------------------------------------


@pytest.mark.parametrize("version_id", BAD_VERSIONS)
def test_it_answers_a_malformed_version_in_the_history_url_with_404(editor, note, version_id):
    response = editor.get(f"{history_url(note)}{quote(version_id)}/")
    assert response.status_code == 404
    response = editor.post(f"{history_url(note)}{quote(version_id)}/revert/")
    assert response.status_code == 404


@pytest.mark.parametrize("opened", ["²", "1.5", "99999999999999999999999", " ", "0", "-1"])
def test_it_refuses_a_revert_with_a_malformed_opened_version(editor, note, opened):
    past = note.history.first()
    response = editor.post(revert_url(note, past), {"opened_version": opened})
    assert response.status_code == 400
    assert "does not say which version" in response.content.decode()
    assert note.history.first() == past


@pytest.mark.parametrize("opened", ["²", "99999999999999999999999", "1e3"])
def test_it_refuses_a_change_form_with_a_malformed_opened_version(editor, note, opened):
    data = open_note(editor, note)
    response = save(editor, note, data, opened_version=opened, text="Should not be saved.")
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.text != "Should not be saved."


@pytest.mark.parametrize(
    "query",
    [
        {"old": "²", "new": "1"},
        {"old": "abc"},
        {"new": "99999999999999999999999"},
        {"old": ["1", "abc"]},
        {"old": ""},
    ],
)
def test_it_refuses_a_malformed_comparison_with_400(editor, note, query):
    response = editor.get(compare_url(note), query)
    assert response.status_code == 400
    assert "That is not a version of this note" in response.content.decode() or (
        "This field is required" in response.content.decode()
    )


def test_it_still_shows_a_past_version_and_reverts_to_it(editor, note):
    note.text = "A newer text."
    note.save_edit(note.version, reason="test")
    past = note.history.order_by("history_date").first()
    page = editor.get(reverse("admin:notes_payernote_simple_history", args=[note.pk, past.pk]))
    assert page.status_code == 200
    response = editor.post(revert_url(note, past), {"opened_version": note.version})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == past.text != "A newer text."
    assert note.history.first().history_change_reason.startswith("Reverted to version")
