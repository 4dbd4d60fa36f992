"""API tokens: how a program outside the browser acts for one organisation.

A token is created by an owner, belongs to one organisation and reaches nothing
else. Its secret is shown once: only its SHA-256 is stored (the secret has 256 bits
of entropy, so a fast hash is enough; a slow password hash would cost every call).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="api_tokens",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices,
                             default=Scope.READ)
    # The first characters of the secret, to tell tokens apart in the list.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("revoked by"))

    STATUS_LABELS = {
        "active": _("Active"),
        "revoked": _("Revoked"),
        "expired": _("Expired"),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def get_status_display(self) -> str:
        return self.STATUS_LABELS[self.status]
