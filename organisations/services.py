"""Writes to tenancy data. Each is atomic and leaves an audit row."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from .models import AuditEvent, Membership, Organisation, Role


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind a proxy the first X-Forwarded-For hop is used."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or None) if forwarded else request.META.get(
        "REMOTE_ADDR"
    )


def audit(*, organisation: Organisation | None, actor, action: str, target: str = "",
          data: dict | None = None, request: HttpRequest | None = None) -> AuditEvent:
    """Record that ``actor`` did ``action`` on ``target`` in ``organisation``."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if is_user else None,
        actor_label=(actor.email if is_user else str(actor or "")),
        action=action,
        target=str(target)[:300],
        data=data or {},
        ip_address=client_ip(request),
    )


@transaction.atomic
def organisation_create(*, name: str, slug: str, kind: str, owner,
                        parent: Organisation | None = None,
                        request: HttpRequest | None = None) -> Organisation:
    """Create an organisation; ``owner`` becomes its owner (for a client: the creating
    consultant acts through the consultancy and gets no direct membership)."""
    org = Organisation(name=name, slug=slug, kind=kind, parent=parent)
    org.full_clean()
    org.save()
    if parent is None:
        Membership.objects.create(user=owner, organisation=org, role=Role.OWNER)
    audit(organisation=org, actor=owner, action="organisation.created", target=org.name,
          data={"kind": kind, "parent": parent.slug if parent else None}, request=request)
    if parent is not None:
        audit(organisation=parent, actor=owner, action="client.created", target=org.name,
              data={"slug": org.slug}, request=request)
    return org
