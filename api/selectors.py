"""Reads of API tokens, scoped to the accessed organisation (``organisations.access``)."""

from __future__ import annotations

from django.db.models import QuerySet

from organisations.access import OrgAccess, get_scoped, scoped
from organisations.selectors import by_token

from .models import ApiToken


def tokens(access: OrgAccess) -> QuerySet[ApiToken]:
    return scoped(access, ApiToken.objects.select_related("created_by", "revoked_by"))


def get_token(access: OrgAccess, public_id) -> ApiToken:
    return get_scoped(access, ApiToken.objects.all(), public_id=public_id)


def token_by_secret(secret: str) -> ApiToken | None:
    """The token a secret names, whatever its state, or None (``by_token``: by its
    SHA-256, confirmed in constant time)."""
    return by_token(ApiToken.objects.select_related("organisation", "created_by"), secret)
