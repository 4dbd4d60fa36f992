"""Writes to assessments: rounds, respondents, answers.

Every service is keyword-only and atomic. Services acting inside an organisation
take ``by``: the caller's :class:`~organisations.access.OrgAccess`. Business rules
(status transitions, who may reopen, a submitted response is final) are enforced
here, so a view that forgot a check still cannot break them; breaking one raises
``ValidationError`` (or :class:`AnswerRefused` for a questionnaire that can no
longer change). Changes a tenant can see leave an audit row.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from models_catalog.models import ModelVersion, Question, ScaleOption
from models_catalog.selectors import version_structure
from organisations.access import CAPABILITIES, OrgAccess, visible_to_organisation
from organisations.models import Department, Membership, User, hash_token
from organisations.services import audit
from scoring import RESERVED_OPTIONS

from . import answer_store
from .models import Answer, Assessment, Response
from .signals import round_status_changed

MAX_COMMENT_LENGTH = 5000
NUL = "\x00"


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
    levels = version.levels.count()
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


@transaction.atomic
def assessment_update(*, by: OrgAccess, assessment: Assessment, name: str,
                      due_date: date | None, target_level: int | None,
                      anonymity: str | None = None,
                      request: HttpRequest | None = None) -> Assessment:
    """Change a round's name, due date and target; its anonymity only while it is a
    draft (respondents are told it before they answer)."""
    by.require("assess")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_changeable(assessment)
    _check_due_date(due_date, unchanged=assessment.due_date)
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
                                   "updated_at"])
    # A later due date takes the personal links with it (an earlier one shortens none:
    # the emails promised their date). Withdrawn links stay withdrawn (revoked_at).
    floor = link_expiry(assessment)
    if floor is not None:
        Response.objects.filter(assessment=assessment, token_hash__isnull=False,
                                expires_at__lt=floor).update(expires_at=floor)
    audit(organisation=assessment.organisation, actor=by.user, action="assessment.updated",
          target=str(assessment), data=data, request=request)
    return assessment


def _check_anonymity(anonymity: str) -> None:
    if anonymity not in Assessment.Anonymity.values:
        raise ValidationError({"anonymity": _("Choose whether the answers are anonymous or "
                                              "named.")})


def _transition(*, by: OrgAccess, assessment: Assessment, source: str, target: str,
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
    audit(organisation=assessment.organisation, actor=by.user, action=action,
          target=str(assessment), data={"assessment": str(assessment.public_id)},
          request=request)
    round_status_changed.send(sender=Assessment, assessment=assessment, source=source,
                              target=target)
    return assessment


@transaction.atomic
def assessment_open(*, by: OrgAccess, assessment: Assessment,
                    request: HttpRequest | None = None) -> Assessment:
    """Open a draft for answers; respondents added so far get their email now."""
    by.require("assess")
    assessment = _transition(by=by, assessment=assessment, source=Assessment.Status.DRAFT,
                             target=Assessment.Status.OPEN, action="assessment.opened",
                             message=_("Only a draft assessment can be opened."),
                             request=request, opened_at=True)
    waiting = (Response.objects.filter(assessment=assessment, last_emailed_at__isnull=True,
                                       revoked_at__isnull=True, submitted_at__isnull=True)
               .select_related("user"))
    for response in waiting:
        if response.user_id or response.email:
            _notify(response=response, kind="invitation", by=by)
    return assessment


@transaction.atomic
def assessment_close(*, by: OrgAccess, assessment: Assessment,
                     request: HttpRequest | None = None) -> Assessment:
    """Close the round: it becomes read-only; only submitted responses count."""
    by.require("assess")
    return _transition(by=by, assessment=assessment, source=Assessment.Status.OPEN,
                       target=Assessment.Status.CLOSED, action="assessment.closed",
                       message=_("Only an open assessment can be closed."),
                       request=request, closed_at=True)


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


def issue_link(*, response: Response) -> str:
    """A new personal link for an invited respondent; the previous link dies (it then
    says it was renewed). Only for a first link or a deliberate renewal.

    The database holds the token's SHA-256 and the secret it is derived from with the
    SECRET_KEY (``link_token``), so that reminders can repeat the link.
    """
    response.link_secret = secrets.token_urlsafe(32)
    response.previous_token_hash = response.token_hash
    token = link_token_for_secret(response.link_secret)
    response.token_hash = hash_token(token)
    response.expires_at = link_expiry(response.assessment, issued_at=timezone.now())
    response.revoked_at = None
    response.save(update_fields=["link_secret", "previous_token_hash", "token_hash",
                                 "expires_at", "revoked_at"])
    return token


def link_token_for_secret(secret: str) -> str:
    digest = salted_hmac("assessments.personal-link", secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


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


def _notify(*, response: Response, kind: str, by: OrgAccess | None,
            renewed: bool = False) -> None:
    """Email ``response``'s respondent after commit, with their link (an invitee's
    current personal link; a new one only for a first email or a renewal)."""
    from .emails import send_respondent_email

    token = None
    if response.user_id is None:
        if renewed:
            token = issue_link(response=response)
        else:
            token, renewed = _link_to_send(response)
    response.last_emailed_at = timezone.now()
    response.save(update_fields=["last_emailed_at"])
    # After commit: no mail for a change that was rolled back, and no SMTP round-trip
    # while the transaction holds its locks.
    transaction.on_commit(partial(send_respondent_email, response_id=response.pk, kind=kind,
                                  token=token, renewed=renewed,
                                  sender=by.user if by else None))


@transaction.atomic
def respondent_invite(*, by: OrgAccess, assessment: Assessment, email: str, name: str = "",
                      language: str = "en", request: HttpRequest | None = None) -> Response:
    """Invite someone without an account to this one assessment, through a personal link.

    The link is emailed now if the assessment is open, else when it opens.
    """
    by.require("assess")
    _require_changeable(assessment)
    email = email.strip().lower()
    if Response.objects.filter(assessment=assessment, email__iexact=email).exists() or (
        Response.objects.filter(assessment=assessment, user__email__iexact=email).exists()
    ):
        raise ValidationError({"email": _("This person is already a respondent.")})
    try:
        with transaction.atomic():
            response = Response.objects.create(assessment=assessment, email=email,
                                               name=name.strip(), language=language,
                                               invited_by=by.user)
    except IntegrityError as exc:
        raise ValidationError({"email": _("This person is already a respondent.")}) from exc
    audit(organisation=assessment.organisation, actor=by.user,
          action="assessment.respondent_invited", target=email,
          data={"assessment": str(assessment.public_id), "response": str(response.public_id)},
          request=request)
    if assessment.is_open:
        _notify(response=response, kind="invitation", by=by)
    return response


def _assessing_user_ids(assessment: Assessment) -> set[int]:
    """Members who may answer as members: the roles that can assess, directly or through
    the consultancy."""
    roles = CAPABILITIES["assess"]
    org = assessment.organisation
    ids = set(Membership.objects.filter(organisation=org, role__in=roles)
              .values_list("user_id", flat=True))
    if org.parent_id:
        from organisations.access import CONSULTANCY_ROLES_IN_CLIENTS

        ids |= set(Membership.objects.filter(organisation_id=org.parent_id,
                                             role__in=CONSULTANCY_ROLES_IN_CLIENTS & roles)
                   .values_list("user_id", flat=True))
    return ids


@transaction.atomic
def respondents_add_members(*, by: OrgAccess, assessment: Assessment, users: Iterable[User],
                            request: HttpRequest | None = None) -> list[Response]:
    """Ask members to answer; each gets an email (now if open, else when it opens)."""
    by.require("assess")
    _require_changeable(assessment)
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
        response = Response.objects.create(assessment=assessment, user=user,
                                           language=user.language or "en", invited_by=by.user)
        added.append(response)
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.respondent_invited", target=user.email,
              data={"assessment": str(assessment.public_id),
                    "response": str(response.public_id), "member": True},
              request=request)
        if assessment.is_open:
            _notify(response=response, kind="invitation", by=by)
    return added


@transaction.atomic
def respondent_remind(*, by: OrgAccess, response: Response,
                      request: HttpRequest | None = None) -> Response:
    """Email a reminder with the same link as before (an expired one works again until
    the new date). A withdrawn link stays withdrawn: only a renewal brings one back."""
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
    _notify(response=response, kind="reminder", by=by)
    audit(organisation=response.assessment.organisation, actor=by.user,
          action="assessment.reminder_sent", target=response.contact_email,
          data={"assessment": str(response.assessment.public_id),
                "response": str(response.public_id)},
          request=request)
    return response


@transaction.atomic
def respondents_remind_all(*, by: OrgAccess, assessment: Assessment,
                           request: HttpRequest | None = None) -> int:
    """Remind everyone who has not submitted (withdrawn links stay withdrawn)."""
    by.require("assess")
    if not assessment.is_open:
        raise ValidationError(_("Reminders can be sent while the assessment is open."))
    waiting = [r for r in Response.objects.filter(
        assessment=assessment, submitted_at__isnull=True, revoked_at__isnull=True,
    ).select_related("user") if r.contact_email]
    for response in waiting:
        _notify(response=response, kind="reminder", by=by)
    if waiting:
        audit(organisation=assessment.organisation, actor=by.user,
              action="assessment.reminder_sent", target=str(assessment),
              data={"assessment": str(assessment.public_id), "count": len(waiting)},
              request=request)
    return len(waiting)


@transaction.atomic
def respondent_renew_link(*, by: OrgAccess, response: Response,
                          request: HttpRequest | None = None) -> Response:
    """Replace an invitee's personal link with a new one and email it: the deliberate
    way a link changes (lost or forwarded email, a withdrawn link given back). The old
    link stops working at once and says it was replaced."""
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
    _notify(response=response, kind="reminder", by=by, renewed=True)
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


def _lock_for_answer(response: Response) -> None:
    """``_locked`` for the autosave: lock the row and refuse from its current state,
    in one short statement (``answer_store``), updating ``response`` in place."""
    state = answer_store.lock_response(response.pk)
    if state is None:
        raise Response.DoesNotExist
    response.submitted_at = state.submitted_at
    response.revoked_at = state.revoked_at
    response.expires_at = state.expires_at
    response.started_at = state.started_at
    response.assessment.status = state.assessment_status
    problem = refusal(response)
    if problem is not None:
        raise problem


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
    is still so (PostgreSQL; ``answer_store.save_answer_if_unchanged``); otherwise, and
    for the first answer and on SQLite, in a transaction that locks the response and
    refuses from its current state (``_save_locked``). Either way atomic.
    """
    if option is UNSET and comment is UNSET:
        raise ValidationError(_("Nothing to save."))
    # Refused as the caller read the response; answer_store makes sure it still holds.
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
    answered = (answer_store.save_answer_if_unchanged(response=response, **given)
                if response.started_at is not None else None)
    if answered is None:  # the first answer, SQLite, or the response changed meanwhile
        answered = _save_locked(response, given)
    return SavedAnswer(question=question_key,
                       option=None if option is UNSET else option,
                       comment=None if comment is UNSET else comment, saved_at=now,
                       answered=answered)


@transaction.atomic
def _save_locked(response: Response, given: dict) -> int:
    """The careful way: lock the response, refuse from its current state, upsert."""
    _lock_for_answer(response)
    # INSERT … ON CONFLICT (response, question) DO UPDATE SET <only these fields>:
    # atomic on PostgreSQL and SQLite alike, with no read-modify-write window.
    answered = answer_store.save_answer(response_id=response.pk, **given)
    if response.started_at is None:
        answer_store.mark_started(response.pk, given["now"])
        response.started_at = given["now"]
    return answered


@transaction.atomic
def answers_save(*, response: Response, answers: Mapping[str, Mapping[str, str]]) -> int:
    """Save several answers at once (the form without JavaScript, offline sheets).

    ``answers`` maps question key to ``{"option": …, "comment": …}`` (either may be
    missing). Everything is validated before anything is written.
    """
    locked = _locked(response)
    version_id = locked.assessment.model_version_id
    ids = dict(Question.objects.filter(version_id=version_id,
                                       key__in=[k for k in answers if NUL not in k])
               .values_list("key", "pk"))
    options = set(ScaleOption.objects.filter(version_id=version_id)
                  .values_list("key", flat=True))
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
