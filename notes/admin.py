"""Payer notes in the back office: edited safely by the "Payer note editors".

A note carries the version an editor opened; a save based on an older version is refused (no
lost update). Every change is kept by django-simple-history: the note's history page lists who
changed what and when, any two versions can be compared, and a past version restored.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from codes.admin import CodeAdmin, LinkedCodesMixin, LinkedRecordInline, ReferenceAdmin
from codes.templatetags.facet import render_markdown
from notes.forms import CompareForm, PayerNoteAdminForm, RevertForm
from notes.models import EditConflict, PayerNote, history_codes

KEY_TAKEN = (
    "A note with this key was just added by someone else, while you were writing yours. "
    "Nothing was saved, and your text is still in the form: choose another key, or open "
    "their note and add yours to it."
)


# The longest text the live preview renders (a note's text is a few paragraphs).
PREVIEW_LIMIT = 20_000


class KeyTaken(Exception):  # noqa: N818 - reads as what happened
    """Another editor's new note took this key between the form's check and its save."""


class PayerNoteInline(LinkedRecordInline):
    model = PayerNote.codes.through
    target = "payernote"
    related = ("payernote__payer",)
    fields = readonly_fields = ("record", "status")
    verbose_name, verbose_name_plural = "payer note", "Payer notes"

    @admin.display(description="Status")
    def status(self, row) -> str:
        return row.payernote.get_status_display()


# The code's change page lists the notes about it, read-only and linked.
CodeAdmin.inlines = [*CodeAdmin.inlines[:2], PayerNoteInline, *CodeAdmin.inlines[2:]]


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Review overdue (over 12 months)"),
            ("current", "Reviewed within 12 months"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "current":
            return queryset.reviewed_recently()
        return queryset


@admin.register(PayerNote)
class PayerNoteAdmin(LinkedCodesMixin, ReferenceAdmin, SimpleHistoryAdmin):
    form = PayerNoteAdminForm
    list_display = (
        "key",
        "payer",
        "topic",
        "status",
        "last_reviewed",
        "overdue",
        "reviewer",
        "code_list",
    )
    list_filter = ("status", ReviewFilter, "payer", "topic", "confidence")
    search_fields = ("key", "text", "payer__name", "codes__code")
    list_select_related = ("payer", "reviewer")
    # 55 long source titles: searched as the editor types (SourceAdmin's search_fields).
    autocomplete_fields = ("source",)
    actions = ["publish", "unpublish", "mark_reviewed_today"]
    readonly_fields = ("preview", "reviewer", "version", "dataset_state")
    fieldsets = (
        (None, {"fields": ("opened_version", "key", "payer", "topic", "codes", "status")}),
        ("Text", {"fields": ("text", "preview")}),
        ("Source", {"fields": ("source", "url", "confidence")}),
        ("Payer matrix", {"fields": ("matrix_column", "figure", "mac")}),
        (
            "Dates and review",
            {"fields": ("effective_date", "last_reviewed", "reviewer", "mark_reviewed")},
        ),
        ("This save", {"fields": ("change_reason", "version", "dataset_state")}),
    )
    object_history_template = "admin/notes/payernote/object_history.html"
    object_history_list_template = "admin/notes/payernote/object_history_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payer", "source", "reviewer")

    def get_fieldsets(self, request, obj=None):
        # The version, review box and reason belong to a save: not shown to someone who may
        # only view the note (the admin would show every field read-only).
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        form_only = set(self.form.declared_fields)
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in form_only]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        # The key ties a note to the dataset: fixed once the note exists.
        fields = super().get_readonly_fields(request, obj)
        return ("key", *fields) if obj is not None else fields

    # Columns and read-only fields

    @admin.display(boolean=True, description="Review overdue", ordering="last_reviewed")
    def overdue(self, note: PayerNote) -> bool:
        return note.review_overdue

    @admin.display(description="Preview (as coders see it)")
    def preview(self, note: PayerNote) -> str:
        # The change form's text box refreshes this through preview_view as the editor types.
        html = render_markdown(note.text)  # sanitised by nh3
        return format_html('<div id="note-preview" aria-live="polite">{}</div>', mark_safe(html))  # noqa: S308

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The text as coders will see it, rendered by the same sanitiser as the pages: the
        change form's live preview (htmx POSTs the text box while the editor types)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "")
        if len(text) > PREVIEW_LIMIT:
            return HttpResponse(
                f"<p>Too long to preview: at most {PREVIEW_LIMIT} characters.</p>", status=400
            )
        return HttpResponse(render_markdown(normalize_newlines(text)))

    @admin.display(description="Dataset")
    def dataset_state(self, note: PayerNote) -> str:
        if note.pk is None or not note.loaded_fingerprint:
            return "Added in the back office: load_reference never changes it."
        if note.fingerprint() == note.loaded_fingerprint:
            return (
                "As loaded from the dataset: a newer dataset may update it until someone "
                "edits it here."
            )
        return "Edited since it was loaded: load_reference keeps this version."

    # Saving

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "")
        if change and not set(form.changed_data) - {"change_reason", "opened_version"}:
            return  # nothing to save: no new version, no history entry
        if form.cleaned_data.get("mark_reviewed"):
            obj.mark_reviewed(request.user)
        if not change:
            obj._history_user = request.user
            obj._change_reason = reason
            try:
                with transaction.atomic():
                    obj.save()
            except IntegrityError:
                if PayerNote.objects.filter(key=obj.key).exists():
                    raise KeyTaken(obj.key) from None
                raise
            return
        obj.save_edit(
            form.opened, user=request.user, codes=form.cleaned_data["codes"], reason=reason
        )

    def save_related(self, request, form, formsets, change):
        # On change the codes were saved with the note itself (one version, one history entry).
        if not change:
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Another save landed between this form's version check and its own save; the
            # transaction rolled back. Showing the form again reports it as a conflict.
            try:
                response = super().changeform_view(request, object_id, form_url, extra_context)
            except EditConflict as conflict:  # yet another save meanwhile
                return self.problem(request, 409, "Not saved", str(conflict), None, conflict)
        except KeyTaken:
            # Another editor added a note with this key between this form's check and its
            # save; the transaction rolled back. The form again, as typed: its key check now
            # finds their note.
            try:
                response = super().changeform_view(request, object_id, form_url, extra_context)
            except KeyTaken:  # and yet another one meanwhile
                return self.problem(request, 409, "Not saved", KEY_TAKEN)
            form = getattr(response, "context_data", {}).get("adminform")
            if form is not None and form.form.errors:
                form.form.add_error(None, KEY_TAKEN)
                response.status_code = 409
            return response
        form = getattr(response, "context_data", {}).get("adminform")
        if request.method == "POST" and form is not None:
            if form.form.conflict is not None:
                response.status_code = 409
            elif form.form.damaged:
                response.status_code = 400
        return response

    # Actions

    @admin.action(description="Publish the selected notes", permissions=["change"])
    def publish(self, request, queryset):
        self.apply_to_notes(request, queryset, "published", self._set_status("published"))

    @admin.action(
        description="Unpublish the selected notes (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        self.apply_to_notes(request, queryset, "unpublished", self._set_status("draft"))

    @admin.action(description="Mark the selected notes reviewed today", permissions=["change"])
    def mark_reviewed_today(self, request, queryset):
        def edit(note: PayerNote) -> str:
            note.mark_reviewed(request.user)
            return "Marked reviewed"

        self.apply_to_notes(request, queryset, "marked reviewed", edit)

    @staticmethod
    def _set_status(status: str):
        def edit(note: PayerNote) -> str | None:
            if note.status == status:
                return None
            note.status = status
            return f"Status set to {note.get_status_display().lower()}"

        return edit

    def apply_to_notes(self, request, queryset, done: str, edit) -> None:
        """Apply `edit` to each note as a new version (the same conflict check as the change
        form); `edit` returns the history reason, or None when there is nothing to change."""
        changed, conflicts = 0, []
        for note in queryset.order_by("pk"):
            reason = edit(note)
            if reason is None:
                continue
            try:
                note.save_edit(note.version, user=request.user, reason=reason)
            except EditConflict:
                conflicts.append(note.key)
                continue
            self.log_change(request, note, reason)
            changed += 1
        self.message_user(request, f"{changed} note(s) {done}.", messages.SUCCESS)
        if conflicts:
            self.message_user(
                request,
                f"Not changed, because someone saved them meanwhile: {', '.join(conflicts)}. "
                "Reload the list and try again.",
                messages.WARNING,
            )

    # History: list, one version, compare two, revert

    def revert_disabled(self, request, obj=None) -> bool:
        # simple-history's own revert form would skip the version check; reverts go through
        # revert_view instead (linked from a version and from the compare page).
        return True

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        # Versions are history ids, parsed by the URL's int converter (ASCII digits only); the
        # note's id is the admin's own `<path:object_id>`, parsed by `get_object`.
        versions = self.admin_site.admin_view(self.history_form_view)
        revert = self.admin_site.admin_view(require_POST(self.revert_view))
        return [
            path(
                "preview/",
                self.admin_site.admin_view(require_POST(self.preview_view)),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/",
                versions,
                name="{}_{}_simple_history".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                revert,
                name="{}_{}_revert".format(*info),
            ),
            # Anything else in a version's place is no version of the note: a 404.
            path("<path:object_id>/history/<str:version_id>/", versions),
            path("<path:object_id>/history/<str:version_id>/revert/", revert),
            *(
                pattern
                for pattern in super().get_urls()
                # simple-history's own version page takes any text for the version.
                if getattr(pattern, "name", None) != "{}_{}_simple_history".format(*info)
            ),
        ]

    def history_records(self, note: PayerNote):
        """A note's history, newest first, with everything a diff reads (no N+1)."""
        return note.history.select_related(
            "history_user", "payer", "source", "reviewer"
        ).prefetch_related(history_codes())

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return queryset.select_related("payer", "source", "reviewer").prefetch_related(
            history_codes()
        )

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        for newer, older in zip(records, records[1:], strict=False):
            newer.changes = PayerNote.changes_between(older, newer)

    def history_view(self, request, object_id, extra_context=None):
        note = self.note_or_none(request, object_id)
        if note is None:
            return self.problem(request, 404, "No such payer note", self.missing(object_id))
        latest = note.history.values_list("history_id", flat=True).first()
        extra = {"latest_history_id": latest, **(extra_context or {})}
        return super().history_view(request, str(note.pk), extra)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version, read-only, with its codes as they were then."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        note = self.note_or_none(request, object_id)
        if note is None:
            return self.problem(request, 404, "No such payer note", self.missing(object_id))
        if not self.has_view_or_change_permission(request, note):
            raise PermissionDenied
        record = self.record_or_none(note, version_id)
        if record is None:
            return self.problem(
                request, 404, "No such version", "This note has no such version.", note
            )
        latest = note.history.values_list("history_id", flat=True).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Version {record.version} of {note}",
            "note": note,
            "record": record,
            "rows": PayerNote.describe_version(record),
            "preview": mark_safe(render_markdown(record.text)),  # noqa: S308 - sanitised
            "latest_history_id": latest,
            "can_revert": record.history_id != latest and self.has_change_permission(request, note),
        }
        return TemplateResponse(request, "admin/notes/payernote/version.html", context)

    def compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        note = self.note_or_none(request, object_id)
        if note is None:
            return self.problem(request, 404, "No such payer note", self.missing(object_id))
        if not self.has_view_or_change_permission(request, note):
            raise PermissionDenied
        records = self.history_records(note)
        newest = list(records.values_list("pk", flat=True)[:2])
        if "old" in request.GET or "new" in request.GET or not newest:
            data = request.GET
        else:  # the latest change by default
            data = {"old": newest[-1], "new": newest[0]}
        form = CompareForm(records, data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Compare versions of {note}",
            "note": note,
            "form": form,
        }
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/notes/payernote/compare.html", context, status=400
            )
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
        context.update(
            old=old,
            new=new,
            changes=PayerNote.changes_between(old, new),
            can_revert=new.pk == newest[0]
            and old.pk != new.pk
            and self.has_change_permission(request, note),
        )
        return TemplateResponse(request, "admin/notes/payernote/compare.html", context)

    def revert_view(self, request: HttpRequest, object_id: str, version_id: int) -> HttpResponse:
        note = self.note_or_none(request, object_id)
        if note is None:
            return self.problem(request, 404, "No such payer note", self.missing(object_id))
        if not self.has_change_permission(request, note):
            raise PermissionDenied
        record = self.record_or_none(note, version_id)
        if record is None:
            return self.problem(
                request, 404, "No such version", "This note has no such version.", note
            )
        form = RevertForm(note, request.POST)
        if not form.is_valid():
            return self.problem(
                request,
                400,
                "Not reverted",
                "The form does not say which version of the note it was opened with. "
                "Nothing was changed: open the version again and revert from there.",
                note,
            )
        try:
            note.revert_to(record, form.cleaned_data["opened_version"], user=request.user)
        except EditConflict as conflict:
            return self.problem(
                request,
                409,
                "Not reverted",
                f"{conflict} Nothing was changed: look at their change, then revert again "
                "if you still want to.",
                note,
                conflict,
            )
        except ValidationError as error:
            return self.problem(
                request,
                400,
                "Not reverted",
                "That version cannot be restored as it is: " + "; ".join(error.messages),
                note,
            )
        message = f"Reverted to version {record.version}"
        self.log_change(request, note, message)
        self.message_user(
            request, f"{message}: the note is now version {note.version}.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:notes_payernote_change", args=[note.pk]))

    # Lookups that never raise on malformed ids

    def note_or_none(self, request, object_id: str) -> PayerNote | None:
        return self.get_object(request, unquote(object_id))

    @staticmethod
    def record_or_none(note: PayerNote, version_id: int | str):
        """The history record `version_id` of this note; None for another note's, or for
        anything but a number (the int converter of the URL passes numbers only)."""
        if not isinstance(version_id, int):
            return None
        return (
            note.history.select_related("history_user", "payer", "source", "reviewer")
            .prefetch_related(history_codes())
            .filter(history_id=version_id)
            .first()
        )

    @staticmethod
    def missing(object_id: str) -> str:
        return f"There is no payer note with the id “{object_id}”; it may have been deleted."

    def problem(self, request, status, title, message, note=None, conflict=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "message": message,
            "note": note,
            "conflict": conflict,
        }
        return TemplateResponse(
            request, "admin/notes/payernote/problem.html", context, status=status
        )


# The admin's home opens with the editor's desk: payer notes first, and the notes overdue for
# review (templates/admin/index.html shows them above the list of every model).
OVERDUE_SHOWN = 10
_index = admin.site.index


def index_with_notes(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin index, with the notes overdue for review when the viewer may see notes.
    Queries: the overdue notes with their payers (1)."""
    context = dict(extra_context or {})
    if request.user.has_perm("notes.view_payernote") or request.user.has_perm(
        "notes.change_payernote"
    ):
        overdue = PayerNote.objects.review_overdue().select_related("payer")
        context["notes_desk"] = {
            "overdue": list(overdue.order_by("last_reviewed", "key")[: OVERDUE_SHOWN + 1]),
            "shown": OVERDUE_SHOWN,
            "months": PayerNote.REVIEW_INTERVAL_DAYS * 12 // 365,
            "cutoff": PayerNote.review_cutoff(),
        }
    return _index(request, context)


admin.site.index = index_with_notes
