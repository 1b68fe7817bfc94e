"""The procedure-note reader: its JSON API and its page.

Both read the note with ``coding.reader`` and get their claim lines from the engine through it.
The note is private: it is never stored, never logged (not even when the reader fails), and no
response that shows it may be cached (``Cache-Control: private, no-store``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from coding.engine import CLAIM_TYPES, MACS, PAYERS, InvalidInput, read_coverage
from coding.reader import Reading, read_note
from coding.views.api import COVERAGE_KEYS, body_coverage, body_text, check_keys, json_api

logger = logging.getLogger(__name__)

MAX_LENGTH = 20_000


@json_api(private=True)
def api(request: HttpRequest, body: dict) -> dict:
    """POST /api/read-note {"text": "…", "payer": …, "mac": …, "claim_type": …} -> the reading."""
    check_keys(body, ("text", *COVERAGE_KEYS))
    text = body_text(body, "text", max_length=MAX_LENGTH)
    coverage = body_coverage(body)
    return read_note(text, coverage).as_dict()


class ReaderForm(forms.Form):
    """The page's form: the note and the payer it is billed to."""

    text = forms.CharField(
        label="Paste the procedure note",
        max_length=MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        error_messages={
            "required": "Paste the procedure note to read.",
            "max_length": f"The note is too long: at most {MAX_LENGTH:,} characters.",
        },
    )
    payer = forms.ChoiceField(
        label="Payer", choices=[(payer.value, payer.label) for payer in PAYERS], required=False
    )
    mac = forms.ChoiceField(
        label="Medicare contractor (MAC)",
        choices=[("", "Not known"), *((mac.value, mac.label) for mac in MACS)],
        required=False,
    )
    claim_type = forms.ChoiceField(
        label="Claim type",
        choices=[(claim.value, claim.label) for claim in CLAIM_TYPES],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                data["coverage"] = read_coverage(
                    payer=data.get("payer") or None,
                    mac=data.get("mac") or None,
                    claim_type=data.get("claim_type") or None,
                )
            except InvalidInput as error:
                raise forms.ValidationError(str(error)) from None
        return data


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
@sensitive_post_parameters("text")
@sensitive_variables("text", "form", "reading")
def page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the reading of the note, the whole page or (htmx) the result.

    The POST changes nothing and stores nothing, and the answer is private to whoever sent it,
    so it takes no CSRF token: the home page, kept in the cache for every visitor, can post a
    note here from its own box.

    Queries: the dataset version in the footer (1, whole page only); the reading none.
    """
    if request.method != "POST":
        return render(request, "coding/reader.html", {"form": ReaderForm()})
    form = ReaderForm(request.POST)
    context: dict = {"form": form}
    status = 200
    if form.is_valid():
        try:
            reading = read_note(form.cleaned_data["text"], form.cleaned_data["coverage"])
        except Exception as error:  # noqa: BLE001 - the note must not reach a log or a report
            logger.error(  # noqa: TRY400 - the traceback could quote the note
                "%s in the note reader page (details withheld: the note is private)",
                type(error).__name__,
            )
            context["failed"] = True
            status = 500
        else:
            context |= _result_context(reading)
    else:
        status = 400
    template = "coding/reader.html#result" if request.htmx else "coding/reader.html"
    response = render(request, template, context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _result_context(reading: Reading) -> dict:
    return {
        "reading": reading,
        "segments": segments(reading),
        "ignored": [finding for finding in reading.findings if not finding.used],
        "wizard_url": reverse("coding:wizard") + "?" + urlencode(reading.wizard_query()),
        "audit_url": (
            reverse("coding:audit")
            + "?"
            + urlencode({"claim": reading.claim, **reading.wizard_query()})
            if reading.claim
            else ""
        ),
    }


def segments(reading: Reading) -> list[tuple[str, object]]:
    """The note cut at its findings: (text, finding or None), in order. The template escapes
    each piece; nothing here is marked safe."""
    pieces: list[tuple[str, object]] = []
    position = 0
    text = reading.text
    for finding in sorted(reading.findings, key=lambda f: f.start):
        if finding.start < position:
            continue  # findings never overlap; keep the first if they ever did
        if finding.start > position:
            pieces.append((text[position : finding.start], None))
        pieces.append((text[finding.start : finding.end], finding))
        position = finding.end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces
