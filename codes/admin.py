"""The back office: every reference model in the Django admin, and payer notes edited safely.

Payer notes carry the version an editor opened; a save based on an older version is refused
(no lost update). Every change is kept by django-simple-history: the note's history page lists
who changed what and when, any two versions can be compared, and a past version restored.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from codes.forms_admin import CompareForm, PayerNoteAdminForm
from codes.models import (
    Code,
    Dataset,
    Diagnosis,
    DiagnosisLink,
    EditConflict,
    Misconception,
    Modifier,
    ModifierGuidance,
    Payer,
    PayerNote,
    Relation,
    Rule,
    Source,
    Taxonomy,
    history_codes,
)
from codes.templatetags.facet import render_markdown

admin.site.site_header = "FacetCoder back office"
admin.site.site_title = "FacetCoder back office"
admin.site.index_title = "Reference data and payer notes"


class ReferenceAdmin(admin.ModelAdmin):
    """Shared by every reference model: many-to-many fields as checkboxes (no JavaScript)."""

    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    list_per_page = 100


class LinkedCodesMixin:
    """A "Codes" column for records linked to many codes: one prefetch query for the page."""

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("codes")

    @admin.display(description="Codes")
    def code_list(self, obj) -> str:
        return ", ".join(str(code) for code in obj.codes.all())


def admin_link(obj) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


# The code page's relationships, shown inline and read-only -------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RelationInline(ReadOnlyInline):
    model = Relation
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("from_code", "to_code")
            .prefetch_related("sources")
        )

    @admin.display(description="Sources")
    def source_list(self, relation: Relation) -> str:
        return ", ".join(source.key for source in relation.sources.all())


class RelationFromInline(RelationInline):
    fk_name = "from_code"
    fields = readonly_fields = ("type", "to_code", "note", "confidence", "source_list")
    verbose_name = "relation from this code"
    verbose_name_plural = "Relations from this code"


class RelationToInline(RelationInline):
    fk_name = "to_code"
    fields = readonly_fields = ("from_code", "type", "note", "confidence", "source_list")
    verbose_name = "relation to this code"
    verbose_name_plural = "Relations to this code"


class LinkedRecordInline(ReadOnlyInline):
    """The records that list this code in their own many-to-many field, each linked."""

    template = "admin/codes/code/linked_inline.html"
    target = ""  # the through table's key to the linked record
    related: tuple[str, ...] = ()  # what the linked record's name reads
    fields = readonly_fields = ("record",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.target, *self.related)

    @admin.display(description="Record")
    def record(self, row) -> str:
        return admin_link(getattr(row, self.target))


class PayerNoteInline(LinkedRecordInline):
    model = PayerNote.codes.through
    target = "payernote"
    related = ("payernote__payer",)
    fields = readonly_fields = ("record", "status")
    verbose_name, verbose_name_plural = "payer note", "Payer notes"

    @admin.display(description="Status")
    def status(self, row) -> str:
        return row.payernote.get_status_display()


class ModifierGuidanceInline(LinkedRecordInline):
    model = ModifierGuidance.codes.through
    target = "modifierguidance"
    related = ("modifierguidance__modifier",)
    verbose_name, verbose_name_plural = "modifier guidance", "Modifier guidance"


class TaxonomyInline(LinkedRecordInline):
    model = Taxonomy.codes.through
    target = "taxonomy"
    verbose_name, verbose_name_plural = "provider taxonomy", "Provider taxonomies"


class DiagnosisLinkInline(LinkedRecordInline):
    model = DiagnosisLink.codes.through
    target = "diagnosislink"
    related = ("diagnosislink__diagnosis",)
    verbose_name, verbose_name_plural = "diagnosis", "Diagnoses"


class RuleInline(LinkedRecordInline):
    model = Rule.codes.through
    target = "rule"
    verbose_name, verbose_name_plural = "rule", "Rules"


class MisconceptionInline(LinkedRecordInline):
    model = Misconception.codes.through
    target = "misconception"
    verbose_name, verbose_name_plural = "misconception", "Misconceptions"


# Reference models -------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(ReferenceAdmin):
    list_display = ("title", "key", "kind", "publisher", "document", "url")
    list_filter = ("kind", "publisher")
    search_fields = ("key", "title", "publisher", "document", "url")
    list_select_related = ()  # no foreign keys


@admin.register(Code)
class CodeAdmin(ReferenceAdmin):
    list_display = (
        "code",
        "add_on",
        "code_set",
        "region",
        "procedure",
        "guidance",
        "unit_basis",
        "max_per_day",
        "confidence",
    )
    list_filter = ("code_set", "region", "procedure", "guidance", "add_on", "confidence")
    search_fields = ("code", "summary", "descriptor", "guidance_note")
    list_select_related = ()  # no foreign keys
    inlines = [
        RelationFromInline,
        RelationToInline,
        PayerNoteInline,
        ModifierGuidanceInline,
        TaxonomyInline,
        DiagnosisLinkInline,
        RuleInline,
        MisconceptionInline,
    ]


@admin.register(Relation)
class RelationAdmin(ReferenceAdmin):
    list_display = ("from_code", "type", "to_code", "confidence")
    list_filter = ("type", "confidence")
    search_fields = ("from_code__code", "to_code__code", "note")
    list_select_related = ("from_code", "to_code")


@admin.register(Modifier)
class ModifierAdmin(ReferenceAdmin):
    list_display = ("code", "name", "confidence")
    list_filter = ("confidence",)
    search_fields = ("code", "name", "definition")
    list_select_related = ()  # no foreign keys


@admin.register(ModifierGuidance)
class ModifierGuidanceAdmin(LinkedCodesMixin, ReferenceAdmin):
    list_display = ("__str__", "modifier", "code_list", "confidence")
    list_filter = ("modifier", "confidence")
    search_fields = ("text", "modifier__code", "modifier__name", "codes__code")
    list_select_related = ("modifier",)


@admin.register(Taxonomy)
class TaxonomyAdmin(LinkedCodesMixin, ReferenceAdmin):
    list_display = ("code", "display_name", "classification", "code_list", "confidence")
    list_filter = ("classification", "confidence")
    search_fields = ("code", "display_name", "classification", "specialization")
    list_select_related = ()  # no foreign keys


@admin.register(Diagnosis)
class DiagnosisAdmin(ReferenceAdmin):
    list_display = ("code", "title", "billable")
    list_filter = ("billable",)
    search_fields = ("code", "title")
    list_select_related = ()  # no foreign keys


@admin.register(DiagnosisLink)
class DiagnosisLinkAdmin(LinkedCodesMixin, ReferenceAdmin):
    list_display = ("diagnosis", "relation", "code_list", "confidence")
    list_filter = ("relation", "confidence", "diagnosis__billable")
    search_fields = ("diagnosis__code", "diagnosis__title", "note", "codes__code")
    list_select_related = ("diagnosis",)


@admin.register(Payer)
class PayerAdmin(ReferenceAdmin):
    list_display = ("name", "slug", "sort_order")
    list_filter = ("sources__kind",)
    search_fields = ("name", "slug", "description")
    list_select_related = ()  # no foreign keys


@admin.register(Rule)
class RuleAdmin(LinkedCodesMixin, ReferenceAdmin):
    list_display = ("title", "key", "code_list", "confidence", "sort_order")
    list_filter = ("confidence",)
    search_fields = ("key", "title", "text", "codes__code")
    list_select_related = ()  # no foreign keys


@admin.register(Misconception)
class MisconceptionAdmin(LinkedCodesMixin, ReferenceAdmin):
    list_display = ("key", "source", "code_list", "rule", "confidence")
    list_filter = ("confidence", "source")
    search_fields = ("key", "claim", "correction", "codes__code")
    list_select_related = ("source", "rule")


@admin.register(Dataset)
class DatasetAdmin(ReferenceAdmin):
    """Written by load_reference only: read-only for everyone."""

    list_display = ("title", "version", "date", "loaded_at", "fingerprint")
    list_filter = ("date",)
    search_fields = ("title", "version", "fingerprint")
    list_select_related = ()  # no foreign keys

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Payer notes ----------------------------------------------------------------------------------


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
    actions = ["publish", "unpublish", "mark_reviewed_today"]
    readonly_fields = ("preview", "reviewer", "version", "dataset_state")
    fieldsets = (
        (None, {"fields": ("opened_version", "key", "payer", "topic", "codes", "status")}),
        ("Text", {"fields": ("text", "preview")}),
        ("Source", {"fields": ("source", "url", "confidence")}),
        (
            "Dates and review",
            {"fields": ("effective_date", "last_reviewed", "reviewer", "mark_reviewed")},
        ),
        ("This save", {"fields": ("change_reason", "version", "dataset_state")}),
    )
    object_history_template = "admin/codes/payernote/object_history.html"
    object_history_list_template = "admin/codes/payernote/object_history_list.html"

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
        return mark_safe(render_markdown(note.text))  # noqa: S308 - sanitised by nh3

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
            obj.save()
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
        return [
            path(
                "<str:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<str:object_id>/history/<str:version_id>/revert/",
                self.admin_site.admin_view(require_POST(self.revert_view)),
                name="{}_{}_revert".format(*info),
            ),
            *super().get_urls(),
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
        return TemplateResponse(request, "admin/codes/payernote/version.html", context)

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
                request, "admin/codes/payernote/compare.html", context, status=400
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
        return TemplateResponse(request, "admin/codes/payernote/compare.html", context)

    def revert_view(self, request: HttpRequest, object_id: str, version_id: str) -> HttpResponse:
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
        opened = request.POST.get("opened_version", "")
        if not opened.isdigit():
            return self.problem(
                request,
                400,
                "Not reverted",
                "The form does not say which version of the note it was opened with. "
                "Nothing was changed: open the version again and revert from there.",
                note,
            )
        try:
            note.revert_to(record, int(opened), user=request.user)
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
        return HttpResponseRedirect(reverse("admin:codes_payernote_change", args=[note.pk]))

    # Lookups that never raise on malformed ids

    def note_or_none(self, request, object_id: str) -> PayerNote | None:
        return self.get_object(request, unquote(object_id))

    @staticmethod
    def record_or_none(note: PayerNote, version_id: str):
        if not version_id.isdigit():
            return None
        return (
            note.history.select_related("history_user", "payer", "source", "reviewer")
            .prefetch_related(history_codes())
            .filter(history_id=int(version_id))
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
            request, "admin/codes/payernote/problem.html", context, status=status
        )
