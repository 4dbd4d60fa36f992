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
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from maturity_site.rows import Columns, execute, partial

from .models import (
    Department,
    Organisation,
    Role,
)
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
    "manage_benchmark": frozenset({Role.OWNER}),  # benchmark switch and consent (peers/)
    # Who answered what, in a round that is named (never in an anonymous one, never
    # executives): assessments.anonymity.names_visible.
    "see_names": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER}),
    # Executives read reports and download PDFs: asking for a PDF is the one write a
    # viewer may do (it creates a Report, never changes assessment data).
    "request_reports": frozenset({Role.OWNER, Role.CONSULTANT, Role.MANAGER, Role.VIEWER}),
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


# Organisations as the hand-written queries below read them (all columns, converted
# as the ORM would).
_ORG = Columns(Organisation, "o")

# The organisation, its parent's name, slug and kind, and the user's own role in it and
# in its parent, in one statement. Every tenant request runs it: the ORM's two queries
# (the organisation with its parent, then the roles) cost about four times as much.
_ACCESS_SQL = (
    f'SELECT {_ORG.sql}, p."name", p."slug", p."kind", dm."role", pm."role" '  # noqa: S608
    'FROM "organisations_organisation" o '
    'LEFT JOIN "organisations_organisation" p ON p."id" = o."parent_id" '
    'LEFT JOIN "organisations_membership" dm '
    'ON dm."organisation_id" = o."id" AND dm."user_id" = %s '
    'LEFT JOIN "organisations_membership" pm '
    'ON pm."organisation_id" = o."parent_id" AND pm."user_id" = %s '
    'WHERE o."slug" = %s')


def organisation_access(user, slug: str) -> OrgAccess:
    """The user's access to the organisation with this slug, or 404."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    # Slugs are unique, and so is a user's membership of an organisation: one row at most.
    with connection.cursor() as cursor:
        execute(cursor, _ACCESS_SQL, [user.pk, user.pk, slug])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    org = _ORG.instance(row[:len(_ORG)], connection.alias, connection)
    parent_name, parent_slug, parent_kind, direct, inherited = row[len(_ORG):]
    if org.parent_id is not None:  # as select_related("parent") would, minus unused fields
        org.parent = partial(Organisation, org._state.db, id=org.parent_id,
                             name=parent_name, slug=parent_slug, kind=parent_kind)
    # Only a consultancy's owners and consultants act in its clients, as the switcher's
    # statement below says (a parent that is no consultancy gives no role).
    if (parent_kind != Organisation.Kind.CONSULTANCY
            or inherited not in CONSULTANCY_ROLES_IN_CLIENTS):
        inherited = None
    role = _best(direct, inherited)
    if role is None:
        raise Http404
    return OrgAccess(user=user, organisation=org, role=role,
                     via_consultancy=role != direct)


# Every organisation the user may open: their memberships, and the clients of the
# consultancies where they are an owner or a consultant (with their own role there, if
# any). One statement for the organisation switcher on every page, each branch driven
# by an index (memberships by user, organisations by parent).
_ACCESSIBLE_SQL = (
    f'SELECT {_ORG.sql}, m."role", NULL '  # noqa: S608
    'FROM "organisations_membership" m '
    'INNER JOIN "organisations_organisation" o ON o."id" = m."organisation_id" '
    'WHERE m."user_id" = %s '
    'UNION ALL '
    f'SELECT {_ORG.sql}, cm."role", pm."role" '
    'FROM "organisations_membership" pm '
    'INNER JOIN "organisations_organisation" p ON p."id" = pm."organisation_id" '
    'INNER JOIN "organisations_organisation" o ON o."parent_id" = p."id" '
    'LEFT JOIN "organisations_membership" cm '
    'ON cm."organisation_id" = o."id" AND cm."user_id" = %s '
    'WHERE pm."user_id" = %s AND p."kind" = %s AND pm."role" IN (%s, %s)')


def accessible_organisations(user) -> list[tuple[Organisation, str]]:
    """Every organisation the user may open, with the effective role, in one query."""
    if not getattr(user, "is_authenticated", False):
        return []
    with connection.cursor() as cursor:
        execute(cursor, _ACCESSIBLE_SQL, [user.pk, user.pk, user.pk,
                                          Organisation.Kind.CONSULTANCY,
                                          *sorted(CONSULTANCY_ROLES_IN_CLIENTS)])
        rows = cursor.fetchall()
    roles: dict[int, tuple[Organisation, str]] = {}
    for row in rows:  # a client can come twice: as a member and through its consultancy
        org = _ORG.instance(row[:len(_ORG)], connection.alias, connection)
        own, inherited = row[len(_ORG):]
        role = _best(own, inherited, roles[org.pk][1] if org.pk in roles else None)
        roles[org.pk] = (org, role)
    return sorted(roles.values(), key=lambda pair: (pair[0].parent_id is not None,
                                                    pair[0].name.lower()))


def tenant_view(capability: str = "view", *, write: str = "edit") -> Callable:
    """Wrap a view taking ``(request, access, **kwargs)`` and routed with ``org_slug``.

    Anonymous users are sent to sign in; a user without access gets 404; a member
    without ``capability`` (or, for an unsafe method, without ``write``) gets 403.
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


# The home page's own reads in one statement: the organisation's departments (in
# Department's Meta.ordering), the number of its members and of its pending invitations
# (as memberships() and pending_invitations() below count them; a test checks
# that they agree). Through the ORM these were three queries and about 1.4 ms of
# Python on every view of the page; this one costs a tenth of that. The LEFT JOIN
# gives one row (with no department) for an organisation without departments.
_HOME_SQL = (
    'SELECT d."public_id", d."name", '
    '(SELECT COUNT(*) FROM "organisations_membership" m WHERE m."organisation_id" = %s), '
    '(SELECT COUNT(*) FROM "organisations_invitation" i WHERE i."organisation_id" = %s '
    'AND i."accepted_at" IS NULL AND i."revoked_at" IS NULL AND i."expires_at" > %s) '
    'FROM "organisations_organisation" o '
    'LEFT JOIN "organisations_department" d ON d."organisation_id" = o."id" '
    'WHERE o."id" = %s ORDER BY d."name"')


def home_overview(access: OrgAccess) -> tuple[list[dict], int, int]:
    """The departments (public id and name), member count and pending invitation count."""
    org_id = access.organisation.pk
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        execute(cursor, _HOME_SQL, [org_id, org_id, now, org_id])
        rows = cursor.fetchall()
    to_uuid = Department._meta.get_field("public_id").to_python  # SQLite gives hex text
    departments = [{"public_id": to_uuid(public_id), "name": name}
                   for public_id, name, _, _ in rows if public_id is not None]
    return departments, rows[0][2], rows[0][3]


def visible_to_organisation(org: Organisation, owner_field: str = "owner") -> Q:
    """Q for catalogue-like data: shipped (no owner), owned by org, or by its consultancy."""
    q = Q(**{f"{owner_field}__isnull": True}) | Q(**{owner_field: org})
    if org.parent_id:
        q |= Q(**{f"{owner_field}_id": org.parent_id})
    return q
