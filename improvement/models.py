"""Action plans, calendar feeds and outbound webhooks.

An ``Action`` is something a department does to improve: it addresses statements of
one model version (by key, so the next round on a later version of the same model
can say whether they moved), has an owner (a member, or a name and an email address
for someone without an account), a due date and a status whose changes are kept as
dated ``ActionNote`` rows. Actions never touch answers.

A ``CalendarFeed`` is one user's secret link to the due dates of one organisation's
action plan (only the SHA-256 of its token is stored; revoking deletes nothing but
the link). A ``Webhook`` is an organisation's endpoint for events; each event sent
to it is a ``WebhookDelivery`` with its attempts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisations.changes import TrackedQuerySet


class ActionQuerySet(TrackedQuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=Action.OPEN)

    def overdue(self, today=None) -> ActionQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Action(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="actions")
    department = models.ForeignKey("organisations.Department", on_delete=models.CASCADE,
                                   related_name="actions", verbose_name=_("department"))
    # The round whose result it answers (None: created from a statement on its own).
    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="actions",
                                   verbose_name=_("round"))
    model_version = models.ForeignKey("models_catalog.ModelVersion", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    statements = models.JSONField(_("statements addressed"), default=list, blank=True)
    title = models.CharField(_("title"), max_length=300)
    done_when = models.TextField(_("done when"), blank=True,
                                 help_text=_("How everyone will know that it is done."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="actions", verbose_name=_("owner"))
    owner_name = models.CharField(_("owner's name"), max_length=150, blank=True)
    owner_email = models.EmailField(_("owner's email address"), blank=True)
    due_date = models.DateField(pgettext_lazy("action", "due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # When the "action.overdue" event was sent for the current due date.
    overdue_sent_for = models.DateField(null=True, blank=True, editable=False)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "created_at", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["organisation", "status", "due_date"],
                                name="action_org_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.due_date and self.due_date < timezone.localdate())

    @property
    def is_unassigned(self) -> bool:
        return self.owner_id is None and not self.owner_name and not self.owner_email

    @property
    def owner_label(self) -> str:
        if self.owner_id is not None and self.owner is not None:
            return self.owner.get_full_name()
        return self.owner_name or self.owner_email

    @property
    def owner_address(self) -> str:
        if self.owner_id is not None and self.owner is not None:
            return self.owner.email
        return self.owner_email


class ActionNote(models.Model):
    """A dated note on an action; a status change is a note with ``status`` set."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    author_label = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=12, choices=Action.Status.choices, blank=True)
    text = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"{self.action_id}: {self.status or self.text[:40]}"

    def get_status_display(self) -> str:
        return Action.Status(self.status).label if self.status else ""


class ActionDigest(models.Model):
    """The weekly digest sent to one address: at most one a week, however often the
    task runs."""

    address = models.EmailField()
    week = models.DateField()  # its Monday
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        constraints = [models.UniqueConstraint(fields=["address", "week"],
                                               name="one_digest_per_address_and_week")]

    def __str__(self) -> str:
        return f"{self.address} {self.week}"


class CalendarFeed(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_feeds")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"],
                                               name="one_calendar_feed_per_user_and_org")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.organisation_id}"


class Webhook(models.Model):
    class Event(models.TextChoices):
        ROUND_OPENED = "round.opened", _("Round opened")
        ROUND_CLOSED = "round.closed", _("Round closed")
        ACTION_CREATED = "action.created", _("Action created")
        ACTION_CHANGED = "action.changed", _("Action changed")
        ACTION_OVERDUE = "action.overdue", _("Action overdue")
        REPORT_READY = "report.ready", _("Report ready")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    # Needed in clear to sign each delivery; shown to the organisation's owners and
    # consultants, who give it to the receiving end.
    secret = models.CharField(max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [self.Event(e).label for e in self.events if e in self.Event.values]


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Will retry")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="delivery_due"),
                   models.Index(fields=["webhook", "-created_at"], name="delivery_log")]
        constraints = [models.CheckConstraint(condition=Q(attempts__lte=5),
                                              name="delivery_at_most_five_attempts")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
