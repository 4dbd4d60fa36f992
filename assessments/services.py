"""Writes to assessments: rounds, respondents, answers.

Every service is keyword-only and atomic. Services acting inside an organisation
take ``by``: the caller's :class:`~organisations.access.OrgAccess`. Business rules
(status transitions, who may reopen, a submitted response is final) are enforced
here, so a view that forgot a check still cannot break them; breaking one raises
``ValidationError`` (or :class:`AnswerRefused` for a questionnaire that can no
longer change). Changes a tenant can see leave an audit row.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from models_catalog.models import ModelVersion, Question
from models_catalog.selectors import version_structure
from models_catalog.snapshot import snapshot
from organisations import outbox
from organisations.access import (
    CAPABILITIES,
    OrgAccess,
    carries_into_clients,
    visible_to_organisation,
)
from organisations.models import Department, Membership, User, hash_token, token_for_secret
from organisations.services import audit
from scoring import RESERVED_OPTIONS

from . import selectors, signals, sql
from .models import (
    MAX_GROUP_LENGTH,
    Answer,
    Assessment,
    CarriedAnswer,
    ConsensusAnswer,
    Response,
    SharedLink,
)
from .signals import round_status_changed

MAX_COMMENT_LENGTH = 5000
NUL = "\x00"
# Who the audit trail names for what a round's schedule does (open it, remind): the
# product, never translated.
SCHEDULE_ACTOR = "Maturity Desk"

logger = logging.getLogger(__name__)


class AnswerRefused(Exception):
    """The questionnaire can no longer change (submitted, closed, withdrawn…).

    ``code`` is one of ``submitted``, ``closed``, ``not_open``, ``revoked``, ``expired``.
    """

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


# --- Assessment rounds ---------------------------------------------------------------


def _target_from(version: ModelVersion, target_level: int | None) -> int | None:
    if target_level in (None, ""):
        return None
    levels = snapshot(version).top
    if not 1 <= int(target_level) <= levels:
        raise ValidationError({"target_level": _(
            "The target level must be between 1 and %(levels)s.") % {"levels": levels}})
    return int(target_level)


def _check_version_usable(by: OrgAccess, version: ModelVersion) -> None:
    usable = (ModelVersion.objects.filter(pk=version.pk, status=ModelVersion.Status.PUBLISHED)
              .filter(visible_to_organisation(by.organisation, "model__owner")).exists())
    if not usable:
        raise ValidationError({"model_version": _(
            "Choose a published version of a model this organisation can use.")})


def _check_due_date(due_date: date | None, *, unchanged: date | None = None) -> None:
    """A due date is today or later. A round that is already overdue keeps its date
    through an edit of something else (``unchanged``)."""
    if due_date is not None and due_date < timezone.localdate() and due_date != unchanged:
        raise ValidationError({"due_date": _(
            "The due date %(date)s is in the past. Choose today or a later date, or leave "
            "it empty.") % {"date": formats.date_format(due_date, "SHORT_DATE_FORMAT")}})


@transaction.atomic
def assessment_create(*, by: OrgAccess, department: Department, model_version: ModelVersion,
                      name: str, due_date: date | None = None, target_level: int | None = None,
                      anonymity: str = Assessment.Anonymity.ANONYMOUS,
                      request: HttpRequest | None = None) -> Assessment:
    """A new round in draft: respondents can be added, nobody can answer yet."""
    by.require("assess")
    if department.organisation_id != by.organisation.pk:
        raise ValidationError({"department": _("Choose a department of this organisation.")})
    _check_version_usable(by, model_version)
    _check_anonymity(anonymity)
    _check_due_date(due_date)
    assessment = Assessment.objects.create(
        organisation=by.organisation, department=department, model_version=model_version,
        name=name.strip(), due_date=due_date, anonymity=anonymity,
        target_level=_target_from(model_version, target_level), created_by=by.user,
    )
    audit(organisation=by.organisation, actor=by.user, action="assessment.created",
          target=str(assessment),
          data={"assessment": str(assessment.public_id), "department": department.name,
                "model": model_version.model.slug, "version": model_version.number,
                "anonymity": anonymity},
          request=request)
    return assessment


KEEP = object()  # a setting an update leaves as it is


@transaction.atomic
def assessment_update(*, by: OrgAccess, assessment: Assessment, name: str,
                      due_date: date | None, target_level: int | None,
                      anonymity: str | None = None, opens_on=KEEP, remind_every_days=KEEP,
                      request: HttpRequest | None = None) -> Assessment:
    """Change a round's name, due date and target; its anonymity and the day it opens
    itself only while it is a draft (respondents are told it before they answer), and
    how often it reminds (``followup``)."""
    from .followup import check_interval, check_schedule

    by.require("assess")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_changeable(assessment)
    _check_due_date(due_date, unchanged=assessment.due_date)
    if opens_on is not KEEP and opens_on != assessment.opens_on:
        if not assessment.is_draft:
            raise ValidationError({"opens_on": _("The round is open already.")})
        check_schedule(opens_on, None)
        assessment.opens_on = opens_on
    if assessment.is_draft:
        check_schedule(None, due_date, opens=assessment.opens_on)
    if remind_every_days is not KEEP:
        check_interval(remind_every_days)
        assessment.remind_every_days = remind_every_days
    data = {"assessment": str(assessment.public_id)}
    if anonymity and anonymity != assessment.anonymity:  # empty: unchanged
        _check_anonymity(anonymity)
        if not assessment.is_draft:
            raise ValidationError({"anonymity": _(
                "Respondents were told whether this round is anonymous when it opened: "
                "that cannot change now.")})
        assessment.anonymity = anonymity
        data["anonymity"] = anonymity
    assessment.name = name.strip()
    assessment.due_date = due_date
    assessment.target_level = _target_from(assessment.model_version, target_level)
    assessment.save(update_fields=["name", "due_date", "target_level", "anonymity",
                                   "opens_on", "remind_every_days", "updated_at"])
    # A later due date takes the personal links with it (an earlier one shortens none:
    # the emails promised their date). Withdrawn links stay withdrawn (revoked_at).
    floor = link_expiry(assessment)
    if floor is not None:
        Response.objects.filter(assessment=assessment, token_hash__isnull=False,
                                expires_at__lt=floor).update(expires_at=floor)
        SharedLink.objects.filter(assessment=assessment, expires_at__lt=floor).update(
            expires_at=floor)
    audit(organisation=assessment.organisation, actor=by.user, action="assessment.updated",
          target=str(assessment), data=data, request=request)
    return assessment


def _check_anonymity(anonymity: str) -> None:
    if anonymity not in Assessment.Anonymity.values:
        raise ValidationError({"anonymity": _("Choose whether the answers are anonymous or "
                                              "named.")})


def _transition(*, by: OrgAccess | None, assessment: Assessment, source: str, target: str,
                action: str, message: str, request: HttpRequest | None,
                **fields) -> Assessment:
    """Move ``assessment`` from ``source`` to ``target`` with a conditional update, so
    that two managers clicking at once cannot both do it (nor audit it twice)."""
    now = timezone.now()
    changed = Assessment.objects.filter(pk=assessment.pk, status=source).update(
        status=target, updated_at=now, **{k: now if v is True else v for k, v in fields.items()})
    if not changed:
        raise ValidationError(message)
    assessment.refresh_from_db()
    audit(organisation=assessment.organisation, actor=by.user if by else SCHEDULE_ACTOR,
          action=action,
          target=str(assessment), data={"assessment": str(assessment.public_id)},
          request=request)
    round_status_changed.send(sender=Assessment, assessment=assessment, source=source,
                              target=target)
    return assessment


@transaction.atomic
def assessment_open(*, by: OrgAccess, assessment: Assessment,
                    request: HttpRequest | None = None) -> Assessment:
    """Open a draft for answers; respondents added so far get their email from a
    worker, right after the commit (:func:`respondent_emails_send`)."""
    by.require("assess")
    return open_round(by=by, assessment=assessment, request=request)


def open_round(*, by: OrgAccess | None, assessment: Assessment,
               request: HttpRequest | None = None) -> Assessment:
    """``assessment_open`` once allowed; ``by`` None: the round's schedule opens it
    (``followup.open_scheduled_rounds``)."""
    assessment = _transition(by=by, assessment=assessment, source=Assessment.Status.DRAFT,
                             target=Assessment.Status.OPEN, action="assessment.opened",
                             message=_("Only a draft assessment can be opened."),
                             request=request, opened_at=True)
    # Hundreds of emails do not fit in a request, and one refused by the mail server
    # must not undo the opening: a worker sends them once this commits.
    email_after_commit(selectors.awaiting_invitation(assessment),
                       kind=Response.Email.INVITATION, assessment=assessment, by=by)
    signals.round_opened.send(sender=Assessment, assessment=assessment, by=by)
    return assessment


@transaction.atomic
def assessment_close(*, by: OrgAccess, assessment: Assessment,
                     request: HttpRequest | None = None) -> Assessment:
    """Close the round: it becomes read-only; only submitted responses count."""
    by.require("assess")
    assessment = _transition(by=by, assessment=assessment, source=Assessment.Status.OPEN,
                             target=Assessment.Status.CLOSED, action="assessment.closed",
                             message=_("Only an open assessment can be closed."),
                             request=request, closed_at=True)
    signals.round_closed.send(sender=Assessment, assessment=assessment, by=by)
    return assessment


@transaction.atomic
def assessment_reopen(*, by: OrgAccess, assessment: Assessment,
                      request: HttpRequest | None = None) -> Assessment:
    """Reopen a closed round (owners and consultants only)."""
    by.require("reopen")
    return _transition(by=by, assessment=assessment, source=Assessment.Status.CLOSED,
                       target=Assessment.Status.OPEN, action="assessment.reopened",
                       message=_("Only a closed assessment can be reopened."),
                       request=request, closed_at=None)


@transaction.atomic
def assessment_cancel(*, by: OrgAccess, assessment: Assessment,
                      request: HttpRequest | None = None) -> Assessment:
    """Cancel an open round: nobody can answer any more, what was answered is kept (and
    exported), but the round counts in no result, trend or report. It stays cancelled."""
    by.require("assess")
    return _transition(by=by, assessment=assessment, source=Assessment.Status.OPEN,
                       target=Assessment.Status.CANCELLED, action="assessment.cancelled",
                       message=_("Only an open assessment can be cancelled."),
                       request=request, cancelled_at=True)


@transaction.atomic
def assessment_delete(*, by: OrgAccess, assessment: Assessment,
                      request: HttpRequest | None = None) -> None:
    """Delete a draft with its respondents (nobody could answer it, no email went out).
    A round that was opened is cancelled instead, so that no answer is lost."""
    by.require("assess")
    assessment = (Assessment.objects.select_for_update().select_related("department")
                  .filter(pk=assessment.pk, organisation=by.organisation).first())
    if assessment is None or not assessment.is_draft:
        raise ValidationError(_("Only a draft assessment can be deleted. Cancel an open "
                                "one instead: its answers are kept."))
    respondents = assessment.responses.count()
    data = {"assessment": str(assessment.public_id), "name": assessment.name,
            "department": assessment.department.name, "respondents": respondents}
    target = str(assessment)
    assessment.delete()
    audit(organisation=by.organisation, actor=by.user, action="assessment.deleted",
          target=target, data=data, request=request)


# --- Respondents ------------------------------------------------------------------------


def _require_changeable(assessment: Assessment) -> None:
    if assessment.is_closed:
        raise ValidationError(_("A closed assessment is read-only. Reopen it first."))
    if assessment.is_cancelled:
        raise ValidationError(_("This assessment was cancelled; nothing in it can change."))


def link_expiry(assessment: Assessment, *, issued_at: datetime | None = None
                ) -> datetime | None:
    """Until when a personal link works: the one rule, used wherever a link is issued,
    sent again or its round's due date moves.

    Never before the end of the round's due date (in the site's time zone), and, for a
    link issued or sent at ``issued_at``, not before ``INVITATION_EXPIRY_DAYS`` after
    it. Without ``issued_at``: the due date's floor alone (None without a due date).
    """
    candidates = []
    if issued_at is not None:
        candidates.append(issued_at + timedelta(days=settings.INVITATION_EXPIRY_DAYS))
    if assessment.due_date is not None:
        candidates.append(timezone.make_aware(datetime.combine(assessment.due_date, time.max)))
    return max(candidates) if candidates else None


def link_token(response: Response) -> str | None:
    """The token of ``response``'s current personal link, or None if it cannot be
    derived (a link issued before links were derivable, or a changed SECRET_KEY)."""
    if not response.link_secret or not response.token_hash:
        return None
    token = link_token_for_secret(response.link_secret)
    return token if hmac.compare_digest(hash_token(token), response.token_hash) else None


def issue_link(*, response: Response, expires_at: datetime | None = None) -> str:
    """A new personal link for an invited respondent; the previous link dies (it then
    says it was renewed). Only for a first link or a deliberate renewal.

    The database holds the token's SHA-256 and the secret it is derived from with the
    SECRET_KEY (``link_token``), so that reminders can repeat the link.
    """
    response.link_secret = secrets.token_urlsafe(32)
    response.previous_token_hash = response.token_hash
    token = link_token_for_secret(response.link_secret)
    response.token_hash = hash_token(token)
    response.expires_at = expires_at or link_expiry(response.assessment,
                                                    issued_at=timezone.now())
    response.revoked_at = None
    response.save(update_fields=["link_secret", "previous_token_hash", "token_hash",
                                 "expires_at", "revoked_at"])
    return token


def link_token_for_secret(secret: str) -> str:
    return token_for_secret(secret, salt="assessments.personal-link")


def _link_to_send(response: Response) -> tuple[str, bool]:
    """The token to email and whether it is a new link: the current link, kept alive
    at least as long as a new one would be; a new link only when there is none yet (or
    it cannot be derived: issued before links were, or the SECRET_KEY changed)."""
    token = link_token(response)
    if token is None:
        return issue_link(response=response), response.previous_token_hash is not None
    expiry = link_expiry(response.assessment, issued_at=timezone.now())
    if response.expires_at is None or response.expires_at < expiry:
        response.expires_at = expiry
        response.save(update_fields=["expires_at"])
    return token, False


def _link_for_email(response: Response) -> tuple[str | None, bool]:
    """The token an email to ``response`` carries (None for a member, who signs in) and
    whether the link is new: an invitee's current personal link (a renewal made its new
    one in the request), a new one only when there is none yet."""
    if response.user_id is not None:
        return None, False
    return _link_to_send(response)


# --- Emails to respondents ----------------------------------------------------------------
#
# Every invitation and reminder leaves the request the same way: the request (or the
# schedule) marks the respondents it owes an email (``email_after_commit``, two columns,
# no SMTP), and once that commits a worker sends what is owed
# (``tasks.send_respondent_emails_task`` -> ``respondent_emails_send``).


def email_after_commit(responses: QuerySet[Response], *, kind: str, assessment: Assessment,
                       by: OrgAccess | None, at: datetime | None = None) -> int:
    """Owe each of ``responses`` (of ``assessment``) an email of ``kind`` and, once the
    transaction commits, hand the round to a worker; a rollback sends nothing. Returns
    how many are owed an email.

    They all join the batch asked for ``at`` (now by default), which the task sends,
    each respondent once. An email owed already and not sent (an invitation still on
    its way, or one the mail server kept refusing) is not doubled: it joins this batch
    as it is, except that a renewal replaces a reminder (the email then says the link
    is new)."""
    at = at or timezone.now()
    replaced = ["", Response.Email.REMINDER] if kind == Response.Email.RENEWAL else [""]
    count = responses.update(
        email_due=Case(When(email_due__in=replaced, then=Value(kind)), default=F("email_due")),
        email_due_at=at)
    if count:
        transaction.on_commit(partial(enqueue_respondent_emails, assessment.pk,
                                      sender_id=by.user.pk if by else None,
                                      asked_at=at.isoformat()))
    return count


def enqueue_respondent_emails(assessment_id: int, *, sender_id: int | None = None,
                              asked_at: str | None = None) -> bool:
    """Hand a round's owed emails to a worker (``tasks.send_respondent_emails_task``). A
    broker that cannot be reached is logged, not raised (``outbox.enqueue``): the emails
    stay owed (the round page says "email not sent yet"), and the next reminder sends
    them."""
    from .tasks import send_respondent_emails_task

    return outbox.enqueue(send_respondent_emails_task, args=[assessment_id],
                          kwargs={"sender_id": sender_id, "asked_at": asked_at},
                          what=f"round {assessment_id}")


# What each owed email is: its template and whether its link is new.
EMAIL_TEMPLATES = {Response.Email.INVITATION: ("invitation", False),
                   Response.Email.REMINDER: ("reminder", False),
                   Response.Email.RENEWAL: ("reminder", True)}


def respondent_emails_send(*, assessment_id: int, sender_id: int | None = None,
                           asked_at: datetime | None = None,
                           until: float | None = None) -> outbox.EmailsSent:
    """Email the respondents of an open round what they are owed (``email_due``): the
    batch asked for at ``asked_at``, or everything owed. Each email once.

    Each respondent is claimed with a conditional update before their email goes out
    (nothing owed any more, ``last_emailed_at`` the moment it was asked for), so a
    second run, a message delivered twice or a retry emails nobody twice. An email
    that fails is logged and its claim given back, and the others go on
    (``outbox.send_each_once``). Whoever submitted or was withdrawn meanwhile gets
    nothing, nor anyone once the round closes. ``until`` (a ``time.monotonic()``
    moment) stops the run before a worker's time limit; the rest are counted in
    ``left``.
    """
    from .emails import send_respondent_email

    assessment = (Assessment.objects.filter(pk=assessment_id, status=Assessment.Status.OPEN)
                  .select_related("organisation").first())
    if assessment is None:  # closed, cancelled or deleted meanwhile: nobody to email
        return outbox.EmailsSent()
    sender = User.objects.filter(pk=sender_id).first() if sender_id else None
    owed = selectors.emailable(assessment).exclude(email_due="")
    if asked_at is not None:
        owed = owed.filter(email_due_at=asked_at)
    rows = list(owed.order_by("pk").values_list("pk", "email_due", "email_due_at",
                                                "last_emailed_at"))

    def claim(row) -> bool:
        response_id, kind, due_at, _previous = row
        # Only the response's own columns: the check holds against a concurrent claim.
        return bool(Response.objects.filter(
            Response.awaiting(), pk=response_id, email_due=kind, email_due_at=due_at,
        ).update(email_due="", email_due_at=None, last_emailed_at=due_at))

    def send(row) -> None:
        response_id, kind = row[:2]
        template, renewed = EMAIL_TEMPLATES[kind]
        response = Response.objects.select_related("assessment").get(pk=response_id)
        token, new_link = _link_for_email(response)
        send_respondent_email(response_id=response_id, kind=template, token=token,
                              renewed=renewed or new_link, sender=sender)

    def give_back(row) -> None:
        response_id, kind, due_at, previous = row
        Response.objects.filter(pk=response_id, email_due="", last_emailed_at=due_at) \
            .update(email_due=kind, email_due_at=due_at, last_emailed_at=previous)

    run = outbox.send_each_once(
        rows, claim=claim, send=send, give_back=give_back, until=until,
        still=Assessment.objects.filter(pk=assessment_id,
                                        status=Assessment.Status.OPEN).exists,
        describe=lambda row: f"The {row[1]} email of response {row[0]} (round "
                             f"{assessment_id})")
    _emails_audited(assessment, sender, Counter(row[1] for row in run.sent),
                    Counter(row[1] for row in run.failed))
    return run.counts


def _emails_audited(assessment: Assessment, sender: User | None, sent: Counter[str],
                    failed: Counter[str]) -> None:
    """One audit row for the invitations and one for the reminders a run emailed (or
    failed to)."""
    invitations = [Response.Email.INVITATION]
    reminders = [Response.Email.REMINDER, Response.Email.RENEWAL]
    for action, kinds in (("assessment.invitations_sent", invitations),
                          ("assessment.reminders_emailed", reminders)):
        count, refused = sum(sent[k] for k in kinds), sum(failed[k] for k in kinds)
        if count or refused:
            audit(organisation=assessment.organisation, actor=sender or SCHEDULE_ACTOR,
                  action=action, target=str(assessment),
                  data={"assessment": str(assessment.public_id), "count": count,
                        "failed": refused})


@transaction.atomic
def respondent_invite(*, by: OrgAccess, assessment: Assessment, email: str, name: str = "",
                      language: str = "en", group: str = "",
                      request: HttpRequest | None = None) -> Response:
    """Invite someone without an account to this one assessment, through a personal link.

    In an open round the link is made now (named rounds offer it for copying at once)
    and a worker emails it after the commit; in a draft, both when it opens.
    """
    by.require("assess")
    _require_changeable(assessment)
    group = clean_group(assessment, group)
    email = email.strip().lower()
    if Response.objects.filter(assessment=assessment, email__iexact=email).exists() or (
        Response.objects.filter(assessment=assessment, user__email__iexact=email).exists()
    ):
        raise ValidationError({"email": _("This person is already a respondent.")})
    try:
        with transaction.atomic():
            response = Response.objects.create(assessment=assessment, email=email,
                                               name=name.strip(), language=language,
                                               group=group, invited_by=by.user)
    except IntegrityError as exc:
        raise ValidationError({"email": _("This person is already a respondent.")}) from exc
    data = {"assessment": str(assessment.public_id), "response": str(response.public_id)}
    if group:
        data["group"] = group
        _results_changed(assessment)
    audit(organisation=assessment.organisation, actor=by.user,
          action="assessment.respondent_invited", target=email, data=data, request=request)
    if assessment.is_open:
        issue_link(response=response)
        email_after_commit(Response.objects.filter(pk=response.pk),
                           kind=Response.Email.INVITATION, assessment=assessment, by=by)
    return response


def _assessing_user_ids(assessment: Assessment) -> set[int]:
    """Members who may answer as members: the roles that can assess, directly or through
    the consultancy."""
    roles = CAPABILITIES["assess"]
    org = assessment.organisation
    ids = set(Membership.objects.filter(organisation=org, role__in=roles)
              .values_list("user_id", flat=True))
    if org.parent_id:
        ids |= set(Membership.objects.filter(carries_into_clients(),
                                             organisation_id=org.parent_id, role__in=roles)
                   .values_list("user_id", flat=True))
    return ids


@transaction.atomic
def respondents_add_members(*, by: OrgAccess, assessment: Assessment, users: Iterable[User],
                            group: str = "",
                            request: HttpRequest | None = None) -> list[Response]:
    """Ask members to answer; each gets an email: in an open round from a worker after
    the commit (they are on the round page at once), in a draft when it opens."""
    by.require("assess")
    _require_changeable(assessment)
    group = clean_group(assessment, group)
    allowed = _assessing_user_ids(assessment)
    existing = set(Response.objects.filter(assessment=assessment, user__isnull=False)
                   .values_list("user_id", flat=True))
    added = []
    for user in users:
        if user.pk not in allowed:
            raise ValidationError(_("%(user)s cannot answer assessments in this organisation.")
                                  % {"user": user})
        if user.pk in existing:
            continue
        response = Response.objects.create(assessment=assessment, user=user, group=group,
                                           language=user.language or "en", invited_by=by.user)
        added.append(response)
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.respondent_invited", target=user.email,
              data={"assessment": str(assessment.public_id),
                    "response": str(response.public_id), "member": True},
              request=request)
    if assessment.is_open and added:
        email_after_commit(Response.objects.filter(pk__in=[r.pk for r in added]),
                           kind=Response.Email.INVITATION, assessment=assessment, by=by)
    return added


@transaction.atomic
def respondent_remind(*, by: OrgAccess, response: Response,
                      request: HttpRequest | None = None) -> Response:
    """Have a worker email a reminder after the commit, with the same link as before (an
    expired one works again until the new date). A withdrawn link stays withdrawn: only
    a renewal brings one back."""
    by.require("assess")
    response = Response.objects.select_for_update(of=("self",)).select_related(
        "assessment__organisation", "user").get(pk=response.pk)
    if not response.assessment.is_open:
        raise ValidationError(_("Reminders can be sent while the assessment is open."))
    if response.user_id is None and response.revoked_at is not None:
        raise ValidationError(_("The link of %(who)s is withdrawn. Renew the link to send "
                                "them a new one.") % {"who": response.display_name})
    if response.is_submitted:
        raise ValidationError(_("%(who)s has already submitted.") % {
            "who": response.display_name})
    if not response.contact_email:
        raise ValidationError(_("This respondent has no email address."))
    email_after_commit(Response.objects.filter(pk=response.pk),
                       kind=Response.Email.REMINDER, assessment=response.assessment, by=by)
    audit(organisation=response.assessment.organisation, actor=by.user,
          action="assessment.reminder_sent", target=response.contact_email,
          data={"assessment": str(response.assessment.public_id),
                "response": str(response.public_id)},
          request=request)
    return response


@dataclass(frozen=True)
class Reminders:
    """What "Remind everyone not submitted" asked for: ``count`` respondents get an
    email, ``already_owed`` of whom were owed one before (an email still on its way, say
    from a click a moment ago): they get it once, not twice (``email_after_commit``)."""

    count: int
    already_owed: int = 0

    @property
    def new(self) -> int:
        return self.count - self.already_owed


@transaction.atomic
def respondents_remind_all(*, by: OrgAccess, assessment: Assessment,
                           request: HttpRequest | None = None) -> Reminders:
    """Have a worker remind everyone who has not submitted, after the commit (withdrawn
    links stay withdrawn): who gets an email, and whether it was owed already."""
    by.require("assess")
    if not assessment.is_open:
        raise ValidationError(_("Reminders can be sent while the assessment is open."))
    awaited = selectors.emailable(assessment)
    # Locked until the commit: a worker cannot claim an owed email between this count
    # and the update below, so what was owed already is what the update finds owed.
    owed_before = awaited.select_for_update(of=("self",)).values_list("email_due", flat=True)
    already_owed = sum(1 for due in owed_before if due)
    count = email_after_commit(awaited, kind=Response.Email.REMINDER,
                               assessment=assessment, by=by)
    if count:
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.reminder_sent", target=str(assessment),
              data={"assessment": str(assessment.public_id), "count": count,
                    "already_owed": already_owed},
              request=request)
    return Reminders(count=count, already_owed=already_owed)


@transaction.atomic
def respondent_renew_link(*, by: OrgAccess, response: Response,
                          request: HttpRequest | None = None) -> Response:
    """Replace an invitee's personal link with a new one, emailed by a worker after the
    commit: the deliberate way a link changes (lost or forwarded email, a withdrawn link
    given back). The old link stops working at once and says it was replaced."""
    by.require("assess")
    response = Response.objects.select_for_update(of=("self",)).select_related(
        "assessment__organisation").get(pk=response.pk)
    if not response.is_invitee:
        raise ValidationError(_("Only a respondent invited by email has a personal link."))
    if not response.assessment.is_open:
        raise ValidationError(_("Links can be renewed while the assessment is open."))
    if response.is_submitted:
        raise ValidationError(_("%(who)s has already submitted.") % {
            "who": response.display_name})
    was_withdrawn = response.revoked_at is not None
    issue_link(response=response)
    email_after_commit(Response.objects.filter(pk=response.pk), kind=Response.Email.RENEWAL,
                       assessment=response.assessment, by=by)
    audit(organisation=response.assessment.organisation, actor=by.user,
          action="assessment.link_renewed", target=response.email,
          data={"assessment": str(response.assessment.public_id),
                "response": str(response.public_id), "was_withdrawn": was_withdrawn},
          request=request)
    return response


@transaction.atomic
def respondent_revoke(*, by: OrgAccess, response: Response,
                      request: HttpRequest | None = None) -> Response:
    """Withdraw an invitee's link at once. Answers already submitted still count."""
    by.require("assess")
    if response.user_id is not None:
        raise ValidationError(_("Members answer signed in; there is no link to withdraw."))
    changed = Response.objects.filter(pk=response.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    if changed:
        response.refresh_from_db()
        audit(organisation=response.assessment.organisation, actor=by.user,
              action="assessment.respondent_revoked", target=response.email,
              data={"assessment": str(response.assessment.public_id),
                    "response": str(response.public_id)},
              request=request)
    return response


# --- Respondent groups -------------------------------------------------------------------


def suggested_groups(assessment: Assessment) -> list[str]:
    """The names a group field offers: the round's groups so far, then the usual ones
    (in the reader's language) that are not among them."""
    used = sorted({g for g in Response.objects.filter(assessment=assessment)
                   .exclude(group="").values_list("group", flat=True)}
                  | {g for g in SharedLink.objects.filter(assessment=assessment)
                     .exclude(group="").values_list("group", flat=True)}, key=str.casefold)
    taken = {g.casefold() for g in used}
    usual = [_("Service desk agents"), _("Team leads"), _("Customers / business")]
    return used + [g for g in usual if g.casefold() not in taken]


def clean_group(assessment: Assessment, group: str | None) -> str:
    """A group name as stored: spaces collapsed, at most MAX_GROUP_LENGTH characters,
    spelled as the round already spells it ("team leads" joins "Team leads"); "" for
    no group. ValidationError (field ``group``) otherwise."""
    group = " ".join((group or "").split())
    if NUL in group:
        raise ValidationError({"group": _("Null characters are not allowed.")})
    if len(group) > MAX_GROUP_LENGTH:
        raise ValidationError({"group": _(
            "A group name can be at most %(max)s characters long.") % {"max": MAX_GROUP_LENGTH}})
    if not group:
        return ""
    for existing in suggested_groups(assessment):
        if existing.casefold() == group.casefold():
            return existing
    return group


def _results_changed(assessment: Assessment) -> None:
    """Something the results show changed besides the answers (a respondent's group):
    a PDF asked for now is rendered afresh (reports' input hash reads updated_at)."""
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())


