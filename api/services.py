"""Writes to API tokens: keyword-only, atomic, audited, owners only."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.access import OrgAccess
from organisations.models import hash_token
from organisations.services import audit

from .models import ApiToken

# "maturity desk key": recognisable in logs and by secret scanners.
SECRET_PREFIX = "mdk_"  # noqa: S105 - a prefix, not a secret
EXPIRY_DAYS = (30, 90, 180, 365)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_create(*, by: OrgAccess, name: str, scope: str, days: int,
                 request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """A new token of ``by``'s organisation, and its secret (shown once, never stored)."""
    by.require("manage_api_tokens")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Choose read or read and write.")})
    if days not in EXPIRY_DAYS:
        raise ValidationError({"days": _("Choose one of the offered expiry periods.")})
    secret = new_secret()
    now = timezone.now()
    token = ApiToken.objects.create(
        organisation=by.organisation, name=name, scope=scope, prefix=secret[:12],
        token_hash=hash_token(secret), created_by=by.user, created_at=now,
        expires_at=now + timedelta(days=days))
    audit(organisation=by.organisation, actor=by.user, action="api_token.created",
          target=name, data={"token": str(token.public_id), "scope": scope,
                             "expires_at": token.expires_at.isoformat()},
          request=request)
    return token, secret


@transaction.atomic
def token_revoke(*, by: OrgAccess, token: ApiToken,
                 request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token for good: its next call is a 401. Revoking twice changes nothing."""
    by.require("manage_api_tokens")
    changed = ApiToken.objects.filter(pk=token.pk, organisation=by.organisation,
                                      revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by.user)
    token.refresh_from_db()
    if changed:
        audit(organisation=by.organisation, actor=by.user, action="api_token.revoked",
              target=token.name, data={"token": str(token.public_id)}, request=request)
    return token


def token_used(token: ApiToken) -> None:
    """Note the call's time for the list of tokens (at most one write a minute)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
