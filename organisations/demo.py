"""Demo tenants for the run command and for trying the product out."""

from __future__ import annotations

import os

from django.db import transaction

from .models import Department, Membership, Organisation, Role, User

DEFAULT_DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo login
DEMO_DEPARTMENTS = ("IT Service Desk", "HR Services", "Facilities")
CONSULTANCY = ("northwind", "Northwind Consulting")
CLIENTS = (("acme", "Acme Corp"), ("globex", "Globex"))
CONSULTANT_EMAIL = "consultant@example.com"


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
    return orgs
