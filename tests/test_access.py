import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organisations.access import accessible_organisations, organisation_access
from organisations.selectors import get_department


def test_it_gives_consultancy_owners_and_consultants_their_clients(world):
    for role in ("owner", "consultant"):
        access = organisation_access(world.northwind.member(role), "acme")
        assert access.role == role
        assert access.via_consultancy


def test_it_keeps_consultancy_managers_and_viewers_out_of_clients(world):
    for role in ("manager", "viewer"):
        with pytest.raises(Http404):
            organisation_access(world.northwind.member(role), "acme")


def test_it_hides_sibling_clients_and_the_consultancy_from_client_members(world):
    for role in ("owner", "consultant", "manager", "viewer"):
        user = world.acme.member(role)
        with pytest.raises(Http404):
            organisation_access(user, "globex")
        with pytest.raises(Http404):
            organisation_access(user, "northwind")


def test_it_treats_another_organisations_department_as_missing(world):
    access = organisation_access(world.acme.manager, "acme")
    assert get_department(access, world.acme.departments[0].public_id)
    with pytest.raises(Http404):
        get_department(access, world.globex.departments[0].public_id)
    with pytest.raises(Http404):
        get_department(access, "not-a-uuid")


def test_it_refuses_viewers_the_edit_capability(world):
    access = organisation_access(world.acme.viewer, "acme")
    assert access.can("view")
    with pytest.raises(PermissionDenied):
        access.require("edit")


def test_it_lists_the_consultancy_and_its_clients_for_a_consultant(world):
    slugs = [org.slug for org, _ in accessible_organisations(world.northwind.consultant)]
    assert slugs == ["northwind", "acme", "globex"]
    assert [o.slug for o, _ in accessible_organisations(world.globex.manager)] == ["globex"]
    assert accessible_organisations(world.outsider) == []


def test_the_switcher_lists_each_organisation_once_with_the_role_access_gives(world):
    from organisations.models import Membership, Role

    consultant = world.northwind.consultant
    Membership.objects.create(user=consultant, organisation=world.acme.org, role=Role.VIEWER)
    listed = accessible_organisations(consultant)
    assert [org.slug for org, _ in listed] == ["northwind", "acme", "globex"]
    for org, role in listed:  # the switcher and the one access path agree
        assert role == organisation_access(consultant, org.slug).role
    # A consultancy's viewer sees the consultancy, not its clients.
    viewer = world.northwind.owner.__class__.objects.create_user(
        email="nw-viewer@example.test", password="x-Pass-2026-long")
    Membership.objects.create(user=viewer, organisation=world.northwind.org, role=Role.VIEWER)
    assert [(o.slug, r) for o, r in accessible_organisations(viewer)] == [
        ("northwind", "viewer")]


def test_the_owner_of_a_parent_that_is_no_consultancy_gets_no_access_to_its_child(db):
    # The model's clean() forbids such a parent; the database does not, and the gate must
    # agree with the organisation switcher, which only follows consultancies.
    from organisations.models import Membership, Organisation, Role, User

    parent = Organisation.objects.create(name="Not a consultancy", slug="plain")
    Organisation.objects.create(name="Odd client", slug="odd", parent=parent)
    owner = User.objects.create_user(email="owner@plain.test", password="x" * 16)
    Membership.objects.create(user=owner, organisation=parent, role=Role.OWNER)
    with pytest.raises(Http404):
        organisation_access(owner, "odd")
    assert [org.slug for org, _role in accessible_organisations(owner)] == ["plain"]
