"""django-allauth, told about the organisations' identity providers.

allauth's OpenID Connect provider does the protocol: discovery, the authorization code
flow with PKCE and state, the token exchange, and the ID token's checks (issuer,
audience, expiry, with pyjwt). This adapter gives it one app per organisation whose
single sign-on is switched on (from :class:`sso.models.IdentityProvider`, never from
allauth's own SocialApp table), and decides who may come in:

- the provider must vouch for the address (``email_verified``) and the address's domain
  must be one the organisation verified; anything else is refused with a message;
- an existing account with that address is signed in (its domain is the
  organisation's, so the organisation's provider speaks for it); a new person gets an
  account; either joins the organisation with the provider's join role if not a member.
"""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext as _

from organisations.security import log_security_event

from . import selectors, services
from .models import IdentityProvider

logger = logging.getLogger(__name__)


def social_app(provider: IdentityProvider) -> SocialApp:
    """allauth's app for one organisation's provider (not stored: built on each use)."""
    return SocialApp(
        provider="openid_connect", provider_id=provider.organisation.slug,
        name=provider.organisation.name, client_id=provider.client_id,
        secret=provider.client_secret,
        settings={
            "server_url": provider.discovery_url,
            # The ID token's issuer must be the one the owner entered, whatever the
            # discovery document says (OpenID Connect Discovery 1.0, section 4.3).
            "openid_configuration_overrides": {"issuer": provider.issuer},
            "oauth_pkce_enabled": True,
        })


def refuse(request, message: str, *, reason: str, status: int = 403):
    log_security_event("sso.refused", request=request, reason=reason)
    raise ImmediateHttpResponse(render(request, "sso/refused.html",
                                       {"message": message}, status=status))


class OrganisationSSOAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        if provider in (None, "openid_connect"):
            providers = list(selectors.enabled_providers())
        else:
            found = selectors.provider_by_slug(provider)
            providers = [found] if found else []
        apps = [social_app(p) for p in providers]
        return [a for a in apps if client_id is None or a.client_id == client_id]

    def _provider(self, sociallogin) -> IdentityProvider:
        provider = selectors.provider_by_slug(sociallogin.account.provider)
        if provider is None:  # switched off between the redirect and the answer
            refuse(self.request, _("Single sign-on is switched off for this organisation."),
                   reason="disabled", status=404)
        return provider

    def pre_social_login(self, request, sociallogin):
        provider = self._provider(sociallogin)
        addresses = [a for a in sociallogin.email_addresses if a.email]
        if not addresses:
            refuse(request, _("Your identity provider did not give your email address, so "
                              "you cannot be signed in."), reason="no_email")
        address = addresses[0]
        email = address.email.strip().lower()
        if not address.verified:
            refuse(request, _("Your identity provider has not verified the email address "
                              "%(email)s, so you cannot be signed in with it.")
                   % {"email": email}, reason="unverified_email")
        if not selectors.is_verified_domain(provider, email):
            refuse(request, _("%(org)s does not sign in addresses like %(email)s. Sign in "
                              "with your password, or ask the organisation's owner.")
                   % {"org": provider.organisation.name, "email": email},
                   reason="unverified_domain")
        sociallogin.user.email = email
        if not sociallogin.is_existing:
            user = get_user_model().objects.filter(email__iexact=email).first()
            if user is not None:
                if not user.is_active:
                    refuse(request, _("This account is switched off."), reason="inactive")
                sociallogin.connect(request, user)
        if sociallogin.is_existing:
            services.join(provider=provider, user=sociallogin.user, request=request)

    def is_auto_signup_allowed(self, request, sociallogin):
        return True

    def is_open_for_signup(self, request, sociallogin):
        return True

    def populate_user(self, request, sociallogin, data):
        user = sociallogin.user
        user.email = (data.get("email") or "").strip().lower()
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part)
        if hasattr(user, "full_name") and name:
            user.full_name = name[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        services.join(provider=self._provider(sociallogin), user=user, request=request)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None,
                                extra_context=None):
        cause = getattr(exception, "__cause__", None)
        reason = type(cause or exception).__name__ if (cause or exception) else str(error)
        logger.info("single sign-on failed: %s", reason)
        refuse(request, _("Sign-in through your identity provider did not succeed. Try "
                          "again; if it keeps failing, tell your organisation's owner."),
               reason=reason, status=400)
