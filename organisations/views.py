"""Views of accounts and tenancy. Thin: objects come from ``access``, writes go
through ``services``, and a broken business rule comes back as a message."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import branding, dashboard, selectors, services, throttle
from .access import OrgAccess, accessible_organisations, tenant_view
from .audit import action_label
from .forms import (
    BrandingForm,
    ClientForm,
    DepartmentForm,
    InvitationForm,
    InvitationSignupForm,
    MembershipRoleForm,
    ProfileForm,
    SignupForm,
)
from .models import Role
from .service_views import call_service, show_on_form

# Several backends are configured (django-axes first); a fresh sign-up or an accepted
# invitation signs in through the ordinary one.
MODEL_BACKEND = "organisations.backends.UserBackend"


@never_cache
def healthz(request):
    """Liveness and database reachability, for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    orgs = accessible_organisations(request.user)
    if len(orgs) == 1:
        return redirect("organisations:home", org_slug=orgs[0][0].slug)
    return render(request, "organisations/choose.html", {"organisations": orgs})


def _posted(request, *, files: bool = False) -> tuple:
    """A form's data on POST, even an empty one (which then says what is missing);
    nothing otherwise, so the form is unbound."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)


def _current_language() -> str:
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _tenant_render(request, access: OrgAccess, template: str, context: dict, *,
                   section: str = "", status: int = 200):
    return render(request, template, {"organisation": access.organisation,
                                      "section": section, **context}, status=status)


# --- Accounts ---------------------------------------------------------------------


def signup(request):
    if request.user.is_authenticated:
        messages.info(request, _("You already have an account."))
        return redirect("home")
    form = SignupForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not throttle.allow(request, action="signup", email=data["email"]):
            form.add_error(None, throttle.refusal())
            return render(request, "registration/signup.html", {"form": form}, status=429)
        outcome = call_service(
            request, services.signup, form=form,
            email=data["email"], full_name=data["full_name"], password=data["password"],
            organisation_name=data["organisation_name"],
            organisation_slug=data["organisation_slug"], kind=data["kind"],
            language=_current_language(), request=request,
        )
        if outcome.ok:
            # The same answer whether or not the address has an account: the email
            # (a verification link, or a note to the account's owner) says which.
            return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


@require_safe
def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@never_cache
def signup_verify(request, payload):
    """The link of the sign-up email: a button (so that a mail scanner opening the
    link activates nothing), then the account is active and its organisation made."""
    try:
        services.signup_link_check(payload)
    except services.SignupLinkInvalid:
        return render(request, "registration/signup_verify.html", {"invalid": True},
                      status=400)
    if request.method == "POST":
        try:
            user, org = services.signup_verify(payload=payload, request=request)
        except services.SignupLinkInvalid:
            return render(request, "registration/signup_verify.html", {"invalid": True},
                          status=400)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, _("Welcome! %(organisation)s is ready.")
                         % {"organisation": org.name})
        return redirect("organisations:home", org_slug=org.slug)
    return render(request, "registration/signup_verify.html", {"invalid": False})


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, throttled per address and per client address."""

    def form_valid(self, form):
        if not throttle.allow(self.request, action="password_reset",
                              email=form.cleaned_data["email"]):
            form.add_error(None, throttle.refusal())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(*_posted(request),
                       initial={"full_name": user.full_name, "language": user.language})
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, full_name=form.cleaned_data["full_name"],
                                language=form.cleaned_data["language"], request=request)
        language = user.language
        if language:
            # The rest of this response (and the message) is in the chosen language.
            translation.activate(language)
            request.LANGUAGE_CODE = language
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
    return render(request, "registration/profile.html", {
        "form": form,
        "organisations": [(org, role, Role(role).label)
                          for org, role in accessible_organisations(user)],
    })


