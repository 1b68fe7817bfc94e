"""The back office: every reference model in the Django admin, and payer notes edited safely.

Payer notes carry the version an editor opened; a save based on an older version is refused
(no lost update). Every change is kept by django-simple-history: the note's history page lists
who changed what and when, any two versions can be compared, and a past version restored.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import BadRequest, ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from codes.models import (
    Code,
    Dataset,
    Diagnosis,
    DiagnosisLink,
    Misconception,
    Modifier,
    ModifierGuidance,
    Payer,
    Relation,
    Rule,
    Source,
    Taxonomy,
)
from codes.signals import retry_once

admin.site.site_header = "FacetCoder back office"
admin.site.site_title = "FacetCoder back office"
admin.site.index_title = "Reference data and payer notes"


class WellFormedRequests:
    """For every model admin, ours and Django's (users, groups) and django-axes': a malformed
    id or parameter gets a 400 or the normal page, never a server error. (A NUL byte anywhere
    in a request is refused before, by facetsite.middleware.RejectBadInput.)"""

    def get_object(self, request, object_id, from_field=None):
        # An empty `?_to_field=` names no field; Django would look up a field called "".
        return super().get_object(request, object_id, from_field or None)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Writers take the content revision's lock first (codes.signals); should PostgreSQL
        # still roll a save back as a deadlock, it is tried once more, not shown as an error.
        return retry_once(
            lambda: super(WellFormedRequests, self).changeform_view(
                request, object_id, form_url, extra_context
            )
        )

    def delete_view(self, request, object_id, extra_context=None):
        return retry_once(
            lambda: super(WellFormedRequests, self).delete_view(request, object_id, extra_context)
        )

    def response_action(self, request, queryset, *args, **kwargs):
        # The ids of the ticked rows, checked as the primary key checks its values (the
        # action's queryset would fail on "abc", on "²", which isdigit() takes for a digit, or
        # on a number too big for the column).
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
            try:
                self.opts.pk.clean(value, None)
            except ValidationError:
                raise BadRequest("The selected rows are not rows of this list.") from None
        return super().response_action(request, queryset, *args, **kwargs)


class BackOfficeAdmin(WellFormedRequests, admin.ModelAdmin):
    """The base of every model admin of the apps (codes, notes, quiz)."""


# The admins registered before ours (users and groups, login attempts) get the same care.
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, WellFormedRequests):
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(type(_model_admin).__name__, (WellFormedRequests, type(_model_admin)), {})
        )


class ReferenceAdmin(BackOfficeAdmin):
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
