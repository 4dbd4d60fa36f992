"""Figures as the presenter shows them (``assessments.presentation``)."""

from django import template

from assessments.presentation import percent

register = template.Library()


@register.filter
def as_percent(value):
    """0.6667 → 67: a share as a whole percentage, rounded the one way; empty for None."""
    if value is None or value == "":
        return ""
    return percent(float(value))
