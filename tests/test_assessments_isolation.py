"""Tenant isolation of the assessment pages, on top of tests/test_tenant_isolation.py
(which walks every tenant URL): here only this app's routes, so a failure names them
even while another app's kwargs are missing, and the personal links outside /o/."""

from __future__ import annotations

from tests.conftest import signed_in
from tests.tenant_params import ParamResolver
from tests.tenant_params._urls import changed_tables, db_fingerprint, tenant_routes

ROUTES = [r for r in tenant_routes() if r.name.startswith("assessments:")]


def _urls(world, org_slug):
    resolver = ParamResolver(world)
    return [(route, route.url({"org_slug": org_slug, **{
        k: resolver[k] for k in route.kwargs if k != "org_slug"}})) for route in ROUTES]


def _statuses(urls, clients):
    for route, url in urls:
        for who, client in clients.items():
            for method in ("get", "post"):
                yield route, url, who, method, getattr(client, method)(url).status_code


def test_it_routes_every_assessment_page_under_the_tenant_prefix():
    names = {r.name for r in ROUTES}
    assert {"assessments:index", "assessments:detail", "assessments:department",
            "assessments:answer_save", "assessments:remind"} <= names


def test_it_gives_outsiders_and_sibling_clients_404_and_changes_nothing(world):
    urls = _urls(world, "acme")
    clients = {"globex owner": signed_in(world.globex.owner),
               "outsider": signed_in(world.outsider),
               "northwind manager": signed_in(world.northwind.manager)}
    before = db_fingerprint()
    failures = [f"{m.upper()} {url} [{route.name}] as {who}: {code}"
                for route, url, who, m, code in _statuses(urls, clients) if code != 404]
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


def test_it_treats_acmes_ids_in_globex_urls_as_missing(world):
    urls = [(r, u) for r, u in _urls(world, "globex")
            if set(r.kwargs) & {"assessment_id", "response_id", "department_id"}]
    clients = {"globex owner": signed_in(world.globex.owner)}
    before = db_fingerprint()
    failures = [f"{m.upper()} {url} [{route.name}]: {code}"
                for route, url, who, m, code in _statuses(urls, clients) if code not in (404, 405)]
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


def test_it_lets_acmes_people_in(world):
    urls = dict((r.name, u) for r, u in _urls(world, "acme"))
    viewer = signed_in(world.acme.viewer)
    for name in ("assessments:index", "assessments:detail", "assessments:department"):
        assert viewer.get(urls[name]).status_code == 200, name
    manager = signed_in(world.acme.manager)
    for name in ("assessments:create", "assessments:answer", "assessments:answer_review",
                 "assessments:invite", "assessments:add_members", "assessments:offline",
                 "assessments:export_csv", "assessments:template_xlsx"):
        assert manager.get(urls[name]).status_code == 200, name


def test_it_refuses_every_post_of_a_viewer(world):
    urls = _urls(world, "acme")
    viewer = signed_in(world.acme.viewer)
    before = db_fingerprint()
    failures = []
    for route, url in urls:
        code = viewer.post(url, {"name": "Changed", "email": "x@y.test"}).status_code
        if code not in (403, 405):
            failures.append(f"POST {url} [{route.name}]: {code}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())