@transaction.atomic
def respondents_set_groups(*, by: OrgAccess, assessment: Assessment,
                           groups: Mapping[str, str],
                           request: HttpRequest | None = None) -> int:
    """Give the round's respondents groups: ``groups`` maps a response's public id (as
    text) to its group ("" for none). Only while the round can change; a response of
    another round is refused. Returns how many changed; one audit row says which."""
    by.require("assess")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_changeable(assessment)
    responses = {str(r.public_id): r for r in Response.objects.filter(assessment=assessment)}
    unknown = [key for key in groups if key not in responses]
    if unknown:
        raise ValidationError(_("Some of these respondents are not in this round any more. "
                                "Reload the page and try again."))
    cleaned = {key: clean_group(assessment, value) for key, value in groups.items()}
    changed = []
    for key, group in cleaned.items():
        response = responses[key]
        if response.group != group:
            response.group = group
            changed.append(response)
    if changed:
        Response.objects.bulk_update(changed, ["group"])
        _results_changed(assessment)
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.groups_changed", target=str(assessment),
              data={"assessment": str(assessment.public_id),
                    "responses": {str(r.public_id): r.group for r in changed}},
              request=request)
    return len(changed)


# --- Shared round links --------------------------------------------------------------------

MAX_SHARED_CAP = 10000


