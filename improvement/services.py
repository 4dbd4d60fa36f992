"""Writes of action plans, calendar feeds and webhooks.

Keyword-only and atomic; services acting in an organisation take ``by`` (the acting
``OrgAccess``) and check its capability themselves. Changes a tenant can see leave an
audit row; those a webhook may report are emitted as events, delivered after commit
by Celery (``improvement.tasks``), so a slow or broken endpoint never holds up a
request. Nothing here touches answers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from models_catalog.snapshot import snapshot
from organisations.access import OrgAccess
from organisations.branding import shared_branding
from organisations.emails import email_language, send_email
from organisations.models import Organisation, hash_token
from organisations.services import audit

from . import selectors
from .models import (
    Action,
    ActionDigest,
    ActionNote,
    CalendarFeed,
    Webhook,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_TEXT = 5000
# At most five tries over about an hour: the first at once, then 1, 5, 15 and 60
# minutes after it (the waits below come after tries 1 to 4).
MAX_ATTEMPTS = 5
RETRY_DELAYS = (60, 240, 600, 2700)


# ------------------------------------------------------------------------- actions


def _clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)s characters.") % {"limit": limit}})
    return text


def _check_statements(version, statements) -> list[str]:
    keys = [str(k) for k in (statements or [])]
    if not keys:
        return []
    if version is None:
        raise ValidationError({"statements": _("Choose a round first: statements belong to "
                                               "its maturity model.")})
    known = snapshot(version).structure.question_ids
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError({"statements": _("Unknown statement: %(keys)s.")
                               % {"keys": ", ".join(unknown[:5])}})
    return list(dict.fromkeys(keys))


def _owner_fields(by: OrgAccess, owner_id: str | None, owner_name: str,
                  owner_email: str) -> dict:
    """The owner: a member (by user id), or a name and an email address, or nobody."""
    owner_name = _clean_text(owner_name, field="owner_name", limit=150)
    owner_email = (owner_email or "").strip().lower()
    if owner_id:
        user = selectors.owner_users(by).get(str(owner_id))
        if user is None:
            raise ValidationError({"owner": _("Choose a member of this organisation.")})
        return {"owner": user, "owner_name": "", "owner_email": ""}
    if owner_email:
        try:
            validate_email(owner_email)
        except ValidationError as exc:
            raise ValidationError({"owner_email": _("Enter a valid email address.")}) from exc
    if owner_email and not owner_name:
        raise ValidationError({"owner_name": _("Give the owner's name with the address.")})
    return {"owner": None, "owner_name": owner_name, "owner_email": owner_email}


def _check_due(due_date: date | None, *, unchanged: date | None = None) -> None:
    if due_date is not None and due_date < timezone.localdate() and due_date != unchanged:
        raise ValidationError({"due_date": pgettext(
            "action", "The due date %(date)s is in the past. Choose today or a later date, "
            "or leave it empty.") % {"date": formats.date_format(due_date,
                                                                "SHORT_DATE_FORMAT")}})


def _note(action: Action, by, *, text: str = "", status: str = "") -> ActionNote:
    user = getattr(by, "user", None)
    is_user = user is not None and getattr(user, "is_authenticated", False)
    return ActionNote.objects.create(action=action, author=user if is_user else None,
                                     author_label=user.get_full_name() if is_user else "",
                                     text=text, status=status)


@transaction.atomic
def action_create(*, by: OrgAccess, department, title: str, statements=(),
                  assessment=None, owner: str | None = None, owner_name: str = "",
                  owner_email: str = "", due_date: date | None = None, done_when: str = "",
                  request: HttpRequest | None = None) -> Action:
    """A new planned action of ``department``; from ``assessment``'s next steps when
    given (its statements are of that round's model version)."""
    by.require("edit")
    if department is None or department.organisation_id != by.organisation.pk:
        raise ValidationError({"department": _("Choose a department of this organisation.")})
    version = None
    if assessment is not None:
        if (assessment.organisation_id != by.organisation.pk
                or assessment.department_id != department.pk):
            raise ValidationError({"department": _("The round is of another department.")})
        version = assessment.model_version
    _check_due(due_date)
    action = Action.objects.create(
        organisation=by.organisation, department=department, assessment=assessment,
        model_version=version if statements else None,
        statements=_check_statements(version, statements),
        title=_clean_text(title, field="title", limit=MAX_TITLE, required=True),
        done_when=_clean_text(done_when, field="done_when", limit=MAX_TEXT),
        due_date=due_date, created_by=by.user,
        **_owner_fields(by, owner, owner_name, owner_email))
    _note(action, by, status=action.status)
    audit(organisation=by.organisation, actor=by.user, action="action.created",
          target=action.title, data={"action": str(action.public_id),
                                     "department": department.name}, request=request)
    emit(organisation=by.organisation, event=Webhook.Event.ACTION_CREATED,
         data={"action": action_payload(action)})
    return action


def _locked(by: OrgAccess, action: Action) -> Action:
    by.require("edit")
    locked = Action.objects.select_for_update().filter(
        pk=action.pk, organisation=by.organisation).first()
    if locked is None:
        raise ValidationError(_("This action no longer exists."))
    return locked


@transaction.atomic
def action_update(*, by: OrgAccess, action: Action, title: str, statements=(),
                  owner: str | None = None, owner_name: str = "", owner_email: str = "",
                  due_date: date | None = None, done_when: str = "",
                  request: HttpRequest | None = None) -> Action:
    action = _locked(by, action)
    version = action.model_version or (action.assessment.model_version
                                       if action.assessment_id else None)
    _check_due(due_date, unchanged=action.due_date)
    action.statements = _check_statements(version, statements)
    action.model_version = version if action.statements else None
    action.title = _clean_text(title, field="title", limit=MAX_TITLE, required=True)
    action.done_when = _clean_text(done_when, field="done_when", limit=MAX_TEXT)
    if action.due_date != due_date:
        action.overdue_sent_for = None
    action.due_date = due_date
    for name, value in _owner_fields(by, owner, owner_name, owner_email).items():
        setattr(action, name, value)
    action.save()
    audit(organisation=by.organisation, actor=by.user, action="action.updated",
          target=action.title, data={"action": str(action.public_id)}, request=request)
    emit(organisation=by.organisation, event=Webhook.Event.ACTION_CHANGED,
         data={"action": action_payload(action)})
    return action


@transaction.atomic
def action_progress(*, by: OrgAccess, action: Action, status: str = "", note: str = "",
                    request: HttpRequest | None = None) -> Action:
    """A dated note on the action, with a new status or without."""
    action = _locked(by, action)
    note = _clean_text(note, field="note", limit=MAX_TEXT)
    if status and status not in Action.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    changed = bool(status) and status != action.status
    if not changed and not note:
        raise ValidationError({"note": _("Write a note or choose another status.")})
    if changed:
        action.status = status
        action.save(update_fields=["status", "updated_at"])
    _note(action, by, text=note, status=status if changed else "")
    audit(organisation=by.organisation, actor=by.user,
          action="action.status_changed" if changed else "action.noted", target=action.title,
          data={"action": str(action.public_id), "status": action.status}, request=request)
    emit(organisation=by.organisation, event=Webhook.Event.ACTION_CHANGED,
         data={"action": action_payload(action), "note": note})
    return action


@transaction.atomic
def action_delete(*, by: OrgAccess, action: Action, request: HttpRequest | None = None) -> None:
    """Remove an action and its notes. Answers and results are never touched."""
    action = _locked(by, action)
    title, public_id = action.title, action.public_id
    action.delete()
    audit(organisation=by.organisation, actor=by.user, action="action.deleted",
          target=title, data={"action": str(public_id)}, request=request)


def action_payload(action: Action) -> dict:
    return {
        "id": str(action.public_id),
        "title": action.title,
        "department": action.department.name,
        "status": action.status,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "owner": {"name": action.owner_label, "email": action.owner_address} if not
        action.is_unassigned else None,
        "statements": list(action.statements),
        "done_when": action.done_when,
        "url": settings.SITE_URL + reverse("improvement:detail", kwargs={
            "org_slug": action.organisation.slug, "action_id": action.public_id}),
    }


def member_left(*, organisation: Organisation, user, by=None, **kwargs) -> None:
    """A member left: their actions stay, unassigned, and the managers are told."""
    orphaned = list(Action.objects.select_for_update().filter(organisation=organisation,
                                                               owner=user)
                    .select_related("department"))
    if not orphaned:
        return
    name = user.get_full_name()
    for action in orphaned:
        action.owner = None
        action.owner_name = action.owner_email = ""
        action.save(update_fields=["owner", "owner_name", "owner_email", "updated_at"])
        note = _("%(name)s left the organisation; the action is unassigned.") % {"name": name}
        _note(action, by, text=note)
        emit(organisation=organisation, event=Webhook.Event.ACTION_CHANGED,
             data={"action": action_payload(action)})
    audit(organisation=organisation, actor=getattr(by, "user", None),
          action="action.unassigned", target=user.email,
          data={"actions": [str(a.public_id) for a in orphaned]})
    ids = [a.pk for a in orphaned]
    transaction.on_commit(lambda: send_unassigned_email(organisation_id=organisation.pk,
                                                        action_ids=ids, former=name))


def send_unassigned_email(*, organisation_id: int, action_ids: list[int], former: str) -> int:
    organisation = Organisation.objects.select_related("parent").get(pk=organisation_id)
    actions = list(Action.objects.filter(pk__in=action_ids).select_related("department"))
    plan_url = (settings.SITE_URL + reverse("improvement:index", args=[organisation.slug])
                + "?owner=none")
    sent = 0
    for user in selectors.department_managers(organisation):
        sent += send_email(prefix="improvement/email/unassigned", to=user.email,
                           language=email_language(user.language), organisation=organisation,
                           context={
                               "organisation": organisation, "actions": actions,
                               "former": former, "recipient": user, "plan_url": plan_url})
    return sent


# ------------------------------------------------------------- overdue and digest


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def send_weekly_digest(*, today: date | None = None) -> int:
    """One email per owner with open overdue actions, in the owner's language, once a
    week (a second run in the same week sends nothing). Returns the emails sent."""
    today = today or timezone.localdate()
    by_address: dict[str, list[Action]] = defaultdict(list)
    languages: dict[str, str] = {}
    for action in (Action.objects.overdue(today).select_related("owner", "organisation__parent",
                                                                 "department")
                   .order_by("due_date", "id")):
        address = action.owner_address
        if not address or (action.owner_id and not action.owner.is_active):
            continue
        by_address[address.lower()].append(action)
        languages[address.lower()] = email_language(action.owner.language if action.owner_id
                                                    else "")
    sent = 0
    for address, owned in by_address.items():
        try:
            with transaction.atomic():
                ActionDigest.objects.create(address=address, week=week_start(today))
        except IntegrityError:
            continue  # this week's digest went out already
        members = {a.organisation_id for a in owned if a.owner_id}
        # Branded when every action is of organisations that show the same branding.
        sent += send_email(prefix="improvement/email/digest", to=address,
                           language=languages[address],
                           brand=shared_branding({a.organisation for a in owned}), context={
                                "actions": owned, "today": today, "name": owned[0].owner_label,
                                "links": bool(members)})
    return sent


def announce_overdue(*, today: date | None = None) -> int:
    """The ``action.overdue`` event, once per action and due date."""
    today = today or timezone.localdate()
    count = 0
    for action in (Action.objects.overdue(today)
                   .filter(Q(overdue_sent_for__isnull=True) | ~Q(overdue_sent_for=F("due_date")))
                   .select_related("organisation", "department", "owner")):
        with transaction.atomic():
            claimed = Action.objects.filter(pk=action.pk).exclude(
                overdue_sent_for=action.due_date).update(overdue_sent_for=action.due_date)
            if claimed:
                emit(organisation=action.organisation, event=Webhook.Event.ACTION_OVERDUE,
                     data={"action": action_payload(action)})
                count += 1
    return count


# --------------------------------------------------------------------- calendar feed


@transaction.atomic
def calendar_feed_create(*, by: OrgAccess, request: HttpRequest | None = None) -> str:
    """A new secret link to this organisation's due dates for the user; the earlier
    one stops working. Returns the token (shown once, never stored)."""
    by.require("view")
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=by.user, organisation=by.organisation,
        defaults={"token_hash": hash_token(token), "created_at": timezone.now(),
                  "last_read_at": None})
    audit(organisation=by.organisation, actor=by.user, action="calendar.created",
          target=by.user.email, request=request)
    return token


