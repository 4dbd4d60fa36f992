"""Changing single sign-on: the provider, the email domains, and people joining.

Every service is keyword-only and checks its permission itself: the owner's settings
take ``by`` (the caller's :class:`~organisations.access.OrgAccess`, which must have
``manage_sso``; a domain of another organisation is a 404, as its page is), and
:func:`join` takes the provider and the person it vouches for. Writes that belong
together (the change and its audit row) are one transaction.
"""

from __future__ import annotations

import re

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.access import OrgAccess
from organisations.models import Membership, Role
from organisations.services import audit

from . import domain_check, selectors
from .models import EmailDomain, IdentityProvider

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_domain(value: str) -> str:
    """A domain name as typed (``Example.COM``, ``@example.com``) in its stored form."""
    domain = value.strip().lower().lstrip("@").rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not _DOMAIN.match(domain):
        raise ValidationError(_("“%(value)s” is not a domain name such as example.com.")
                              % {"value": value.strip()[:100]}, code="invalid")
    return domain


def check_issuer(issuer: str) -> None:
    """The issuer must be https (http only where SSO_ALLOW_HTTP_ISSUER allows it, for
    local tests): the ID token's signature is checked by the TLS connection it comes
    through, as OpenID Connect Core 3.1.3.7 allows."""
    if issuer.startswith("https://"):
        return
    if issuer.startswith("http://") and getattr(settings, "SSO_ALLOW_HTTP_ISSUER", False):
        return
    raise ValidationError(_("The issuer must be an https:// address."), code="insecure")


@transaction.atomic
def save_provider(*, by: OrgAccess, issuer: str, client_id: str, client_secret: str,
                  join_role: str, enabled: bool, sso_only: bool, request=None
                  ) -> IdentityProvider:
    """Create or change the organisation's identity provider. A blank secret keeps the
    stored one. Sign-in can be switched on only with a verified domain, and "SSO only"
    only with sign-in switched on."""
    by.require("manage_sso")
    if join_role == Role.OWNER:
        raise ValidationError(_("People who join through single sign-on cannot be owners."))
    check_issuer(issuer)
    provider = IdentityProvider.objects.filter(organisation=by.organisation).first()
    if provider is None and not client_secret:
        raise ValidationError(_("Enter the client secret."), code="required")
    if enabled and not by.organisation.email_domains.filter(
            verified_at__isnull=False).exists():
        raise ValidationError(_("Verify at least one email domain before you switch "
                                "single sign-on on."), code="no_domain")
    if sso_only and not enabled:
        raise ValidationError(_("“SSO only” needs single sign-on switched on."),
                              code="sso_only_off")
    provider = provider or IdentityProvider(organisation=by.organisation)
    provider.issuer = issuer
    provider.client_id = client_id
    if client_secret:
        provider.client_secret = client_secret
    provider.join_role = join_role
    provider.enabled = enabled
    provider.sso_only = sso_only
    provider.save()
    audit(organisation=by.organisation, actor=by.user, action="sso.provider_saved",
          target=provider.issuer, request=request,
          data={"client_id": client_id, "join_role": join_role, "enabled": enabled,
                "sso_only": sso_only, "secret_changed": bool(client_secret)})
    return provider


def test_provider(*, by: OrgAccess, provider: IdentityProvider) -> str:
    """Ask the provider for its discovery document; raise ValidationError with what is
    wrong, or return the issuer it states. Writes nothing, but sends a request to the
    address the owner entered: only for ``manage_sso``, and only the own provider."""
    by.require("manage_sso")
    if provider.organisation_id != by.organisation.pk:
        raise Http404
    try:
        response = requests.get(provider.discovery_url, timeout=5)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationError(_("The identity provider did not answer at %(url)s (%(error)s).")
                              % {"url": provider.discovery_url,
                                 "error": type(exc).__name__}) from exc
    stated = str(document.get("issuer", ""))
    if stated != provider.issuer:
        raise ValidationError(_("The identity provider states the issuer “%(stated)s”, "
                                "not “%(issuer)s”.") % {"stated": stated[:200],
                                                        "issuer": provider.issuer})
    return stated