def _check_shared_expiry(assessment: Assessment, expires_on: date) -> datetime:
    """The end of ``expires_on``, when a shared link may stop working then: not in the
    past, and never before the round's due date (``link_expiry``'s floor)."""
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.max))
    if expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _(
            "The date %(date)s is in the past. Choose today or a later date.") % {
                "date": formats.date_format(expires_on, "SHORT_DATE_FORMAT")}})
    floor = link_expiry(assessment)
    if floor is not None and expires_at < floor:
        raise ValidationError({"expires_on": _(
            "A shared link works at least until the round's due date, %(date)s. Choose that "
            "date or a later one.") % {
                "date": formats.date_format(assessment.due_date, "SHORT_DATE_FORMAT")}})
    return expires_at


def shared_link_default_expiry(assessment: Assessment) -> date:
    """The date a new shared link's form proposes: as long as a personal link issued now."""
    return timezone.localdate(link_expiry(assessment, issued_at=timezone.now()))


@transaction.atomic
def shared_link_create(*, by: OrgAccess, assessment: Assessment, label: str, cap: int,
                       expires_on: date, group: str = "", language: str = "en",
                       request: HttpRequest | None = None) -> tuple[SharedLink, str]:
    """A link for a whole group of people, beside the personal ones: returns it and its
    token. Each person who opens it gets a response of their own, up to ``cap``."""
    by.require("assess")
    _require_changeable(assessment)
    label = " ".join((label or "").split())
    if not label or NUL in label:
        raise ValidationError({"label": _("Give the link a name, for example “Newsletter”.")})
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_SHARED_CAP:
        raise ValidationError({"cap": _(
            "The maximum number of responses must be a whole number from 1 to %(max)s.")
            % {"max": MAX_SHARED_CAP}})
    expires_at = _check_shared_expiry(assessment, expires_on)
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    secret = secrets.token_urlsafe(32)
    token = link_token_for_secret(secret)
    link = SharedLink.objects.create(
        assessment=assessment, label=label[:100], group=clean_group(assessment, group),
        cap=cap, language=language, link_secret=secret, token_hash=hash_token(token),
        expires_at=expires_at, created_by=by.user)
    audit(organisation=assessment.organisation, actor=by.user,
          action="assessment.shared_link_created", target=link.label,
          data={"assessment": str(assessment.public_id), "link": str(link.public_id),
                "cap": cap, "expires_at": expires_at.isoformat(), "group": link.group},
          request=request)
    return link, token


