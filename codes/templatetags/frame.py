"""The page frame's fixed parts (base.html), rendered once per process.

The frame's links to static files and to the site's own pages, and its menu, are the same on
every page of a release but for the section the menu marks: rendering them with a tag per link
on every request cost more than the rest of a quiz question page. `{% frame_part %}` renders
such a part once per section, on first use, and gives the same text after; the part may use
`site_sections` (codes.context_processors.SECTIONS) and the page's `site_section`
(codes.context_processors.frame), and nothing else. With
DEBUG on it is rendered every time, so that an edited template shows at once.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from codes.context_processors import SECTIONS

register = template.Library()


def rendered(name: str, section: str) -> SafeString:
    return mark_safe(  # noqa: S308 - a template's output, escaped as it rendered
        render_to_string(name, {"site_sections": SECTIONS, "site_section": section})
    )


once = lru_cache(maxsize=128)(rendered)  # parts × sections: a few dozen at most


@register.simple_tag(takes_context=True)
def frame_part(context, name: str) -> SafeString:
    section = context.get("site_section", "")
    return rendered(name, section) if settings.DEBUG else once(name, section)
