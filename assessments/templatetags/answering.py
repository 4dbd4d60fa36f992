"""Template helpers of the questionnaire."""

from django import template
from django.utils.translation import get_language

from models_catalog.models import FALLBACK_LANGUAGE

register = template.Library()


@register.filter
def shown_lang(texts, source=None) -> str:
    """The language code the catalogue's ``tr`` filter shows ``texts`` in, for the
    ``lang`` attribute of a text that fell back to another language (screen readers
    then pronounce it right)."""
    if not texts:
        return ""
    default = source if isinstance(source, str) else getattr(source, "default_language", "")
    language = get_language() or FALLBACK_LANGUAGE
    for code in (language, language.split("-")[0], default, FALLBACK_LANGUAGE):
        if code and texts.get(code):
            return code
    return next((code for code, text in texts.items() if text), "")
