"""The shared layout's navigation (templates/base.html), rendered once per process for
each combination of what it shows and kept (an ``lru_cache`` keyed by exactly that):

- ``{% language_options %}``: the language selector's ``<option>`` list, per language;
- ``{% org_nav %}``: an organisation's sections, per organisation, its kind, the reader's
  capabilities, the current section and the language;
- ``{% switcher_items %}``: the organisation switcher's entries, per list of
  organisations (id, name, short name, parent), the current one and the language;
- ``{% user_menu %}``: the signed-in user's menu, per name, address and language (its
  "Sign out" submits a form outside it, which carries the request's CSRF token).

Each key is the fragment's whole input, so a renamed organisation or another role is
another key: nothing is invalidated, the least used are forgotten. Rendering these
through Django's template engine on every page was about a third of a signed-in page's
template time (benchmarks/README.md).

``{% navbar %}`` is the bar around them (``organisations/jinja2/organisations/_navbar.html``,
Jinja2): the brand, the current organisation, the two forms (language, sign out) with
the request's CSRF token and its texts and URLs, kept per language.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()


def _render(name: str, context: dict) -> SafeString:
    return mark_safe(get_template(name).render(context).strip())  # noqa: S308 - autoescaped


@lru_cache(maxsize=64)
def _language_options(language: str | None, codes: tuple[str, ...]) -> SafeString:
    return _render("organisations/_language_options.html", {"LANGUAGE_CODE": language})


@register.simple_tag
def language_options() -> SafeString:
    """The language selector's options, the current language selected."""
    return _language_options(get_language(), tuple(code for code, _ in settings.LANGUAGES))


@lru_cache(maxsize=4096)
def _org_nav(slug: str, is_consultancy: bool, capabilities: frozenset[str], section: str,
             language: str | None, prefix: str) -> SafeString:
    return _render("organisations/_org_nav.html", {
        "slug": slug, "is_consultancy": is_consultancy, "capabilities": capabilities,
        "section": section})


@register.simple_tag(takes_context=True)
def org_nav(context) -> SafeString:
    """The sections of the organisation the page is in (``access``), ``section`` marked."""
    access = context["access"]
    return _org_nav(access.organisation.slug, access.organisation.is_consultancy,
                    access.capabilities, context.get("section") or "", get_language(),
                    get_script_prefix())


@lru_cache(maxsize=4096)
def _switcher_items(organisations: tuple[tuple[int, str, str, int | None], ...],
                    current: int | None, language: str | None, prefix: str) -> SafeString:
    return _render("organisations/_switcher_items.html", {
        "organisations": [dict(zip(("pk", "name", "slug", "parent_id"), row, strict=True))
                          for row in organisations],
        "current": current})


@register.simple_tag(takes_context=True)
def switcher_items(context) -> SafeString:
    """The organisation switcher's entries: every organisation the reader may open, the
    current one marked."""
    access = context.get("access")
    rows = tuple((org.pk, org.name, org.slug, org.parent_id)
                 for org, _role in context.get("switcher_organisations") or ())
    return _switcher_items(rows, access.organisation.pk if access else None, get_language(),
                           get_script_prefix())


@lru_cache(maxsize=4096)
def _user_menu(short_name: str, email: str, language: str | None, prefix: str) -> SafeString:
    return _render("organisations/_user_menu.html", {"short_name": short_name, "email": email})


@register.simple_tag(takes_context=True)
def user_menu(context) -> SafeString:
    """The signed-in user's menu: their name, address, profile, password, sign out."""
    user = context["user"]
    return _user_menu(user.get_short_name(), user.email, get_language(), get_script_prefix())


def csrf_field(context) -> SafeString:
    """The CSRF field of the forms of the page ``context`` renders, as ``{% csrf_token %}``
    renders it: one masked token per page (the ``csrf`` context processor's), where a
    Jinja2 fragment's ``csrf_input`` masks the token anew for each form."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, no secret
        return format_html("")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


NAVBAR = "organisations/_navbar.html"


@lru_cache(maxsize=1)
def _navbar_template(name: str = NAVBAR):
    return engines["jinja2"].get_template(name)


@lru_cache(maxsize=64)
def _navbar_texts(language: str | None, prefix: str) -> SimpleNamespace:
    """The bar's own texts in ``language`` and its URLs."""
    return SimpleNamespace(
        main=gettext("Main"), toggle=gettext("Toggle navigation"),
        organisations=gettext("Organisations"), language=gettext("Language"),
        go=gettext("Go"), sign_in=gettext("Sign in"),
        home_url=reverse("home"), set_language_url=reverse("set_language"),
        logout_url=reverse("logout"), login_url=reverse("login"))


@register.simple_tag(takes_context=True)
def navbar(context) -> SafeString:
    """The page's navigation bar: the brand, for a signed-in reader the organisation
    switcher, the current organisation's sections and the user's menu, and the language
    selector."""
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(getattr(user, "is_authenticated", False))
    access = context.get("access") if signed_in else None
    html = _navbar_template().render({
        "t": _navbar_texts(get_language(), get_script_prefix()),
        "brand": context.get("brand"), "signed_in": signed_in, "access": access,
        "switcher": switcher_items(context) if signed_in else "",
        "org_nav": org_nav(context) if access else "",
        "user_menu": user_menu(context) if signed_in else "",
        "language_options": language_options(),
        "next_path": request.get_full_path() if request is not None else "",
        "csrf_field": csrf_field(context),
    }, request)
    return mark_safe(html)  # noqa: S308 - autoescaped


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    """Tests that override the languages, the templates or the URLs start afresh."""
    if setting in ("LANGUAGES", "TEMPLATES", "ROOT_URLCONF"):
        for cached in (_language_options, _org_nav, _switcher_items, _user_menu,
                       _navbar_template, _navbar_texts):
            cached.cache_clear()
