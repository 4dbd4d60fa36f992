"""Reads of tenancy data for views and other apps: departments, memberships,
invitations, the audit trail, a consultancy's clients. Built on the access path
(``access.scoped``/``access.get_scoped``), so another organisation's object is a 404.
``access.py`` holds the access policy itself (who may do what where).
"""

from __future__ import annotations

import hmac

from django.db.models import Count, QuerySet

from .access import OrgAccess, carries_into_clients, get_scoped, scoped
from .models import (
    AuditEvent,
    Department,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    hash_token,
)


def departments(access: OrgAccess) -> QuerySet[Department]:
    return scoped(access, Department.objects.all())


def get_department(access: OrgAccess, public_id) -> Department:
    return get_scoped(access, Department.objects.all(), public_id=public_id)


def memberships(access: OrgAccess) -> QuerySet[Membership]:
    return scoped(access, Membership.objects.select_related("user"))


def get_membership(access: OrgAccess, public_id) -> Membership:
    return get_scoped(access, Membership.objects.select_related("user"), public_id=public_id)


def owner_count(access: OrgAccess) -> int:
    return memberships(access).filter(role=Role.OWNER).count()


def inherited_memberships(access: OrgAccess) -> QuerySet[Membership]:
    """The consultancy's owners and consultants, who act in this client organisation too."""
    if not access.organisation.parent_id:
        return Membership.objects.none()
    return Membership.objects.select_related("user").filter(
        carries_into_clients(), organisation_id=access.organisation.parent_id)


def invitations(access: OrgAccess) -> QuerySet[Invitation]:
    return scoped(access, Invitation.objects.select_related("invited_by"))


def get_invitation(access: OrgAccess, public_id) -> Invitation:
    return get_scoped(access, Invitation.objects.all(), public_id=public_id)


def pending_invitations(access: OrgAccess) -> QuerySet[Invitation]:
    return invitations(access).filter(Invitation.pending())


# The longest token we look up; ``secrets.token_urlsafe(32)`` gives 43 characters.
MAX_TOKEN_LENGTH = 128


def by_token(queryset: QuerySet, token: str, *, max_length: int = MAX_TOKEN_LENGTH):
    """The object of ``queryset`` whose ``token_hash`` is the SHA-256 of ``token``, or
    None. The token itself is the credential (it is not tenant-scoped): only its hash is
    stored, so the lookup is by hash, and the match is confirmed in constant time."""
    if not token or len(token) > max_length:
        return None
    digest = hash_token(token)
    found = queryset.filter(token_hash=digest).first()
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return found


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state, or None."""
    return by_token(Invitation.objects.select_related("organisation__parent", "invited_by"),
                    token)


def audit_events(access: OrgAccess) -> QuerySet[AuditEvent]:
    return scoped(access, AuditEvent.objects.select_related("actor"))


def client_organisations(access: OrgAccess) -> QuerySet[Organisation]:
    """The clients of a consultancy (empty for any other organisation)."""
    if not access.organisation.is_consultancy:
        return Organisation.objects.none()
    return Organisation.objects.filter(parent=access.organisation)


def portfolio(access: OrgAccess) -> QuerySet[Organisation]:
    """A consultancy's clients, each with its departments and member count: two queries."""
    return (client_organisations(access)
            .annotate(member_count=Count("memberships", distinct=True))
            .prefetch_related("departments"))


def account_exists(email: str) -> bool:
    """Whether someone has an account with this address (not tenant data). A sign-up
    never verified is no account yet (``User.is_pending``)."""
    return User.objects.filter(email__iexact=email.strip()).exclude(User.PENDING).exists()
