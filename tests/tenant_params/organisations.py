"""URL kwargs of the organisations app's tenant pages (see the package docstring)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from organisations.models import Invitation, Role, hash_token


def _department_id(world):
    return world.acme.departments[0].public_id


def _membership_id(world):
    return world.acme.manager.memberships.get(organisation=world.acme.org).public_id


def _invitation_id(world):
    invitation = Invitation.objects.create(
        organisation=world.acme.org, email="invitee@acme.test", role=Role.MANAGER,
        token_hash=hash_token(secrets.token_urlsafe(32)), invited_by=world.acme.owner,
        expires_at=timezone.now() + timedelta(days=14),
    )
    return invitation.public_id


def _client_slug(world):
    # acme is a client (of northwind); on a consultancy page it is the client to name.
    return world.acme.org.slug


PARAMS = {
    "department_id": _department_id,
    "membership_id": _membership_id,
    "invitation_id": _invitation_id,
    "client_slug": _client_slug,
}