@transaction.atomic
def calendar_feed_revoke(*, by: OrgAccess, request: HttpRequest | None = None) -> bool:
    by.require("view")
    removed, _detail = CalendarFeed.objects.filter(user=by.user,
                                                   organisation=by.organisation).delete()
    if removed:
        audit(organisation=by.organisation, actor=by.user, action="calendar.revoked",
              target=by.user.email, request=request)
    return bool(removed)


# --------------------------------------------------------------------------- webhooks


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": _("Enter an http:// or https:// address.")}) from exc
    if len(url) > 500:
        raise ValidationError({"url": _("At most %(limit)s characters.") % {"limit": 500}})
    return url


def _check_events(events) -> list[str]:
    chosen = [e for e in Webhook.Event.values if e in set(events or ())]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationError({"events": _("Choose at least one event.")})
    return chosen


@transaction.atomic
def webhook_create(*, by: OrgAccess, url: str, events, request: HttpRequest | None = None
                   ) -> Webhook:
    by.require("manage_webhooks")
    webhook = Webhook.objects.create(organisation=by.organisation, url=_check_url(url),
                                     events=_check_events(events),
                                     secret=secrets.token_hex(32), created_by=by.user)
    audit(organisation=by.organisation, actor=by.user, action="webhook.created",
          target=webhook.url, data={"events": webhook.events}, request=request)
    return webhook