@never_cache
def invitation_accept(request, token: str):
    """Where an invitation link lands: accept, sign up, or be told to sign in first."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "organisations/invitation_unavailable.html",
                      {"reason": "invalid"}, status=404)
    user = request.user
    if (invitation.status == "accepted" and user.is_authenticated
            and invitation.accepted_by_id == user.pk):
        messages.info(request, _("You have already accepted this invitation."))
        return redirect("organisations:home", org_slug=invitation.organisation.slug)
    if invitation.status != "pending":
        return _invitation_unavailable(request, invitation, invitation.status)
    # The invited person is no member yet: the organisation's name, colour and footer
    # line, without the logo (its URL is for members).
    context = {"invitation": invitation, "organisation": invitation.organisation,
               "brand": branding.effective_branding(invitation.organisation)}

    if user.is_authenticated:
        if not services.email_matches(invitation, user):
            return render(request, "organisations/invitation_wrong_account.html", context,
                          status=403)
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=user, request=request)
            except services.InvitationUnavailable as exc:
                return _invitation_unavailable(request, invitation, exc.reason)
            return _welcome(request, invitation)
        return render(request, "organisations/invitation_accept.html", context)

    if selectors.account_exists(invitation.email):
        login_url = f"{reverse('login')}?next={request.path}"
        return render(request, "organisations/invitation_sign_in.html",
                      {**context, "login_url": login_url})

    form = InvitationSignupForm(*_posted(request), invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.invitation_signup(
                invitation=invitation, full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"], request=request,
            )
        except services.InvitationUnavailable as exc:
            return _invitation_unavailable(request, invitation, exc.reason)
        except ValidationError as error:
            show_on_form(form, error)
        else:
            login(request, new_user, backend=MODEL_BACKEND)
            return _welcome(request, invitation)
    return render(request, "organisations/invitation_signup.html", {**context, "form": form})


def _invitation_unavailable(request, invitation, reason: str):
    return render(request, "organisations/invitation_unavailable.html",
                  {"reason": reason, "invitation": invitation,
                   "organisation": invitation.organisation}, status=410)


def _welcome(request, invitation):
    messages.success(request, _("Welcome to %(organisation)s.")
                     % {"organisation": invitation.organisation.name})
    return redirect("organisations:home", org_slug=invitation.organisation.slug)


# --- Organisation home and portfolio ----------------------------------------------


@tenant_view()
@require_safe
def organisation_home(request, access):
    return _tenant_render(request, access, "organisations/home.html",
                          {"body": home_body(access)}, section="overview")


# Bump when the home page's templates change what they show.
HOME_TEMPLATE_VERSION = "2026-12-04.2"
# The longest a rendered home page is kept; a change of its data replaces it at once.
HOME_CACHE_SECONDS = 600


def home_body(access: OrgAccess) -> SafeString:
    """The organisation home's content below the navigation, kept in the cache under the
    organisation's change stamp (``organisations.changes``, read by the access check) and
    what else it depends on: the reader (their role, their own questionnaires and
    actions), the language and the day (overdue actions). An organisation without a stamp
    (its first write has not committed yet, or it was written in bulk) is rendered
    afresh: a page read writes nothing."""
    stamp = access.stamp
    if stamp is None:
        return mark_safe(_home_body(access)[0])  # noqa: S308 - a template's output
    language = _current_language()
    today = timezone.localdate()
    key = "organisation-home:" + ":".join([
        str(access.organisation.pk), stamp, str(access.user.pk), access.role,
        str(int(access.via_consultancy)), language, today.isoformat(),
        HOME_TEMPLATE_VERSION])
    body = cache.get(key)
    if body is None:
        body, seconds = _home_body(access)
        cache.set(key, body, seconds)
    return mark_safe(body)  # noqa: S308 - a template's output


def _home_body(access: OrgAccess) -> tuple[str, int]:
    """The home page's content, and how long it stays true if nothing is written: until
    the next pending invitation expires (it leaves the count), at most
    ``HOME_CACHE_SECONDS``."""
    org = access.organisation
    people = "manage_members" in access.capabilities
    show_clients = org.is_consultancy and access.can("manage_clients")
    seconds = HOME_CACHE_SECONDS
    pending_count = None
    if people:
        pending = selectors.pending_invitations(access).aggregate(
            count=Count("pk"), next_expiry=Min("expires_at"))
        pending_count = pending["count"]
        if pending["next_expiry"] is not None:
            until = (pending["next_expiry"] - timezone.now()).total_seconds()
            seconds = max(1, min(seconds, math.ceil(until)))
    # No request: nothing of the reader's session (a CSRF token) goes into the cache.
    body = render_to_string("organisations/_home_body.html", {
        "organisation": org, "access": access,
        "departments": list(selectors.departments(access).values("public_id", "name")),
        "clients": (list(selectors.client_organisations(access).values("slug", "name"))
                    if show_clients else None),
        "member_count": selectors.memberships(access).count() if people else None,
        "pending_invitation_count": pending_count,
        # From the apps above this one (organisations.dashboard): a member's unanswered
        # questionnaires, then the executive overview.
        "panels": dashboard.panels_for(access),
    })
    return body, seconds


def _require_consultancy(access: OrgAccess) -> None:
    if not access.organisation.is_consultancy:
        raise Http404


@tenant_view("manage_clients", write="manage_clients")
@require_safe
def portfolio(request, access):
    _require_consultancy(access)
    return _tenant_render(request, access, "organisations/portfolio.html", {
        "clients": selectors.portfolio(access),
    }, section="portfolio")


@tenant_view("manage_clients", write="manage_clients")
def client_create(request, access):
    _require_consultancy(access)
    form = ClientForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.client_create, form=form, consultancy=access.organisation,
            by=access, name=form.cleaned_data["name"], slug=form.cleaned_data["slug"],
            request=request, done=lambda client: _(
                "%(client)s is now a client. Add its departments next.") % {
                "client": client.name})
        if outcome.ok:
            return redirect("organisations:department_list", org_slug=outcome.result.slug)
    return _tenant_render(request, access, "organisations/client_form.html", {"form": form},
                          section="portfolio")


# --- Departments --------------------------------------------------------------------


@tenant_view("view", write="manage_departments")
@require_safe
def department_list(request, access):
    return _tenant_render(request, access, "organisations/department_list.html", {
        "departments": selectors.departments(access),
        "can_manage": access.can("manage_departments"),
    }, section="departments")


@tenant_view("manage_departments", write="manage_departments")
def department_create(request, access):
    form = DepartmentForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.department_create, form=form, by=access, request=request,
            **form.cleaned_data, done=lambda department: _("Department “%(name)s” added.")
            % {"name": department.name})
        if outcome.ok:
            return redirect("organisations:department_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/department_form.html",
                          {"form": form}, section="departments")


@tenant_view()
@require_safe
def department_detail(request, access, department_id):
    return _tenant_render(request, access, "organisations/department_detail.html", {
        "department": selectors.get_department(access, department_id),
    }, section="departments")


@tenant_view("manage_departments", write="manage_departments")
def department_update(request, access, department_id):
    department = selectors.get_department(access, department_id)
    form = DepartmentForm(*_posted(request), initial={
        "name": department.name, "description": department.description})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.department_update, form=form, by=access, department=department,
            request=request, **form.cleaned_data,
            done=lambda _result: _("Department “%(name)s” saved.") % {"name": department.name})
        if outcome.ok:
            return redirect("organisations:department_detail",
                            org_slug=access.organisation.slug, department_id=department.public_id)
    return _tenant_render(request, access, "organisations/department_form.html",
                          {"form": form, "department": department}, section="departments")


@tenant_view("manage_departments", write="manage_departments")
def department_delete(request, access, department_id):
    department = selectors.get_department(access, department_id)
    if request.method == "POST":
        outcome = call_service(
            request, services.department_delete, by=access, department=department,
            request=request, done=_("Department “%(name)s” removed.") % {"name": department.name})
        if outcome.ok:
            return redirect("organisations:department_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/department_confirm_delete.html", {
        "department": department,
        # Drafts and cancelled rounds go with the department (services.department_delete).
        "rounds_removed": department.assessments.without_results().order_by("created_at"),
        "has_results": department.assessments.counted().exists(),
    }, section="departments")


# --- Members ------------------------------------------------------------------------


def _member_row(access: OrgAccess, membership, owner_count: int) -> dict:
    is_owner = membership.role == Role.OWNER
    return {
        "membership": membership,
        "is_self": membership.user_id == access.user.pk,
        "last_owner": is_owner and owner_count == 1,
        "may_change": not is_owner or access.role == Role.OWNER,
    }


@tenant_view("manage_members", write="manage_members")
@require_safe
def member_list(request, access):
    memberships = list(selectors.memberships(access).order_by("user__full_name", "user__email"))
    owner_count = sum(1 for m in memberships if m.role == Role.OWNER)
    return _tenant_render(request, access, "organisations/member_list.html", {
        "rows": [_member_row(access, m, owner_count) for m in memberships],
        "inherited": selectors.inherited_memberships(access),
        "roles": [(role, Role(role).label) for role in access.assignable_roles()],
    }, section="members")


@tenant_view("manage_members", write="manage_members")
def member_role(request, access, membership_id):
    membership = selectors.get_membership(access, membership_id)
    form = MembershipRoleForm(*_posted(request), roles=access.assignable_roles(),
                              initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        outcome = call_service(
            request, services.membership_change_role, by=access, membership=membership,
            role=role, request=request, done=_("%(name)s is now: %(role)s.")
            % {"name": membership.user, "role": Role(role).label})
        if outcome.ok and membership.user_id == access.user.pk:
            # One's own new role may no longer open the members page.
            return redirect("organisations:home", org_slug=access.organisation.slug)
        return redirect("organisations:member_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/member_role.html", {
        "form": form, "membership": membership,
        "row": _member_row(access, membership, selectors.owner_count(access)),
    }, section="members")


@tenant_view("manage_members", write="manage_members")
def member_remove(request, access, membership_id):
    membership = selectors.get_membership(access, membership_id)
    row = _member_row(access, membership, selectors.owner_count(access))
    if request.method == "POST":
        outcome = call_service(
            request, services.membership_remove, by=access, membership=membership,
            request=request, done=_("%(name)s is no longer a member.") % {"name": membership.user})
        if outcome.ok and row["is_self"]:
            return redirect("home")
        return redirect("organisations:member_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/member_confirm_remove.html",
                          {"membership": membership, "row": row}, section="members")


# --- Invitations ------------------------------------------------------------------------


@tenant_view("manage_members", write="manage_members")
@require_safe
def invitation_list(request, access):
    return _tenant_render(request, access, "organisations/invitation_list.html", {
        "invitations": selectors.invitations(access),
    }, section="invitations")


@tenant_view("manage_members", write="manage_members")
def invitation_create(request, access):
    form = InvitationForm(*_posted(request), roles=access.assignable_roles(),
                          initial={"language": request.user.language or _current_language()})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.invitation_create, form=form, by=access, request=request,
            **form.cleaned_data,
            done=lambda created: _("%(email)s is invited. The invitation is being emailed.")
            % {"email": created[0].email})
        if outcome.ok:
            return redirect("organisations:invitation_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/invitation_form.html", {
        "form": form, "expiry_days": settings.INVITATION_EXPIRY_DAYS,
    }, section="invitations")


@tenant_view("manage_members", write="manage_members")
def invitation_revoke(request, access, invitation_id):
    invitation = selectors.get_invitation(access, invitation_id)
    if request.method == "POST":
        call_service(request, services.invitation_revoke, by=access, invitation=invitation,
                     request=request, done=_("The invitation to %(email)s is revoked; its "
                                             "link no longer works.")
                     % {"email": invitation.email})
        return redirect("organisations:invitation_list", org_slug=access.organisation.slug)
    return _tenant_render(request, access, "organisations/invitation_confirm_revoke.html",
                          {"invitation": invitation}, section="invitations")


@tenant_view("manage_members", write="manage_members")
@require_POST
def invitation_resend(request, access, invitation_id):
    invitation = selectors.get_invitation(access, invitation_id)
    call_service(request, services.invitation_resend, by=access, invitation=invitation,
                 request=request, done=_("A new link is being emailed to %(who)s; the "
                                         "previous link no longer works.")
                 % {"who": invitation.email})
    return redirect("organisations:invitation_list", org_slug=access.organisation.slug)


# --- Audit ----------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


@tenant_view("view_audit", write="view_audit")
@require_safe
def audit_log(request, access):
    page = Paginator(selectors.audit_events(access), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page"))
    for event in page.object_list:
        event.label = action_label(event.action)
    return _tenant_render(request, access, "organisations/audit_log.html", {"page": page},
                          section="audit")


# --- White label ---------------------------------------------------------------------


@tenant_view("manage_branding", write="manage_branding")
def branding_settings(request, access):
    organisation = access.organisation
    own = branding.own_values(organisation)
    parent = organisation.parent if organisation.parent_id else None
    form = BrandingForm(*_posted(request, files=True), has_logo=bool(own["logo"]),
                        inherited=branding.effective_branding(parent),
                        initial={"name": own["name"], "colour": own["colour"],
                                 "footer": own["footer"]})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, services.branding_update, form=form, by=access,
                               request=request, done=_("The branding is saved."),
                               **form.cleaned_data)
        if outcome.ok:
            return redirect("organisations:branding", org_slug=organisation.slug)
    return _tenant_render(request, access, "organisations/branding.html", {
        "form": form, "sources": branding.sources(organisation),
    }, section="members", status=400 if request.method == "POST" else 200)


@tenant_view("view", browser_cache=branding.LOGO_BROWSER_CACHE)
@require_safe
def brand_logo(request, access):
    """The logo this organisation's pages show (its own, or its consultancy's)."""
    return branding.logo_response(access.organisation)


@require_safe
def brand_stylesheet(request, version: str, colour: str):
    """The stylesheet of a primary colour (``Branding.stylesheet_url``): it depends on
    the colour alone, names no organisation, and is the same for everyone."""
    try:
        checked = branding.check_colour(colour)
    except ValidationError:
        raise Http404 from None
    if version != branding.STYLESHEET_VERSION or checked != f"#{colour}":
        raise Http404
    response = HttpResponse(render_to_string("organisations/brand.css",
                                             branding.palette(checked)),
                            content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=365 * 24 * 60 * 60, immutable=True)
    return response
