"""The owner token: what marks the attempts a browser made without signing in.

It lives in a signed cookie of its own, not in the session. A trainee who never signs in then
has no session at all, so the pages a whole training session loads at once (a question, an
answer) read no session row: the token comes with the request. The cookie is signed (a
made-up or altered value reads as no token), HTTP-only, and as secure and as long-lived as
the session cookie. Signing out forgets it, as it did when it was kept in the session, so the
next person at a shared computer does not see the anonymous attempts made there before.

A browser that started before the token moved here still has it in its session: it is read
from there once and moved to the cookie.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE = "quiz_owner"
SALT = "quiz.owner"
SESSION_KEY = "quiz_owner"  # where the token was kept before it had a cookie of its own


def owner_token(request: HttpRequest, create: bool = False) -> str:
    """This browser's owner token ('' when it has none and `create` is false).

    Made when a form that starts an attempt is sent. Both requests of a double click from a
    browser with no token yet make one each, so it cannot be random there: it is derived from
    the CSRF cookie, which the browser got with the form page (the join and quiz pages set it)
    and sends with both. Only a request without that cookie (which the CSRF check refuses
    outside the tests) gets a random one.
    """
    if not hasattr(request, "quiz_owner"):
        request.quiz_owner = request.get_signed_cookie(
            COOKIE, default="", salt=SALT, max_age=settings.SESSION_COOKIE_AGE
        )
        if not request.quiz_owner and settings.SESSION_COOKIE_NAME in request.COOKIES:
            request.quiz_owner = request.session.get(SESSION_KEY, "")
            request.quiz_owner_to_set = bool(request.quiz_owner)
    if not request.quiz_owner and create:
        secret = request.META.get("CSRF_COOKIE", "")
        if secret and request.COOKIES.get(settings.CSRF_COOKIE_NAME):
            token = salted_hmac("quiz.owner_token", secret, algorithm="sha256").hexdigest()[:32]
        else:
            token = secrets.token_urlsafe(24)
        request.quiz_owner = token
        request.quiz_owner_to_set = True
    return request.quiz_owner


@receiver(user_logged_out, dispatch_uid="quiz-owner-forget")
def forget_on_logout(sender, request: HttpRequest | None = None, **kwargs) -> None:
    if request is not None:
        request.quiz_owner = ""
        request.quiz_owner_to_forget = True


class OwnerCookieMiddleware:
    """Sends the cookie when a view made or moved a token, deletes it on signing out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "quiz_owner_to_forget", False):
            response.delete_cookie(COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)
        elif getattr(request, "quiz_owner_to_set", False):
            response.set_signed_cookie(
                COOKIE,
                request.quiz_owner,
                salt=SALT,
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response
