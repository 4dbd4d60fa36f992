"""What each role may do. A viewer changes nothing anywhere but asking for a PDF
report (the one write declared for viewers); a manager cannot manage members or
invitations. The viewer's check walks every tenant URL pattern, like the
isolation tests (kwargs from tests/tenant_params)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve

from organisations import services
from organisations.models import Membership, Role
from tests.conftest import access_for, signed_in
from tests.tenant_params import ParamResolver, unfillable
from tests.tenant_params._urls import changed_tables, db_fingerprint, tenant_routes

ROUTES = tenant_routes()
MEMBER_ROUTES = [r for r in ROUTES if r.name.startswith(("organisations:member",
                                                         "organisations:invitation"))]


def _url(route, resolver, org_slug="acme"):
    missing = unfillable([route], resolver)
    assert not missing, "tests/tenant_params cannot fill: " + "; ".join(missing)
    return route.url({"org_slug": org_slug,
                      **{k: resolver[k] for k in route.kwargs if k != "org_slug"}})


# The writes a viewer may make: executives ask for PDF reports. Declared on the view
# as tenant_view(..., write="request_reports"); they create Report rows only.
# A viewer may also make (or revoke) their own calendar link to the action plan.
VIEWER_WRITE_CAPABILITIES = {"request_reports", "calendar_feed"}
VIEWER_WRITE_ROUTES = {"reports:organisation_pdf", "reports:assessment_pdf", "reports:retry",
                       "reports:organisation_summary_pdf", "reports:assessment_summary_pdf",
                       "improvement:calendar", "improvement:calendar_revoke"}


def _viewer_may_write(url: str) -> bool:
    return getattr(resolve(url).func, "tenant_write", "edit") in VIEWER_WRITE_CAPABILITIES


def test_it_refuses_every_post_of_a_viewer_and_changes_nothing(world):
    resolver = ParamResolver(world)
    urls = [(route, _url(route, resolver)) for route in ROUTES]
    allowed = {route.name for route, url in urls if _viewer_may_write(url)}
    assert allowed == VIEWER_WRITE_ROUTES
    viewer = signed_in(world.acme.viewer)
    failures = []
    before = db_fingerprint()
    for route, url in urls:
        if route.name in allowed:
            continue
        response = viewer.post(url, {"name": "Changed", "role": "owner", "email": "x@y.test"})
        if response.status_code not in (403, 405):
            failures.append(f"POST {url} [{route.name}] as viewer: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


def test_it_lets_a_viewer_read_the_organisation(world):
    viewer = signed_in(world.acme.viewer)
    department = world.acme.departments[0]
    for path in ("/o/acme/", "/o/acme/departments/",
                 f"/o/acme/departments/{department.public_id}/"):
        assert viewer.get(path).status_code == 200, path


def test_it_refuses_managers_and_viewers_the_members_and_invitations_pages(world):
    resolver = ParamResolver(world)
    assert len(MEMBER_ROUTES) >= 7
    urls = [_url(route, resolver) for route in MEMBER_ROUTES]
    clients = {role: signed_in(world.acme.member(role)) for role in ("manager", "viewer")}
    before = db_fingerprint()
    for role, client in clients.items():
        for url in urls:
            assert client.get(url).status_code == 403, (role, "GET", url)
            assert client.post(url, {"email": "x@acme.test", "role": "owner",
                                     "language": "en"}).status_code == 403, (role, url)
    assert not changed_tables(before, db_fingerprint())


def test_it_refuses_managers_the_department_and_client_management(world):
    manager = signed_in(world.acme.manager)
    department = world.acme.departments[0]
    assert manager.get("/o/acme/departments/new/").status_code == 403
    assert manager.post("/o/acme/departments/new/", {"name": "X"}).status_code == 403
    assert manager.post(f"/o/acme/departments/{department.public_id}/remove/").status_code == 403
    assert signed_in(world.northwind.manager).get("/o/northwind/portfolio/").status_code == 403


@pytest.mark.parametrize("role", ["owner", "consultant"])
def test_it_lets_owners_and_consultants_manage_members(world, role):
    client = signed_in(world.acme.member(role))
    assert client.get("/o/acme/members/").status_code == 200
    assert client.get("/o/acme/invitations/").status_code == 200
    assert client.get("/o/acme/invitations/new/").status_code == 200


def test_it_lets_consultancy_consultants_act_in_client_organisations(world):
    client = signed_in(world.northwind.consultant)
    assert client.get("/o/acme/members/").status_code == 200
    response = client.post("/o/acme/departments/new/", {"name": "Legal"})
    assert response.status_code == 302
    assert world.acme.org.departments.filter(name="Legal").exists()


def test_it_shows_only_allowed_sections_in_the_navigation(world):
    viewer_page = signed_in(world.acme.viewer).get("/o/acme/").content.decode()
    assert "/o/acme/members/" not in viewer_page
    assert "/o/acme/audit/" not in viewer_page
    owner_page = signed_in(world.acme.owner).get("/o/acme/").content.decode()
    assert "/o/acme/members/" in owner_page and "/o/acme/audit/" in owner_page
    consultant_page = signed_in(world.northwind.consultant).get("/o/northwind/").content.decode()
    assert "/o/northwind/portfolio/" in consultant_page


def test_it_keeps_the_owner_role_to_owners(world):
    """A consultant manages members but cannot make, unmake or invite an owner."""
    access = access_for(world.acme.consultant, world.acme.org)
    manager = Membership.objects.get(user=world.acme.manager, organisation=world.acme.org)
    owner = Membership.objects.get(user=world.acme.owner, organisation=world.acme.org)
    with pytest.raises(ValidationError):
        services.membership_change_role(by=access, membership=manager, role=Role.OWNER)
    with pytest.raises(ValidationError):
        services.membership_change_role(by=access, membership=owner, role=Role.VIEWER)
    with pytest.raises(ValidationError):
        services.membership_remove(by=access, membership=owner)
    with pytest.raises(ValidationError):
        services.invitation_create(by=access, email="boss@acme.test", role=Role.OWNER,
                                   language="en")
    response = signed_in(world.acme.consultant).post(
        "/o/acme/invitations/new/", {"email": "boss@acme.test", "role": "owner",
                                     "language": "en"})
    assert response.status_code == 200  # the form refuses the choice
    assert not world.acme.org.invitations.exists()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_it_lets_a_viewer_ask_for_a_pdf_which_writes_only_a_report(world):
    viewer = signed_in(world.acme.viewer)
    before = db_fingerprint()
    response = viewer.post("/o/acme/reports/pdf/")
    assert response.status_code == 302
    changed = changed_tables(before, db_fingerprint())
    assert set(changed) <= {"reports_report", "organisations_auditevent"}
    assert "reports_report" in changed
