"""Tenant isolation, automatically complete.

Every URL pattern under ``/o/<org_slug>/`` — this app's and every other app's,
found by walking the URLconf — is requested with GET and POST by people who must
not get in. They get a 404 and the database does not change. The kwargs of each
pattern come from ``tests/tenant_params`` (see its docstring to cover a new kwarg):
a pattern whose kwargs cannot be filled fails ``test_it_can_fill_every_tenant_url``.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import signed_in
from tests.tenant_params import ParamResolver, load_params, unfillable
from tests.tenant_params._urls import changed_tables, db_fingerprint, tenant_routes

ROUTES = tenant_routes()
METHODS = ("get", "post")


MISSING = "Add these kwargs to a module of tests/tenant_params (see its docstring):\n"


def _urls(world, org_slug: str, *, skip_without_objects: bool = False):
    """(route, url) for every tenant route, kwargs from acme and org_slug as given."""
    registry = load_params()
    resolver = ParamResolver(world, registry)
    missing = unfillable(ROUTES, resolver)
    assert not missing, MISSING + "\n".join(missing)
    result = []
    for route in ROUTES:
        kwargs = [k for k in route.kwargs if k != "org_slug"]
        if skip_without_objects and not [k for k in kwargs
                                         if k not in registry.not_tenant_objects]:
            continue
        values = {k: resolver[k] for k in kwargs}
        result.append((route, route.url({"org_slug": org_slug, **values})))
    return result


def _assert_all_404(urls, clients: dict[str, Client], *, allowed=(404,)) -> None:
    failures = []
    before = db_fingerprint()
    for route, url in urls:
        for who, client in clients.items():
            for method in METHODS:
                response = getattr(client, method)(url)
                if response.status_code not in allowed:
                    failures.append(f"{method.upper()} {url} [{route.name}] as {who}: "
                                    f"{response.status_code}, expected 404")
        after = db_fingerprint()
        if changed := changed_tables(before, after):
            failures.append(f"{route}: requests changed the database tables {changed}")
        before = after
    assert not failures, "\n".join(failures)


def test_it_finds_the_tenant_url_patterns():
    names = {route.name for route in ROUTES}
    assert {"organisations:home", "organisations:portfolio", "organisations:member_list",
            "organisations:department_delete", "organisations:invitation_revoke",
            "organisations:audit_log"} <= names
    assert all(route.kwargs[0] == "org_slug" for route in ROUTES)


def test_it_can_fill_every_tenant_url():
    missing = unfillable(ROUTES, load_params().params)
    assert not missing, MISSING + "\n".join(missing)


def test_it_gives_sibling_client_members_and_outsiders_404_on_every_tenant_url(world):
    urls = _urls(world, "acme")
    _assert_all_404(urls, {
        "globex owner": signed_in(world.globex.owner),
        "outsider": signed_in(world.outsider),
    })


def test_it_treats_acmes_objects_in_another_organisations_urls_as_missing(world):
    """globex's owner, in globex's own URLs, cannot reach acme's objects by their ids.

    Here globex's owner is let in to globex, so a view may refuse a method (405)
    before it looks anything up: that answer is the same for every id, and so
    reveals nothing. Anything else than 404 or 405 fails.
    """
    urls = _urls(world, "globex", skip_without_objects=True)
    assert urls, "no tenant URL has an object kwarg yet"
    _assert_all_404(urls, {"globex owner": signed_in(world.globex.owner)}, allowed=(404, 405))


def test_it_hides_the_consultancys_pages_from_client_members(world):
    urls = _urls(world, "northwind")
    _assert_all_404(urls, {"acme owner": signed_in(world.acme.owner)})


def test_it_sends_anonymous_visitors_to_sign_in_or_404(world):
    login = reverse("login")
    anonymous = Client()
    failures = []
    urls = _urls(world, "acme")
    before = db_fingerprint()
    for route, url in urls:
        for method in METHODS:
            response = getattr(anonymous, method)(url)
            if response.status_code == 404:
                continue
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith(login):
                failures.append(f"{method.upper()} {url} [{route.name}] anonymously: "
                                f"{response.status_code} {location}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


@pytest.mark.parametrize("path", ["/o/no-such-org/", "/o/acme/departments/not-a-uuid/"])
def test_it_gives_404_for_unknown_organisations_and_malformed_ids(world, path):
    assert signed_in(world.acme.owner).get(path).status_code == 404
