"""Template filters for quiz pages."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """timedelta(minutes=12, seconds=5) -> '12 min 5 s'; rounded down to the second."""
    if value is None:
        return ""
    seconds = max(int(value.total_seconds()), 0)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


@register.filter
def percent(value: float | None) -> str:
    """0.6667 -> '67%'."""
    if value is None:
        return ""
    return f"{round(float(value) * 100)}%"
