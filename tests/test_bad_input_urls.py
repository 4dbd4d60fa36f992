"""Bad input in the URL itself: every tenant URL pattern (walked from the URLconf, as in
test_tenant_isolation.py) with each of its free-text and number kwargs replaced by
hostile values — a NUL byte (which PostgreSQL refuses even in a query), very long
text, markup, astral characters, numbers beyond any database integer. Signed in as
acme's owner, who may see and do everything there: every answer is a 404 (or the 405
of a page that takes no POST), never a 500, and nothing changes.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls.converters import IntConverter, StringConverter
from django.urls.resolvers import RoutePattern

from tests.conftest import signed_in
from tests.fuzzing import assert_unchanged, snapshot
from tests.tenant_params import ParamResolver, load_params
from tests.tenant_params._urls import tenant_routes

TEXTS = ["a\x00b", "x" * 3000, "<script>", "💥", "%00", "people.2.1\n", " "]
NUMBERS = [0, 10**30, 2**63]


def _converters(route) -> dict:
    found = {}
    for part in route.parts:
        if isinstance(part, RoutePattern):
            found.update(part.converters)
    return found


def _cases():
    for route in tenant_routes():
        for kwarg, converter in _converters(route).items():
            if kwarg == "org_slug":
                continue
            if type(converter) is StringConverter:
                yield route, kwarg, TEXTS
            elif type(converter) is IntConverter:
                yield route, kwarg, NUMBERS


CASES = list(_cases())


def test_it_finds_the_free_text_and_number_kwargs():
    kwargs = {kwarg for _route, kwarg, _values in CASES}
    assert {"dimension_key", "question_key", "version", "level"} <= kwargs


@pytest.mark.parametrize("route, kwarg, values", CASES,
                         ids=[f"{route.name}-{kwarg}" for route, kwarg, _v in CASES])
def test_it_answers_404_for_hostile_values_in_the_url(world, route, kwarg, values):
    resolver = ParamResolver(world, load_params())
    good = {k: resolver[k] for k in route.kwargs if k != "org_slug"}
    client = signed_in(world.acme.owner)
    failures = []
    before = snapshot()
    for value in values:
        url = route.url({"org_slug": "acme", **good, kwarg: value})
        if isinstance(value, str):  # the URL builder does not quote; a browser would
            url = url.replace(f"/{value}/", f"/{quote(value, safe='')}/")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code not in (404, 405):
                failures.append(f"{method.upper()} {url[:120]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert_unchanged(before)


QUERIES = {"page": "\x00", "format": "x" * 3000, "department": "a\x00b", "lang": "💥",
           "next": "//evil.test", "level": "99999999999999999999999", "q": "<script>",
           "assessment": "not-a-uuid", "sort": "-", "version": "-1"}


def test_it_ignores_or_refuses_hostile_query_strings_on_every_tenant_page(world):
    """GET every tenant page with query parameters the pages read (page, format,
    department, …) set to hostile values: never a 500, nothing changes."""
    resolver = ParamResolver(world, load_params())
    client = signed_in(world.acme.owner)
    urls = [route.url({"org_slug": "acme",
                       **{k: resolver[k] for k in route.kwargs if k != "org_slug"}})
            for route in tenant_routes()]
    failures = []
    before = snapshot()
    for url in urls:
        response = client.get(url, QUERIES)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert_unchanged(before)


JUNK_FORM = {"name": "\x00" * 3, "key": "💥" * 300, "direction": "sideways", "role": "root",
             "email": "not-an-email", "language": "xx", "format": "exe", "threshold": "1e400",
             "weight": "-0", "level": "99999999999999999999", "question": ["a", "b"],
             "option": "", "comment": "x" * 6000, "publish": "maybe", "submit": "\x00"}
HOSTILE_LANGUAGE = {"HTTP_ACCEPT_LANGUAGE": "zz-ZZ;q=2, \x7f, *;q=-1, " + "x" * 500}


def test_it_never_fails_on_junk_posted_to_any_tenant_url(world, client):
    """Every tenant URL, POSTed junk form data by acme's owner with a nonsense language
    cookie and Accept-Language header, then fetched the same way: no 500. (Some POSTs
    act — discard, close, remove — so the database may change; that the rejected
    ones write nothing is for the form-by-form tests.)"""
    resolver = ParamResolver(world, load_params())
    urls = [route.url({"org_slug": "acme",
                       **{k: resolver[k] for k in route.kwargs if k != "org_slug"}})
            for route in tenant_routes()]
    owner = signed_in(world.acme.owner)
    owner.cookies["django_language"] = "zz-ÅÄ\"; x"
    failures = []
    for url in urls:
        for method in ("post", "get"):
            response = getattr(owner, method)(url, JUNK_FORM if method == "post" else {},
                                              **HOSTILE_LANGUAGE)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