@transaction.atomic
def add_domain(*, by: OrgAccess, value: str, request=None) -> EmailDomain:
    by.require("manage_sso")
    domain = clean_domain(value)
    if EmailDomain.objects.filter(domain=domain, verified_at__isnull=False).exclude(
            organisation=by.organisation).exists():
        raise ValidationError(_("Another organisation has verified %(domain)s.")
                              % {"domain": domain}, code="taken")
    claim, created = EmailDomain.objects.get_or_create(organisation=by.organisation,
                                                       domain=domain)
    if not created:
        raise ValidationError(_("%(domain)s is already on the list.") % {"domain": domain},
                              code="duplicate")
    audit(organisation=by.organisation, actor=by.user, action="sso.domain_added",
          target=domain, request=request)
    return claim


def _own_domain(by: OrgAccess, claim: EmailDomain) -> EmailDomain:
    """``claim`` afresh if it is one of ``by``'s organisation (Http404 otherwise, as for
    its page), after the permission check."""
    by.require("manage_sso")
    return selectors.get_domain(by, claim.public_id)


def verify_domain(*, by: OrgAccess, claim: EmailDomain, request=None) -> EmailDomain:
    """Look for the TXT record; mark the domain verified when it is there. The DNS
    lookup happens outside the transaction; the change and its audit row are one."""
    claim = _own_domain(by, claim)
    if claim.is_verified:
        return claim
    try:
        values = domain_check.txt_values(claim.record_name)
    except domain_check.LookupFailed as exc:
        raise ValidationError(_("The DNS did not answer; nothing was changed. "
                                "Try again in a few minutes.")) from exc
    if claim.record_value not in values:
        raise ValidationError(
            _("No TXT record “%(value)s” was found at %(name)s yet. DNS changes can take "
              "a while to show.") % {"value": claim.record_value, "name": claim.record_name},
            code="not_found")
    claim.verified_at = timezone.now()
    try:
        with transaction.atomic():
            claim.save(update_fields=["verified_at"])
            audit(organisation=by.organisation, actor=by.user,
                  action="sso.domain_verified", target=claim.domain, request=request)
    except IntegrityError as exc:
        raise ValidationError(_("Another organisation has verified %(domain)s.")
                              % {"domain": claim.domain}, code="taken") from exc
    return claim


@transaction.atomic
def remove_domain(*, by: OrgAccess, claim: EmailDomain, request=None) -> None:
    claim = _own_domain(by, claim)
    provider = IdentityProvider.objects.filter(organisation=by.organisation,
                                               enabled=True).first()
    others = by.organisation.email_domains.filter(verified_at__isnull=False).exclude(
        pk=claim.pk)
    if provider is not None and claim.is_verified and not others.exists():
        raise ValidationError(_("Switch single sign-on off before you remove its last "
                                "verified domain."), code="last_domain")
    claim.delete()
    audit(organisation=by.organisation, actor=by.user, action="sso.domain_removed",
          target=claim.domain, request=request)


@transaction.atomic
def join(*, provider: IdentityProvider, user, request=None) -> Membership | None:
    """Just-in-time provisioning: a person who signed in through the organisation's
    provider becomes a member with the provider's join role (never owner) if they are
    not one yet. Returns the new membership, or None. The provider speaks only for
    addresses of a domain its organisation verified, and only while it is switched on
    (PermissionDenied otherwise: the adapter refuses such a sign-in before this)."""
    if not provider.enabled or not selectors.is_verified_domain(provider, user.email):
        raise PermissionDenied
    organisation = provider.organisation
    role = provider.join_role if provider.join_role != Role.OWNER else Role.VIEWER
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role})
    if not created:
        return None
    audit(organisation=organisation, actor=user, action="sso.member_joined",
          target=user.email, request=request, data={"role": role})
    return membership
