"""PDF reports and their lifecycle: queued → rendering → ready | failed.

A ``Report`` is one rendering of one set of inputs: an assessment (or, with
``assessment`` null, the whole organisation) in one language, as of the answers'
last update, with one version of the templates, as the full report or as the
one-page summary (``variant``). ``input_hash`` says which inputs;
at most one report per organisation and input hash is alive (queued, rendering or
ready), so asking again for the same inputs reuses the file.

The file lives on the default storage under a private path and is only ever sent
through the access-checked download view.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.changes import TrackedQuerySet


def report_path(report: Report, filename: str) -> str:
    # Unguessable and outside any served URL space; the download view names the file.
    return f"reports/{report.organisation.public_id}/{report.public_id}.pdf"


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Audience(models.TextChoices):
        """Whom the file is for: the variant of the page it renders
        (``reports.selectors.report_audience`` says which one a member sees)."""

        ORGANISATION = "organisation", _("The organisation")
        PORTFOLIO = "portfolio", _("The organisation and its clients")
        WITHOUT_NAMES = "without_names", _("Results without names")
        WITH_NAMES = "with_names", _("Results with respondents' names")

    class Variant(models.TextChoices):
        """What the file is: the whole report, or the executive one-pager of the same
        round or organisation (with the same audience)."""

        FULL = "full", _("Full report")
        SUMMARY = "summary", _("One-page summary")

    LIVE = (Status.QUEUED, Status.RENDERING, Status.READY)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="reports")
    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="reports",
                                   help_text=_("Empty for an organisation report."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    # Set when the requester acted with less than their own role (an API token's
    # scope): the report renders with at most this role (reports.services._access_for).
    requested_role = models.CharField(max_length=20, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="en")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices,
                                default=Audience.ORGANISATION)
    variant = models.CharField(_("variant"), max_length=12, choices=Variant.choices,
                               default=Variant.FULL)
    error = models.TextField(_("reason"), blank=True)
    input_hash = models.CharField(max_length=64, editable=False)
    file = models.FileField(upload_to=report_path, blank=True, max_length=200)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "input_hash"],
                condition=Q(status__in=["queued", "rendering", "ready"]),
                name="one_live_report_per_input",
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} report {self.public_id} ({self.status})"

    @property
    def kind(self) -> str:
        return "assessment" if self.assessment_id else "organisation"

    @property
    def is_summary(self) -> bool:
        return self.variant == self.Variant.SUMMARY

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)
