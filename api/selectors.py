"""Reads of API tokens, scoped to the accessed organisation (``organisations.access``)."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from organisations.access import OrgAccess, get_scoped, scoped
from organisations.models import hash_token

from .models import ApiToken

# ``secrets.token_urlsafe(32)`` with its prefix is 47 characters; anything much longer
# is no token of ours and is not hashed.
MAX_SECRET_LENGTH = 128


def tokens(access: OrgAccess) -> QuerySet[ApiToken]:
    return scoped(access, ApiToken.objects.select_related("created_by", "revoked_by"))


def get_token(access: OrgAccess, public_id) -> ApiToken:
    return get_scoped(access, ApiToken.objects.all(), public_id=public_id)


def token_by_secret(secret: str) -> ApiToken | None:
    """The token a secret names, whatever its state, or None.

    The secret is the credential (it is not tenant-scoped): only its SHA-256 is
    stored, so the lookup is by hash, and the match is confirmed in constant time.
    """
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = hash_token(secret)
    token = (ApiToken.objects.select_related("organisation", "created_by")
             .filter(token_hash=digest).first())
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    return token