def shared_link_token(link: SharedLink) -> str | None:
    """The token of a shared link (None if it cannot be derived: a changed SECRET_KEY)."""
    token = link_token_for_secret(link.link_secret)
    return token if hmac.compare_digest(hash_token(token), link.token_hash) else None


@transaction.atomic
def shared_link_revoke(*, by: OrgAccess, link: SharedLink,
                       request: HttpRequest | None = None) -> SharedLink:
    """Stop a shared link at once: nobody new can start through it, and the responses
    started through it and not submitted are withdrawn with it (submitted answers still
    count)."""
    by.require("assess")
    now = timezone.now()
    changed = SharedLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=now)
    if changed:
        withdrawn = Response.objects.filter(Response.awaiting(), shared_link=link).update(
            revoked_at=now)
        link.refresh_from_db()
        audit(organisation=link.assessment.organisation, actor=by.user,
              action="assessment.shared_link_revoked", target=link.label,
              data={"assessment": str(link.assessment.public_id), "link": str(link.public_id),
                    "withdrawn_responses": withdrawn},
              request=request)
    return link


class SharedLinkClosed(Exception):
    """A shared link that starts no new response; ``code`` is ``revoked``, ``expired``,
    ``full``, ``not_open`` or ``closed``."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def shared_link_refusal(link: SharedLink, *, started: int | None = None) -> str | None:
    """Why nobody new can start through ``link`` now (a ``SharedLinkClosed`` code), or
    None. ``started``: the responses started through it, if already counted."""
    if link.revoked_at is not None:
        return "revoked"
    status = link.assessment.status
    if status in (Assessment.Status.CLOSED, Assessment.Status.CANCELLED):
        return "closed"
    if status != Assessment.Status.OPEN:
        return "not_open"
    if link.expires_at <= timezone.now():
        return "expired"
    if started is None:
        started = link.responses.count()
    if started >= link.cap:
        return "full"
    return None


@transaction.atomic
def shared_link_start(*, link: SharedLink, language: str,
                      request: HttpRequest | None = None) -> tuple[Response, str]:
    """A new response for a person who opened a shared link, and the token of its own
    personal link (what their device resumes with). Refused with ``SharedLinkClosed``
    when the link is revoked, expired, full, or its round not open. The link's row is
    locked, so that two people starting at once never pass the cap."""
    link = (SharedLink.objects.select_for_update(of=("self",))
            .select_related("assessment__organisation").get(pk=link.pk))
    started = link.responses.count()
    problem = shared_link_refusal(link, started=started)
    if problem is not None:
        raise SharedLinkClosed(problem)
    if language not in dict(settings.LANGUAGES):
        language = link.language
    response = Response.objects.create(
        assessment=link.assessment, shared_link=link, group=link.group,
        name=f"{link.label} #{started + 1}", language=language, invited_by=link.created_by)
    response.assessment = link.assessment
    token = issue_link(response=response, expires_at=link.expires_at)
    audit(organisation=link.assessment.organisation, actor=response.name,
          action="assessment.shared_link_started", target=link.label,
          data={"assessment": str(link.assessment.public_id), "link": str(link.public_id),
                "response": str(response.public_id)},
          request=request)
    return response, token


# --- Answering ---------------------------------------------------------------------------


def refusal(response: Response, assessment: Assessment | None = None) -> AnswerRefused | None:
    """Why ``response`` cannot change now, or None if it can."""
    assessment = assessment or response.assessment
    if response.submitted_at is not None:
        return AnswerRefused("submitted", _(
            "These answers were submitted and can no longer be changed."))
    if assessment.status == Assessment.Status.CLOSED:
        return AnswerRefused("closed", _(
            "This assessment is closed; answers can no longer be changed."))
    if assessment.status == Assessment.Status.CANCELLED:
        return AnswerRefused("closed", _(
            "This assessment was cancelled; answers can no longer be changed."))
    if assessment.status != Assessment.Status.OPEN:
        return AnswerRefused("not_open", _("This assessment is not open for answers yet."))
    if response.user_id is None and response.revoked_at is not None:
        return AnswerRefused("revoked", _("This questionnaire link has been withdrawn."))
    if (response.user_id is None and response.token_hash and response.expires_at
            and response.expires_at <= timezone.now()):
        return AnswerRefused("expired", _("This questionnaire link has expired."))
    return None


def _locked(response: Response) -> Response:
    """The response, re-read and locked for this transaction, so that a save racing
    with the submission is decided by the database, not by who read first."""
    locked = (Response.objects.select_for_update(of=("self",))
              .select_related("assessment__model_version").get(pk=response.pk))
    problem = refusal(locked)
    if problem is not None:
        raise problem
    return locked


@transaction.atomic
def member_response(*, assessment: Assessment, user: User) -> Response:
    """The member's response to ``assessment``, created on their first answer."""
    response, _created = Response.objects.get_or_create(
        assessment=assessment, user=user, defaults={"language": user.language or "en"})
    return response


