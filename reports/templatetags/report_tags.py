"""Small formatting filters for report pages and PDFs."""

from django import template
from django.utils.formats import number_format

from assessments.presentation import percent as whole_percent
from assessments.presentation import scale_share

register = template.Library()


@register.filter
def percent(value):
    """0.755 → "76 %" (localised), rounded as every surface rounds
    (``assessments.presentation.percent``); empty for None."""
    if value is None or value == "":
        return ""
    return f"{number_format(whole_percent(float(value)), 0)} %"


@register.filter
def signed(value, digits: int = 2):
    """+0.25 / −0.50 / ±0; empty for None."""
    if value is None or value == "":
        return ""
    value = round(float(value), int(digits))
    if value == 0:
        return "±0"
    text = number_format(abs(value), int(digits))
    return f"+{text}" if value > 0 else f"−{text}"


@register.filter
def magnitude(value):
    """abs(value), for choosing a plural form: "−2 levels" takes the form of 2."""
    if value is None or value == "":
        return value
    return abs(value)


@register.filter
def trend_class(value):
    if value is None or value == "":
        return ""
    return "text-success" if value > 0 else "text-danger" if value < 0 else "text-body-secondary"


@register.filter
def range_share(row):
    """A department's maturity index as a share of its model's range (0..1), as the
    portfolio chart draws it."""
    return scale_share(row.index, row.top or row.level)
