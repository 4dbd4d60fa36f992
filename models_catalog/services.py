"""Writes to maturity models. Keyword-only, atomic, audited.

Every editing service locks the version and refuses with
:class:`~models_catalog.models.PublishedVersionError` unless it is a draft. Field
problems are raised as ``ValidationError({field: message})``; a version's problems
as a whole (the same checks as an import) are raised at publication.
Every service takes ``by``, the caller's :class:`~organisations.access.OrgAccess`, and
refuses with PermissionDenied unless it may change the model (owners and consultants
of the organisation that owns it: ``selectors.can_edit``). ``by=None`` is the
installation itself (management commands, the Django admin), never a view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.access import OrgAccess, visible_to_organisation
from organisations.services import audit

from .documents import (
    create_version_from_document,
    document_hash,
    export_version,
    import_document,
    retire_others,
    slugs_in_use,
    unique_slug,
    validate_document,
)
from .models import (
    KEY_MAX_LENGTH,
    KEY_RE,
    MAX_LEVELS,
    MIN_LEVELS,
    RESERVED_OPTION_KEYS,
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    SLUG_RE,
    SUPPORTED_LANGUAGES,
    TEXT_MAX_LENGTHS,
    Axis,
    Dimension,
    Level,
    MaturityModel,
    ModelVersion,
    PublishedVersionError,
    Question,
    ScaleOption,
    language_order,
    texts_in_order,
)
from .selectors import can_edit

Texts = Mapping[str, str]
UP, DOWN = "up", "down"


# --------------------------------------------------------------------------- helpers


def _check_may_edit(by: OrgAccess | None, model: MaturityModel) -> None:
    if by is not None and not can_edit(by, model):
        raise PermissionDenied


def _user(by: OrgAccess | None):
    return by.user if by is not None else None


def _lock_draft(version: ModelVersion, by: OrgAccess | None) -> ModelVersion:
    """The version, locked and fresh from the database, if ``by`` may edit it;
    PublishedVersionError unless a draft. Call inside a transaction."""
    locked = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    _check_may_edit(by, locked.model)
    if locked.status != ModelVersion.Status.DRAFT:
        raise PublishedVersionError(locked)
    return locked


def _audit(version: ModelVersion, by: OrgAccess | None, action: str, target: str = "",
           request=None, **data: Any) -> None:
    label = f"{version.model.slug} v{version.number}"
    audit(organisation=version.model.owner, actor=_user(by), action=action,
          target=f"{label}: {target}" if target else label,
          data={"model": version.model.slug, "version": version.number, **data},
          request=request)


def _texts(version: ModelVersion, value: Texts | None, field: str, *,
           required: bool = True) -> dict[str, str]:
    """Clean a text mapping: known languages, stripped, empty ones dropped, none longer
    than the field's TEXT_MAX_LENGTHS; the default language is required for required
    texts."""
    texts = {}
    limit = TEXT_MAX_LENGTHS[field]
    for code, text in (value or {}).items():
        if code not in SUPPORTED_LANGUAGES:
            raise ValidationError({field: _("Unknown language “%(code)s”.") % {"code": code}})
        text = (text or "").strip()
        if len(text) > limit:
            raise ValidationError({field: _("A text is longer than %(max)s characters "
                                            "(%(language)s: %(count)s).")
                                   % {"max": limit, "language": code, "count": len(text)}})
        if text:
            texts[code] = text
    if (required or texts) and not texts.get(version.default_language):
        raise ValidationError({field: _("Enter the text in the model's default language "
                                        "(%(language)s).") % {"language":
                                                             version.default_language}})
    return texts_in_order(texts)


def _key(version: ModelVersion, key: str, queryset, taken: str) -> str:
    """A valid key not used yet in this version; ``taken`` is the whole translated
    sentence for a key in use, with ``%(key)s``."""
    key = (key or "").strip()
    if not KEY_RE.fullmatch(key) or len(key) > KEY_MAX_LENGTH:
        raise ValidationError({"key": _(
            "Use lowercase letters, digits, '.', '-' and '_' (at most %(n)s characters), "
            "starting with a letter or digit.") % {"n": KEY_MAX_LENGTH}})
    if queryset.filter(version=version, key=key).exists():
        raise ValidationError({"key": taken % {"key": key}})
    return key


def _next_position(queryset, version: ModelVersion) -> int:
    top = queryset.filter(version=version).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _move(obj, siblings: list, direction: str) -> None:
    """Swap ``obj`` with its neighbour among ``siblings`` (ordered by position)."""
    if direction not in (UP, DOWN):
        raise ValidationError(_("Unknown direction."))
    index = next(i for i, s in enumerate(siblings) if s.pk == obj.pk)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(siblings):
        return
    if len({s.position for s in siblings}) != len(siblings):
        # Tied positions (e.g. rows added outside the services): number them first.
        for number, sibling in enumerate(siblings):
            if sibling.position != number:
                sibling.position = number
                sibling.save(update_fields=["position"])
    a, b = siblings[index], siblings[other]
    a.position, b.position = b.position, a.position
    a.save(update_fields=["position"])
    b.save(update_fields=["position"])


def _mirror_on_model(version: ModelVersion) -> None:
    """Copy the version's metadata to its model, which lists show."""
    model = version.model
    model.name, model.description, model.source = (version.name, version.description,
                                                   version.source)
    model.default_language, model.languages = version.default_language, version.languages
    model.save()


