"""The organisation's home page: its departments, and for those who manage members the
member count and the pending invitations (``Invitation.pending``)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from organisations import selectors
from organisations.models import Department, Invitation, Role
from tests.conftest import access_for, signed_in


def _invitation(org, email: str, **fields) -> Invitation:
    return Invitation.objects.create(
        organisation=org, email=email, role=Role.MANAGER, token_hash=email.ljust(64, "x"),
        expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=7)), **fields)


def test_it_counts_members_and_pending_invitations_as_the_selectors_do(world):
    now = timezone.now()
    _invitation(world.acme.org, "pending1@acme.test")
    _invitation(world.acme.org, "pending2@acme.test")
    _invitation(world.acme.org, "accepted@acme.test", accepted_at=now)
    _invitation(world.acme.org, "revoked@acme.test", revoked_at=now)
    _invitation(world.acme.org, "expired@acme.test", expires_at=now - timedelta(seconds=1))
    _invitation(world.globex.org, "other@globex.test")  # another tenant's
    access = access_for(world.acme.owner, world.acme.org)
    assert selectors.memberships(access).count() == 4
    assert selectors.pending_invitations(access).count() == 2

    context = signed_in(world.acme.owner).get("/o/acme/").context
    assert context["member_count"] == 4
    assert context["pending_invitation_count"] == 2


def test_it_lists_the_organisations_own_departments_by_name(world):
    Department.objects.create(organisation=world.acme.org, name="A first one")
    page = signed_in(world.acme.viewer).get("/o/acme/")
    expected = list(selectors.departments(access_for(world.acme.viewer, world.acme.org)))
    links = re.findall(r'href="/o/acme/departments/([0-9a-f-]{36})/">([^<]*)</a>',
                       page.content.decode())
    assert links == [(str(d.public_id), d.name) for d in expected]
    assert [name for _, name in links] == ["A first one", "Acme dept 1", "Acme dept 2"]
    # A viewer does not manage members: no counts.
    assert page.context["member_count"] is None


def test_it_shows_an_organisation_without_departments(world):
    page = signed_in(world.northwind.owner).get("/o/northwind/")
    assert page.status_code == 200
    assert page.context["departments"] == []
    assert "No departments yet." in page.content.decode()
    assert page.context["member_count"] == 4