UNSET = object()


@dataclass(frozen=True)
class CleanAnswer:
    question: str
    option: object  # a key of the scale, NA, DK or "" (cleared); UNSET when not given
    comment: object  # stripped text, "" when cleared; UNSET when not given


def clean_answer(*, question_key: str, option=UNSET, comment=UNSET,
                 questions: Container[str], options: Container[str]) -> CleanAnswer:
    """One answer as it may be stored, or ValidationError: the one rule for the
    autosave, the form without JavaScript and offline sheets.

    ``questions`` and ``options`` are the keys of the pinned version's questions and
    scale options; None for an option or comment means cleared. The error's ``code``
    is ``question``, ``option`` or ``comment``, so that a caller reading many answers
    can say where.
    """
    # NUL never names a question or option, and PostgreSQL refuses it even in a query.
    if NUL in question_key or question_key not in questions:
        raise ValidationError(_("Unknown question."), code="question")
    if option is not UNSET:
        option = option or ""
        if option not in ("", *RESERVED_OPTIONS) and (NUL in option or option not in options):
            raise ValidationError(_("Unknown answer option."), code="option")
    if comment is not UNSET:
        comment = (comment or "").strip()
        if NUL in comment:
            raise ValidationError(_("Null characters are not allowed."),  # Django's own text
                                  code="comment")
        if len(comment) > MAX_COMMENT_LENGTH:
            raise ValidationError(_("A comment can be at most %(max)s characters long.")
                                  % {"max": MAX_COMMENT_LENGTH}, code="comment")
    return CleanAnswer(question=question_key, option=option, comment=comment)


