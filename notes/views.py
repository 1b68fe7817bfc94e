"""Addresses of the notes app that are not the admin's own."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.views.decorators.http import require_safe


@require_safe
def old_admin_url(request: HttpRequest, rest: str = "") -> HttpResponsePermanentRedirect:
    """Bookmarks of the payer notes' admin from before the notes had an app of their own
    (/admin/codes/payernote/<rest>): the same page under /admin/notes/payernote/, query
    string kept. The target always starts with that path, so `rest` cannot lead off the site;
    it is percent-encoded again, so no character of it can break the Location header."""
    url = reverse("admin:notes_payernote_changelist") + escape_uri_path(rest)
    if query := request.META.get("QUERY_STRING", ""):
        url += "?" + iri_to_uri(query)
    return HttpResponsePermanentRedirect(url)
