"""A consultancy's portfolio: its clients with their departments; new clients."""

from __future__ import annotations

from organisations.models import AuditEvent, Membership, Organisation
from tests.conftest import signed_in


def test_it_lists_the_clients_with_their_departments(world):
    page = signed_in(world.northwind.consultant).get("/o/northwind/portfolio/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Acme", "Acme dept 1", "Globex", "Globex dept 2", "/o/acme/", "/o/globex/"):
        assert text in html


def test_it_shows_an_empty_portfolio_with_a_way_forward(world):
    Organisation.objects.create(name="Solo Advisors", slug="solo",
                                kind=Organisation.Kind.CONSULTANCY)
    Membership.objects.create(user=world.outsider, organisation_id=Organisation.objects.get(
        slug="solo").pk, role="owner")
    html = signed_in(world.outsider).get("/o/solo/portfolio/").content.decode()
    assert "No clients yet" in html and "/o/solo/portfolio/new/" in html


def test_it_creates_a_client_and_audits_it(world):
    client = signed_in(world.northwind.consultant)
    assert client.get("/o/northwind/portfolio/new/").status_code == 200
    response = client.post("/o/northwind/portfolio/new/", {"name": "Initech", "slug": ""})
    initech = Organisation.objects.get(name="Initech")
    assert response["Location"] == f"/o/{initech.slug}/departments/"
    assert initech.parent == world.northwind.org and not initech.is_consultancy
    assert not initech.memberships.exists()  # consultants act through the consultancy
    assert client.get(f"/o/{initech.slug}/").status_code == 200
    assert AuditEvent.objects.filter(organisation=world.northwind.org, action="client.created",
                                     actor=world.northwind.consultant).exists()
    assert signed_in(world.acme.owner).get(f"/o/{initech.slug}/").status_code == 404


def test_it_refuses_a_taken_client_slug(world):
    response = signed_in(world.northwind.owner).post("/o/northwind/portfolio/new/",
                                                     {"name": "Acme 2", "slug": "acme"})
    assert response.status_code == 200 and response.context["form"].errors["slug"]


def test_it_has_no_portfolio_for_a_client_organisation(world):
    assert signed_in(world.acme.owner).get("/o/acme/portfolio/").status_code == 404
    assert signed_in(world.northwind.owner).get("/o/acme/portfolio/").status_code == 404


def test_it_keeps_the_portfolio_to_owners_and_consultants(world):
    for role, status in (("owner", 200), ("consultant", 200), ("manager", 403),
                         ("viewer", 403)):
        response = signed_in(world.northwind.member(role)).get("/o/northwind/portfolio/")
        assert response.status_code == status, role


def test_it_offers_every_organisation_in_the_switcher(world):
    html = signed_in(world.northwind.consultant).get("/o/northwind/").content.decode()
    assert 'href="/o/acme/"' in html and 'href="/o/globex/"' in html
    html = signed_in(world.globex.manager).get("/o/globex/").content.decode()
    assert 'href="/o/acme/"' not in html