def _number(value: Any, field: str, *, low: float, high: float, low_open: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if value != value or (value <= low if low_open else value < low) or value > high:
        if low_open:
            message = _("Enter a number greater than %(low)s and at most %(high)s.")
        else:
            message = _("Enter a number between %(low)s and %(high)s.")
        raise ValidationError({field: message % {"low": low, "high": high}})
    return value


# ------------------------------------------------------------------ whole versions


@transaction.atomic
def model_copy(*, version: ModelVersion, by: OrgAccess, slug: str | None = None,
               name: str | None = None, request=None) -> ModelVersion:
    """Copy ``version`` into a new model owned by ``by``'s organisation, as its draft v1."""
    by.require("manage_models")
    organisation = by.organisation
    source = version.model
    if not MaturityModel.objects.filter(visible_to_organisation(organisation),
                                        pk=source.pk).exists():
        raise PermissionDenied
    if version.status == ModelVersion.Status.DRAFT and source.owner_id != organisation.pk:
        raise ValidationError(_("Only published versions of another owner's model can be "
                                "copied."))
    if slug:
        slug = slug.strip().lower()
        if not SLUG_RE.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH or slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("Use lowercase letters, digits and '-'.")})
        # Only the slugs this organisation sees (or its clients do) count: a rule over
        # every owner's models told a tenant which slugs other tenants use.
        if slugs_in_use(organisation).filter(slug=slug).exists():
            raise ValidationError({"slug": _("This short name is already taken.")})
    else:
        prefix = f"{organisation.slug}-"
        slug = unique_slug(source.slug if source.slug.startswith(prefix)
                           else prefix + source.slug, organisation)
    document = export_version(version)
    if name and name.strip():
        document["model"]["name"] = _texts(version, {version.default_language: name}, "name")
    document["version"]["notes"] = {}
    for question in document["questions"]:  # a new model: no earlier version to carry from
        question.pop("carried_from", None)
    model = MaturityModel.objects.create(
        slug=slug, owner=organisation, name=document["model"]["name"],
        description=document["model"]["description"], source=document["model"]["source"],
        default_language=version.default_language, languages=list(version.languages))
    copy = create_version_from_document(model=model, document=document,
                                        status=ModelVersion.Status.DRAFT, by=by.user,
                                        based_on=version)
    _audit(copy, by, "model.copied", request=request,
           source={"model": source.slug, "version": version.number})
    return copy


def model_import(*, data: Any, by: OrgAccess, publish: bool, request=None) -> ModelVersion:
    """Import a parsed model document into ``by``'s organisation (``import_document``:
    DocumentError and nothing written on any problem)."""
    by.require("manage_models")
    return import_document(data, organisation=by.organisation, by=by.user, publish=publish,
                           request=request)


@transaction.atomic
def draft_create(*, version: ModelVersion, by, request=None) -> ModelVersion:
    """A new draft of the same model, copied from a published or retired version."""
    model = MaturityModel.objects.select_for_update().get(pk=version.model_id)
    _check_may_edit(by, model)
    if model.owner_id is None:
        raise ValidationError(_("A shipped model cannot be edited; copy it to your "
                                "organisation instead."))
    if version.status == ModelVersion.Status.DRAFT:
        raise ValidationError(_("This version is already a draft."))
    existing = model.versions.filter(status=ModelVersion.Status.DRAFT).first()
    if existing is not None:
        raise ValidationError(_("Version %(number)s is already a draft of this model; edit "
                                "or discard it first.") % {"number": existing.number})
    document = export_version(version)
    document["version"]["notes"] = {}
    for question in document["questions"]:
        # The draft's statements are the copied version's: answers to each carry over
        # to it in a follow-up round (docs/model-format.md, carried_from).
        question["carried_from"] = [question["key"]]
    draft = create_version_from_document(model=model, document=document,
                                         status=ModelVersion.Status.DRAFT, by=_user(by),
                                         based_on=version)
    _audit(draft, by, "model.draft_created", request=request, based_on=version.number)
    return draft