@dataclass(frozen=True)
class SavedAnswer:
    question: str
    option: str
    comment: str
    saved_at: object
    answered: int  # the response's answers with a chosen option, this one included


def answer_save(*, response: Response, question_key: str, option=UNSET,
                comment=UNSET) -> SavedAnswer:
    """Save one answer and/or its comment the moment it is given (the autosave).

    An upsert on (response, question): saving the same question twice leaves one
    row, and a save only touches the fields it carries, so two tabs saving different
    answers (or one the option and one the comment) never overwrite each other.
    Refused with :class:`AnswerRefused` once the response is submitted or the round
    is not open; nothing is written then.

    Decided on ``response`` as the caller read it, and written in one statement if it
    is still so (PostgreSQL; ``assessments.sql.save_answer_if_unchanged``); otherwise, and
    for the first answer and on SQLite, in a transaction that locks the response and
    refuses from its current state (``_save_locked``). Either way atomic.
    """
    if option is UNSET and comment is UNSET:
        raise ValidationError(_("Nothing to save."))
    # Refused as the caller read the response; the save makes sure it still holds.
    problem = refusal(response)
    if problem is not None:
        raise problem
    # The pinned version's keys: no query once this process has read the version.
    structure = version_structure(response.assessment.model_version)
    cleaned = clean_answer(question_key=question_key, option=option, comment=comment,
                           questions=structure.question_ids, options=structure.option_keys)
    option, comment = cleaned.option, cleaned.comment
    question_id = structure.question_ids[question_key]
    now = timezone.now()
    given = {"question_id": question_id, "option": None if option is UNSET else option,
             "comment": None if comment is UNSET else comment, "now": now}
    # Most saves: one statement, if nothing changed since the response was read.
    answered = (sql.save_answer_if_unchanged(response=response, **given)
                if response.started_at is not None else None)
    if answered is None:  # the first answer, SQLite, or the response changed meanwhile
        answered = _save_locked(response, given)
    return SavedAnswer(question=question_key,
                       option=None if option is UNSET else option,
                       comment=None if comment is UNSET else comment, saved_at=now,
                       answered=answered)


