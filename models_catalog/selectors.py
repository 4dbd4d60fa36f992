"""Reads of maturity models, scoped to the accessed organisation.

A tenant sees the shipped models, its own, and its consultancy's
(``organisations.access.visible_to_organisation``). Of a model it does not own it
sees only published and retired versions: another owner's drafts are work in
progress. Anything else is a 404, as for objects of another organisation.
"""

from __future__ import annotations

from copy import copy

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from organisations.access import OrgAccess, visible_to_organisation
from scoring import ModelSpec

from .models import Level, MaturityModel, ModelVersion
from .snapshot import VersionStructure, snapshot

RELEASED = (ModelVersion.Status.PUBLISHED, ModelVersion.Status.RETIRED)


def _released_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(model=OuterRef("pk"), status__in=RELEASED)


def visible_models(access: OrgAccess) -> QuerySet[MaturityModel]:
    """Models the organisation may see: shipped, its own, its consultancy's."""
    org = access.organisation
    return (MaturityModel.objects.filter(visible_to_organisation(org))
            .filter(Q(owner=org) | Exists(_released_versions()))
            .select_related("owner"))


def _get_visible(access: OrgAccess, queryset: QuerySet, **lookup):
    """Like ``organisations.access.get_scoped``: one object or 404, also for bad input."""
    try:
        obj = queryset.filter(**lookup).first()
    except (ValueError, ValidationError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def get_visible_model(access: OrgAccess, slug: str) -> MaturityModel:
    """The visible model with ``slug``. Slugs are unique per owner, and a tenant's new
    models avoid the slugs it sees; should two visible models still share one (a
    shipped model added later), the organisation's own comes first, then its
    consultancy's, then the shipped one."""
    org = access.organisation
    precedence = Case(When(owner=org, then=Value(0)), When(owner__isnull=True, then=Value(2)),
                      default=Value(1))
    return _get_visible(access, visible_models(access).order_by(precedence), slug=slug)


def owns(access: OrgAccess, model: MaturityModel) -> bool:
    return model.owner_id == access.organisation.pk


def can_edit(access: OrgAccess, model: MaturityModel) -> bool:
    """Owners and consultants edit the models their organisation owns."""
    return owns(access, model) and access.can("manage_models")


def versions(access: OrgAccess, model: MaturityModel) -> QuerySet[ModelVersion]:
    """The model's versions the organisation may see, newest first."""
    queryset = model.versions.select_related("published_by", "created_by").order_by("-number")
    return queryset if owns(access, model) else queryset.filter(status__in=RELEASED)


def get_version(access: OrgAccess, model_slug: str, number: int) -> ModelVersion:
    model = get_visible_model(access, model_slug)
    version = _get_visible(access, versions(access, model), number=number)
    version.model = model
    return version


def get_editable_version(access: OrgAccess, model_slug: str, number: int) -> ModelVersion:
    """A version the user may edit: 404 if not visible, 403 if not the organisation's or
    the role may not manage models. Whether it is still a draft is for the caller (the
    services refuse published versions anyway)."""
    version = get_version(access, model_slug, number)
    if not can_edit(access, version.model):
        raise PermissionDenied
    return version


def latest_published(model: MaturityModel) -> ModelVersion | None:
    return (model.versions.filter(status=ModelVersion.Status.PUBLISHED)
            .order_by("-number").first())


def catalogue(access: OrgAccess) -> dict[str, list[MaturityModel]]:
    """The visible models in three groups, each model with ``current`` (its latest
    published version number or None) and ``draft`` (its draft number, own models
    only): three queries whatever the size of the catalogue."""
    org = access.organisation
    models = list(visible_models(access).order_by("slug"))
    numbers = (ModelVersion.objects.filter(model__in=models)
               .values_list("model_id", "number", "status").order_by("number"))
    current: dict[int, int] = {}
    drafts: dict[int, int] = {}
    for model_id, number, status in numbers:
        if status == ModelVersion.Status.PUBLISHED:
            current[model_id] = number
        elif status == ModelVersion.Status.DRAFT:
            drafts[model_id] = number
    groups: dict[str, list[MaturityModel]] = {"own": [], "consultancy": [], "shipped": []}
    for model in models:
        model.current = current.get(model.pk)
        model.draft = drafts.get(model.pk) if model.owner_id == org.pk else None
        if model.owner_id is None:
            groups["shipped"].append(model)
        elif model.owner_id == org.pk:
            groups["own"].append(model)
        else:
            groups["consultancy"].append(model)
    return groups


# ------------------------------------------------------------------ version content
# One read of a version's content: models_catalog.snapshot. These names are its
# accessors, kept for the callers.


def version_structure(version: ModelVersion) -> VersionStructure:
    """What a questionnaire shows and an autosave checks: no query once this process
    has read a released version (the busiest requests read it every time)."""
    return snapshot(version).structure


def model_spec(version: ModelVersion, language: str | None = None) -> ModelSpec:
    """The scoring engine's view of a version, recommendations in ``language``."""
    return snapshot(version).spec(language)


def get_part(version: ModelVersion, kind: str, key: str):
    """One dimension, axis, option or question of the version by key; 404 otherwise.
    A copy: the draft editor sets its version and edits it."""
    obj = snapshot(version).part(kind, key)
    if obj is None:
        raise Http404
    obj = copy(obj)
    obj.version = version
    return obj


def get_level(version: ModelVersion, number: int) -> Level:
    level = snapshot(version).level(number)
    if level is None:
        raise Http404
    level = copy(level)
    level.version = version
    return level


# ------------------------------------------------------- lookups outside a tenant


def find_version(slug: str, number: int | None = None, *,
                 organisation=None) -> ModelVersion:
    """For management commands (no tenant): a model's version by number, else its latest
    published one. Raises LookupError with a message naming what is missing.

    Slugs are unique per owner. With ``organisation``, its own model is meant.
    Without, the shipped model with that slug; if none is shipped, the one
    organisation's model that has it; if several organisations have one, LookupError
    asks for the organisation."""
    if organisation is not None:
        model = MaturityModel.objects.filter(slug=slug, owner=organisation).first()
        if model is None:
            raise LookupError(f"unknown model {slug!r} of organisation {organisation.slug!r}")
    else:
        candidates = list(MaturityModel.objects.filter(slug=slug).select_related("owner")
                          .order_by(F("owner_id").asc(nulls_first=True))[:3])
        if not candidates:
            raise LookupError(f"unknown model {slug!r}")
        model = candidates[0]
        if model.owner_id is not None and len(candidates) > 1:
            owners = ", ".join(repr(m.owner.slug) for m in candidates)
            raise LookupError(f"several organisations have a model {slug!r} ({owners}"
                              f"{', …' if len(candidates) > 2 else ''}); name one with "
                              f"--organisation")
    if number is None:
        version = latest_published(model)
        if version is None:
            raise LookupError(f"model {slug!r} has no published version")
    else:
        version = model.versions.filter(number=number).first()
        if version is None:
            raise LookupError(f"model {slug!r} has no version {number}")
    version.model = model
    return version
