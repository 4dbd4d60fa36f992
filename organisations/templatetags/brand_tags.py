"""``{% brand_of organisation as brand %}``: the organisation's effective branding
(``organisations.branding.effective_branding``) where no request gave one: the PDF
reports' templates."""

from __future__ import annotations

from django import template

from organisations.branding import Branding, effective_branding

register = template.Library()


@register.simple_tag
def brand_of(organisation) -> Branding:
    return effective_branding(organisation)