@transaction.atomic
def draft_discard(*, version: ModelVersion, by, request=None) -> None:
    """Delete a draft; a model left without any version goes with it."""
    version = _lock_draft(version, by)
    model = version.model
    _audit(version, by, "model.draft_discarded", request=request)
    version.delete()
    if not model.versions.exists():
        model.delete()


def version_problems(version: ModelVersion) -> list[str]:
    """What stops this version from being published: the checks of an import."""
    return validate_document(export_version(version))


@transaction.atomic
def version_publish(*, version: ModelVersion, by, request=None) -> ModelVersion:
    """Publish a draft after validating it like an import; the model's previously
    published version is retired. Raises ValidationError listing every problem."""
    version = _lock_draft(version, by)
    document = export_version(version)
    problems = validate_document(document)
    if problems:
        raise ValidationError(problems, code="invalid_document")
    version.status = ModelVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = _user(by)
    version.content_hash = document_hash(document)
    version.save()
    retired = list(ModelVersion.objects.filter(model_id=version.model_id,
                                               status=ModelVersion.Status.PUBLISHED)
                   .exclude(pk=version.pk).values_list("number", flat=True))
    retire_others(version)
    _mirror_on_model(version)
    _audit(version, by, "model.published", request=request, content_hash=version.content_hash,
           retired=retired)
    return version


@transaction.atomic
def version_retire(*, version: ModelVersion, by, request=None) -> ModelVersion:
    """Stop offering a published version for new assessments; past results keep it."""
    version = ModelVersion.objects.select_for_update().select_related("model").get(
        pk=version.pk)
    _check_may_edit(by, version.model)
    if version.status != ModelVersion.Status.PUBLISHED:
        raise ValidationError(_("Only a published version can be retired."))
    version.status = ModelVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    _audit(version, by, "model.retired", request=request)
    return version


# ------------------------------------------------------------- metadata and scoring


@transaction.atomic
def version_update(*, version: ModelVersion, by, name: Texts, description: Texts | None = None,
                   source: Texts | None = None, notes: Texts | None = None,
                   default_language: str | None = None, languages: list[str] | None = None,
                   request=None) -> ModelVersion:
    """Edit a draft's metadata: name, description, source, change notes, languages."""
    version = _lock_draft(version, by)
    if languages is not None:
        unknown = [code for code in languages if code not in SUPPORTED_LANGUAGES]
        if unknown:
            raise ValidationError({"languages": _("Unknown language “%(code)s”.") %
                                   {"code": unknown[0]}})
        languages = [code for code in SUPPORTED_LANGUAGES if code in languages]
        if not languages:
            raise ValidationError({"languages": _("Choose at least one language.")})
        version.languages = languages
    if default_language is not None:
        if default_language not in version.languages:
            raise ValidationError({"default_language": _(
                "The default language must be one of the model's languages.")})
        version.default_language = default_language
    version.name = _texts(version, name, "name")
    version.description = _texts(version, description, "description", required=False)
    version.source = _texts(version, source, "source", required=False)
    version.notes = _texts(version, notes, "notes", required=False)
    version.save()
    if not version.model.versions.exclude(status=ModelVersion.Status.DRAFT).exists():
        _mirror_on_model(version)  # never published: lists show the draft's name
    _audit(version, by, "model.metadata_edited", request=request)
    return version


@transaction.atomic
def scoring_update(*, version: ModelVersion, by, threshold: float, overall_rule: str,
                   request=None) -> ModelVersion:
    version = _lock_draft(version, by)
    version.threshold = _number(threshold, "threshold", low=0, high=1, low_open=True)
    if overall_rule not in ModelVersion.OverallRule.values:
        raise ValidationError({"overall_rule": _("Choose a rule for the overall level.")})
    version.overall_rule = overall_rule
    version.save()
    _audit(version, by, "model.scoring_edited", request=request,
           threshold=version.threshold, overall_rule=overall_rule)
    return version


