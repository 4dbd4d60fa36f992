"""URL kwargs of the single sign-on settings pages (see the package docstring)."""

from __future__ import annotations

from sso.models import EmailDomain


def _domain_id(world):
    return EmailDomain.objects.create(organisation=world.acme.org,
                                      domain="acme.test").public_id


PARAMS = {"domain_id": _domain_id}
