"""Demo data for the benchmark pool: Northwind runs a benchmark; besides Acme and
Globex it has seven smaller clients in a few sectors, each with one closed round on the
TOPdesk model, so that Acme's reports on that model compare with six other clients.
Vandelay Imports opted out: its figures are in no pool. Globex takes part, but its
model has too few clients, so its reports say the pool is too small."""

from __future__ import annotations

from django.db import transaction

from assessments.demo import _seed_round, _version
from assessments.models import Assessment
from organisations.access import OrgAccess
from organisations.demo import _user, demo_password
from organisations.models import Department, Membership, Organisation, Role

from .models import Participation, Programme, Sector, SizeBand
from .services import refresh_organisation

MODEL = "topdesk-semm"
ROUND = "Autumn 2026"
# slug, name, sector, size band, starting maturity, takes part
CLIENTS = (
    ("initech", "Initech", Sector.IT, SizeBand.MEDIUM, 2.6, True),
    ("umbrella", "Umbrella Health", Sector.HEALTHCARE, SizeBand.LARGE, 2.2, True),
    ("stark", "Stark Logistics", Sector.RETAIL, SizeBand.LARGE, 3.1, True),
    ("wayne", "Wayne Retail", Sector.RETAIL, SizeBand.VERY_LARGE, 3.6, True),
    ("hooli", "Hooli Software", Sector.IT, SizeBand.SMALL, 2.9, True),
    ("soylent", "Soylent Foods", Sector.INDUSTRY, SizeBand.MEDIUM, 2.0, True),
    ("vandelay", "Vandelay Imports", Sector.RETAIL, SizeBand.SMALL, 3.3, False),
)
KNOWN = {"acme": (Sector.SERVICES, SizeBand.LARGE), "globex": (Sector.FINANCE, SizeBand.MEDIUM)}
COLLEAGUES = (("Sam Lee", "sam.lee@{slug}.example", "en"),
              ("Kim Ek", "kim.ek@{slug}.example", "sv"))


@transaction.atomic
def seed(orgs: dict[str, Organisation]) -> None:
    northwind = orgs.get("northwind")
    version = _version(MODEL)
    if northwind is None or version is None:
        return
    Programme.objects.update_or_create(consultancy=northwind, defaults={"enabled": True})
    password = demo_password()
    clients = []
    for slug, name, sector, size, base, takes_part in CLIENTS:
        client, _ = Organisation.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": Organisation.Kind.ORGANISATION,
                                 "parent": northwind})
        manager = _user(f"manager@{slug}.example", f"{name} Service Manager", password)
        Membership.objects.update_or_create(user=manager, organisation=client,
                                            defaults={"role": Role.MANAGER})
        department, _ = Department.objects.get_or_create(organisation=client,
                                                         name="IT Service Desk")
        if not Assessment.objects.filter(department=department, name=ROUND).exists():
            access = OrgAccess(user=manager, organisation=client, role=Role.MANAGER)
            people = [(n, e.format(slug=slug), lang) for n, e, lang in COLLEAGUES]
            _seed_round(access, department, version, ROUND, 1, 140, 100, base, people)
        Participation.objects.update_or_create(organisation=client, defaults={
            "opted_in": takes_part, "sector": sector, "size_band": size})
        clients.append(client)
    for slug, (sector, size) in KNOWN.items():
        if slug in orgs:
            Participation.objects.update_or_create(organisation=orgs[slug], defaults={
                "opted_in": True, "sector": sector, "size_band": size})
            clients.append(orgs[slug])
    for client in clients:
        refresh_organisation(client)