@transaction.atomic
def _save_locked(response: Response, given: dict) -> int:
    """The careful way: lock the response, refuse from its current state, upsert
    (``INSERT … ON CONFLICT (response, question) DO UPDATE SET <only the given fields>``:
    atomic on PostgreSQL and SQLite alike, with no read-modify-write window), count."""
    locked = _locked(response)
    fields = [f for f in ("option", "comment") if given[f] is not None]
    Answer.objects.bulk_create(
        [Answer(response_id=response.pk, question_id=given["question_id"],
                option=given["option"] or "", comment=given["comment"] or "",
                updated_at=given["now"])],
        update_conflicts=True, unique_fields=["response", "question"],
        update_fields=[*fields, "updated_at"])
    if locked.started_at is None:
        Response.objects.filter(pk=response.pk, started_at__isnull=True).update(
            started_at=given["now"])
        locked.started_at = given["now"]
    for name in ("submitted_at", "revoked_at", "expires_at", "started_at"):
        setattr(response, name, getattr(locked, name))
    response.assessment.status = locked.assessment.status
    return Answer.objects.filter(Answer.answered(), response_id=response.pk).count()


@transaction.atomic
def answers_save(*, response: Response, answers: Mapping[str, Mapping[str, str]]) -> int:
    """Save several answers at once (the form without JavaScript, offline sheets).

    ``answers`` maps question key to ``{"option": …, "comment": …}`` (either may be
    missing). Everything is validated before anything is written.
    """
    locked = _locked(response)
    structure = version_structure(locked.assessment.model_version)
    ids, options = structure.question_ids, structure.option_keys
    errors = []
    cleaned = []
    for key, given in answers.items():
        try:
            cleaned.append(clean_answer(
                question_key=key, questions=ids, options=options,
                **{f: given[f] for f in ("option", "comment") if given.get(f) is not None}))
        except ValidationError as error:
            errors.extend(f"{key}: {message}" for message in error.messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    by_fields: dict[tuple[str, ...], list[Answer]] = {}
    for answer in cleaned:
        fields = tuple(f for f in ("option", "comment") if getattr(answer, f) is not UNSET)
        if not fields:
            continue
        by_fields.setdefault(fields, []).append(Answer(
            response_id=locked.pk, question_id=ids[answer.question],
            option="" if answer.option is UNSET else answer.option,
            comment="" if answer.comment is UNSET else answer.comment, updated_at=now))
    for fields, rows in by_fields.items():
        Answer.objects.bulk_create(rows, update_conflicts=True,
                                   unique_fields=["response", "question"],
                                   update_fields=[*fields, "updated_at"])
    if by_fields and locked.started_at is None:
        Response.objects.filter(pk=locked.pk, started_at__isnull=True).update(started_at=now)
        response.started_at = now
    return sum(len(rows) for rows in by_fields.values())


def _respondent_label(response: Response) -> str:
    if response.user_id:
        return ""
    return response.email or response.name


@transaction.atomic
def response_submit(*, response: Response, request: HttpRequest | None = None,
                    on_behalf_by: User | None = None) -> Response:
    """Submit: from now on the response is final and counts in the results.

    ``on_behalf_by``: someone else submits for the respondent (answers on paper, after
    a confirmation naming them); the audit row names both.
    """
    locked = _locked(response)
    now = timezone.now()
    Response.objects.filter(pk=locked.pk).update(
        submitted_at=now, started_at=locked.started_at or now)
    # Answers from last round that were never confirmed are not the respondent's: dropped.
    CarriedAnswer.objects.filter(response_id=locked.pk).delete()
    response.submitted_at = now
    response.started_at = locked.started_at or now
    assessment = locked.assessment
    actor = response.user if response.user_id else _respondent_label(response)
    data = {"assessment": str(assessment.public_id), "response": str(locked.public_id),
            "respondent": response.display_name}
    if on_behalf_by is not None:
        actor = on_behalf_by
        data["on_behalf_of"] = response.display_name
    audit(organisation=assessment.organisation, actor=actor,
          action="assessment.response_submitted", target=str(assessment), data=data,
          request=request)
    return response


# --- The consensus session -------------------------------------------------------------


@transaction.atomic
def _refuse_while_withheld(assessment: Assessment) -> None:
    """A consensus session shows how respondents answered each statement: not while
    nobody may see the round's results (``anonymity.withheld``), which it says."""
    hidden = selectors.results_withheld(assessment)
    if hidden is not None:
        raise ValidationError(hidden.message)


def session_start(*, by: OrgAccess, assessment: Assessment,
                  request: HttpRequest | None = None) -> Assessment:
    """Begin the consensus session of an open round, by the facilitator's choice (a
    closed round may always have one). Answers may still come in while it runs: the
    session view says so. Once begun it stays available, through closing and reopening."""
    by.require("assess")
    _refuse_while_withheld(assessment)
    if assessment.is_closed:
        return assessment
    now = timezone.now()
    changed = Assessment.objects.filter(
        pk=assessment.pk, status=Assessment.Status.OPEN, session_started_at__isnull=True,
    ).update(session_started_at=now, updated_at=now)
    assessment.refresh_from_db()
    if changed:
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.session_started", target=str(assessment),
              data={"assessment": str(assessment.public_id)}, request=request)
    elif not assessment.session_available:
        raise ValidationError(_("A consensus session needs an open or closed round."))
    return assessment