@transaction.atomic
def webhook_delete(*, by: OrgAccess, webhook: Webhook, request: HttpRequest | None = None
                   ) -> None:
    by.require("manage_webhooks")
    url = webhook.url
    Webhook.objects.filter(pk=webhook.pk, organisation=by.organisation).delete()
    audit(organisation=by.organisation, actor=by.user, action="webhook.deleted", target=url,
          request=request)


@transaction.atomic
def webhook_send_test(*, by: OrgAccess, webhook: Webhook,
                      request: HttpRequest | None = None) -> WebhookDelivery:
    """A ``ping`` to the endpoint, delivered (and retried) like any event."""
    by.require("manage_webhooks")
    return _deliver_later(webhook, "ping", {"message": "Test from Maturity Desk"})


def emit(*, organisation: Organisation, event: str, data: dict) -> int:
    """Queue ``event`` for every endpoint of the organisation that asked for it."""
    count = 0
    for webhook in Webhook.objects.filter(organisation=organisation):
        if event in webhook.events:
            _deliver_later(webhook, str(event), data)
            count += 1
    return count


def _deliver_later(webhook: Webhook, event: str, data: dict) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(webhook=webhook, event=event,
                                              next_attempt_at=timezone.now())
    delivery.payload = {
        "id": str(delivery.public_id), "event": event,
        "created_at": delivery.created_at.isoformat(),
        "organisation": {"slug": webhook.organisation.slug,
                         "name": webhook.organisation.name},
        "data": json.loads(json.dumps(data, default=str)),
    }
    delivery.save(update_fields=["payload"])
    transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return delivery


