"""The public pages built from payer notes and the engine's payer data: the payer matrix
(/payers/matrix/) and "Which MAC covers me?" (/macs/). Reference pages like those of `codes`:
an ETag and a kept page for visitors, keyed by the content revision (codes/caching.py)."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from codes.caching import cached_for_visitors, page_etag
from codes.models import Payer, Source
from coding.engine import MACS, STATES
from notes.matrix import header, matrix_notes, matrix_rows, sources_of

# USPS names of the states and territories the engine maps to a MAC (coding.engine.STATES).
STATE_NAMES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AS": "American Samoa",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "GU": "Guam",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "MP": "Northern Mariana Islands",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "PR": "Puerto Rico",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VI": "U.S. Virgin Islands",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}


def state_choices() -> list[tuple[str, str]]:
    """Every state and territory as ("OH", "Ohio (OH)"), by name."""
    named = sorted(STATES, key=lambda code: STATE_NAMES[code])
    return [(code, f"{STATE_NAMES[code]} ({code})") for code in named]


class MacForm(forms.Form):
    """?state=OH: the two-letter code of a US state or territory, in any case."""

    state = forms.CharField(required=False)

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip().upper()
        if state and state not in STATES:  # a set lookup: any length, constant time
            raise forms.ValidationError(
                "Choose a US state or territory from the list (a two-letter code such as OH)."
            )
        return state


def mac_key(request: HttpRequest) -> str | None:
    """A MAC page is kept by the state as the form cleaned it; a bad one is not kept."""
    form = MacForm(request.GET)
    return form.cleaned_data["state"] if form.is_valid() else None


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def matrix(request: HttpRequest) -> HttpResponse:
    rows = matrix_rows(Payer.objects.all(), matrix_notes())
    top, sub = header()
    context = {"rows": rows, "top": top, "sub": sub, "sources": sources_of(rows)}
    return render(request, "notes/matrix.html", context)


@require_safe
@vary_on_headers("HX-Request")
@condition(etag_func=page_etag)
@cached_for_visitors(mac_key, params=("state",))
def macs(request: HttpRequest) -> HttpResponse:
    form = MacForm(request.GET)
    valid = form.is_valid()
    state = form.cleaned_data["state"] if valid else ""
    mac, jurisdiction = STATES[state] if state else (None, "")
    context = {
        "form": form,
        "state": state,
        "state_name": STATE_NAMES.get(state, ""),
        "mac": mac,
        "jurisdiction": jurisdiction,
        "state_error": form.errors.get("state", [""])[0],
    }
    if request.htmx:
        return render(request, "notes/macs.html#mac-result", context, status=200 if valid else 400)
    keys = {m.info.source for m in MACS}
    sources = {source.key: source for source in Source.objects.filter(key__in=keys)}
    context["macs"] = [(m, sources.get(m.info.source)) for m in MACS]
    return render(request, "notes/macs.html", context, status=200 if valid else 400)
