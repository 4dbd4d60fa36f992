"""Writes to tenancy data. Each is atomic and leaves an audit row.

Services that act inside an organisation take ``by``: the caller's
:class:`~organisations.access.OrgAccess`, which says who acts and with which role.
Business rules (the last owner, who may make owners) are enforced here, so a view
that forgot a check still cannot break them; breaking one raises ``ValidationError``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import branding, logos, outbox, signals
from .access import ROLE_RANK, OrgAccess
from .models import (
    AuditEvent,
    Department,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    hash_token,
    token_for_secret,
)
from .security import client_ip, log_security_event


def audit(*, organisation: Organisation | None, actor, action: str, target: str = "",
          data: dict | None = None, request: HttpRequest | None = None) -> AuditEvent:
    """Record that ``actor`` did ``action`` on ``target`` in ``organisation``.

    A request made with an API token says so (``request.audit_via``, set by the API):
    the row names the token beside the person who created it."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    via = getattr(request, "audit_via", None)
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if is_user else None,
        actor_label=(f"{actor.email if is_user else actor or ''} · {via}" if via
                     else actor.email if is_user else str(actor or ""))[:254],
        action=action,
        target=str(target)[:300],
        data=data or {},
        ip_address=client_ip(request),
    )


# --- Organisations and accounts -------------------------------------------------


def unique_slug(name: str, *, max_length: int = 60) -> str:
    """A free organisation slug derived from ``name`` (``acme``, ``acme-2``, …)."""
    base = slugify(name)[: max_length - 4].strip("-") or "org"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organisation_create(*, name: str, slug: str, kind: str, owner,
                        parent: Organisation | None = None,
                        request: HttpRequest | None = None) -> Organisation:
    """Create an organisation; ``owner`` becomes its owner (for a client: the creating
    consultant acts through the consultancy and gets no direct membership)."""
    org = Organisation(name=name, slug=slug, kind=kind, parent=parent)
    org.full_clean()
    org.save()
    if parent is None:
        Membership.objects.create(user=owner, organisation=org, role=Role.OWNER)
    audit(organisation=org, actor=owner, action="organisation.created", target=org.name,
          data={"kind": kind, "parent": parent.slug if parent else None}, request=request)
    if parent is not None:
        audit(organisation=parent, actor=owner, action="client.created", target=org.name,
              data={"slug": org.slug}, request=request)
    return org


class _VerificationTokens(PasswordResetTokenGenerator):
    """Like the password-reset token, but for verifying a sign-up's address: it stops
    working once the account is active (used) or its password changes (a newer
    sign-up of the same address)."""

    key_salt = "organisations.services.signup_verification"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


verification_tokens = _VerificationTokens()
SIGNUP_SALT = "organisations.signup"


class SignupLinkInvalid(Exception):
    """A verification link that was used, expired, replaced or tampered with."""


def signup(*, email: str, full_name: str, password: str, organisation_name: str,
           organisation_slug: str, kind: str, language: str = "",
           request: HttpRequest | None = None) -> None:
    """Ask for an account and the organisation it will own; nothing can act yet.

    The address must be proven first: it gets a link (:func:`signup_verify`) that
    activates the account and creates the organisation. If the address already has
    an account, its owner is told instead that someone tried to sign up (with a link
    to reset the password), and nothing changes: the page answers the same either way,
    so sign-up tells nobody which addresses have accounts. A second sign-up of a
    never-verified address replaces the first (its link stops working).
    """
    from .emails import send_signup_existing_email, send_signup_verification_email

    email = User.objects.normalize_email(email).strip().lower()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        existing = user is not None and not user.is_pending
        if not existing:
            user = user or User(email=email)
            user.full_name, user.language, user.is_active = full_name, language, False
            password_validation.validate_password(password, user)
            user.set_password(password)
            user.save()
    # Sent once the account is saved (no request here runs in a transaction).
    if existing:
        log_security_event("auth.signup_existing", request=request, username=email)
        send_signup_existing_email(user=user, language=user.language or language)
        return
    log_security_event("auth.signup_requested", request=request, username=email)
    send_signup_verification_email(user=user, language=language, payload=signup_payload(
        user, organisation_name=organisation_name, organisation_slug=organisation_slug,
        kind=kind))


