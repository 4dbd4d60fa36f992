"""The shared layout's hot spots, done in Python (templates/base.html and the tenant pages).

Every page renders the layout, and Django's template engine spends tens of
microseconds on each ``{% url %}`` (a full ``reverse()``). So:

- ``{% quick_url 'name' arg… %}`` is ``{% url 'name' arg… %}`` with positional
  arguments, through ``maturity_site.reverse.quick_reverse``: a ``reverse()`` per
  view per process, then slug and UUID arguments put in their places; the result is
  always exactly what ``{% url %}`` gives.
- ``{% language_options %}`` renders the language selector's ``<option>`` list once
  per process and language: it depends on nothing else.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from maturity_site.reverse import quick_reverse

register = template.Library()

class QuickURLNode(template.Node):
    def __init__(self, viewname, args, asvar):
        self.viewname, self.args, self.asvar = viewname, args, asvar

    def render(self, context):
        url = quick_reverse(self.viewname.resolve(context),
                            *[arg.resolve(context) for arg in self.args])
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def quick_url(parser, token):
    """``{% quick_url 'viewname' arg… [as var] %}``: ``{% url %}`` with positional
    arguments, without a reverse() per call."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes at least one argument, "
                                           "the name of a URL pattern")
    asvar = None
    if len(bits) >= 4 and bits[-2] == "as":
        asvar, bits = bits[-1], bits[:-2]
    if any("=" in bit for bit in bits[2:]):
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes positional arguments only")
    return QuickURLNode(parser.compile_filter(bits[1]),
                        [parser.compile_filter(bit) for bit in bits[2:]], asvar)


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
