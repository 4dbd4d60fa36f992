"""Busy pages cost a fixed number of queries, whatever the amount of data.

Each page is measured with 2 and with 20 clients / departments / members. The
counts are pinned: a new query must be justified (STYLE.md, 7) and the number
changed here in the same change.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations import changes
from organisations.models import Department, Membership, Organisation, Role, User
from tests.conftest import signed_in

# Every tenant page: session, user, the organisation with the role, and the switcher's
# organisations (memberships and consultancies' clients in one). Then the page's own:
# home: departments, and for those who manage members the member count and the pending
# invitations (two counts: through the selectors, the ORM; the page is dominated by the
# executive overview, benchmarks/README.md)
# (+ clients for a consultancy), the member's own unanswered questionnaires, and the
# executive overview's fingerprint, its closed rounds (tests/test_overview.py pins the
# overview with rounds), the member's own overdue actions (improvement); portfolio: clients with
# member counts, their departments.
# That is the home page rendered afresh; once kept (organisations.views.home_body, until
# the organisation's change stamp changes), it is the tenant page's four.
HOME_QUERIES = 10
VIEWER_HOME_QUERIES = HOME_QUERIES - 2  # no member or invitation counts
CONSULTANCY_HOME_QUERIES = 11
KEPT_HOME_QUERIES = 4
PORTFOLIO_QUERIES = 6
LOGIN_QUERIES = 0


def _count(client, url: str) -> int:
    client.get(url)  # warm up per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _count_home(client, org: Organisation) -> tuple[int, int]:
    """The home page's queries rendered afresh (its organisation's stamp replaced, as a
    change would), then kept."""
    client.get(f"/o/{org.slug}/")  # warm up per-process caches
    changes.replace([org.pk])
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/o/{org.slug}/")
        assert response.status_code == 200
        counts.append(len(queries))
    return counts[0], counts[1]


def _people(org: Organisation, n: int, tag: str) -> None:
    users = User.objects.bulk_create(
        User(email=f"{tag}{i}@{org.slug}.test", full_name=f"Person {i}") for i in range(n))
    Membership.objects.bulk_create(
        Membership(user=u, organisation=org, role=Role.MANAGER) for u in users)


def _departments(org: Organisation, n: int, tag: str) -> None:
    Department.objects.bulk_create(
        Department(organisation=org, name=f"{tag} {i}") for i in range(n))


def _grow_clients(world, upto: int) -> None:
    existing = world.northwind.org.clients.count()
    for i in range(existing, upto):
        org = Organisation.objects.create(name=f"Client {i}", slug=f"client-{i}",
                                          parent=world.northwind.org)
        _departments(org, upto, "Dept")
        _people(org, 3, "p")


def test_it_pins_the_sign_in_page(client, world):
    small = _count(client, "/accounts/login/")
    _grow_clients(world, 20)
    assert _count(client, "/accounts/login/") == small == LOGIN_QUERIES


def test_it_pins_the_portfolio(world):
    consultant = signed_in(world.northwind.consultant)
    small = _count(consultant, "/o/northwind/portfolio/")  # acme, globex: 2 clients
    _grow_clients(world, 20)
    large = _count(consultant, "/o/northwind/portfolio/")
    assert large == small == PORTFOLIO_QUERIES


def test_it_pins_an_organisations_home(world):
    clients = {user: signed_in(user) for user in (
        world.acme.owner, world.acme.viewer, world.northwind.consultant)}
    small = {user: _count_home(client, world.acme.org) for user, client in clients.items()}
    _departments(world.acme.org, 18, "More")  # 2 → 20 departments
    _people(world.acme.org, 16, "more")       # 4 → 20 members
    large = {user: _count_home(client, world.acme.org) for user, client in clients.items()}
    assert large == small
    assert small[world.acme.owner] == (HOME_QUERIES, KEPT_HOME_QUERIES)
    assert small[world.acme.viewer] == (VIEWER_HOME_QUERIES, KEPT_HOME_QUERIES)


def test_it_pins_a_consultancys_home(world):
    consultant = signed_in(world.northwind.owner)
    small = _count_home(consultant, world.northwind.org)
    _grow_clients(world, 20)
    _departments(world.northwind.org, 20, "Own")
    assert _count_home(consultant, world.northwind.org) == small == (
        CONSULTANCY_HOME_QUERIES, KEPT_HOME_QUERIES)


# The organisation's action plan: the tenant page's four, the owners (members, and the
# consultancy's people for a client), the departments and the actions with their
# departments, owners and rounds in one.
ACTION_PLAN_QUERIES = 8


def test_it_pins_the_action_plan(world):
    from improvement.models import Action

    client = signed_in(world.acme.manager)

    def add_actions(n: int, tag: str) -> None:
        Action.objects.bulk_create(
            Action(organisation=world.acme.org, department=world.acme.departments[i % 2],
                   title=f"{tag} {i}", owner=world.acme.manager if i % 2 else None,
                   owner_name="" if i % 2 else "Kim")
            for i in range(n))

    add_actions(2, "Small")
    small = _count(client, "/o/acme/actions/")
    add_actions(18, "More")
    _departments(world.acme.org, 18, "More")
    assert _count(client, "/o/acme/actions/") == small == ACTION_PLAN_QUERIES