def webhooks_queue() -> str | None:
    """The Celery queue for webhook deliveries (None: the default queue), so that a
    deployment can give them workers of their own, and the worker tests a queue."""
    return getattr(settings, "WEBHOOKS_QUEUE", None) or os.environ.get("WEBHOOKS_QUEUE") or None


def enqueue_delivery(delivery_id: int, *, countdown: float | None = None) -> bool:
    """Send a delivery to a worker; a broker that cannot be reached is logged, and the
    hourly sweep (``resend_lost``) sends it again."""
    from .tasks import deliver_webhook_task

    try:
        deliver_webhook_task.apply_async(args=[delivery_id], countdown=countdown,
                                         queue=webhooks_queue())
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the delivery is not lost
        logger.exception("Could not send webhook delivery %s to a worker", delivery_id)
        return False
    return True


def signature(secret: str, body: bytes) -> str:
    """The ``X-MaturityDesk-Signature`` header: HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other: not delivered


class RefusedAddress(Exception):
    pass


def _check_address(url: str) -> None:
    """Outside development, an endpoint on a private, loopback or link-local address is
    refused: a webhook must not reach into the server's own network."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise RefusedAddress(_("The host name does not resolve.")) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RefusedAddress(_("The address %(address)s is not public.")
                                 % {"address": address})


