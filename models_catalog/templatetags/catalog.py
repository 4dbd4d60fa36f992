"""Template helpers for model content: ``{{ question.statement|tr:version }}``."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from models_catalog.models import FALLBACK_LANGUAGE, shown_text, translate

register = template.Library()


@register.filter
def tr(texts, source=None):
    """The text in the active language, falling back to the default language of
    ``source`` (a version or model, or a language code), then to English."""
    if isinstance(source, str):
        default = source
    else:
        default = getattr(source, "default_language", None) or FALLBACK_LANGUAGE
    return translate(texts, get_language(), default)



@register.filter
def tr_lang(texts, source=None):
    """The language code :func:`tr` shows, for a ``lang`` attribute on fallback text."""
    default = source if isinstance(source, str) else getattr(source, "default_language", "")
    return shown_text(texts, get_language(), default)[1]


@register.filter
def theta(value) -> str:
    """A threshold for reading: the default 2/3 as "2/3" (not 0.6666666666666666),
    any other to at most four decimals, localised."""
    if value is None:
        return ""
    if abs(float(value) - 2 / 3) < 1e-12:
        return "2/3"
    return number_format(round(float(value), 4))
