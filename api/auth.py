"""Who calls: an API token, resolved to the same ``OrgAccess`` the pages use.

A token acts in its one organisation with the role its scope gives (read: an
executive's, write: a consultant's), never above the role its creator has there now:
a creator who lost access takes their tokens' access with them (401). The order of
the answers reveals nothing: no valid token is a 401 (whatever the token was), another
organisation's URL a 404 (as for a page), then a capability the role lacks a 403.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from organisations import throttle
from organisations.access import ROLE_RANK, OrgAccess, organisation_access
from organisations.models import Role
from organisations.security import log_security_event

from . import selectors, services
from .models import ApiToken

SCOPE_ROLES = {ApiToken.Scope.READ: Role.VIEWER, ApiToken.Scope.WRITE: Role.CONSULTANT}


class Throttled(HttpError):
    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(429, "throttled")


def token_access(token: ApiToken) -> OrgAccess | None:
    """The token's access to its organisation, or None if it has none (any more)."""
    try:
        access = organisation_access(token.created_by, token.organisation.slug)
    except Http404:
        return None
    role = min(access.role, SCOPE_ROLES[token.scope], key=ROLE_RANK.__getitem__)
    return OrgAccess(user=token.created_by, organisation=access.organisation, role=role,
                     via_consultancy=access.via_consultancy, capped=role != access.role)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; ``capability`` is what the operation needs
    (``organisations.access.CAPABILITIES``)."""

    def __init__(self, capability: str = "view"):
        self.capability = capability
        super().__init__()

    def __call__(self, request):
        result = super().__call__(request)
        if result is None:
            log_security_event("api.denied", request=request, path=request.path,
                               method=request.method, answer=401)
            raise AuthenticationError()
        return result

    def authenticate(self, request, token: str) -> OrgAccess | None:
        found = selectors.token_by_secret(token.strip())
        if found is None or not found.is_active:
            return None
        access = token_access(found)
        if access is None:
            return None
        request.api_token = found
        request.audit_via = f"API token “{found.name}”"
        allowed, wait = throttle.within_limit(
            f"api-token:{found.pk}", limit=settings.API_THROTTLE_PER_TOKEN,
            window=settings.API_THROTTLE_WINDOW_SECONDS)
        if not allowed:
            log_security_event("api.throttled", request=request, organisation=access.organisation,
                               token=found.name)
            raise Throttled(wait)
        services.token_used(found)
        match = getattr(request, "resolver_match", None)
        org_slug = match.kwargs.get("org_slug") if match else None
        if org_slug is not None and org_slug != access.organisation.slug:
            log_security_event("access.denied", request=request, organisation=org_slug,
                               path=request.path, method=request.method, answer=404,
                               token=found.name)
            raise Http404
        request.access = access
        access.require(self.capability)  # PermissionDenied: 403
        return access


READ = TokenAuth("view")
"""Reading the organisation's data."""
REPORTS = TokenAuth("request_reports")
"""Asking for a PDF: executives may on the pages, so a read token may too."""
ASSESS = TokenAuth("assess")
"""Creating, opening and closing rounds, inviting respondents."""
EDIT = TokenAuth("edit")
"""Planning actions and recording their progress."""
MANAGE_MODELS = TokenAuth("manage_models")
"""Importing a model document."""
