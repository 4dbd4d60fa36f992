"""Password sign-in under "SSO only" (registered with organisations.login_policy)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from organisations.models import Membership

from .models import EmailDomain, IdentityProvider
from .selectors import domain_of


def password_sign_in_refusal(user) -> str | None:
    """Refuse the password of a person whose every organisation is "SSO only" and whose
    address one of them verified: they sign in through their identity provider. People
    who also belong to an organisation without it (consultants of several clients) keep
    their password."""
    org_ids = set(Membership.objects.filter(user=user).values_list("organisation_id",
                                                                   flat=True))
    if not org_ids:
        return None
    sso_only = set(IdentityProvider.objects.filter(
        organisation_id__in=org_ids, enabled=True, sso_only=True).values_list(
        "organisation_id", flat=True))
    if sso_only != org_ids:
        return None
    if not EmailDomain.objects.filter(organisation_id__in=sso_only, domain=domain_of(user.email),
                                      verified_at__isnull=False).exists():
        return None
    return _("Your organisation signs you in through its own sign-in page: use “Sign in "
             "with single sign-on” below.")