def signup_payload(user: User, *, organisation_name: str, organisation_slug: str,
                   kind: str) -> str:
    """What the verification link carries: the account, a token that stops working
    once it is used or replaced, and the organisation to create (signed, so that
    nothing of it can be changed)."""
    return signing.dumps({
        "user": user.pk, "token": verification_tokens.make_token(user),
        "name": organisation_name, "slug": organisation_slug, "kind": kind,
    }, salt=SIGNUP_SALT, compress=True)


def _signup_claim(payload: str) -> tuple[User, dict]:
    try:
        data = signing.loads(payload, salt=SIGNUP_SALT,
                             max_age=timedelta(days=settings.SIGNUP_VERIFICATION_DAYS))
    except signing.BadSignature as exc:  # also SignatureExpired
        raise SignupLinkInvalid from exc
    user = User.objects.filter(pk=data.get("user")).first()
    if user is None or not user.is_pending or \
            not verification_tokens.check_token(user, data.get("token", "")):
        raise SignupLinkInvalid
    return user, data


def signup_link_check(payload: str) -> User:
    """The account a verification link would activate (raises ``SignupLinkInvalid``)."""
    return _signup_claim(payload)[0]


@transaction.atomic
def signup_verify(*, payload: str,
                  request: HttpRequest | None = None) -> tuple[User, Organisation]:
    """The address is proven: activate the account and create its organisation."""
    user, data = _signup_claim(payload)
    if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        raise SignupLinkInvalid  # verified a moment ago, in another tab
    user.is_active = True
    slug = data.get("slug") or ""
    if not slug or Organisation.objects.filter(slug=slug).exists():
        slug = unique_slug(data["name"])  # taken since the sign-up: one like it
    org = organisation_create(name=data["name"], slug=slug, kind=data["kind"], owner=user,
                              request=request)
    return user, org


@transaction.atomic
def profile_update(*, user: User, full_name: str, language: str,
                   request: HttpRequest | None = None) -> User:
    changed = {f: v for f, v in (("full_name", full_name), ("language", language))
               if getattr(user, f) != v}
    if changed:
        for field, value in changed.items():
            setattr(user, field, value)
        user.save(update_fields=list(changed))
        audit(organisation=None, actor=user, action="profile.updated", target=user.email,
              data=changed, request=request)
    return user


@transaction.atomic
def client_create(*, consultancy: Organisation, name: str, slug: str, by: OrgAccess,
                  request: HttpRequest | None = None) -> Organisation:
    """A client organisation of ``consultancy``; its consultants act in it from now on."""
    by.require("manage_clients")
    if consultancy.pk != by.organisation.pk:
        raise PermissionDenied
    if not consultancy.is_consultancy:
        raise ValidationError(_("Only a consultancy can have client organisations."))
    return organisation_create(name=name, slug=slug or unique_slug(name),
                               kind=Organisation.Kind.ORGANISATION, owner=by.user,
                               parent=consultancy, request=request)


# --- Departments ------------------------------------------------------------------


