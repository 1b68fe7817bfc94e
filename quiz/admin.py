"""Back office for the question bank, quizzes, training sessions and answers."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from codes.admin import BackOfficeAdmin
from coding.engine import InvalidInput
from quiz.models import (
    Answer,
    Attempt,
    Certificate,
    Option,
    Question,
    Quiz,
    QuizQuestion,
    Tag,
    TrainingSession,
)


class QuestionForm(forms.ModelForm):
    tags = forms.MultipleChoiceField(
        choices=Tag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The misconceptions a wrong answer to this question reveals.",
    )

    class Meta:
        model = Question
        fields = [
            "key",
            "kind",
            "prompt",
            "scenario",
            "explanation",
            "tags",
            "procedure",
            "guidance",
            "joints",
            "nerves",
            "payer",
            "mac",
            "claim_type",
            "bilateral",
            "payer_format",
            "intent",
            "codes",
            "sources",
            "rules",
            "misconceptions",
        ]

    def clean_tags(self) -> list[str]:
        return list(self.cleaned_data["tags"])


class OptionInline(admin.TabularInline):
    model = Option
    extra = 1
    fields = ["position", "text", "correct", "tag"]


class OptionsFormSet(forms.BaseInlineFormSet):
    """Choice questions need options with the right number of right answers."""

    def clean(self):
        super().clean()
        kind = self.instance.kind
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        right = sum(1 for row in rows if row.get("correct"))
        if kind == Question.Kind.CLAIM:
            if rows:
                raise forms.ValidationError(
                    "A claim-entry question has no options: the coding engine computes its answer."
                )
            return
        if len(rows) < 2:
            raise forms.ValidationError("A choice question needs at least two options.")
        if kind == Question.Kind.SINGLE and right != 1:
            raise forms.ValidationError("A single-choice question has exactly one right option.")
        if kind == Question.Kind.MULTIPLE and right < 1:
            raise forms.ValidationError("Mark at least one option right.")


OptionInline.formset = OptionsFormSet


@admin.register(Question)
class QuestionAdmin(BackOfficeAdmin):
    form = QuestionForm
    inlines = [OptionInline]
    list_display = ["key", "kind", "prompt", "tag_list"]
    list_filter = ["kind", "procedure", "quizzes"]
    list_select_related = []  # no foreign keys in the list
    search_fields = ["key", "prompt", "scenario", "explanation"]
    filter_horizontal = ["codes", "sources", "rules", "misconceptions"]
    readonly_fields = ["computed_answer"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "prompt", "scenario", "explanation", "tags"]}),
        (
            "Claim entry: the scenario the coding engine codes",
            {
                "fields": [
                    "procedure",
                    "guidance",
                    "joints",
                    "nerves",
                    "payer",
                    "mac",
                    "claim_type",
                    "bilateral",
                    "payer_format",
                    "intent",
                    "computed_answer",
                ]
            },
        ),
        ("Citations", {"fields": ["codes", "sources", "rules", "misconceptions"]}),
    ]

    @admin.display(description="Tags")
    def tag_list(self, question: Question) -> str:
        return ", ".join(Tag(tag).label for tag in question.tags if tag in Tag.values)

    @admin.display(description="Answer computed by the coding engine")
    def computed_answer(self, question: Question):
        if not question.pk or not question.is_claim:
            return "—"
        try:
            result = question.claim_result()
        except InvalidInput as error:
            return f"Cannot be coded: {error}"
        return format_html_join(
            "",
            "<div><code>{}</code> — {}</div>",
            ((line.text(), line.rule) for line in result.lines),
        )


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 1
    autocomplete_fields = ["question"]
    fields = ["position", "question"]


@admin.register(Quiz)
class QuizAdmin(BackOfficeAdmin):
    inlines = [QuizQuestionInline]
    list_display = ["title", "slug", "kind", "pass_mark", "time_limit", "shuffle", "sort_order"]
    list_filter = ["kind", "shuffle"]
    list_select_related = []  # no foreign keys in the list
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(TrainingSession)
class TrainingSessionAdmin(BackOfficeAdmin):
    list_display = ["__str__", "quiz", "trainer", "code", "status", "mode", "created_at"]
    list_filter = ["status", "mode", "quiz"]
    list_select_related = ["quiz", "trainer"]
    search_fields = ["title", "code", "trainer__username"]
    readonly_fields = ["code", "created_at", "opened_at", "closed_at"]
    raw_id_fields = ["trainer"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["position", "question", "response", "expected", "score", "correct", "late"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(BackOfficeAdmin):
    inlines = [AnswerInline]
    list_display = [
        "pk",
        "quiz",
        "kind",
        "mode",
        "user",
        "display_name",
        "training_session",
        "started_at",
    ]
    list_filter = ["kind", "mode", "quiz"]
    list_select_related = ["quiz", "user", "training_session__quiz"]
    search_fields = ["display_name", "user__username"]
    readonly_fields = ["question_ids", "started_at"]
    raw_id_fields = ["user", "training_session", "retry_of"]


@admin.register(Answer)
class AnswerAdmin(BackOfficeAdmin):
    """Stored answers are a record: readable, never edited."""

    list_display = ["attempt", "position", "question", "score", "correct", "late", "answered_at"]
    list_filter = ["correct", "late"]
    list_select_related = ["attempt__quiz", "question"]
    search_fields = ["question__key", "response", "attempt__display_name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(BackOfficeAdmin):
    """Issued certificates are a record: readable, never edited (delete one to withdraw it)."""

    list_display = ["name", "exam", "percent", "issued_at", "code"]
    list_filter = ["exam"]
    list_select_related = []  # the list shows the certificate's own columns
    search_fields = ["name", "exam", "code"]
    readonly_fields = ["code", "attempt", "name", "exam", "percent", "issued_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