def _session_question(assessment: Assessment, question: Question | str) -> int:
    """The id of ``question`` (a Question, or a key) in the round's pinned version;
    ValidationError naming the statement when it belongs to another version."""
    version = assessment.model_version

    def refused(key: str) -> ValidationError:
        return ValidationError({"question": _(
            "The statement “%(key)s” is not part of version %(number)s of the model this "
            "round uses, so it cannot get a consensus answer here.") % {
                "key": key.replace(NUL, ""), "number": version.number}})

    if isinstance(question, Question):
        if question.version_id != version.pk:
            raise refused(question.key)
        return question.pk
    key = str(question)
    structure = version_structure(version)
    if NUL in key or key not in structure.question_ids:
        raise refused(key)
    return structure.question_ids[key]


@transaction.atomic
def consensus_record(*, by: OrgAccess, assessment: Assessment, question: Question | str,
                     option: str | None, note: str = "",
                     request: HttpRequest | None = None) -> ConsensusAnswer | None:
    """Record the answer the team agreed for one statement (a scale option, ``na`` or
    ``dk``) with a note; an empty ``option`` removes it, so the respondents' aggregate
    counts again. A statement nobody answered may get one (it fills the gap).

    Two facilitators recording at once: the round's row is locked, so the writes
    follow each other and the last one wins; both are audited. Returns the stored
    answer (None when removed)."""
    by.require("assess")
    locked = Assessment.objects.select_for_update().select_related(
        "model_version", "organisation").get(pk=assessment.pk)
    if not locked.session_available:
        raise ValidationError(_(
            "Consensus answers can be recorded once the round is closed, or after "
            "starting the session on the open round."))
    _refuse_while_withheld(locked)
    question_id = _session_question(locked, question)
    structure = version_structure(locked.model_version)
    key = next(k for k, pk in structure.question_ids.items() if pk == question_id)
    try:
        cleaned = clean_answer(question_key=key, option=option or "", comment=note,
                               questions=structure.question_ids,
                               options=structure.option_keys)
    except ValidationError as error:
        raise ValidationError({"note" if error.code == "comment" else "option":
                               error.messages}) from None
    now = timezone.now()
    previous = ConsensusAnswer.objects.filter(assessment=locked,
                                              question_id=question_id).first()
    data = {"assessment": str(locked.public_id), "question": key,
            "previous": previous.option if previous else None}
    if cleaned.option:
        stored, _created = ConsensusAnswer.objects.update_or_create(
            assessment=locked, question_id=question_id,
            defaults={"option": cleaned.option, "note": cleaned.comment,
                      "recorded_by": by.user, "recorded_at": now})
        action = "assessment.consensus_recorded"
        data.update(option=cleaned.option, note=cleaned.comment)
    else:
        if previous is None:
            return None
        previous.delete()
        stored, action = None, "assessment.consensus_removed"
    # The results' cache key and the PDFs' inputs follow this stamp.
    Assessment.objects.filter(pk=locked.pk).update(
        consensus_updated_at=now, updated_at=now,
        session_started_at=locked.session_started_at or now)
    assessment.consensus_updated_at = now
    assessment.session_started_at = locked.session_started_at or now
    audit(organisation=locked.organisation, actor=by.user, action=action,
          target=str(locked), data=data, request=request)
    return stored
