"""The claim auditor (issue 15): ``POST /api/audit-claim`` and the page ``/audit/``.

Both read the claim, the payer and the optional scenario and get every problem, its sources and
the corrected claim from ``audit_claim`` in the engine; neither applies a rule of its own. The
page is a GET form (a claim names no patient), so the wizard, the note reader and the history
check link to it with ``?claim=…&payer=…`` and every audit can be bookmarked.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from codes.models import Source
from coding.engine import (
    CLAIM_TYPES,
    GUIDANCES,
    INTENTS,
    MACS,
    PAYERS,
    PROCEDURES,
    Audit,
    InvalidInput,
    audit_claim,
    read_coverage,
)
from coding.engine.audit import MAX_AUDIT_LENGTH, SCENARIO_KEYS, read_date
from coding.engine.claims import ClaimError
from coding.views.api import COVERAGE_KEYS, ApiError, body_coverage, body_text, check_keys, json_api

BODY_KEYS = ("claim", *COVERAGE_KEYS, "date", "scenario")


@json_api
def api(request: HttpRequest, body: dict) -> dict:
    """POST /api/audit-claim: the claim, the payer and optionally the date and the scenario."""
    check_keys(body, BODY_KEYS)
    claim = body_text(body, "claim", max_length=MAX_AUDIT_LENGTH)
    coverage = body_coverage(body)
    scenario = body.get("scenario")
    if scenario is not None:
        if not isinstance(scenario, dict):
            raise ApiError("'scenario' must be an object: procedure, guidance, joints, intent.")
        scenario = _from_reader(scenario)
        check_keys(scenario, SCENARIO_KEYS, "the scenario")
        for key in SCENARIO_KEYS:
            body_text(scenario, key, max_length=1000, required=False)
    try:
        audit = audit_claim(claim, coverage, scenario or None, read_date(body.get("date")))
    except ClaimError as error:
        raise ApiError(str(error)) from None
    return audit.as_dict()


# What POST /api/read-note answers beyond the wizard's description: taken as a scenario, these
# are left aside.
READER_KEYS = ("technique", "findings", "review", "claim", "lines", "warnings")


def _from_reader(scenario: dict) -> dict:
    """The wizard's description in a scenario that may be the note reader's answer as it came:
    its nerves when it names nerves (as the wizard link it gives), its review questions refused
    when they held the claim back (the scenario would be a guess)."""
    if not any(key in scenario for key in READER_KEYS):
        return scenario
    review = scenario.get("review")
    if review and not scenario.get("lines"):
        questions = (
            " ".join(str(question) for question in review[:3]) if isinstance(review, list) else ""
        )
        raise ApiError(
            "The note reader held this claim back: answer its review questions first. "
            + questions[:500]
        )
    described = {key: value for key, value in scenario.items() if key not in READER_KEYS}
    if described.get("nerves"):
        described.pop("joints", None)
    return {key: value for key, value in described.items() if value is not None}


# --- The page -------------------------------------------------------------------------------------


def _choices(terms, blank: str = "") -> list[tuple[str, str]]:
    options = [(term.value, term.short_label) for term in terms]
    return [("", blank), *options] if blank else options


class AuditForm(forms.Form):
    """The claim, the payer and the optional scenario, as the query string gives them."""

    claim = forms.CharField(
        label="Claim lines, as billed",
        max_length=MAX_AUDIT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text='One line per code, or separated by commas: "64493-50, 64494-50 x2, 77003".',
    )
    payer = forms.ChoiceField(label="Payer", required=False, choices=_choices(PAYERS))
    mac = forms.ChoiceField(
        label="Medicare contractor (MAC)", required=False, choices=_choices(MACS, "Not known")
    )
    claim_type = forms.ChoiceField(
        label="Claim type", required=False, choices=_choices(CLAIM_TYPES)
    )
    date = forms.DateField(label="Date of service", required=False, input_formats=["%Y-%m-%d"])
    procedure = forms.ChoiceField(
        label="Procedure", required=False, choices=_choices(PROCEDURES, "No scenario")
    )
    guidance = forms.ChoiceField(
        label="Imaging guidance", required=False, choices=_choices(GUIDANCES, "Not stated")
    )
    joints = forms.CharField(label="Joints and sides", required=False, max_length=1000)
    nerves = forms.CharField(label="Or nerves and sides", required=False, max_length=1000)
    intent = forms.ChoiceField(
        label="Intent", required=False, choices=_choices(INTENTS, "Not stated")
    )

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        scenario = {key: data[key] for key in SCENARIO_KEYS if data.get(key)}
        try:
            coverage = read_coverage(
                payer=data.get("payer"), mac=data.get("mac"), claim_type=data.get("claim_type")
            )
            self.audit = audit_claim(data["claim"], coverage, scenario or None, data.get("date"))
        except (ClaimError, InvalidInput) as error:
            raise forms.ValidationError(str(error)) from None
        return data


@require_safe
@vary_on_headers("HX-Request")
def page(request: HttpRequest) -> HttpResponse:
    """The auditor: the form, and with a claim in the query string its audit.

    Queries: the sources the problems cite (1, with an audit); the dataset version in the
    footer (1, whole page only).
    """
    form = AuditForm(request.GET if "claim" in request.GET else None)
    valid = form.is_valid() if form.is_bound else True
    audit = getattr(form, "audit", None) if valid else None
    context = {"form": form, "audit": audit, **_cited(audit)}
    template = "coding/audit.html#result" if request.htmx else "coding/audit.html"
    return render(request, template, context, status=200 if valid else 400)


def _cited(audit: Audit | None) -> dict:
    """Each line and claim problem with its Source records (1 query), in the audit's order."""
    if audit is None:
        return {}
    keys = audit.source_keys
    sources = {s.key: s for s in Source.objects.filter(key__in=keys).only("key", "title", "url")}

    def cited(problems):
        return [
            (p, [sources.get(k) or Source(key=k, title=k) for k in p.sources]) for p in problems
        ]

    return {
        "lines": [(line, cited(line.problems)) for line in audit.lines],
        "claim_problems": cited(audit.problems),
    }