# ------------------------------------------------------------------------- levels


@transaction.atomic
def level_update(*, level: Level, by, name: Texts, description: Texts | None = None,
                 request=None) -> Level:
    version = _lock_draft(level.version, by)
    level = Level.objects.get(pk=level.pk, version=version)
    level.name = _texts(version, name, "name")
    level.description = _texts(version, description, "description", required=False)
    level.save()
    _audit(version, by, "model.level_edited", f"level {level.number}", request=request)
    return level


@transaction.atomic
def level_add(*, version: ModelVersion, by, name: Texts, description: Texts | None = None,
              request=None) -> Level:
    """Add level K+1 at the top."""
    version = _lock_draft(version, by)
    count = version.levels.count()
    if count >= MAX_LEVELS:
        raise ValidationError(_("A model has at most %(n)s levels.") % {"n": MAX_LEVELS})
    level = Level(version=version, number=count + 1, name=_texts(version, name, "name"),
                  description=_texts(version, description, "description", required=False))
    level.save()
    _audit(version, by, "model.level_added", f"level {level.number}", request=request)
    return level


@transaction.atomic
def level_remove(*, version: ModelVersion, by, request=None) -> None:
    """Remove the top level K; its questions must be moved or deleted first."""
    version = _lock_draft(version, by)
    top = version.levels.order_by("-number").first()
    if top is None or top.number <= MIN_LEVELS:
        raise ValidationError(_("A model has at least %(n)s levels.") % {"n": MIN_LEVELS})
    count = version.questions.filter(level=top.number).count()
    if count:
        raise ValidationError(ngettext(
            "Level %(level)s still has %(count)s question; move or delete it first.",
            "Level %(level)s still has %(count)s questions; move or delete them first.",
            count) % {"level": top.number, "count": count})
    top.delete()
    _audit(version, by, "model.level_removed", f"level {top.number}", request=request)


# --------------------------------------------------------------------- dimensions


@transaction.atomic
def dimension_add(*, version: ModelVersion, by, key: str, name: Texts,
                  description: Texts | None = None, request=None) -> Dimension:
    version = _lock_draft(version, by)
    dimension = Dimension(
        version=version, key=_key(version, key, Dimension.objects, _(
            "This version already has a dimension with the key “%(key)s”.")),
        name=_texts(version, name, "name"),
        description=_texts(version, description, "description", required=False),
        position=_next_position(Dimension.objects, version))
    dimension.save()
    _audit(version, by, "model.dimension_added", dimension.key, request=request)
    return dimension


@transaction.atomic
def dimension_update(*, dimension: Dimension, by, name: Texts,
                     description: Texts | None = None, request=None) -> Dimension:
    version = _lock_draft(dimension.version, by)
    dimension = Dimension.objects.get(pk=dimension.pk, version=version)
    dimension.name = _texts(version, name, "name")
    dimension.description = _texts(version, description, "description", required=False)
    dimension.save()
    _audit(version, by, "model.dimension_edited", dimension.key, request=request)
    return dimension


@transaction.atomic
def dimension_delete(*, dimension: Dimension, by, request=None) -> None:
    version = _lock_draft(dimension.version, by)
    count = dimension.questions.count()
    if count:
        raise ValidationError(ngettext(
            "Dimension “%(key)s” still has %(count)s question; move or delete it first.",
            "Dimension “%(key)s” still has %(count)s questions; move or delete them first.",
            count) % {"key": dimension.key, "count": count})
    dimension.delete()
    _audit(version, by, "model.dimension_deleted", dimension.key, request=request)


@transaction.atomic
def dimension_move(*, dimension: Dimension, by, direction: str, request=None) -> None:
    version = _lock_draft(dimension.version, by)
    _move(dimension, list(version.dimensions.all()), direction)
    _audit(version, by, "model.dimension_moved", dimension.key, request=request,
           direction=direction)


# --------------------------------------------------------------------------- axes


@transaction.atomic
def axis_add(*, version: ModelVersion, by, key: str, name: Texts, low_label: Texts,
             high_label: Texts, request=None) -> Axis:
    version = _lock_draft(version, by)
    axis = Axis(version=version, key=_key(version, key, Axis.objects, _(
        "This version already has an axis with the key “%(key)s”.")),
                name=_texts(version, name, "name"),
                low_label=_texts(version, low_label, "low_label"),
                high_label=_texts(version, high_label, "high_label"),
                position=_next_position(Axis.objects, version))
    axis.save()
    _audit(version, by, "model.axis_added", axis.key, request=request)
    return axis


