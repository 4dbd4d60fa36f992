"""Reading the pool: where a round stands among the other clients of its consultancy.

The privacy rules live here, once:

- **k-anonymity.** Nothing is shown from a pool, or from a sector or size filter of
  it, with fewer than ``minimum()`` (at least 5) distinct client organisations other
  than the reader's own; the same for each dimension.
- **Nothing of a single client.** Only the median, the quartiles and the reader's
  percentile are shown, never a minimum, maximum or a list; each client counts once
  (one pool entry per client and model, whatever its number of departments).
- **Reciprocity and consent.** Only a client that takes part sees the pool, only
  clients that take part are in it (checked again here, not only on opting out), and
  only clients of the same consultancy, with benchmarking switched on.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.conf import settings

from assessments.presentation import percent
from organisations.models import Organisation

from .models import Participation, PoolEntry, Programme

K_FLOOR = 5


def minimum() -> int:
    """The smallest pool shown: the BENCHMARK_MIN_ORGANISATIONS setting, never below 5."""
    return max(K_FLOOR, int(getattr(settings, "BENCHMARK_MIN_ORGANISATIONS", K_FLOOR)))


@dataclass(frozen=True)
class Position:
    key: str            # "" for the whole model, else a dimension key
    value: float        # the reader's round
    q1: float
    median: float
    q3: float
    percentile: int     # share of the pool below the round (ties count half), step 5,
    #                     rounded as every percentage (assessments.presentation.percent)
    n: int


@dataclass(frozen=True)
class Comparison:
    n: int
    overall: Position
    dimensions: dict[str, Position]
    sector: str
    size_band: str


@dataclass(frozen=True)
class Hidden:
    n: int
    needed: int
    sector: str
    size_band: str


def programme_on(organisation: Organisation) -> bool:
    """The organisation's consultancy runs a benchmark."""
    return organisation.parent_id is not None and Programme.objects.filter(
        consultancy_id=organisation.parent_id, enabled=True).exists()


def takes_part(organisation: Organisation) -> bool:
    """The organisation is a client of a consultancy with benchmarking on, and opted in
    (one query; none for an organisation that is nobody's client)."""
    return organisation.parent_id is not None and Participation.objects.filter(
        organisation=organisation, opted_in=True,
        organisation__parent__benchmark_programme__enabled=True).exists()


def _position(key: str, value: float, pool: list[float]) -> Position:
    q1, median, q3 = statistics.quantiles(pool, n=4, method="inclusive")
    below = sum(1 for v in pool if v < value) + 0.5 * sum(1 for v in pool if v == value)
    percentile = percent(below / len(pool), step=5)
    assert percentile is not None
    return Position(key=key, value=round(value, 2), q1=round(q1, 1), median=round(median, 1),
                    q3=round(q3, 1), percentile=percentile, n=len(pool))


def comparison(assessment, result, *, sector: str = "", size_band: str = ""
               ) -> Comparison | Hidden | None:
    """The round's place in its consultancy's pool; ``Hidden`` when the pool (after the
    filters) is too small; ``None`` when the organisation has no benchmark to see."""
    return _compare(assessment.organisation, model_id=assessment.model_version.model_id,
                    levels=result.levels, index=result.overall.index,
                    dimensions={d.key: d.index for d in result.dimensions},
                    sector=sector, size_band=size_band)


def organisation_comparison(organisation: Organisation, *, model_id: int, levels: int,
                            index: float, dimensions: dict[str, float] | None = None
                            ) -> Comparison | Hidden | None:
    """The organisation's place in its consultancy's pool on one model, for its mean
    maturity index over its departments' latest closed rounds (the executive
    one-pager): the same pool and rules as a round's."""
    return _compare(organisation, model_id=model_id, levels=levels, index=index,
                    dimensions=dimensions or {})


def _entries(organisation: Organisation):
    """The pool the organisation is compared with: the other opted-in clients of its
    consultancy."""
    return (PoolEntry.objects
            .filter(consultancy_id=organisation.parent_id,
                    organisation__parent_id=organisation.parent_id,
                    organisation__benchmark_participation__opted_in=True)
            .exclude(organisation=organisation))


def _compare(organisation: Organisation, *, model_id: int, levels: int, index: float,
             dimensions: dict[str, float], sector: str = "", size_band: str = ""
             ) -> Comparison | Hidden | None:
    if not takes_part(organisation):
        return None
    entries = _entries(organisation).filter(model_id=model_id, levels=levels)
    if sector:
        entries = entries.filter(sector=sector)
    if size_band:
        entries = entries.filter(size_band=size_band)
    rows = list(entries.values_list("index", "dimensions"))
    needed = minimum()
    if len(rows) < needed:
        return Hidden(n=len(rows), needed=needed, sector=sector, size_band=size_band)
    overall = _position("", index, [value for value, _ in rows])
    positions = {}
    for key, value in dimensions.items():
        pool = [dims[key] for _, dims in rows if key in dims]
        if len(pool) >= needed:
            positions[key] = _position(key, value, pool)
    return Comparison(n=len(rows), overall=overall, dimensions=positions, sector=sector,
                      size_band=size_band)


def fingerprint(organisation: Organisation) -> list | None:
    """What the organisation's comparisons depend on besides its own figures, for the
    input hash of a file that shows one (a report keeps no figure from a pool that has
    changed since, e.g. after an opt-out): None when it sees no benchmark."""
    if not takes_part(organisation):
        return None
    return [minimum(), *_entries(organisation).order_by("pk").values_list(
        "pk", "model_id", "levels", "index", "dimensions")]
