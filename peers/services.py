"""Changing the benchmark: the consultancy's switch, a client's consent, the pool."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Assessment
from assessments.selectors import results_by_assessment
from organisations.access import OrgAccess
from organisations.models import Organisation
from organisations.services import audit

from .models import Participation, PoolEntry, Programme
from .pool import programme_on


def _refresh_later(organisation_ids) -> None:
    from .tasks import refresh_pool

    ids = list(organisation_ids)
    if ids:
        transaction.on_commit(lambda: refresh_pool.delay(ids))


@transaction.atomic
def set_programme(*, by: OrgAccess, enabled: bool, request=None) -> Programme:
    """Switch the consultancy's benchmarking on or off. Off empties its pool at once."""
    by.require("manage_benchmark")
    if not by.organisation.is_consultancy:
        raise ValidationError(_("Only a consultancy runs a benchmark of its clients."))
    programme, _created = Programme.objects.select_for_update().get_or_create(
        consultancy=by.organisation)
    if programme.enabled == enabled:
        return programme
    programme.enabled = enabled
    programme.save()
    if enabled:
        _refresh_later(Participation.objects.filter(
            organisation__parent=by.organisation, opted_in=True).values_list(
            "organisation_id", flat=True))
    else:
        PoolEntry.objects.filter(consultancy=by.organisation).delete()
    audit(organisation=by.organisation, actor=by.user,
          action="benchmark.enabled" if enabled else "benchmark.disabled",
          target=by.organisation.name, request=request)
    return programme


@transaction.atomic
def set_participation(*, by: OrgAccess, opted_in: bool, sector: str, size_band: str,
                      request=None) -> Participation:
    """The client's owner decides to take part (or not) and says what the client is.
    Opting out removes the client's figures from the pool in this same transaction."""
    by.require("manage_benchmark")
    if by.via_consultancy:
        # The consultancy may not consent on its client's behalf.
        raise PermissionDenied
    organisation = by.organisation
    if organisation.parent_id is None:
        raise ValidationError(_("Only a client of a consultancy can take part in its "
                                "benchmark."))
    participation, _created = Participation.objects.select_for_update().get_or_create(
        organisation=organisation)
    was_in = participation.opted_in
    participation.opted_in = opted_in
    participation.sector = sector
    participation.size_band = size_band
    participation.save()
    if opted_in:
        _refresh_later([organisation.pk])
    else:
        PoolEntry.objects.filter(organisation=organisation).delete()
    if was_in != opted_in:
        audit(organisation=organisation, actor=by.user,
              action="benchmark.opted_in" if opted_in else "benchmark.opted_out",
              target=organisation.name, request=request)
    else:
        PoolEntry.objects.filter(organisation=organisation).update(sector=sector,
                                                                    size_band=size_band)
    return participation


def refresh_organisation(organisation: Organisation) -> int:
    """Recompute the organisation's pool entries from its departments' latest results
    per model (the rounds that count, ``AssessmentQuerySet.reported``: closed, with a
    submitted response; the newest per department and model); remove them if it may not
    be in the pool. Returns the number of entries kept."""
    participation = Participation.objects.filter(organisation=organisation,
                                                 opted_in=True).first()
    if participation is None or not programme_on(organisation):
        PoolEntry.objects.filter(organisation=organisation).delete()
        return 0
    # Reported: closed, and an anonymous round with too few submitted responses has no
    # results to give the pool (assessments.anonymity.results_hidden).
    rounds = (Assessment.objects.filter(organisation=organisation).reported()
              .select_related("model_version__model", "organisation")
              .order_by("department_id", "model_version__model_id", "-created_at", "-id"))
    latest = {}
    for assessment in rounds:
        latest.setdefault((assessment.department_id, assessment.model_version.model_id), assessment)
    results = results_by_assessment(list(latest.values()), "en") if latest else {}
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for assessment in latest.values():
        result = results[assessment.pk]
        groups[(assessment.model_version.model_id, result.levels)].append(result)
    kept = []
    with transaction.atomic():
        # Re-read consent inside the write: an opt-out that landed meanwhile wins.
        if not Participation.objects.select_for_update().filter(
                organisation=organisation, opted_in=True).exists():
            PoolEntry.objects.filter(organisation=organisation).delete()
            return 0
        for (model_id, levels), group in groups.items():
            dimension_values: dict[str, list[float]] = defaultdict(list)
            for result in group:
                for dimension in result.dimensions:
                    dimension_values[dimension.key].append(dimension.index)
            entry, _created = PoolEntry.objects.update_or_create(
                organisation=organisation, model_id=model_id, defaults={
                    "consultancy_id": organisation.parent_id, "levels": levels,
                    "sector": participation.sector, "size_band": participation.size_band,
                    "index": sum(r.overall.index for r in group) / len(group),
                    "dimensions": {k: sum(v) / len(v) for k, v in dimension_values.items()},
                    "rounds": len(group)})
            kept.append(entry.pk)
        PoolEntry.objects.filter(organisation=organisation).exclude(pk__in=kept).delete()
    return len(kept)


def round_moved(sender, assessment, source, target, **kwargs) -> None:
    """A round that closes (or reopens) changes what its client shows the pool
    (receiver of assessments.signals.round_status_changed)."""
    closed = sender.Status.CLOSED
    if closed in (source, target) and assessment.organisation.parent_id:
        _refresh_later([assessment.organisation_id])
