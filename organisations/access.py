"""The one access path to tenant data.

Every view under ``/o/<org-slug>/`` is wrapped in :func:`tenant_view`, which
resolves the organisation for the signed-in user and hands the view an
:class:`OrgAccess`. Objects inside the organisation are fetched through
:func:`scoped` / :func:`get_scoped` (or the selectors below, built on them), so an
object of another organisation is indistinguishable from one that does not exist:
both are a 404. A member whose role does not allow an action gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.cache import add_never_cache_headers, patch_cache_control

from . import sql
from .models import Organisation, Role
from .security import log_security_event

ROLE_RANK = {Role.VIEWER: 1, Role.MANAGER: 2, Role.CONSULTANT: 3, Role.OWNER: 4}

# What each role may do inside an organisation.
CAPABILITIES: dict[str, frozenset[str]] = {
    "view": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER, Role.VIEWER}),
    "edit": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER}),
    "assess": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER}),
    "manage_departments": frozenset({Role.OWNER, Role.CONSULTANT}),
    "manage_members": frozenset({Role.OWNER, Role.CONSULTANT}),
    "manage_models": frozenset({Role.OWNER, Role.CONSULTANT}),
    "manage_clients": frozenset({Role.OWNER, Role.CONSULTANT}),
    "reopen": frozenset({Role.OWNER, Role.CONSULTANT}),
    "view_audit": frozenset({Role.OWNER}),
    # API tokens act for the whole organisation: only owners create and revoke them.
    "manage_api_tokens": frozenset({Role.OWNER}),
    "manage_sso": frozenset({Role.OWNER}),  # single sign-on settings (sso/)
    "manage_benchmark": frozenset({Role.OWNER}),  # benchmark switch and consent (peers/)
    # White label (organisations.branding): a consultancy's owners set it for their
    # clients too, as their role carries into them.
    "manage_branding": frozenset({Role.OWNER}),
    # Who answered what, in a round that is named (never in an anonymous one, never
    # executives): assessments.anonymity.names_visible.
    "see_names": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER}),
    # Executives read reports and download PDFs: asking for a PDF is the one write a
    # viewer may do (it creates a Report, never changes assessment data).
    "request_reports": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER, Role.VIEWER}),
    # Outbound webhooks (improvement/): their secrets and delivery logs.
    "manage_webhooks": frozenset({Role.OWNER, Role.CONSULTANT}),
    # A personal calendar link to the action plan's due dates: the one other write a
    # viewer may do (it changes no tenant data, only the viewer's own link).
    "calendar_feed": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER, Role.VIEWER}),
}
# The same, by role: read on every tenant page (navigation, panels), computed once.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    role: frozenset(name for name, roles in CAPABILITIES.items() if role in roles)
    for role in Role.values
}
# Roles of a consultancy that carry over into its client organisations.
CONSULTANCY_ROLES_IN_CLIENTS = frozenset({Role.OWNER, Role.CONSULTANT})


@dataclass(frozen=True)
class OrgAccess:
    """What one user may do in one organisation, and why."""

    user: object
    organisation: Organisation
    role: str
    via_consultancy: bool = False
    # The role is capped below the user's own (an API token's scope): work done later
    # on this access's behalf (a PDF rendered by a worker) keeps to this role.
    capped: bool = False
    # The organisation's change stamp as the access check read it (organisations.changes),
    # for what a page keeps in the cache; None when unknown.
    stamp: str | None = field(default=None, compare=False)

    def can(self, capability: str) -> bool:
        return self.role in CAPABILITIES[capability]

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise PermissionDenied

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def capabilities(self) -> frozenset[str]:
        """The capabilities this access grants; templates test ``"x" in access.capabilities``."""
        return ROLE_CAPABILITIES.get(self.role, frozenset())

    def assignable_roles(self) -> list[str]:
        """Roles this user may hand out: only an owner makes (or unmakes) owners."""
        return [role for role in Role.values if role != Role.OWNER or self.role == Role.OWNER]


def _best(*roles: str | None) -> str | None:
    present = [r for r in roles if r]
    return max(present, key=lambda r: ROLE_RANK[r]) if present else None


def inherited_role(*, parent_kind: str | None, role: str | None) -> str | None:
    """The role a member of an organisation's parent has in the organisation: an owner's
    or a consultant's of a consultancy carries over into its clients; nothing else does.
    The same rule as a filter of memberships: :func:`carries_into_clients`."""
    if parent_kind == Organisation.Kind.CONSULTANCY and role in CONSULTANCY_ROLES_IN_CLIENTS:
        return role
    return None


def carries_into_clients(path: str = "") -> Q:
    """Memberships (``path``: the way to them) whose role carries into the organisation's
    clients, as :func:`inherited_role` decides for one."""
    return Q(**{f"{path}organisation__kind": Organisation.Kind.CONSULTANCY,
                f"{path}role__in": CONSULTANCY_ROLES_IN_CLIENTS})


def organisation_access(user, slug: str) -> OrgAccess:
    """The user's access to the organisation with this slug, or 404."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    row = sql.access_row(user.pk, slug)
    if row is None:
        raise Http404
    org = row.organisation
    inherited = inherited_role(parent_kind=org.parent.kind if org.parent_id else None,
                               role=row.parent_role)
    role = _best(row.own_role, inherited)
    if role is None:
        raise Http404
    return OrgAccess(user=user, organisation=org, role=role,
                     via_consultancy=role != row.own_role, stamp=row.stamp)


