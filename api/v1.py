"""The REST API, version 1: ``/api/v1/``, its OpenAPI document at ``/api/v1/openapi.json``
and browsable docs at ``/api/v1/docs``.

Built with django-ninja: operations are plain typed functions that call the same
selectors and services as the pages (``organisations.access`` scopes every read), and
the schema is generated from their types. Each resource is a module of
``api/resources`` with a ``router``; a new resource is a new module added to
``RESOURCES`` below.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from organisations.security import log_security_event

from . import problems
from .auth import READ, Throttled
from .resources import actions, departments, models, organisations, reports, rounds

RESOURCES = (organisations, departments, models, rounds, reports, actions)


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Problems are documented as ``application/problem+json``, as they are sent."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content") or {}
                    if int(code) >= 400 and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return schema


api = Api(
    title="Maturity Desk API",
    version="1",
    description=(
        "Read your organisation's departments, maturity models, assessment rounds and "
        "results, run rounds and ask for PDF reports. Authenticate with an API token "
        "(created by an owner on the organisation's “API tokens” page) as "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details."),
    urls_namespace="api-v1",
    auth=READ,
    docs_url="/docs",
    openapi_url="/openapi.json",
)

for resource in RESOURCES:
    api.add_router("", resource.router)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return problems.problem(request, 400, problems.default_detail(400),
                            errors=problems.validation_errors(exc.errors))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    # Nothing about why: an unknown, revoked or expired token all read the same.
    return problems.problem(request, 401, problems.default_detail(401),
                            headers={"WWW-Authenticate": 'Bearer realm="api"'})


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return problems.problem(request, 429, problems.default_detail(429),
                            headers={"Retry-After": str(exc.wait)})


@api.exception_handler(HttpError)
def _http_error(request, exc):
    # django-ninja's own: an unreadable body ("Cannot parse request body") is a 400.
    status = exc.status_code
    return problems.problem(request, status, problems.default_detail(status)
                            if status != 400 else str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.problem(request, 404, problems.default_detail(404))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    access = getattr(request, "access", None)
    log_security_event("access.denied", request=request,
                       organisation=access.organisation if access else None,
                       path=request.path, method=request.method, answer=403)
    return problems.problem(request, 403, problems.default_detail(403))


@api.exception_handler(DjangoValidationError)
def _refused(request, exc):
    """A service refused: a field's problem is a 400, a state's (“only an open round can
    be closed”) a 409."""
    status = 400 if hasattr(exc, "error_dict") else 409
    return problems.problem(request, status, " ".join(exc.messages),
                            errors=problems.service_errors(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problems.problem(request, 413, problems.default_detail(413))
