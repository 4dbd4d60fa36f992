"""What the benchmark pages read."""

from __future__ import annotations

from django.db.models import Count

from organisations.access import OrgAccess
from organisations.models import Organisation

from .models import Participation, PoolEntry, Programme


def programme(access: OrgAccess) -> Programme | None:
    return Programme.objects.filter(consultancy=access.organisation).first()


def participation(organisation: Organisation) -> Participation | None:
    return Participation.objects.filter(organisation=organisation).first()


def client_decisions(access: OrgAccess) -> list[dict]:
    """For the consultancy: each client and whether it takes part (never its figures)."""
    decisions = {p.organisation_id: p for p in Participation.objects.filter(
        organisation__parent=access.organisation)}
    return [{"client": client, "participation": decisions.get(client.pk)}
            for client in access.organisation.clients.order_by("name")]


def pool_sizes(access: OrgAccess) -> list[dict]:
    """For the consultancy: how many clients each model's pool holds."""
    return list(PoolEntry.objects.filter(consultancy=access.organisation)
                .values("model__name").annotate(clients=Count("organisation", distinct=True))
                .order_by("model__name"))
