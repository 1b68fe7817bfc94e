"""The history check: one session against the patient's earlier sessions (issue 13).

``api`` is ``POST /api/session-check`` (JSON in, JSON out, see the issue's contract); ``page`` is
``/check/``: a GET shows the form (prefilled from the wizard's parameters), a POST computes,
adds a row to the history table, downloads the history as a JSON file, reads one uploaded, or
shows the prior-authorisation summary. Both get every answer from ``check_session`` in the
engine; neither applies a rule of its own.

Nothing about the patient is stored or logged: the history lives in the form (and in the file
the user downloads), every response is ``Cache-Control: private, no-store``, and the POST
parameters are hidden from error reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from codes.models import Source
from coding.engine import (
    GUIDANCES,
    HISTORY_PROCEDURES,
    INTENTS,
    MACS,
    MAX_HISTORY,
    PAYERS,
    Check,
    InvalidInput,
    check_session,
    read_coverage,
    read_history,
    read_session,
)
from coding.engine.history import SESSION_FIELDS
from coding.views.api import COVERAGE_KEYS, ApiError, body_coverage, check_keys, json_api

BODY_KEYS = (*COVERAGE_KEYS, "session", "history")
MAX_UPLOAD = 256 * 1024
MAX_VALUE = 1000  # characters in one field of a row
ROW_FIELDS = ("date", "procedure", "kind", "sites", "relief", "relief_months", "intent")
ACTIONS = ("check", "add", "download", "upload", "print")


# --- The JSON API ---------------------------------------------------------------------------------


@json_api(private=True)
def api(request: HttpRequest, body: dict) -> dict:
    """POST /api/session-check: the session, the history and the payer -> the check."""
    check_keys(body, BODY_KEYS)
    coverage = body_coverage(body)
    if not isinstance(body.get("session"), dict):
        raise ApiError(
            "'session' is required: an object with date, procedure, joints (or nerves), "
            "guidance and intent."
        )
    history = body.get("history")
    if history is not None and not isinstance(history, list):
        raise ApiError("'history' must be a list of earlier sessions.")
    session = read_session(body["session"])
    earlier = read_history(history or [], session, timezone.localdate())
    return check_session(session, earlier, coverage).as_dict()


# --- The page -------------------------------------------------------------------------------------


def _choices(terms, blank: str = "") -> list[tuple[str, str]]:
    options = [(term.value, term.short_label) for term in terms]
    return [("", blank), *options] if blank else options


class CheckForm(forms.Form):
    """The session being checked and the payer; the history rows are read beside it.

    Every field is optional here: a GET prefills (the wizard links with procedure, joints,
    guidance, intent, payer and mac), and what a check needs is asked by the engine, whose
    messages name the field.
    """

    date = forms.CharField(label="Date of the session", required=False, max_length=10)
    procedure = forms.ChoiceField(
        label="Procedure", required=False, choices=_choices(HISTORY_PROCEDURES)
    )
    joints = forms.CharField(label="Joints", required=False, max_length=MAX_VALUE)
    nerves = forms.CharField(label="Nerves", required=False, max_length=MAX_VALUE)
    guidance = forms.ChoiceField(
        label="Imaging guidance", required=False, choices=_choices(GUIDANCES)
    )
    intent = forms.ChoiceField(
        label="Billed intent", required=False, choices=_choices(INTENTS, "Not stated")
    )
    payer = forms.ChoiceField(label="Payer", required=False, choices=_choices(PAYERS))
    mac = forms.ChoiceField(
        label="Medicare contractor (MAC)", required=False, choices=_choices(MACS, "Not known")
    )
    rows = forms.IntegerField(required=False, min_value=0, max_value=MAX_HISTORY + 1)

    def clean(self):
        data = super().clean()
        if data.get("payer") not in (None, "", "medicare") and data.get("mac"):
            self.add_error("mac", "A MAC applies to Medicare only: leave it out for this payer.")
        return data

    def full_clean(self):
        # The wizard says "injection": intra-articular or medial branch block is asked here.
        if self.data.get("procedure") == "injection":
            self.data = self.data.copy()
            self.data["procedure"] = ""
        super().full_clean()

    def error_messages(self) -> list[str]:
        return [
            message if name == "__all__" else f"{self.fields[name].label or name}: {message}"
            for name, errors in self.errors.items()
            for message in errors
        ]


@dataclass
class Row:
    """One earlier session as typed in the table (strings, as sent)."""

    date: str = ""
    procedure: str = ""
    kind: str = "joints"
    sites: str = ""
    relief: str = ""
    relief_months: str = ""
    intent: str = ""

    def blank(self) -> bool:
        return not any((self.date, self.procedure, self.sites, self.relief, self.relief_months))

    def entry(self) -> dict:
        """The row as a history entry of the API's body (empty fields left out)."""
        entry = {
            "date": self.date,
            "procedure": self.procedure,
            ("nerves" if self.kind == "nerves" else "joints"): self.sites,
            "relief": _number(self.relief),
            "relief_months": _number(self.relief_months),
            "intent": self.intent,
        }
        return {key: value for key, value in entry.items() if value not in ("", None)}

    @classmethod
    def from_entry(cls, entry: object) -> Row:
        if not isinstance(entry, dict):
            raise ApiError("Each history entry in the file must be an object.")
        kind = "nerves" if entry.get("nerves") and not entry.get("joints") else "joints"
        values = {
            "date": entry.get("date"),
            "procedure": entry.get("procedure"),
            "kind": kind,
            "sites": entry.get(kind),
            "relief": entry.get("relief"),
            "relief_months": entry.get("relief_months"),
            "intent": entry.get("intent"),
        }
        return cls(**{key: _text(value) for key, value in values.items()})


