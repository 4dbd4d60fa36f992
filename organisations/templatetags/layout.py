"""The shared layout's language selector (templates/base.html).

``{% language_options %}`` renders the selector's ``<option>`` list once per process
and language: it depends on nothing else.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

@lru_cache(maxsize=64)
def _language_options(language: str | None, codes: tuple[str, ...]) -> SafeString:
    html = get_template("organisations/_language_options.html").render(
        {"LANGUAGE_CODE": language})
    return mark_safe(html.strip())  # noqa: S308 - an autoescaped template's output


@register.simple_tag
def language_options() -> SafeString:
    """The language selector's options, the current language selected."""
    return _language_options(get_language(), tuple(code for code, _ in settings.LANGUAGES))


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    """Tests that override the languages or the templates start afresh."""
    if setting in ("LANGUAGES", "TEMPLATES"):
        _language_options.cache_clear()