def accessible_organisations(user) -> list[tuple[sql.SwitcherRow, str]]:
    """Every organisation the user may open (their memberships, and the clients their
    role in a consultancy carries into), with the effective role: one query."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles: dict[int, tuple[sql.SwitcherRow, str]] = {}
    for row in sql.switcher_rows(user.pk):  # a client can come as a member and as a client
        role = _best(row.own_role, inherited_role(parent_kind=row.parent_kind,
                                                  role=row.parent_role),
                     roles[row.pk][1] if row.pk in roles else None)
        if role is not None:
            roles[row.pk] = (row, role)
    return sorted(roles.values(), key=lambda pair: (pair[0].parent_id is not None,
                                                    pair[0].name.lower()))


def tenant_view(capability: str = "view", *, write: str = "edit",
                browser_cache: int = 0) -> Callable:
    """Wrap a view taking ``(request, access, **kwargs)`` and routed with ``org_slug``.

    Anonymous users are sent to sign in; a user without access gets 404; a member
    without ``capability`` (or, for an unsafe method, without ``write``) gets 403.
    ``browser_cache``: seconds the user's own browser (never a shared cache) may keep
    the answer, for content whose URL changes with it (a logo); otherwise none.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, org_slug: str, *args, **kwargs):
            try:
                access = organisation_access(request.user, org_slug)
                access.require(capability)
                if request.method not in ("GET", "HEAD", "OPTIONS"):
                    access.require(write)
            except Http404:
                log_security_event("access.denied", request=request, organisation=org_slug,
                                   path=request.path, method=request.method, answer=404)
                raise
            # A 403 is logged by organisations.middleware.PermissionDeniedMiddleware,
            # once for this gate and for the views' own checks.
            request.access = access
            response = view(request, access, *args, **kwargs)
            # Tenant pages are never kept by a browser or a shared cache: what one
            # user saw must not be shown to the next user of the same computer.
            if browser_cache and response.status_code == 200:
                patch_cache_control(response, private=True, max_age=browser_cache)
            else:
                add_never_cache_headers(response)
            return response

        wrapped.tenant_capability = capability
        wrapped.tenant_write = write
        return wrapped

    return decorator


# --- Scoped lookups -------------------------------------------------------------


def scoped(access: OrgAccess, queryset: QuerySet, org_field: str = "organisation") -> QuerySet:
    """The part of ``queryset`` that belongs to the accessed organisation."""
    return queryset.filter(**{org_field: access.organisation})


def get_scoped(access: OrgAccess, queryset: QuerySet, org_field: str = "organisation",
               **lookup):
    """One object of the accessed organisation, or 404 (also for a malformed id)."""
    try:
        obj = scoped(access, queryset, org_field).filter(**lookup).first()
    except (ValueError, ValidationError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def visible_to_organisation(org: Organisation, owner_field: str = "owner") -> Q:
    """Q for catalogue-like data: shipped (no owner), owned by org, or by its consultancy."""
    q = Q(**{f"{owner_field}__isnull": True}) | Q(**{owner_field: org})
    if org.parent_id:
        q |= Q(**{f"{owner_field}_id": org.parent_id})
    return q
