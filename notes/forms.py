"""Forms of the back office (Django admin) for payer notes."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import normalize_newlines

from notes.models import EditConflict, PayerNote


class TextField(forms.CharField):
    """Text whose line breaks are stored as the dataset writes them (browsers send CRLF), so
    opening and saving a note unchanged changes nothing."""

    def to_python(self, value):
        return normalize_newlines(super().to_python(value))


class DateOnlyInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PayerNoteAdminForm(forms.ModelForm):
    """The payer note change form. It carries the version it was opened with, so a save based
    on an older version is refused instead of overwriting someone else's change."""

    opened_version = forms.CharField(required=False, widget=forms.HiddenInput)
    mark_reviewed = forms.BooleanField(
        required=False,
        label="Mark reviewed today",
        help_text="On save, sets “last reviewed” to today and you as the reviewer.",
    )
    change_reason = forms.CharField(
        required=False,
        max_length=100,
        label="Reason for the change",
        help_text="Optional; kept in the note's history (e.g. “Aetna CPB revised 2026-01”).",
    )

    class Meta:
        model = PayerNote
        fields = [
            "key",
            "payer",
            "topic",
            "codes",
            "status",
            "text",
            "source",
            "url",
            "confidence",
            "effective_date",
            "last_reviewed",
        ]
        widgets = {
            "codes": forms.CheckboxSelectMultiple,
            # Dates with no time of day: the browser's date picker, and no time-zone note
            # (the admin's calendar widget adds one, which does not apply to a date).
            "effective_date": DateOnlyInput,
            "last_reviewed": DateOnlyInput,
        }
        field_classes = {"text": TextField}
        error_messages = {
            "key": {"unique": "A note with this key already exists: choose another key."}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: EditConflict | None = None
        self.damaged = False
        self.opened: int | None = None
        if self.instance.pk is None:
            if "status" in self.fields:
                # New notes start as drafts: nothing goes public before it is published.
                self.fields["status"].initial = PayerNote.Status.DRAFT
        else:
            self.fields["opened_version"].initial = str(self.instance.version)
        if "text" in self.fields:
            # The live preview: the text goes to the preview view as the editor types, and
            # comes back rendered by the same sanitiser as the public pages.
            self.fields["text"].widget.attrs.update(
                {
                    "hx-post": reverse("admin:notes_payernote_preview"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#note-preview",
                    "hx-swap": "innerHTML",
                    "hx-include": "[name=csrfmiddlewaretoken]",
                }
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self.check_version()
        return cleaned

    def check_version(self) -> None:
        """Refuse the save when the note changed since this form was opened (or the form
        lost its version): the editor sees who changed what, and nothing is written."""
        raw = self.data.get(self.add_prefix("opened_version"), "")
        try:
            opened = opened_version_field(self.instance).clean(raw)
        except ValidationError:
            self.damaged = True
            raise ValidationError(
                "This form does not say which version of the note it was opened with (it is "
                "damaged or from an old page). Nothing was saved: reload the note and make "
                "your change again.",
                code="damaged",
            ) from None
        self.opened = opened
        if opened != self.instance.version:
            self.conflict = self.instance.conflict_since(opened)
            raise ValidationError(
                f"Not saved: {self.conflict} Their change is shown below. Your text is still "
                "in the form: copy what you need, reload the note, and make your change on "
                "top of theirs.",
                code="conflict",
            )


def opened_version_field(note: PayerNote) -> forms.IntegerField:
    """The version a form was opened with: a whole number from 1 to the note's version (a
    later one cannot have been opened)."""
    return forms.IntegerField(min_value=1, max_value=note.version)


class RevertForm(forms.Form):
    """The revert button of a past version: it carries the version of the note the editor
    had open, so a revert based on an older one is refused like any stale save."""

    def __init__(self, note: PayerNote, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"] = opened_version_field(note)


class CompareForm(forms.Form):
    """Two versions (history records) of one note to compare: `old` against `new`."""

    old = forms.ModelChoiceField(queryset=None, label="Older version")
    new = forms.ModelChoiceField(queryset=None, label="Newer version")

    def __init__(self, records, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old", "new"):
            self.fields[name].queryset = records
            self.fields[name].label_from_instance = version_label
            self.fields[name].error_messages["invalid_choice"] = (
                "That is not a version of this note; choose one from the list."
            )

    def clean(self):
        cleaned = super().clean()
        old, new = cleaned.get("old"), cleaned.get("new")
        if old and new and old.history_date > new.history_date:
            cleaned["old"], cleaned["new"] = new, old
        return cleaned


def version_label(record) -> str:
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    who = record.history_user or "no user: the dataset loader or a script"
    return f"Version {record.version} · {when} · {who}"
