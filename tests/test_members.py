"""Members page: list with roles, change a role, remove (with confirmation); the
last owner stays."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from organisations import services
from organisations.models import AuditEvent, Membership, Role
from tests.conftest import access_for, signed_in


def _membership(user, org):
    return Membership.objects.get(user=user, organisation=org)


def test_it_lists_members_with_their_roles(world):
    page = signed_in(world.acme.owner).get("/o/acme/members/")
    assert page.status_code == 200
    html = page.content.decode()
    for role in ("owner", "consultant", "manager", "viewer"):
        assert f"{role}@acme.test" in html
    assert "globex.test" not in html


def test_it_shows_the_consultancy_people_working_in_a_client(world):
    html = signed_in(world.acme.owner).get("/o/acme/members/").content.decode()
    assert "owner@northwind.test" in html and "consultant@northwind.test" in html
    assert "manager@northwind.test" not in html


def test_it_changes_a_members_role_and_audits_it(world):
    membership = _membership(world.acme.manager, world.acme.org)
    response = signed_in(world.acme.consultant).post(
        f"/o/acme/members/{membership.public_id}/role/", {"role": "viewer"})
    assert response.status_code == 302 and response["Location"] == "/o/acme/members/"
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.organisation, event.actor, event.target) == (
        world.acme.org, world.acme.consultant, "manager@acme.test")
    assert event.data == {"from": "manager", "to": "viewer"}


def test_it_asks_for_confirmation_before_removing_a_member(world):
    membership = _membership(world.acme.viewer, world.acme.org)
    client = signed_in(world.acme.owner)
    url = f"/o/acme/members/{membership.public_id}/remove/"
    page = client.get(url)
    assert page.status_code == 200 and "Remove member" in page.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.removed",
                                     target="viewer@acme.test").exists()
    assert signed_in(world.acme.viewer).get("/o/acme/").status_code == 404


def test_it_never_removes_or_demotes_the_last_owner(world):
    owner = _membership(world.acme.owner, world.acme.org)
    client = signed_in(world.acme.owner)
    page = client.get(f"/o/acme/members/{owner.public_id}/remove/").content.decode()
    assert "last owner" in page
    response = client.post(f"/o/acme/members/{owner.public_id}/remove/", follow=True)
    assert "last owner" in response.content.decode()
    response = client.post(f"/o/acme/members/{owner.public_id}/role/", {"role": "viewer"},
                           follow=True)
    assert "last owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    access = access_for(world.acme.owner, world.acme.org)
    with pytest.raises(ValidationError, match="last owner"):
        services.membership_remove(by=access, membership=owner)
    with pytest.raises(ValidationError, match="last owner"):
        services.membership_change_role(by=access, membership=owner, role=Role.MANAGER)
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


def test_it_lets_an_owner_step_down_once_there_is_another_owner(world):
    access = access_for(world.acme.owner, world.acme.org)
    consultant = _membership(world.acme.consultant, world.acme.org)
    services.membership_change_role(by=access, membership=consultant, role=Role.OWNER)
    owner = _membership(world.acme.owner, world.acme.org)
    response = signed_in(world.acme.owner).post(f"/o/acme/members/{owner.public_id}/role/",
                                                {"role": "manager"})
    assert response["Location"] == "/o/acme/"  # no longer allowed on the members page
    owner.refresh_from_db()
    assert owner.role == Role.MANAGER


def test_it_treats_another_organisations_member_as_missing(world):
    globex_member = _membership(world.globex.viewer, world.globex.org)
    client = signed_in(world.acme.owner)
    assert client.get(f"/o/acme/members/{globex_member.public_id}/remove/").status_code == 404
    assert client.post(f"/o/acme/members/{globex_member.public_id}/role/",
                       {"role": "owner"}).status_code == 404
    globex_member.refresh_from_db()
    assert globex_member.role == Role.VIEWER
