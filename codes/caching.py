"""How the reference pages are cached: with Django's cache framework, keyed by the content.

A reference page is the same for every visitor not signed in until an editor publishes or
a dataset is loaded (the content revision moves on: codes/signals.py), the day changes (a payer
note's review falls overdue at midnight), or a new release of the site is deployed
(`settings.RELEASE`). `content_tag()` names that state in one query, the revision's:

    <release>:<revision number>.<time of the change>-<day>-<descriptors shown?><htmx?>

Two decorators use it, in this order on a view:

- `@condition(etag_func=page_etag)` (Django's): the tag is the page's ETag, so a browser that
  asks again with it gets 304 Not Modified for that one query.
- `@cached_for_visitors(key)`: the page as rendered, kept in the cache (`cache.get`/`cache.set`)
  under the tag and the page's validated arguments, so that a repeat costs that query and no
  rendering (a code page takes over 100 ms to render). Not `cache_page`: its key is the
  whole address (every made-up query string would add an entry), it cannot hold the revision,
  and its max-age would keep browsers from asking again after an editor publishes.

Neither applies to someone signed in: the page shows who they are and holds a CSRF token, so
it is rendered for them alone, without an ETag, marked private. A visitor with a session who is
not signed in (a trainee in a quiz) is served the kept page and the ETag like everyone, but a
page rendered for them is never kept: only pages rendered for a request without a session are.
Neither applies with DEBUG on (`make run`), so that an edited template shows at once.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from codes.models import Revision

# A kept page is unreachable once the day or the revision changes; this only bounds its life.
PAGE_SECONDS = 60 * 60 * 24
MISSING = object()


def revision(request: HttpRequest, tag: str | None = None) -> str:
    """The release and the content revision, "<release>:<number>.<time>", read once per
    request (one query, or none when the caller read the `tag` with a query of its own:
    Revision.tag_of): fragments kept in the cache are keyed by it, so an edit, a new dataset
    or a new release shows at once."""
    if not hasattr(request, "content_revision"):
        request.content_revision = f"{settings.RELEASE}:{tag or Revision.tag()}"
    return request.content_revision


def kept[T](revision: str, name: str, fetch: Callable[[], T]) -> T:
    """What `fetch()` returns (a model instance, a small list), kept under `name` for
    `revision` (as `revision()` gives it): a hit costs no query. Any change to what it reads
    must move the revision on (codes/signals.py watches the reference's models; other apps
    `watch()` their own), so the next request reads it afresh.

    It is kept in the process's own memory, not pickled (the "objects" cache,
    facetsite/cache.py): every caller gets the same object, so none may change it.
    """
    key = f"kept:{revision}:{name}"
    objects = caches["objects"]
    value = objects.get(key, MISSING)
    if value is MISSING:
        value = fetch()
        objects.set(key, value, PAGE_SECONDS)
    return value


def content_tag(request: HttpRequest) -> str | None:
    """What the page depends on besides its address, or None when it is rendered for this
    visitor alone (signed in: the session and the user are read first)."""
    if settings.DEBUG or request.user.is_authenticated:
        return None
    if not hasattr(request, "content_tag"):  # read once per request
        request.content_tag = "-".join(
            (
                revision(request),
                timezone.localdate().isoformat(),
                ("d" if settings.SHOW_CPT_DESCRIPTORS else "s") + ("h" if request.htmx else "p"),
            )
        )
    return request.content_tag


def page_etag(request: HttpRequest, *args, **kwargs) -> str | None:
    """The ETag of a reference page, for `@condition`: None (no ETag) for someone signed in,
    so that a page kept from before signing in is never confirmed as current."""
    return content_tag(request)


def cached_for_visitors(
    key: Callable[..., str | None] | None = None, params: tuple[str, ...] = ()
) -> Callable:
    """Keep the view's page, as rendered for visitors not signed in, for its content tag.

    `key(request, *args, **kwargs)` names the page by validated values (a normalised code, a
    search as the form cleaned it), or returns None for a page not to keep; without it, by the
    view's URL arguments. A request with a query parameter other than `params` (each given
    once) is rendered and not kept: the page links back to its own address ("Sign in"), and
    made-up parameters must neither add entries nor end up in everyone's page.

    Only a 200 rendered for a request without a session cookie, setting no cookie and holding
    no CSRF token, is kept. Every response is marked `Vary: Cookie` and
    `Cache-Control: no-cache` (browsers ask each time and get a 304 while nothing changed), and
    `private` when it was rendered for someone signed in.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            tag = content_tag(request)
            name = None
            if tag and all(p in params and len(v) == 1 for p, v in request.GET.lists()):
                name = key(request, *args, **kwargs) if key else repr((args, kwargs))
            if name is None:
                response = view(request, *args, **kwargs)
            else:
                where = f"{tag}|{view.__module__}.{view.__qualname__}|{name}"
                cache_key = "page:" + hashlib.sha256(where.encode()).hexdigest()
                content = cache.get(cache_key)
                if content is not None:
                    response = HttpResponse(content)
                else:
                    response = view(request, *args, **kwargs)
                    if keepable(request, response):
                        cache.set(cache_key, response.content, PAGE_SECONDS)
            patch_vary_headers(response, ["Cookie"])
            if tag:
                patch_cache_control(response, no_cache=True)
            else:  # rendered for someone signed in
                patch_cache_control(response, no_cache=True, private=True)
            return response

        return wrapped

    return decorator


def keepable(request: HttpRequest, response: HttpResponse) -> bool:
    """A page that may be shown to every visitor not signed in: rendered for no one."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