def _check_department_name(organisation: Organisation, name: str,
                           exclude: Department | None = None) -> None:
    taken = Department.objects.filter(organisation=organisation, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": _("There is already a department with this name.")})


@transaction.atomic
def department_create(*, by: OrgAccess, name: str, description: str = "",
                      request: HttpRequest | None = None) -> Department:
    by.require("manage_departments")
    organisation = by.organisation
    _check_department_name(organisation, name)
    department = Department.objects.create(organisation=organisation, name=name,
                                           description=description)
    audit(organisation=organisation, actor=by.user, action="department.created",
          target=name, data={"department": str(department.public_id)}, request=request)
    return department


@transaction.atomic
def department_update(*, by: OrgAccess, department: Department, name: str,
                      description: str = "", request: HttpRequest | None = None) -> Department:
    _require_in(by, "manage_departments", department.organisation_id)
    _check_department_name(department.organisation, name, exclude=department)
    before = department.name
    department.name, department.description = name, description
    department.save(update_fields=["name", "description"])
    audit(organisation=department.organisation, actor=by.user, action="department.updated",
          target=name, data={"department": str(department.public_id), "from": before, "to": name},
          request=request)
    return department


@transaction.atomic
def department_delete(*, by: OrgAccess, department: Department,
                      request: HttpRequest | None = None) -> None:
    """Remove a department with its rounds that have no results (drafts and cancelled
    rounds, with what was answered in those). A round with results (open or closed)
    or other data that protects the department stops the removal."""
    _require_in(by, "manage_departments", department.organisation_id)
    organisation, name, public_id = department.organisation, department.name, department.public_id
    rounds = department.assessments.all()
    # Every round locked first, so that a draft opened meanwhile is either seen open here
    # or finds itself removed.
    list(rounds.select_for_update().values_list("pk", flat=True))
    if rounds.counted().exists():
        raise ValidationError(_(
            "This department has assessment rounds with results (open or closed), so it "
            "cannot be removed."))
    removed = [{"assessment": str(round_id), "name": round_name, "status": status}
               for round_id, round_name, status in rounds.without_results().order_by(
                   "created_at").values_list("public_id", "name", "status")]
    try:
        with transaction.atomic():
            rounds.without_results().delete()
            department.delete()
    except ProtectedError as exc:
        raise ValidationError(_(
            "This department still has assessments or other data, so it cannot be removed."
        )) from exc
    audit(organisation=organisation, actor=by.user, action="department.deleted", target=name,
          data={"department": str(public_id), "rounds_removed": removed}, request=request)


# --- Members ----------------------------------------------------------------------


def _lock_membership(membership: Membership) -> Membership:
    """The membership re-read under a row lock, so two owners cannot race past the rules."""
    return Membership.objects.select_for_update().select_related("user", "organisation").get(
        pk=membership.pk
    )


def _ensure_not_last_owner(membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    owners = list(Membership.objects.select_for_update().filter(
        organisation_id=membership.organisation_id, role=Role.OWNER
    ).values_list("pk", flat=True))
    if owners == [membership.pk]:
        raise ValidationError(
            _("%(name)s is the last owner of %(organisation)s. Make someone else an owner "
              "first.") % {"name": membership.user, "organisation": membership.organisation},
            code="last_owner",
        )


def _require_in(by: OrgAccess, capability: str, organisation_id: int) -> None:
    """PermissionDenied unless ``by`` has ``capability`` in the object's organisation."""
    by.require(capability)
    if organisation_id != by.organisation.pk:
        raise PermissionDenied


def _ensure_may_touch(by: OrgAccess, role: str) -> None:
    if role == Role.OWNER and by.role != Role.OWNER:
        raise ValidationError(_("Only an owner can make someone an owner or change an owner."),
                              code="owner_only")


@transaction.atomic
def membership_change_role(*, by: OrgAccess, membership: Membership, role: str,
                           request: HttpRequest | None = None) -> Membership:
    membership = _lock_membership(membership)
    _require_in(by, "manage_members", membership.organisation_id)
    if role not in Role.values:
        raise ValidationError(_("Choose a valid role."))
    if role == membership.role:
        return membership
    _ensure_may_touch(by, membership.role)
    _ensure_may_touch(by, role)
    _ensure_not_last_owner(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit(organisation=membership.organisation, actor=by.user,
          action="membership.role_changed", target=membership.user.email,
          data={"from": before, "to": role}, request=request)
    return membership


@transaction.atomic
def membership_remove(*, by: OrgAccess, membership: Membership,
                      request: HttpRequest | None = None) -> None:
    membership = _lock_membership(membership)
    _require_in(by, "manage_members", membership.organisation_id)
    _ensure_may_touch(by, membership.role)
    _ensure_not_last_owner(membership)
    organisation, email, role = membership.organisation, membership.user.email, membership.role
    user = membership.user
    membership.delete()
    audit(organisation=organisation, actor=by.user, action="membership.removed", target=email,
          data={"role": role}, request=request)
    signals.member_removed.send(sender=Membership, organisation=organisation, user=user, by=by)


# --- Invitations ------------------------------------------------------------------


class InvitationUnavailable(Exception):  # noqa: N818 - reads as a state, not a failure
    """The invitation cannot be used; ``reason`` is its status (expired, revoked, accepted)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


INVITATION_LINK_SALT = "organisations.invitation-link"


def _new_link(invitation: Invitation) -> str:
    """A new link for ``invitation`` (set on it, not saved), valid for
    INVITATION_EXPIRY_DAYS; the previous link dies. Its token is returned: the
    database keeps its hash and the secret it is derived from (``invitation_token``)."""
    invitation.link_secret = secrets.token_urlsafe(32)
    token = token_for_secret(invitation.link_secret, salt=INVITATION_LINK_SALT)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    return token


def invitation_token(invitation: Invitation) -> str | None:
    """The token of ``invitation``'s current link, or None if it cannot be derived (a
    link made before links were derivable, or a changed SECRET_KEY)."""
    if not invitation.link_secret:
        return None
    token = token_for_secret(invitation.link_secret, salt=INVITATION_LINK_SALT)
    return token if hmac.compare_digest(hash_token(token), invitation.token_hash) else None


def _email_after_commit(invitation: Invitation) -> None:
    """Hand the invitation's email (owed: ``email_due_at`` is set) to a worker once the
    transaction commits: a rollback sends nothing, and no SMTP round-trip slows or
    fails the request (``invitation_emails_send``)."""
    transaction.on_commit(partial(enqueue_invitation_emails, invitation.organisation_id))


@transaction.atomic
def invitation_create(*, by: OrgAccess, email: str, role: str, language: str,
                      request: HttpRequest | None = None) -> tuple[Invitation, str]:
    """Invite ``email`` with ``role``; the link's token is returned, and a worker
    emails it after the commit."""
    by.require("manage_members")
    organisation = by.organisation
    email = User.objects.normalize_email(email).lower()
    _ensure_may_touch(by, role)
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if Invitation.objects.filter(Invitation.pending(), organisation=organisation,
                                 email__iexact=email).exists():
        raise ValidationError({"email": _(
            "There is already a pending invitation for this address; resend it from the list."
        )})
    invitation = Invitation(organisation=organisation, email=email, role=role,
                            language=language, invited_by=by.user,
                            email_due_at=timezone.now())
    token = _new_link(invitation)
    invitation.save()
    audit(organisation=organisation, actor=by.user, action="invitation.sent", target=email,
          data={"role": role, "language": language, "invitation": str(invitation.public_id)},
          request=request)
    _email_after_commit(invitation)
    return invitation, token


@transaction.atomic
def invitation_resend(*, by: OrgAccess, invitation: Invitation,
                      request: HttpRequest | None = None) -> tuple[Invitation, str]:
    """A fresh link and expiry for a pending or expired invitation; the old link dies at
    once, and a worker emails the new one after the commit (an email still owed for the
    old link is not sent)."""
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(
        pk=invitation.pk
    )
    _require_in(by, "manage_members", invitation.organisation_id)
    if invitation.status not in ("pending", "expired"):
        raise ValidationError(_("Only a pending or expired invitation can be sent again."))
    _ensure_may_touch(by, invitation.role)
    token = _new_link(invitation)
    invitation.invited_by, invitation.email_due_at = by.user, timezone.now()
    invitation.save(update_fields=["link_secret", "token_hash", "expires_at", "invited_by",
                                   "email_due_at"])
    audit(organisation=invitation.organisation, actor=by.user, action="invitation.resent",
          target=invitation.email,
          data={"role": invitation.role, "invitation": str(invitation.public_id)},
          request=request)
    _email_after_commit(invitation)
    return invitation, token


def enqueue_invitation_emails(organisation_id: int) -> bool:
    """Hand an organisation's owed invitation emails to a worker
    (``tasks.send_invitation_emails_task``). A broker that cannot be reached is logged,
    not raised (``outbox.enqueue``): the invitation stands, its email stays owed (the
    invitations page says "email not sent yet"), and "Resend" or the organisation's next
    invitation sends it."""
    from .tasks import send_invitation_emails_task

    return outbox.enqueue(send_invitation_emails_task, args=[organisation_id],
                          what=f"the invitations of organisation {organisation_id}")


def invitation_emails_send(*, organisation_id: int,
                           until: float | None = None) -> outbox.EmailsSent:
    """Email the pending invitations of an organisation whose email is owed, each once.

    Each invitation is claimed with a conditional update before its email goes out
    (nothing owed any more, ``emailed_at`` the moment it was asked for), so a second
    run, a message delivered twice or a retry emails nobody twice; one that fails is
    logged and given back, and the others go on (``outbox.send_each_once``). An
    invitation revoked, accepted, expired or sent again meanwhile is not emailed (a
    resend's own email carries the new link). Each email sent is audited, in the name
    of whoever asked for it."""
    from .emails import send_invitation_email

    rows = list(Invitation.objects.filter(
        Invitation.pending(), organisation_id=organisation_id, email_due_at__isnull=False,
    ).order_by("pk").values_list("pk", "email_due_at", "emailed_at"))

    def claim(row) -> bool:
        pk, due_at, _previous = row
        return bool(Invitation.objects.filter(Invitation.pending(), pk=pk,
                                              email_due_at=due_at)
                    .update(email_due_at=None, emailed_at=due_at))

    def send(row) -> None:
        invitation = Invitation.objects.select_related(
            "organisation__parent", "invited_by").get(pk=row[0])
        token = invitation_token(invitation)
        if token is None:  # the SECRET_KEY changed since the request: a new link
            token = _new_link(invitation)
            invitation.save(update_fields=["link_secret", "token_hash", "expires_at"])
        send_invitation_email(invitation=invitation, token=token)

    def give_back(row) -> None:
        pk, due_at, previous = row
        Invitation.objects.filter(pk=pk, email_due_at__isnull=True, emailed_at=due_at) \
            .update(email_due_at=due_at, emailed_at=previous)

    run = outbox.send_each_once(
        rows, claim=claim, send=send, give_back=give_back, until=until,
        describe=lambda row: f"The email of invitation {row[0]} (organisation "
                             f"{organisation_id})")
    for invitation in Invitation.objects.filter(pk__in=[row[0] for row in run.sent]) \
            .select_related("organisation", "invited_by").order_by("pk"):
        audit(organisation=invitation.organisation, actor=invitation.invited_by,
              action="invitation.emailed", target=invitation.email,
              data={"invitation": str(invitation.public_id)})
    return run.counts


@transaction.atomic
def invitation_revoke(*, by: OrgAccess, invitation: Invitation,
                      request: HttpRequest | None = None) -> Invitation:
    _require_in(by, "manage_members", invitation.organisation_id)
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), email_due_at=None)
    if not claimed:
        raise ValidationError(_("This invitation was already used or revoked."))
    invitation.refresh_from_db()
    audit(organisation=invitation.organisation, actor=by.user, action="invitation.revoked",
          target=invitation.email, data={"invitation": str(invitation.public_id)},
          request=request)
    return invitation


def email_matches(invitation: Invitation, user) -> bool:
    return user.email.strip().lower() == invitation.email.strip().lower()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User,
                      request: HttpRequest | None = None) -> Membership:
    """Make ``user`` a member as invited. Single use: the invitation is claimed with a
    conditional update, so two simultaneous acceptances cannot both succeed."""
    if not email_matches(invitation, user):
        raise ValidationError(_("This invitation is for another email address."))
    now = timezone.now()
    claimed = Invitation.objects.filter(Invitation.pending(now), pk=invitation.pk).update(
        accepted_at=now, accepted_by=user
    )
    if not claimed:
        invitation.refresh_from_db()
        raise InvitationUnavailable(invitation.status)
    invitation.refresh_from_db()
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    previous = None if created else membership.role
    if not created and ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    audit(organisation=invitation.organisation, actor=user, action="invitation.accepted",
          target=user.email,
          data={"role": membership.role, "previous_role": previous,
                "invitation": str(invitation.public_id)},
          request=request)
    return membership


@transaction.atomic
def invitation_signup(*, invitation: Invitation, full_name: str, password: str,
                      request: HttpRequest | None = None) -> User:
    """A new account for the invited address, made a member by accepting the invitation."""
    user = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if user is not None and not user.is_pending:
        raise ValidationError(_("An account with this email address already exists."))
    # Accepting an emailed invitation proves the address: a sign-up of it that was
    # never verified becomes this account.
    user = user or User(email=invitation.email)
    user.full_name, user.language, user.is_active = full_name, invitation.language, True
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    invitation_accept(invitation=invitation, user=user, request=request)
    return user


# --- White label ---------------------------------------------------------------------


def _one_line(value: str, *, limit: int, field: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ValidationError({field: _("At most %(count)s characters.") % {"count": limit}})
    return text


@transaction.atomic
def branding_update(*, by: OrgAccess, name: str = "", colour: str = "", footer: str = "",
                    logo=None, remove_logo: bool = False,
                    request: HttpRequest | None = None) -> Organisation:
    """Set the organisation's own display name, primary colour, footer line and logo
    (an empty value: inherited from its consultancy, else the product's own).

    Everything is checked before anything is stored: a logo that ``logos.check_logo``
    refuses, or a colour below WCAG AA contrast (``branding.check_colour``), changes
    nothing, the other fields included. A replaced logo's file is deleted after commit
    if no organisation shows it any more."""
    by.require("manage_branding")
    errors: dict[str, list] = {}
    values = {}
    for field, value, limit in (("name", name, 60), ("footer", footer, 200)):
        try:
            values[field] = _one_line(value, limit=limit, field=field)
        except ValidationError as error:
            errors.update(error.error_dict)
    colour = (colour or "").strip()
    try:
        values["colour"] = branding.check_colour(colour) if colour else ""
    except ValidationError as error:
        errors["colour"] = error.error_list
    checked = None
    if logo is not None:
        try:
            checked = logos.check_logo(logo)
        except ValidationError as error:
            errors["logo"] = error.error_list
    if errors:
        raise ValidationError(errors)

    organisation = Organisation.objects.select_for_update().get(pk=by.organisation.pk)
    before = branding.own_values(organisation)
    organisation.brand_name, organisation.brand_footer = values["name"], values["footer"]
    organisation.brand_colour = values["colour"]
    if checked is not None:
        organisation.brand_logo = logos.store(checked)
    elif remove_logo:
        organisation.brand_logo = ""
    after = branding.own_values(organisation)
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return organisation
    organisation.save(update_fields=[branding.FIELDS[key] for key in changed])
    audit(organisation=organisation, actor=by.user, action="branding.updated",
          target=organisation.name, request=request,
          data={"changed": changed, **{key: after[key] for key in changed}})
    old_logo = before["logo"]
    if old_logo and old_logo != organisation.brand_logo:
        transaction.on_commit(lambda: logos.forget(old_logo))
    return organisation