@transaction.atomic
def axis_update(*, axis: Axis, by, name: Texts, low_label: Texts, high_label: Texts,
                request=None) -> Axis:
    version = _lock_draft(axis.version, by)
    axis = Axis.objects.get(pk=axis.pk, version=version)
    axis.name = _texts(version, name, "name")
    axis.low_label = _texts(version, low_label, "low_label")
    axis.high_label = _texts(version, high_label, "high_label")
    axis.save()
    _audit(version, by, "model.axis_edited", axis.key, request=request)
    return axis


@transaction.atomic
def axis_delete(*, axis: Axis, by, request=None) -> int:
    """Delete an axis and every question's loading on it; returns how many loaded it."""
    version = _lock_draft(axis.version, by)
    loaded = [q for q in version.questions.all() if axis.key in (q.loadings or {})]
    for question in loaded:
        question.loadings = {k: v for k, v in question.loadings.items() if k != axis.key}
        question.save(update_fields=["loadings"])
    axis.delete()
    _audit(version, by, "model.axis_deleted", axis.key, request=request,
           loadings_removed=len(loaded))
    return len(loaded)


@transaction.atomic
def axis_move(*, axis: Axis, by, direction: str, request=None) -> None:
    version = _lock_draft(axis.version, by)
    _move(axis, list(version.axes.all()), direction)
    _audit(version, by, "model.axis_moved", axis.key, request=request, direction=direction)


# -------------------------------------------------------------------- answer scale


@transaction.atomic
def option_add(*, version: ModelVersion, by, key: str, label: Texts, value: float,
               request=None) -> ScaleOption:
    version = _lock_draft(version, by)
    if (key or "").strip() in RESERVED_OPTION_KEYS:
        raise ValidationError({"key": _("“na” and “dk” are reserved: not applicable and "
                                        "don't know are always offered.")})
    option = ScaleOption(version=version,
                         key=_key(version, key, ScaleOption.objects, _(
                             "This version already has an answer option with the key "
                             "“%(key)s”.")),
                         label=_texts(version, label, "label"),
                         value=_number(value, "value", low=0, high=1),
                         position=_next_position(ScaleOption.objects, version))
    option.save()
    _audit(version, by, "model.option_added", option.key, request=request)
    return option


@transaction.atomic
def option_update(*, option: ScaleOption, by, label: Texts, value: float,
                  request=None) -> ScaleOption:
    version = _lock_draft(option.version, by)
    option = ScaleOption.objects.get(pk=option.pk, version=version)
    option.label = _texts(version, label, "label")
    option.value = _number(value, "value", low=0, high=1)
    option.save()
    _audit(version, by, "model.option_edited", option.key, request=request)
    return option


@transaction.atomic
def option_delete(*, option: ScaleOption, by, request=None) -> None:
    version = _lock_draft(option.version, by)
    option.delete()
    _audit(version, by, "model.option_deleted", option.key, request=request)


@transaction.atomic
def option_move(*, option: ScaleOption, by, direction: str, request=None) -> None:
    version = _lock_draft(option.version, by)
    _move(option, list(version.scale_options.all()), direction)
    _audit(version, by, "model.option_moved", option.key, request=request, direction=direction)


# ----------------------------------------------------------------------- questions


def _question_fields(version: ModelVersion, *, dimension: str, level: int, weight: float,
                     loadings: Mapping[str, float] | None, statement: Texts,
                     help: Texts | None, recommendation: Texts,
                     source: Texts | None = None) -> dict[str, Any]:
    found = version.dimensions.filter(key=dimension).first()
    if found is None:
        raise ValidationError({"dimension": _("Unknown dimension “%(key)s”.") %
                               {"key": dimension}})
    top = version.levels.count()
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise ValidationError({"level": _("Choose a level.")}) from None
    if not 2 <= level <= top:
        raise ValidationError({"level": _("The level must be between 2 and %(top)s.") %
                               {"top": top}})
    weight = _number(weight, "weight", low=0, high=1_000_000, low_open=True)
    axes = set(version.axes.values_list("key", flat=True))
    clean_loadings = {}
    for axis, loading in (loadings or {}).items():
        if loading is None:
            continue
        if axis not in axes:
            raise ValidationError({"loadings": _("Unknown axis “%(key)s”.") % {"key": axis}})
        # [0, 1]: 0 says nothing about the axis, 1 shows its high pole strongly. Older
        # published versions may hold negative loadings; a draft never gets a new one.
        try:
            clean_loadings[axis] = _number(loading, "loadings", low=0, high=1)
        except ValidationError:
            raise ValidationError({"loadings": _(
                "The loading on “%(key)s” must be a number between 0 and 1.")
                % {"key": axis}}) from None
    return {
        "dimension": found, "level": level, "weight": weight, "loadings": clean_loadings,
        "statement": _texts(version, statement, "statement"),
        "help": _texts(version, help, "help", required=False),
        "source": _texts(version, source, "source", required=False),
        "recommendation": _texts(version, recommendation, "recommendation"),
    }


