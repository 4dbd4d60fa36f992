"""Services check their permission themselves (issue 13, item 7): a view that forgot a
check, or passed another organisation's object, still cannot change anything."""

import pytest
from django.core.exceptions import PermissionDenied

from organisations import services
from organisations.models import Department, Invitation, Membership
from tests.conftest import access_for


def _viewer(world):
    return access_for(world.acme.viewer, world.acme.org)


def _other_consultant(world):
    return access_for(world.globex.consultant, world.globex.org)


@pytest.mark.parametrize("by", [_viewer, _other_consultant])
def test_organisation_services_refuse_who_may_not(world, by):
    by = by(world)
    department = world.acme.departments[0]
    membership = Membership.objects.get(organisation=world.acme.org, user=world.acme.manager)
    invitation, _token = services.invitation_create(
        by=access_for(world.acme.owner, world.acme.org), email="new@example.test",
        role="viewer", language="en")
    attempts = [
        lambda: services.department_update(by=by, department=department, name="Renamed"),
        lambda: services.department_delete(by=by, department=department),
        lambda: services.membership_change_role(by=by, membership=membership, role="viewer"),
        lambda: services.membership_remove(by=by, membership=membership),
        lambda: services.invitation_resend(by=by, invitation=invitation),
        lambda: services.invitation_revoke(by=by, invitation=invitation),
    ]
    if by.organisation == world.acme.org:  # these act in the caller's own organisation
        attempts += [
            lambda: services.department_create(by=by, name="Sneaky"),
            lambda: services.invitation_create(by=by, email="x@example.test", role="viewer",
                                               language="en"),
        ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    department.refresh_from_db()
    membership.refresh_from_db()
    assert department.name != "Renamed" and membership.role == "manager"
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert not Department.objects.filter(name="Sneaky").exists()


def test_a_client_is_created_only_in_the_callers_own_consultancy(world):
    with pytest.raises(PermissionDenied):
        services.client_create(consultancy=world.northwind.org, name="Initech", slug="initech",
                               by=access_for(world.acme.owner, world.acme.org))
