"""Input checks at the edge, and the client address the login throttle keys on.

``RejectBadInput`` answers 400 before any view, form or database sees a request whose path,
query string or form carries a NUL byte (PostgreSQL text cannot store one, so a lookup with it
raises DataError, a 500) or a value longer than any page of the site accepts.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse

# The longest path the site has is under 200 characters; 2,000 is what browsers and proxies
# agree on as the practical limit of a URL.
MAX_PATH_LENGTH = 2_000
# A field name: the admin's formset names are under 100 characters.
MAX_KEY_LENGTH = 1_000
# One query or form value: the longest field is a payer note's text (a few KB of Markdown);
# a quiz claim answer is capped at 1,000 characters by its form.
MAX_VALUE_LENGTH = 100_000
# The login username: Django's User.username is 150 characters at most, axes stores what was
# typed in a column of 255 (its VARCHAR overflows on PostgreSQL), so longer is never a real one.
# Django's login form sets its max_length after the field is built, which adds no validator:
# without this check a longer name reaches authenticate() and axes' record of the failure.
MAX_USERNAME_LENGTH = 150
LOGIN_URL_NAMES = ("login", "admin:login")


def bad_request(message: str, request: HttpRequest) -> HttpResponse:
    """Plain text for pages; the JSON API answers with its usual {"error": …}."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": f"Bad request: {message}"}, status=400)
    return HttpResponseBadRequest(
        f"Bad request: {message}\n", content_type="text/plain; charset=utf-8"
    )


def problem(items) -> str | None:
    """What is wrong with one QueryDict's names and values, or None."""
    for key, values in items:
        if "\x00" in key:
            return "a parameter name contains a NUL byte (%00)."
        if len(key) > MAX_KEY_LENGTH:
            return f"a parameter name is longer than {MAX_KEY_LENGTH:,} characters."
        for value in values:
            if "\x00" in value:
                return f"the value of {key[:50]!r} contains a NUL byte (%00)."
            if len(value) > MAX_VALUE_LENGTH:
                return f"the value of {key[:50]!r} is longer than {MAX_VALUE_LENGTH:,} characters."
    return None


class RejectBadInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or "\x00" in request.path:
            return bad_request("the address contains a NUL byte (%00).", request)
        if len(request.path) > MAX_PATH_LENGTH:
            return bad_request(
                f"the address is longer than {MAX_PATH_LENGTH:,} characters.", request
            )
        try:
            query = request.GET.lists()
        except TooManyFieldsSent:  # the view says so in its own words (the wizard, the API)
            return self.get_response(request)
        if found := problem(query):
            return bad_request(f"in the query string, {found}", request)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            # What CsrfViewMiddleware reads next anyway (it is cached on the request).
            try:
                form = request.POST.lists()
            except TooManyFieldsSent:
                return self.get_response(request)
            if found := problem(form):
                return bad_request(f"in the form, {found}", request)
            username = request.POST.get("username", "")
            if len(username) > MAX_USERNAME_LENGTH and request.path_info in map(
                reverse, LOGIN_URL_NAMES
            ):
                return bad_request(
                    f"a username has at most {MAX_USERNAME_LENGTH} characters.", request
                )
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, for the login throttle (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind the load balancer (DJANGO_BEHIND_PROXY=1) every request comes from the balancer's
    address: the client's is the last entry of X-Forwarded-For, the one the balancer appended
    (entries before it were sent by the client and can be anything). Without a proxy the header
    is the client's own invention and is ignored.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            # axes stores it in an inet column on PostgreSQL: junk would be a DataError.
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")