@transaction.atomic
def question_add(*, version: ModelVersion, by, key: str, dimension: str, level: int,
                 statement: Texts, recommendation: Texts, weight: float = 1.0,
                 loadings: Mapping[str, float] | None = None, help: Texts | None = None,
                 source: Texts | None = None, request=None) -> Question:
    """Add a question; ``dimension`` is the dimension's key in this version."""
    version = _lock_draft(version, by)
    question = Question(
        version=version, key=_key(version, key, Question.objects, _(
            "This version already has a question with the key “%(key)s”.")),
        position=_next_position(Question.objects, version),
        **_question_fields(version, dimension=dimension, level=level, weight=weight,
                           loadings=loadings, statement=statement, help=help,
                           recommendation=recommendation, source=source))
    question.save()
    _audit(version, by, "model.question_added", question.key, request=request)
    return question


QUESTION_TEXTS = ("statement", "help", "source", "recommendation")


def _needs_review(version: ModelVersion, before: Question, after: Mapping[str, Any],
                  confirmed: Iterable[str]) -> list[str]:
    """The languages whose texts must be looked at again after this edit: all the others
    when the default language's text changed, less those edited now or confirmed."""
    default = version.default_language

    def changed(code: str) -> bool:
        return any((getattr(before, f) or {}).get(code, "") != (after[f] or {}).get(code, "")
                   for f in QUESTION_TEXTS)

    stale = set(before.needs_review or [])
    if changed(default):
        stale |= {code for f in QUESTION_TEXTS for code in (after[f] or {}) if code != default}
    stale -= {code for code in stale if changed(code)}
    stale -= set(confirmed)
    return sorted(stale, key=language_order)


@transaction.atomic
def question_update(*, question: Question, by, dimension: str, level: int, statement: Texts,
                    recommendation: Texts, weight: float = 1.0,
                    loadings: Mapping[str, float] | None = None, help: Texts | None = None,
                    source: Texts | None = None, confirmed: Iterable[str] = (),
                    request=None) -> Question:
    """Change a question. Changing its default-language text marks its other languages
    for review (``needs_review``); editing a language, or naming it in ``confirmed``
    (its texts still say the same), clears its mark."""
    version = _lock_draft(question.version, by)
    question = Question.objects.get(pk=question.pk, version=version)
    fields = _question_fields(
        version, dimension=dimension, level=level, weight=weight, loadings=loadings,
        statement=statement, help=help, recommendation=recommendation, source=source)
    question.needs_review = _needs_review(version, question, fields, confirmed)
    for field, value in fields.items():
        setattr(question, field, value)
    question.save()
    _audit(version, by, "model.question_edited", question.key, request=request)
    return question


@transaction.atomic
def question_delete(*, question: Question, by, request=None) -> None:
    version = _lock_draft(question.version, by)
    question.delete()
    _audit(version, by, "model.question_deleted", question.key, request=request)


@transaction.atomic
def question_move(*, question: Question, by, direction: str, request=None) -> None:
    """Move a question up or down among the questions of its dimension and level."""
    version = _lock_draft(question.version, by)
    question = Question.objects.get(pk=question.pk, version=version)
    siblings = list(version.questions.filter(dimension_id=question.dimension_id,
                                             level=question.level))
    positions = [q.position for q in siblings]
    if len(set(positions)) != len(positions):
        for number, sibling in enumerate(version.questions.all()):
            Question.objects.filter(pk=sibling.pk).update(position=number)
        siblings = list(version.questions.filter(dimension_id=question.dimension_id,
                                                 level=question.level))
    _move(question, siblings, direction)
    _audit(version, by, "model.question_moved", question.key, request=request,
           direction=direction)
