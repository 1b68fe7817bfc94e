"""Template filters for reference content."""

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# The small Markdown subset payer notes may use: links, lists, emphasis, paragraphs.
ALLOWED_TAGS = {"a", "p", "ul", "ol", "li", "em", "strong", "br", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised: no scripts, no event handlers, http(s)/mailto links."""
    html = md.markdown(text or "", extensions=[], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 above
