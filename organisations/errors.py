"""The error pages (404, 403, 405) in one branding rule: under ``/o/<org>/``, a user
who may open that organisation sees its branding and a way back to it, whatever gave
the error (the URL resolver, the access gate or the view); anyone else sees the
product's, exactly as under an organisation that does not exist."""

from __future__ import annotations

import contextlib
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from .access import organisation_access

TENANT_PATH = re.compile(r"^/o/(?P<slug>[-a-zA-Z0-9_]+)/")


def _with_access(request: HttpRequest) -> None:
    """``request.access`` (which the page's branding reads) for the organisation of a
    tenant URL the user may open, when the error came before a view set it."""
    if getattr(request, "access", None) is not None:
        return
    match = TENANT_PATH.match(request.path_info)
    if match is None:
        return
    with contextlib.suppress(Http404):  # not theirs to open: the product's page
        request.access = organisation_access(getattr(request, "user", None), match["slug"])


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    _with_access(request)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    _with_access(request)
    return defaults.permission_denied(request, exception)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """The page of a 405 (a GET of an address that only takes a button's POST)."""
    _with_access(request)
    response = render(request, "405.html", status=405)
    response["Allow"] = allowed
    add_never_cache_headers(response)
    return response
