"""What the coding tools' JSON POST APIs share: reading the body, the payer, and answering errors.

Every tool that takes a JSON body (the history check, the note reader, the claim auditor) is a
view decorated with ``json_api``::

    @json_api(private=True)
    def read_note(request, body: dict) -> dict:
        text = body_text(body, "text", max_length=20_000)
        coverage = body_coverage(body)
        ...
        return {...}  # becomes the 200 JSON response

``json_api`` takes POST only, reads the body as one JSON object (``Content-Type:
application/json``, UTF-8, at most ``max_bytes``) and answers every ``ApiError`` and engine
``InvalidInput`` with a 400 ``{"error": …}``. With ``private=True`` (a note, a patient history)
the response is ``Cache-Control: private, no-store``, and an unexpected error is logged by its
type and the view's name only: the body never reaches a log line or an error report.

The APIs take no cookie and change nothing on the server, so they need no CSRF token: a
cross-site form cannot send ``application/json`` without a preflight the app never allows.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable

from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from codes.api import json_error
from coding.engine import Coverage, InvalidInput, read_coverage

__all__ = [
    "COVERAGE_KEYS",
    "ApiError",
    "body_coverage",
    "body_text",
    "check_keys",
    "json_api",
]

logger = logging.getLogger(__name__)

# The payer keys every tool accepts, as the wizard API does (see read_coverage).
COVERAGE_KEYS = ("payer", "mac", "state", "claim_type", "bilateral", "format")
MAX_BYTES = 256 * 1024


class ApiError(Exception):
    """Bad input: answered with a 400 and this message."""


def json_api(
    view: Callable | None = None, *, private: bool = False, max_bytes: int = MAX_BYTES
) -> Callable:
    """Make ``view(request, body) -> dict`` a JSON POST endpoint (see the module docstring)."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @require_POST
        @sensitive_post_parameters()
        @sensitive_variables()
        @functools.wraps(view)
        def endpoint(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            try:
                body = _read_body(request, max_bytes)
                response = JsonResponse(view(request, body, *args, **kwargs))
            except (ApiError, InvalidInput) as error:
                response = json_error(str(error), 400)
            except Exception as error:
                if not private:
                    raise
                # The body is private: log what failed and where, never the message or frames,
                # which could quote it.
                logger.error(  # noqa: TRY400 - the traceback could quote the note
                    "%s in %s (details withheld: the request is private)",
                    type(error).__name__,
                    view.__qualname__,
                )
                response = json_error("The server could not process this request.", 500)
            if private:
                patch_cache_control(response, private=True, no_store=True)
            return response

        return endpoint

    return decorate(view) if view is not None else decorate


def _read_body(request: HttpRequest, max_bytes: int) -> dict:
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(
            f"Send the request as JSON with Content-Type: application/json (got "
            f"{_shown(content_type) or 'none'})."
        )
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isascii() or not length.isdecimal() or int(length) > max_bytes:
        raise ApiError(f"The body is too large: at most {max_bytes // 1024} KB.")
    raw = request.body
    if len(raw) > max_bytes:
        raise ApiError(f"The body is too large: at most {max_bytes // 1024} KB.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError('The body must be a JSON object, e.g. {"text": "…"}.')
    return body


def check_keys(body: dict, allowed: Iterable[str], where: str = "the body") -> None:
    """A 400 naming the unknown keys and the allowed ones."""
    allowed = tuple(allowed)
    unknown = [key for key in body if key not in allowed]
    if unknown:
        names = ", ".join(_shown(key) for key in unknown[:5])
        raise ApiError(f"Unknown field(s) in {where}: {names}. Allowed: {', '.join(allowed)}.")


def body_text(body: dict, key: str, *, max_length: int, required: bool = True) -> str:
    """A string field, at most ``max_length`` characters, without NUL."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ApiError(f"'{key}' is required.")
        return ""
    if not isinstance(value, str):
        raise ApiError(f"'{key}' must be a string.")
    if len(value) > max_length:
        raise ApiError(f"'{key}' is too long: at most {max_length:,} characters.")
    if "\x00" in value:
        raise ApiError(f"'{key}' contains a NUL character.")
    return value


def body_coverage(body: dict) -> Coverage:
    """The payer, MAC (or state), claim type and bilateral format in the body."""
    values = {}
    for key in COVERAGE_KEYS:
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise ApiError(f"'{key}' must be a string.")
        values[key] = value
    return read_coverage(**values)


def _shown(value: str, limit: int = 40) -> str:
    """A user-given value, shortened and quoted, for an error message (JSON-escaped later)."""
    value = str(value)
    return repr(value[:limit] + ("…" if len(value) > limit else ""))
