"""Template filters for reference content."""

import re

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# The small Markdown subset payer notes may use: links, lists, emphasis, paragraphs.
ALLOWED_TAGS = {"a", "p", "ul", "ol", "li", "em", "strong", "br", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


# A list straight after a line of text: Markdown wants a blank line between, editors don't.
LIST_AFTER_TEXT = re.compile(
    r"^((?![ \t]*(?:[-*+]|\d+\.)[ \t])[^\n]*\S[^\S\n]*)\n(?=[ \t]*(?:[-*+]|\d+\.)[ \t])", re.M
)


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised: no scripts, no event handlers, http(s)/mailto links."""
    text = LIST_AFTER_TEXT.sub("\\1\n\n", (text or "").replace("\r\n", "\n"))
    html = md.markdown(text, extensions=[], output_format="html")
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


# A first sentence shorter than this ("The codes are one-sided.") says too little alone.
SHORT_SENTENCE = 40


@register.filter
def first_sentence(text: str) -> str:
    """The first sentence of a text (up to a full stop followed by a space, or the end), with
    the next one when it is short, for one-line summaries: the cheat sheets' rules. Linear."""
    text = " ".join((text or "").split())
    position = 0
    while True:
        stop = text.find(". ", position)
        if stop == -1:
            return text
        position = stop + 2
        # "e.g. 64493" or "i.e. the joint" does not end a sentence.
        if text[max(0, stop - 3) : stop + 1].lower().endswith(("e.g.", "i.e.", "vs.")):
            continue
        if stop + 1 >= SHORT_SENTENCE:
            return text[: stop + 1]
