"""Tenant isolation of the REST API, automatically complete: every operation of the
OpenAPI schema (so every route, the moment it is documented) is called by tokens that
must not get in. Path parameters come from ``tests/tenant_params`` like the pages'
(an API route's parameters carry the pages' kwarg names), naming objects of acme.

- another organisation's token in acme's URLs: 404, and the database unchanged but
  for the caller's own audit row and last use;
- another organisation's token in its own URLs with acme's ids: 404 (a body naming
  acme's department is that field's 400, the same as for one that does not exist);
- no token, or a revoked one: 401; a read token on a write route: 403.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.v1 import api
from assessments.models import Assessment
from tests.api_helpers import make_token
from tests.tenant_params import ParamResolver, load_params
from tests.tenant_params._urls import changed_tables, db_fingerprint

OPERATIONS = sorted((method.upper(), path)
                    for path, item in api.get_openapi_schema()["paths"].items()
                    for method in item)
WRITES = {(m, p) for m, p in OPERATIONS if m != "GET"}
PARAMETER = re.compile(r"{(\w+)}")
# What the caller changes of its own: its audit trail and its token's last use.
OWN_TABLES = {"organisations_auditevent", "api_apitoken"}


def _fill(path: str, resolver: ParamResolver, org_slug: str) -> str:
    def value(match):
        name = match[1]
        return org_slug if name == "org_slug" else str(resolver[name])
    return PARAMETER.sub(value, path)


def _body(method: str, path: str, resolver: ParamResolver) -> dict:
    """A body that would be valid in acme, so that a refusal is about the route, not
    about the body (the write routes read their body before their objects)."""
    if method == "GET":
        return {}
    if path.endswith("/respondents"):
        return {"email": "someone@example.test"}
    if path.endswith("/reports"):
        return {"round": str(resolver["assessment_id"])}
    if path.endswith("/actions"):
        return {"department": str(resolver["department_id"]), "title": "x"}
    if path.endswith("/progress"):
        return {"status": "done", "note": "x"}
    if path.endswith("/rounds"):  # a shipped version: any organisation may use it
        return {"department": str(resolver["department_id"]),
                "model_version": str(Assessment.objects.get(
                    public_id=resolver["assessment_id"]).model_version.public_id),
                "name": "x"}
    return {}


def _requests(world, org_slug: str) -> list[tuple[str, str, str, dict]]:
    """(method, path, url, body) of every operation, its objects created up front (so
    that creating them does not count as a change a request made)."""
    resolver = ParamResolver(world)
    return [(method, path, _fill(path, resolver, org_slug), _body(method, path, resolver))
            for method, path in OPERATIONS]


def _call(client: Client, method: str, url: str, body: dict, secret: str | None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(method, url, json.dumps(body), content_type="application/json",
                          headers=headers)


def test_it_knows_every_documented_operation():
    assert ("GET", "/api/v1/organisations/{org_slug}/rounds/{assessment_id}/results") in \
        OPERATIONS
    assert len(OPERATIONS) >= 19
    registry = load_params()
    missing = {name for _m, path in OPERATIONS for name in PARAMETER.findall(path)
               if name != "org_slug" and name not in registry.params}
    assert not missing, f"Add these to a module of tests/tenant_params: {missing}"


def test_another_organisations_token_gets_404_on_every_route_of_acme(world, settings):
    settings.API_THROTTLE_PER_TOKEN = 10_000
    requests = _requests(world, "acme")
    _token, secret = make_token(world.globex, ApiToken.Scope.WRITE)
    client = Client()
    failures = []
    before = db_fingerprint()
    for method, path, url, body in requests:
        if "{org_slug}" not in path:
            continue
        response = _call(client, method, url, body, secret)
        if response.status_code != 404:
            failures.append(f"{method} {url}: {response.status_code}, expected 404")
        after = db_fingerprint()
        if changed := set(changed_tables(before, after)) - OWN_TABLES:
            failures.append(f"{method} {url} changed the tables {sorted(changed)}")
        before = after
    assert not failures, "\n".join(failures)


def test_acmes_ids_in_another_organisations_urls_are_missing(world, settings):
    settings.API_THROTTLE_PER_TOKEN = 10_000
    requests = _requests(world, "globex")
    _token, secret = make_token(world.globex, ApiToken.Scope.WRITE)
    client = Client()
    failures = []
    before = db_fingerprint()
    checked = 0
    for method, path, url, body in requests:
        names = [n for n in PARAMETER.findall(path) if n != "org_slug"]
        # A body naming acme's objects counts as naming them in the URL.
        if not names and not (body.get("round") or body.get("department")):
            continue
        checked += 1
        response = _call(client, method, url, body, secret)
        expected = 400 if "department" in body else 404
        if response.status_code != expected:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected}")
        elif expected == 400:
            pointers = [e.get("pointer") for e in response.json()["errors"]]
            if "#/department" not in pointers:
                failures.append(f"{method} {url}: 400 not about the department: {pointers}")
        after = db_fingerprint()
        if changed := set(changed_tables(before, after)) - OWN_TABLES:
            failures.append(f"{method} {url} changed the tables {sorted(changed)}")
        before = after
    assert checked >= 12
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["nobody", "revoked", "expired"])
def test_every_route_wants_a_valid_token(world, who):
    requests = _requests(world, "acme")
    secret = None
    if who != "nobody":
        token, secret = make_token(world.acme, ApiToken.Scope.WRITE)
        field = "revoked_at" if who == "revoked" else "expires_at"
        ApiToken.objects.filter(pk=token.pk).update(**{field: timezone.now()})
    client = Client()
    before = db_fingerprint()
    failures = [f"{method} {url}: {status}" for method, _path, url, body in requests
                if (status := _call(client, method, url, body, secret).status_code) != 401]
    assert not failures
    assert not changed_tables(before, db_fingerprint())


def test_a_read_token_gets_403_on_every_write_route_but_asking_for_a_pdf(world, settings):
    settings.API_THROTTLE_PER_TOKEN = 10_000
    _token, secret = make_token(world.acme, ApiToken.Scope.READ)
    client = Client()
    answers = {(method, path): _call(client, method, url, body, secret).status_code
               for method, path, url, body in _requests(world, "acme")}
    reports = ("POST", "/api/v1/organisations/{org_slug}/reports")
    assert {op: s for op, s in answers.items() if op in WRITES and op != reports} == {
        op: 403 for op in WRITES if op != reports}
    assert answers[reports] in (200, 202)
    reads = {op: s for op, s in answers.items() if op not in WRITES}
    # The draft model of tenant_params has no PDF: its download is a 409.
    assert set(reads.values()) <= {200, 409}, reads
