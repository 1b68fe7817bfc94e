"""What the MAC picker (templates/notes/macs.html#mac-picker) needs besides its context: the
states and territories to choose from, so a page that includes it passes only its values."""

from django import template

from notes.public import state_choices

register = template.Library()


@register.simple_tag
def mac_states() -> list[tuple[str, str]]:
    """Every state and territory as ("OH", "Ohio (OH)"), by name."""
    return state_choices()