def _number(text: str) -> float | int | str:
    """'90' -> 90, '7.5' -> 7.5; anything else as typed, for the engine to refuse clearly."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ApiError("The file holds a value that is neither text nor a number.")
    return str(value)[:MAX_VALUE]


def _rows(data, count: int) -> list[Row]:
    rows = []
    for index in range(count):
        prefix = f"h-{index}-"
        if data.get(prefix + "remove"):
            continue
        values = {name: str(data.get(prefix + name, ""))[:MAX_VALUE] for name in ROW_FIELDS}
        rows.append(Row(**{**values, "kind": values["kind"] or "joints"}))
    return rows


def _body(form: CheckForm, rows: list[Row]) -> dict:
    """What the page holds, as the API's body: downloaded, uploaded, and checked."""
    data = form.cleaned_data
    session = {
        name: data.get(name) for name in ("date", "procedure", "joints", "nerves", "guidance")
    }
    session["intent"] = data.get("intent")
    body = {
        "payer": data.get("payer") or "medicare",
        "mac": data.get("mac") or None,
        "session": {key: value for key, value in session.items() if value},
        "history": [row.entry() for row in rows if not row.blank()],
    }
    return {key: value for key, value in body.items() if value is not None}


def _read_upload(request: HttpRequest) -> dict:
    upload = request.FILES.get("upload")
    if upload is None:
        raise ApiError("Choose a history file (JSON) to upload.")
    if upload.size > MAX_UPLOAD:
        raise ApiError(f"The file is too large: at most {MAX_UPLOAD // 1024} KB.")
    try:
        body = json.loads(upload.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError("The file is not a history saved by this page (not valid JSON).") from None
    if not isinstance(body, dict):
        raise ApiError("The file is not a history saved by this page (not a JSON object).")
    check_keys(body, BODY_KEYS, "the file")
    history = body.get("history") or []
    session = body.get("session") or {}
    if not isinstance(history, list) or not isinstance(session, dict):
        raise ApiError("The file is not a history saved by this page.")
    if len(history) > MAX_HISTORY:
        raise ApiError(f"Too many earlier sessions ({len(history)}): at most {MAX_HISTORY}.")
    return body


def _upload_data(body: dict) -> tuple[dict, list[Row]]:
    session = body.get("session") or {}
    values = {name: _text(session.get(name)) for name in SESSION_FIELDS}
    values |= {name: _text(body.get(name)) for name in ("payer", "mac")}
    return values, [Row.from_entry(entry) for entry in body.get("history") or []]


@sensitive_post_parameters()
@sensitive_variables()
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def page(request: HttpRequest) -> HttpResponse:
    """The history check page (see the module docstring).

    Queries: the sources the criteria cite (1, when a check is shown); the dataset version in
    the footer (1, whole page only).
    """
    action = request.POST.get("action", "check") if request.method == "POST" else ""
    errors: list[str] = []
    if action not in ("", *ACTIONS):
        action, errors = "check", [f"Unknown action: use one of {', '.join(ACTIONS)}."]
    data = request.POST if request.method == "POST" else request.GET
    rows: list[Row] = []
    if action == "upload":
        try:
            values, rows = _upload_data(_read_upload(request))
            data = {**values, "rows": str(len(rows))}
            action = "check"
        except ApiError as error:
            errors.append(str(error))
            action = ""
    form = CheckForm(data)
    valid = form.is_valid()
    errors += form.error_messages()
    count = form.cleaned_data.get("rows") or 0
    if count > MAX_HISTORY:
        errors.append(f"At most {MAX_HISTORY} earlier sessions.")
        count = MAX_HISTORY
    if not rows and request.method == "POST" and request.POST.get("action") != "upload":
        rows = _rows(request.POST, count)
    if action == "add":
        if len(rows) < MAX_HISTORY:
            rows.append(Row())
        else:
            errors.append(f"At most {MAX_HISTORY} earlier sessions.")
    if action == "download" and valid:
        return _download(form, rows)
    result = None
    if action in ("check", "print") and valid and not errors:
        result, error = _check(form, rows)
        if error:
            errors.append(error)
    if not rows:
        rows = [Row()]
    context = {
        "form": form,
        "rows": rows,
        "row_count": len(rows),
        "errors": errors,
        "result": result,
        "summary": action == "print" and result is not None,
        "procedures": _choices(HISTORY_PROCEDURES),
        "row_procedures": [(term.value, term.value.upper()) for term in HISTORY_PROCEDURES],
        "intents": _choices(INTENTS, "Not stated"),
        "max_history": MAX_HISTORY,
        "added": action == "add",
        "hidden": _hidden(form, rows),
    }
    if result is not None:
        context |= _result_context(result, form.data)
    if request.htmx and action == "add":
        template = "coding/check.html#history"
    elif request.htmx and action in ("check", ""):
        template = "coding/check.html#outcome"
    else:
        template = "coding/check.html"
    response = render(request, template, context, status=400 if errors else 200)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _hidden(form: CheckForm, rows: list[Row]) -> list[tuple[str, str]]:
    """The page's values as hidden inputs: the summary's way back to the editable check."""
    names = ("date", "procedure", "joints", "nerves", "guidance", "intent", "payer", "mac")
    hidden = [(name, str(form.data.get(name) or "")) for name in names]
    hidden.append(("rows", str(len(rows))))
    for index, row in enumerate(rows):
        hidden += [(f"h-{index}-{name}", getattr(row, name)) for name in ROW_FIELDS]
    return hidden


def _check(form: CheckForm, rows: list[Row]) -> tuple[Check | None, str]:
    body = _body(form, rows)
    try:
        coverage = read_coverage(payer=body.get("payer"), mac=body.get("mac"))
        session = read_session(body["session"])
        history = read_history(body["history"], session, timezone.localdate())
    except InvalidInput as error:
        return None, str(error)
    return check_session(session, history, coverage), ""


def _download(form: CheckForm, rows: list[Row]) -> HttpResponse:
    """The page's content as a JSON file, in the API's body format (never stored)."""
    body = _body(form, rows)
    response = HttpResponse(
        json.dumps(body, indent=2) + "\n", content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="facet-history.json"'
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- What the result shows ------------------------------------------------------------------------

WIDTH, PAD, LANE = 640, 16, 26
LANES = (("diagnostic", "Diagnostic"), ("therapeutic", "Therapeutic"), ("rfa", "RFA"))
LABEL_WIDTH = 110


def _result_context(result: Check, data) -> dict:
    """Each criterion with its Source records (1 query), and the timeline per region."""
    keys = {key for criterion in result.criteria for key in criterion.sources}
    keys |= {key for warning in result.warnings for key in warning.sources}
    sources = {s.key: s for s in Source.objects.filter(key__in=keys).only("key", "title")}

    def cited(item):
        return item, [sources.get(key) or Source(key=key, title=key) for key in item.sources]

    claim = result.result.claim_text() if result.result else ""
    # The auditor with this claim and payer (its page checks what it is given).
    payer = {key: data.get(key) for key in ("payer", "mac") if data.get(key)}
    audit_query = {"claim": claim, **payer}
    return {
        "audit_url": (reverse("coding:audit") + "?" + urlencode(audit_query)) if claim else "",
        "criteria": [cited(criterion) for criterion in result.criteria],
        "warnings": [cited(warning) for warning in result.warnings],
        "timelines": [_timeline(result, count) for count in result.counts],
    }


def _timeline(result: Check, count) -> dict:
    """One region's 12 months as marks on a line, one lane per limit, positions precomputed."""
    start, end = count.since, result.session.date
    span = max((end - start).days, 1)
    left, right = LABEL_WIDTH, WIDTH - PAD - 60

    def x(day: date) -> int:
        return round(left + (day - start).days / span * (right - left))

    marks = []
    entries = [
        (entry.session, entry.kind, False)
        for entry in result.history
        if entry.counted and count.region in entry.regions
    ]
    entries.append((result.session, result.kind, True))
    lanes = []
    for index, (category, label) in enumerate(LANES):
        y = PAD + 10 + index * LANE
        used = getattr(count, category)
        limit = result.limits.get(category)
        lanes.append(
            {
                "y": y,
                "text_y": y + 4,
                "label": label,
                "count": used,
                "limit": limit,
                "over": limit is not None and used > limit,
            }
        )
        for session, kind, current in entries:
            if kind.category == category:
                mark_x = x(session.date)
                marks.append(
                    {
                        "x": mark_x,
                        "y": y,
                        "corner_x": mark_x - 6,
                        "corner_y": y - 6,
                        "points": f"{mark_x},{y - 7} {mark_x + 7},{y + 6} {mark_x - 7},{y + 6}",
                        "category": category,
                        "current": current,
                        "title": f"{session.date}: {kind.label}"
                        + (" (this session)" if current else ""),
                    }
                )
    height = PAD * 2 + 10 + LANE * len(LANES)
    summary = ", ".join(
        f"{lane['count']} {lane['label'].lower()}"
        + (f" of {lane['limit']}" if lane["limit"] is not None else "")
        for lane in lanes
    )
    return {
        "region": count.region,
        "since": start,
        "until": end,
        "lanes": lanes,
        "marks": marks,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right": right,
        "axis_y": height - PAD,
        "label_x": LABEL_WIDTH - 8,
        "count_x": right + 12,
        "summary": f"{count.region.capitalize()} region, {start} to {end}: {summary}.",
    }
