"""Forms: every value a trainee or trainer sends goes through one of these."""

import random
import re
import secrets

from django import forms

from coding.engine.claims import ClaimError, parse_claim
from quiz.models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    AnswerInput,
    Mode,
    Question,
    Quiz,
    TrainingSession,
)


class StartForm(forms.Form):
    mode = forms.ChoiceField(
        choices=Mode.choices,
        initial=Mode.PRACTICE,
        widget=forms.RadioSelect,
        label="How do you want to take it?",
    )
    # A new random key with each page: the same form sent twice starts one attempt
    # (Attempt.start_once). Optional, so a page loaded before keys existed still works.
    key = forms.SlugField(max_length=32, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, quiz: Quiz | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", secrets.token_urlsafe(16))
            # A mixed exam is there to be sat as an exam: it starts in exam mode.
            if quiz is not None and quiz.kind == Quiz.Kind.EXAM:
                self.initial.setdefault("mode", Mode.EXAM)


class AnswerForm(forms.Form):
    """The answer to one question; its field depends on the kind of question.

    ``response`` (an AnswerInput) is set once the form is valid. Options are offered by id;
    an id that is not one of this question's options is refused.
    """

    def __init__(self, question: Question, *args, seed: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.response: AnswerInput | None = None
        options = [(str(o.pk), o.text) for o in question.options.all()]
        if seed:  # the attempt's own order of the options, the same on every visit
            random.Random(f"{seed}:{question.pk}").shuffle(options)
        if question.kind == Question.Kind.SINGLE:
            self.fields["option"] = forms.ChoiceField(
                choices=options,
                widget=forms.RadioSelect,
                label="Choose one answer",
                error_messages={
                    "required": "Choose an answer.",
                    "invalid_choice": "That answer is not one of this question's options.",
                },
            )
        elif question.kind == Question.Kind.MULTIPLE:
            self.fields["option"] = forms.MultipleChoiceField(
                choices=options,
                widget=forms.CheckboxSelectMultiple,
                label="Select all that apply",
                error_messages={
                    "required": "Select at least one answer.",
                    "invalid_choice": "That answer is not one of this question's options.",
                },
            )
        else:
            self.fields["claim"] = forms.CharField(
                label="Claim lines",
                help_text=(
                    "One line per code with its modifiers and units, separated by commas or new "
                    "lines, e.g. 64493-50, 64494-RT or 64636-RT x2."
                ),
                max_length=1000,
                widget=forms.Textarea(
                    attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}
                ),
                error_messages={"required": "Enter your claim lines, e.g. 64493-50, 64494-RT."},
            )

    def clean_option(self):
        value = self.cleaned_data["option"]
        ids = [value] if isinstance(value, str) else value
        return tuple(int(pk) for pk in ids)

    def clean_claim(self):
        try:
            return parse_claim(self.cleaned_data["claim"])
        except ClaimError as error:
            raise forms.ValidationError(error.problems) from None

    def clean(self):
        data = super().clean()
        if "option" in data:
            self.response = AnswerInput(choices=data["option"])
        elif "claim" in data:
            self.response = AnswerInput(lines=data["claim"])
        return data


def normalize_join_code(value: str) -> str:
    """'ab3 k7q', 'AB3-K7Q' -> 'AB3K7Q'."""
    return re.sub(r"[\s\-]+", "", value or "").upper()


class JoinForm(forms.Form):
    """A trainee joins a training session with its code and a display name."""

    code = forms.CharField(
        label="Session code",
        max_length=20,
        help_text=f"{JOIN_CODE_LENGTH} letters and digits, from your trainer.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the session code your trainer gave you."},
    )
    display_name = forms.CharField(
        label="Your name as the trainer will see it",
        max_length=40,
        error_messages={
            "required": "Enter a name for the trainer to see.",
            "max_length": "Keep your name to %(limit_value)d characters (it has %(show_value)d).",
        },
    )

    session: TrainingSession | None = None

    def clean_code(self) -> str:
        code = normalize_join_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
            raise forms.ValidationError(
                f"A session code has {JOIN_CODE_LENGTH} letters and digits (no 0, O, 1, I or L)."
            )
        return code

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Enter a name for the trainer to see.")
        return name

    def clean(self):
        data = super().clean()
        code = data.get("code")
        if code:
            session = (
                TrainingSession.objects.filter(code=code)
                .exclude(status=TrainingSession.Status.CLOSED)
                .select_related("quiz")
                .first()
            )
            if session is None:
                self.add_error(
                    "code",
                    f"No open training session has the code {code}. Check it with your trainer; "
                    "a session that has closed cannot be joined.",
                )
            elif not session.is_open:
                self.add_error("code", "That session has not opened yet: ask your trainer.")
            else:
                self.session = session
        return data


class QuizSelect(forms.Select):
    """A select of quizzes with no empty choice, so never `required` in HTML: said here rather
    than found out as Select does, by reading the choices from the database a second time."""

    def use_required_attribute(self, initial) -> bool:
        return False


class SessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["quiz", "title", "mode"]
        labels = {"title": "Name (optional)", "mode": "Feedback"}
        widgets = {"quiz": QuizSelect, "mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = Quiz.objects.all()
        self.fields["quiz"].empty_label = None


class SessionStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (TrainingSession.Status.OPEN, "Open"),
            (TrainingSession.Status.CLOSED, "Close"),
        ]
    )


class SessionRevealForm(forms.Form):
    """The projector's "reveal the answer" for one question of the session."""

    number = forms.IntegerField(min_value=1, max_value=1000)


class ProjectorForm(forms.Form):
    """Which question the projector shows (1-based, in the session's order)."""

    q = forms.IntegerField(min_value=1, max_value=1000, required=False)


class CertificateForm(forms.Form):
    name = forms.CharField(
        label="Name on the certificate",
        max_length=80,
        error_messages={"required": "Enter the name to print on the certificate."},
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the name to print on the certificate.")
        return name
