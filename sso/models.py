"""Single sign-on through OpenID Connect, configured per organisation.

An organisation's owner enters its identity provider (issuer, client id and secret) and
verifies the email domains it owns. People whose email address is in a verified domain
may then sign in through that provider; new ones join the organisation with the role
the owner chose (never owner). "SSO only" refuses the password for members of the
organisation who belong to no other organisation.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, Role

# Roles a person joining through the identity provider may get: never owner.
JOIN_ROLES = [(r.value, r.label) for r in (Role.VIEWER, Role.MANAGER, Role.CONSULTANT)]


def _verification_token() -> str:
    return secrets.token_urlsafe(24)


class IdentityProvider(models.Model):
    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        related_name="identity_provider",
                                        verbose_name=_("organisation"))
    issuer = models.URLField(_("issuer"), max_length=300, help_text=_(
        "The identity provider's issuer URL, as its discovery document "
        "(/.well-known/openid-configuration) states it."))
    client_id = models.CharField(_("client ID"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    join_role = models.CharField(_("role of people who join through it"), max_length=20,
                                 choices=JOIN_ROLES, default=Role.VIEWER)
    enabled = models.BooleanField(_("sign-in through the identity provider is on"),
                                  default=False)
    sso_only = models.BooleanField(_("SSO only"), default=False, help_text=_(
        "Members whose only organisation is this one must sign in through the identity "
        "provider; their password is refused."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.issuer}"

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class EmailDomain(models.Model):
    """A domain an organisation claims; usable for sign-in once its DNS proves it."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="email_domains",
                                     verbose_name=_("organisation"))
    domain = models.CharField(_("domain"), max_length=253)
    token = models.CharField(_("verification code"), max_length=64,
                             default=_verification_token, editable=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "domain"],
                                    name="one_claim_per_domain_and_org"),
            # A domain signs in to one organisation only: the first to prove it.
            models.UniqueConstraint(fields=["domain"], condition=models.Q(
                verified_at__isnull=False), name="a_domain_is_verified_once"),
        ]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def record_name(self) -> str:
        return f"_maturity-desk.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"maturity-desk-verification={self.token}"
