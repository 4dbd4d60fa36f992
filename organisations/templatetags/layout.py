"""The shared layout's hot spots, done in Python (templates/base.html and the tenant pages).

Every page renders the layout, and Django's template engine spends tens of
microseconds on each ``{% url %}`` (a full ``reverse()``). So:

- ``{% quick_url 'name' arg… %}`` is ``{% url 'name' arg… %}`` for slugs and UUIDs:
  each view's URL is reversed once per process with placeholder arguments, and
  later URLs are built by putting the real arguments in their places. Anything
  else (another type of argument, a slug with other characters) goes to ``reverse()``
  as before, so the result is always exactly what ``{% url %}`` gives. (It passes no
  ``current_app``: each of the project's URL namespaces has a single instance.)
- ``{% language_options %}`` renders the language selector's ``<option>`` list once
  per process and language: it depends on nothing else.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# What the ``slug`` converter accepts; all of it is left as is by reverse()'s quoting.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_SLUG_PLACEHOLDER = "quick0url0slug0placeholder{}"
_PLACEHOLDER = re.compile(r"quick0url0slug0placeholder(\d+)|0{8}-0{4}-0{4}-0{4}-(\d{12})")


def _kind(value) -> str | None:
    """How an argument can be substituted: "slug", "uuid", or None (use reverse())."""
    if isinstance(value, str):
        return "slug" if _SLUG.match(value) else None
    if isinstance(value, uuid.UUID):
        return "uuid"
    return None


@lru_cache(maxsize=512)
def _pattern(viewname: str, kinds: tuple[str, ...], urlconf, script_prefix: str,
             root_urlconf: str) -> tuple | None:
    """The URL of ``viewname`` as alternating literal text and argument positions:
    ``("/o/", 0, "/departments/", 1, "/")``; None if the placeholders do not reverse."""
    placeholders = [_SLUG_PLACEHOLDER.format(i) if kind == "slug" else uuid.UUID(int=i)
                    for i, kind in enumerate(kinds)]
    try:
        url = reverse(viewname, args=placeholders)
    except NoReverseMatch:  # e.g. a converter that refuses the placeholder
        return None
    parts: list = []
    position = 0
    seen = []
    for match in _PLACEHOLDER.finditer(url):
        parts.append(url[position:match.start()])
        index = int(match.group(1) if match.group(1) is not None else match.group(2))
        parts.append(index)
        seen.append(index)
        position = match.end()
    parts.append(url[position:])
    if sorted(seen) != list(range(len(kinds))):
        return None  # an argument was dropped or repeated: not a plain substitution
    return tuple(parts)


def quick_reverse(viewname: str, *args) -> str:
    """``reverse(viewname, args=args)``, fast for slug and UUID arguments."""
    kinds = tuple(map(_kind, args))
    if None not in kinds:
        parts = _pattern(viewname, kinds, get_urlconf(), get_script_prefix(),
                         settings.ROOT_URLCONF)
        if parts is not None:
            return "".join(part if type(part) is str else str(args[part]) for part in parts)
    return reverse(viewname, args=args)


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
    """Tests that override the URL configuration or the languages start afresh."""
    if setting in ("ROOT_URLCONF", "LANGUAGES", "FORCE_SCRIPT_NAME", "TEMPLATES"):
        _pattern.cache_clear()
        _language_options.cache_clear()
