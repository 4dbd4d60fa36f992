"""Errors as RFC 9457 problem details (``application/problem+json``), everywhere under
``/api/``: the API's own refusals, validation errors with the path of each field, and
whatever Django answers there (an unknown URL, a method not allowed, a server error),
which :class:`api.middleware.ApiMiddleware` turns into one.

``type`` is ``about:blank`` (the status says it all), ``title`` the status's phrase,
``detail`` a sentence for people. A validation error lists ``errors``, each with a
``pointer`` (a JSON Pointer into the request body, as RFC 9457's example) or a
``parameter`` (a query or path parameter) and its ``detail``.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

CONTENT_TYPE = "application/problem+json"
# The statuses every operation may answer with a problem (documented on each).
STATUSES = (400, 401, 403, 404, 413, 429)


class FieldError(Schema):
    pointer: str | None = None
    parameter: str | None = None
    detail: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem(request, status: int, detail: str | None = None, *,
            errors: list[dict] | None = None, headers: dict | None = None) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase,
                            "status": status}
    if detail:
        body["detail"] = str(detail)
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def default_detail(status: int) -> str:
    return {
        400: _("The request is not valid."),
        401: _("A valid API token is needed: send it as “Authorization: Bearer <token>”."),
        403: _("This token may not do that: its scope or its creator's role does not allow "
               "it."),
        404: _("There is nothing here."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large."),
        429: _("Too many requests with this token. Try again later."),
    }.get(status, HTTPStatus(status).description)


def pointer(parts) -> str:
    """A JSON Pointer (RFC 6901) to a place in the body: ``#/respondents/0/email``."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def validation_errors(errors: list[dict]) -> list[dict]:
    """django-ninja's (pydantic's) errors as problem ``errors``: ``loc`` is
    ``("body", <parameter name>, *path)`` for the body, ``("query"|"path", name)``
    otherwise."""
    result = []
    for error in errors:
        loc = list(error.get("loc") or ())
        message = error.get("msg", "")
        if loc and loc[0] == "body":
            result.append({"pointer": pointer(loc[2:]), "detail": message})
        elif len(loc) >= 2:
            result.append({"parameter": str(loc[1]), "detail": message})
        else:
            result.append({"detail": message})
    return result


_DOCUMENT_PATH = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def document_errors(problems: list[str]) -> list[dict]:
    """A model document's problems (``questions[12].dimension: message``) as ``errors``
    pointing into the document."""
    result = []
    for text in problems:
        path, sep, message = text.partition(": ")
        if not sep or path.startswith("("):  # "(document): …" is about the whole
            result.append({"pointer": "#", "detail": message or text})
            continue
        parts = [m.group(1) or m.group(2) for m in _DOCUMENT_PATH.finditer(path)]
        result.append({"pointer": pointer(parts), "detail": message})
    return result


def service_errors(error) -> list[dict]:
    """A service's ValidationError: ``{field: [messages]}`` or plain messages."""
    if hasattr(error, "error_dict"):
        return [{"pointer": pointer([] if field == "__all__" else [field]), "detail": m}
                for field, messages in error.message_dict.items() for m in messages]
    return [{"pointer": "#", "detail": m} for m in error.messages]
