"""The level/laterality wizard: its JSON API and its step-by-step pages.

Both read the same GET parameters through coding/forms.py and get their claim lines from
the rules engine (coding/engine/); neither applies a coding rule of its own.
"""

from urllib.parse import urlsplit

from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from codes.api import json_error
from codes.models import Source
from coding.forms import ClaimForm, WizardForm

TOO_MANY_PARAMETERS = "Too many parameters: describe one session with a few parameters."


@require_safe
def api(request: HttpRequest) -> JsonResponse:
    """GET /api/wizard?procedure=…&joints=… -> the claim lines and warnings (no query)."""
    try:
        form = ClaimForm(request.GET)
    except TooManyFieldsSent:
        return json_error(TOO_MANY_PARAMETERS, 400)
    unknown = [name for name in request.GET if name not in ClaimForm.base_fields]
    if unknown:
        named = ", ".join(repr(name[:40]) for name in unknown[:5])
        allowed = ", ".join(ClaimForm.base_fields)
        return json_error(f"Unknown parameter(s) {named}: the parameters are {allowed}.", 400)
    if not form.is_valid():
        return json_error(form.error_text(), 400)
    return JsonResponse({**form.result.as_dict(), "input": form.description()})


@require_safe
@vary_on_headers("HX-Request")
def page(request: HttpRequest) -> HttpResponse:
    """The wizard: the whole page, or for htmx the wizard fragment, at the step the URL asks.

    A valid answer moves the address to the canonical URL of the new state (a redirect without
    JavaScript, the HX-Push-Url header with htmx), so every state can be bookmarked.
    Queries: the sources of the result's lines and warnings (1, result only); the dataset
    version in the footer (1, whole page only).
    """
    try:
        form = WizardForm(request.GET)
        valid = form.is_valid()
    except TooManyFieldsSent:
        form = WizardForm(QueryDict())
        form.is_valid()
        form.add_error(None, TOO_MANY_PARAMETERS)
        valid = False
    canonical = form.canonical_url()
    if valid and not request.htmx and _differs(request.GET, canonical):
        return redirect(canonical)
    context = {
        "form": form,
        "step": form.shown,
        "result": form.result,
        # After a step changes, move keyboard focus to the new step's heading; not while
        # joints are being picked (htmx then keeps focus on the control that was used).
        "focus_step": bool(request.htmx) and not (request.htmx.trigger or "").startswith("edit-"),
    }
    if form.result is not None:
        context |= _result_context(form)
    template = "coding/wizard.html#wizard" if request.htmx else "coding/wizard.html"
    response = render(request, template, context, status=200 if valid else 400)
    if request.htmx:
        push_url(response, canonical if valid else False)
    return response


def _differs(params: QueryDict, url: str) -> bool:
    canonical = QueryDict(urlsplit(url).query)
    return sorted(params.lists()) != sorted(canonical.lists())


def _result_context(form: WizardForm) -> dict:
    """Each line and warning with its Source records (1 query), in the engine's order."""
    result = form.result
    keys = {key for item in (*result.lines, *result.warnings) for key in item.sources}
    sources = {s.key: s for s in Source.objects.filter(key__in=keys).only("key", "title")}

    def cited(item):
        return item, [sources.get(key) or Source(key=key, title=key) for key in item.sources]

    return {
        "lines": [cited(line) for line in result.lines],
        "warnings": [cited(warning) for warning in result.warnings],
    }
