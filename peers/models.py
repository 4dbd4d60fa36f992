"""The benchmark pool of a consultancy: how its clients' completed rounds compare.

A consultancy switches benchmarking on (:class:`Programme`); each client's owner opts
in or out (:class:`Participation`, with the client's sector and size band). What the
pool holds is precomputed by a Celery task into :class:`PoolEntry` rows — one per
client and maturity model: the mean of the latest closed round of each of its
departments on that model — whenever a round closes or reopens or a client opts in.
Opting out deletes the client's rows at once, in the same transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from models_catalog.models import MaturityModel
from organisations.models import Organisation


class Sector(models.TextChoices):
    PUBLIC = "public", _("Public sector")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    FINANCE = "finance", _("Finance and insurance")
    INDUSTRY = "industry", _("Manufacturing and industry")
    RETAIL = "retail", _("Retail and logistics")
    IT = "it", _("IT and telecoms")
    SERVICES = "services", _("Business services")
    OTHER = "other", pgettext_lazy("sector", "Other")


class SizeBand(models.TextChoices):
    SMALL = "small", _("Up to 250 employees")
    MEDIUM = "medium", _("250 to 1,000 employees")
    LARGE = "large", _("1,000 to 5,000 employees")
    VERY_LARGE = "very_large", _("More than 5,000 employees")


class Programme(models.Model):
    """A consultancy's benchmarking, on or off."""

    consultancy = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                       related_name="benchmark_programme",
                                       verbose_name=_("consultancy"))
    enabled = models.BooleanField(_("benchmarking is on"), default=False)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("benchmark programme")
        verbose_name_plural = _("benchmark programmes")

    def __str__(self) -> str:
        return f"{self.consultancy}: {'on' if self.enabled else 'off'}"


class Participation(models.Model):
    """A client's decision (its owner's) to share its completed rounds in its
    consultancy's pool, and what it is for the sector and size filters."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        related_name="benchmark_participation",
                                        verbose_name=_("organisation"))
    opted_in = models.BooleanField(_("takes part in the benchmark"), default=False)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices,
                              default=Sector.OTHER)
    size_band = models.CharField(_("size"), max_length=20, choices=SizeBand.choices,
                                 default=SizeBand.MEDIUM)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("benchmark participation")
        verbose_name_plural = _("benchmark participations")

    def __str__(self) -> str:
        return f"{self.organisation}: {'in' if self.opted_in else 'out'}"


class PoolEntry(models.Model):
    """One client's figures for one model in its consultancy's pool."""

    consultancy = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                    related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="benchmark_entries")
    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="+")
    levels = models.PositiveSmallIntegerField()
    sector = models.CharField(max_length=20, choices=Sector.choices)
    size_band = models.CharField(max_length=20, choices=SizeBand.choices)
    index = models.FloatField()
    dimensions = models.JSONField(default=dict)  # dimension key -> maturity index
    rounds = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "model"],
                                               name="one_pool_entry_per_client_and_model")]
        indexes = [models.Index(fields=["consultancy", "model"])]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.model}"
