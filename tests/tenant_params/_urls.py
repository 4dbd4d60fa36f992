"""Introspection of the URLconf: every pattern under ``/o/<org_slug>/``, and how to
build a concrete URL for one, and a cheap fingerprint of the whole database."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

TENANT_PREFIX = "o/<slug:org_slug>/"
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


@dataclass(frozen=True)
class TenantRoute:
    route: str                 # "o/<slug:org_slug>/departments/<uuid:department_id>/"
    name: str                  # "organisations:department_detail", or the route if unnamed
    parts: tuple               # the RoutePattern/RegexPattern of each level
    kwargs: tuple[str, ...]    # every kwarg of the route, org_slug included

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"

    def url(self, values: dict[str, object]) -> str:
        pieces = []
        for part in self.parts:
            if isinstance(part, RoutePattern):
                converters = part.converters
                pieces.append(_PARAMETER.sub(
                    lambda m, c=converters: str(c[m["parameter"]].to_url(values[m["parameter"]])),
                    str(part),
                ))
            elif isinstance(part, RegexPattern) and not part.regex.groupindex:
                pieces.append(str(part).lstrip("^").rstrip("$"))
            else:
                raise AssertionError(
                    f"{self}: cannot build a URL for a regular-expression pattern with "
                    "groups; route it with path() and converters."
                )
        return "/" + "".join(pieces)


def _kwargs_of(part) -> list[str]:
    if isinstance(part, RoutePattern):
        return list(part.converters)
    return list(part.regex.groupindex)


def _walk(patterns, parts: tuple, namespace: str | None) -> Iterator[TenantRoute]:
    for entry in patterns:
        here = parts + (entry.pattern,)
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from _walk(entry.url_patterns, here, ns)
        elif isinstance(entry, URLPattern):
            route = "".join(str(p) for p in here).replace("^", "").replace("$", "")
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (
                entry.name or route)
            kwargs = tuple(k for p in here for k in _kwargs_of(p))
            yield TenantRoute(route=route, name=name, parts=here, kwargs=kwargs)


def tenant_routes() -> list[TenantRoute]:
    """Every URL pattern whose path starts with ``/o/<org_slug>/``, in URLconf order."""
    resolver = get_resolver()
    return [r for r in _walk(resolver.url_patterns, (), None)
            if r.route.startswith(TENANT_PREFIX)]


def _models():
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table == "django_session":
            continue
        yield meta.db_table, meta.pk.column


def db_fingerprint() -> dict[str, str]:
    """A hash of every row of every table (sessions aside), per table: any insert,
    update or delete shows. The test database is small, so this is cheap."""
    result = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, pk in _models():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            result[table] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return result


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
