"""Demo tenants for the run command and for trying the product out."""

from __future__ import annotations

import os

from django.core.files.base import ContentFile
from django.db import transaction

from .access import OrgAccess
from .models import Department, Membership, Organisation, Role, User
from .services import branding_update

DEFAULT_DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo login
DEMO_DEPARTMENTS = ("IT Service Desk", "HR Services", "Facilities")
CONSULTANCY = ("northwind", "Northwind Consulting")
CLIENTS = (("acme", "Acme Corp"), ("globex", "Globex"))
CONSULTANT_EMAIL = "consultant@example.com"
# The consultancy's white label (organisations.branding): its clients show it, and
# Globex keeps its name and logo but uses a colour of its own.
BRANDING = {"name": "Northwind Maturity Check", "colour": "#0f6e6e",
            "footer": "Northwind Consulting · 12 Harbour Street, Bristol · "
                      "+44 117 496 0000 · northwind.example"}
CLIENT_COLOURS = {"globex": "#a3401f"}
# Northwind's mark: a north arrow over two gusts of wind, drawn for the demo.
LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
  <title>Northwind Consulting</title>
  <rect width="64" height="64" rx="14" fill="#0f6e6e"/>
  <path d="M32 8 L42 34 L32 28.5 L22 34 Z" fill="#ffffff"/>
  <path d="M10 43 C20 37 28 47 38 41 C44 37.5 49 38 54 40" fill="none" stroke="#ffffff"
        stroke-width="4" stroke-linecap="round"/>
  <path d="M15 52 C23 47.5 30 55 40 50" fill="none" stroke="#8fd3c7" stroke-width="3.5"
        stroke-linecap="round"/>
</svg>
"""


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def _user(email: str, full_name: str, password: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_organisations() -> dict[str, Organisation]:
    """Create (or bring back to shape) the demo consultancy, clients and people."""
    password = demo_password()
    slug, name = CONSULTANCY
    northwind, _ = Organisation.objects.update_or_create(
        slug=slug, defaults={"name": name, "kind": Organisation.Kind.CONSULTANCY, "parent": None}
    )
    consultant = _user(CONSULTANT_EMAIL, "Nora Consultant", password)
    Membership.objects.update_or_create(user=consultant, organisation=northwind,
                                        defaults={"role": Role.OWNER})
    orgs = {slug: northwind}
    for client_slug, client_name in CLIENTS:
        client, _ = Organisation.objects.update_or_create(
            slug=client_slug,
            defaults={"name": client_name, "kind": Organisation.Kind.ORGANISATION,
                      "parent": northwind},
        )
        orgs[client_slug] = client
        for dept in DEMO_DEPARTMENTS:
            Department.objects.get_or_create(organisation=client, name=dept)
        people = (
            (f"manager@{client_slug}.example", f"{client_name} Service Manager", Role.MANAGER),
            (f"exec@{client_slug}.example", f"{client_name} Executive", Role.VIEWER),
        )
        for email, full_name, role in people:
            user = _user(email, full_name, password)
            Membership.objects.update_or_create(user=user, organisation=client,
                                                defaults={"role": role})
    _brand(northwind, consultant)
    return orgs


def _brand(northwind: Organisation, owner: User) -> None:
    """The demo's branding, through the service that checks it (nothing changes, and
    nothing is audited, when it is in place already)."""
    as_owner = OrgAccess(user=owner, organisation=northwind, role=Role.OWNER)
    branding_update(by=as_owner, logo=ContentFile(LOGO_SVG, name="northwind.svg"),
                    **BRANDING)
    for slug, colour in CLIENT_COLOURS.items():
        client = Organisation.objects.select_related("parent").get(slug=slug)
        branding_update(by=OrgAccess(user=owner, organisation=client, role=Role.OWNER,
                                     via_consultancy=True), colour=colour)