def _post(webhook: Webhook, delivery: WebhookDelivery) -> int:
    if urlsplit(webhook.url).scheme not in ("http", "https"):
        raise ValueError("not an http(s) URL")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(webhook.url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "User-Agent": "MaturityDesk-Webhook/1",
        "X-MaturityDesk-Event": delivery.event,
        "X-MaturityDesk-Delivery": str(delivery.public_id),
        "X-MaturityDesk-Signature": signature(webhook.secret, body),
    })
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def claim_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Take a delivery that is due for its next try (a conditional update: two workers
    never send the same try). The claim lasts a few timeouts; a worker that died
    holding it leaves it to the sweep."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT * 3 + 60)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=[WebhookDelivery.Status.PENDING,
                                    WebhookDelivery.Status.RETRYING],
        attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now + timedelta(seconds=5),
    ).update(status=WebhookDelivery.Status.SENDING, attempts=F("attempts") + 1,
             next_attempt_at=lease)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook__organisation").get(pk=delivery_id)


def deliver(delivery_id: int) -> str | None:
    """One try of a delivery: delivered on a 2xx answer; otherwise retried later, and
    after the fifth try failed, with its endpoint marked failing."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return None
    webhook = delivery.webhook
    code, error, final = None, "", False
    try:
        _check_address(webhook.url)
        code = _post(webhook, delivery)
    except RefusedAddress as exc:
        error, final = str(exc), True  # not a passing problem: no retry
    except (OSError, ValueError) as exc:  # timeouts, refused connections, bad answers
        error = f"{type(exc).__name__}: {exc}"[:300]
    now = timezone.now()
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED, response_code=code, error="",
            finished_at=now, next_attempt_at=None)
        Webhook.objects.filter(pk=webhook.pk).update(failing_since=None)
        return WebhookDelivery.Status.DELIVERED
    if not error:
        error = _("The endpoint answered %(code)s.") % {"code": code}
    if delivery.attempts < MAX_ATTEMPTS and not final:
        wait = RETRY_DELAYS[delivery.attempts - 1]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.RETRYING, response_code=code, error=error,
            next_attempt_at=now + timedelta(seconds=wait))
        transaction.on_commit(lambda: enqueue_delivery(delivery.pk, countdown=wait))
        return WebhookDelivery.Status.RETRYING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED, response_code=code, error=error,
        finished_at=now, next_attempt_at=None)
    Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
    return WebhookDelivery.Status.FAILED


def resend_lost(*, now=None) -> int:
    """Deliveries whose message was lost (a broker down, a worker that died while
    sending) go to a worker again."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=5)
    lost = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENDING,
                                          next_attempt_at__lt=now)
    lost.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=WebhookDelivery.Status.FAILED, finished_at=now, next_attempt_at=None,
        error=_("The last try was interrupted."))
    lost.update(status=WebhookDelivery.Status.RETRYING, next_attempt_at=now)
    due = list(WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING],
        next_attempt_at__lt=stale).values_list("pk", flat=True)[:500])
    for pk in due:
        enqueue_delivery(pk)
    return len(due)
