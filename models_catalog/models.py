"""Maturity models as versioned data.

A ``MaturityModel`` has ``ModelVersion``s; a version holds the levels, dimensions,
axes, answer scale and questions, and the scoring settings. A published (or
retired) version is immutable: assessments pin it, so a past result never changes.
The services refuse to edit it with a clear message, and the guards below refuse
every other way in (``save()``/``delete()`` of its parts and of its scoring fields).
They are guards, not side effects: they only ever raise.

Translations. Every human-readable text is a JSONField mapping a language code to
text (``{"en": "People", "sv": "Människor"}``), read through :func:`translate`. We
chose this over column-per-language (django-modeltranslation) or
table-per-language (django-parler) libraries because a version round-trips as one
document whose text fields are exactly these mappings, copying a version (new
draft, a tenant's copy) copies its translations with the row and no join, and the
set of languages is per model (a Hungarian seed is complete in en+hu, a Swedish
one in en+sv), which a project-wide column set or a translation table handles
worse: empty columns or extra queries for languages a model does not have.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
FALLBACK_LANGUAGE = "en"
MIN_LEVELS, MAX_LEVELS = 4, 5
# θ when a document or a new draft does not say: exactly 2/3, so that "largely in place"
# counts as met (DESIGN.md "Maturity models as data"). The engine has the same default.
DEFAULT_THRESHOLD = 2 / 3

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
KEY_MAX_LENGTH = 64
SLUG_MAX_LENGTH = 80
# The longest text, per language, of each translatable field of a model (the same for
# every part that has the field): the editor's forms, its services and the document
# check (imports, publishing) all refuse longer ones. Well above the shipped models'
# longest (tests/test_catalog_text_limits.py), short enough for the pages that show them.
TEXT_MAX_LENGTHS: dict[str, int] = {
    "name": 200,          # of the model, a level, a dimension, an axis
    "label": 100,         # an answer option
    "low_label": 100,     # an axis's poles
    "high_label": 100,
    "statement": 1000,
    "help": 2000,
    "source": 2000,       # of the model and of a statement
    "recommendation": 2000,
    "description": 4000,  # of the model, a level, a dimension
    "notes": 10_000,      # a version's change notes
}
RESERVED_OPTION_KEYS = ("na", "dk")
RESERVED_SLUGS = ("import",)  # a page of the catalogue (models_catalog/urls.py)

validate_key = RegexValidator(
    KEY_RE, _("Use lowercase letters, digits, '.', '-' and '_', starting with a letter or digit."),
)


def shown_text(texts: Mapping[str, str] | None, language: str | None = None,
               default_language: str | None = FALLBACK_LANGUAGE) -> tuple[str, str]:
    """The text to show and its language: in ``language`` (default: the active one),
    else in the model's default language, else English, else any text there is;
    ("", "") when there is none. The language goes into a ``lang`` attribute where
    the text fell back to another one (screen readers then pronounce it right)."""
    if not texts:
        return "", ""
    language = language or get_language() or FALLBACK_LANGUAGE
    for code in (language, language.split("-")[0], default_language, FALLBACK_LANGUAGE):
        if code:
            text = texts.get(code)
            if text:
                return text, code
    return next(((text, code) for code, text in texts.items() if text), ("", ""))


def translate(texts: Mapping[str, str] | None, language: str | None = None,
              default_language: str | None = FALLBACK_LANGUAGE) -> str:
    """The text in ``language`` (default: the active one), else in the model's
    default language, else English, else any text there is; "" when there is none."""
    return shown_text(texts, language, default_language)[0]


def language_order(code: str) -> tuple[int, str]:
    """Sort key putting language codes in the project's order (en, sv, hu, nb)."""
    try:
        return (SUPPORTED_LANGUAGES.index(code), code)
    except ValueError:
        return (len(SUPPORTED_LANGUAGES), code)


def texts_in_order(texts: Mapping[str, str] | None) -> dict[str, str]:
    """A text mapping with its languages in project order (PostgreSQL's jsonb does
    not keep key order, and an export must not depend on the database)."""
    return {code: (texts or {})[code] for code in sorted(texts or {}, key=language_order)}


def _version_names(version: ModelVersion) -> dict[str, object]:
    return {"number": version.number,
            "model": getattr(version.model, "slug", "?") if version.model_id else "?"}


class PublishedVersionError(ValidationError):
    """An attempt to change a version that is no longer a draft."""

    def __init__(self, version: ModelVersion | None = None, message: str | None = None):
        if message is None:
            # One whole sentence per status: the status word is not dropped into it.
            status = getattr(version, "status", None)
            if status == ModelVersion.Status.PUBLISHED:
                message = _(
                    "Version %(number)s of “%(model)s” is published and cannot be changed. "
                    "Start a new draft from it to make changes.") % _version_names(version)
            elif status == ModelVersion.Status.RETIRED:
                message = _(
                    "Version %(number)s of “%(model)s” is retired and cannot be changed. "
                    "Start a new draft from it to make changes.") % _version_names(version)
            else:
                message = _("This version is no longer a draft and cannot be changed.")
        super().__init__(message, code="published")


class MaturityModel(models.Model):
    """A maturity model. ``owner`` null: shipped with the product, read-only to tenants.

    The texts here mirror the latest published version (or the only draft of a model
    never published), for lists; each version keeps its own copy in its document.
    """

    # Unique per owner, not globally: a global rule told a tenant which slugs other
    # tenants use. A tenant's slug is also kept apart from the slugs of the models it
    # sees (models_catalog.documents.slugs_in_use), and where two visible models still
    # share one (a shipped model added later), the tenant's own wins
    # (selectors.get_visible_model).
    # The stable identifier the API gives out (a slug can be reused after a delete).
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    slug = models.SlugField(_("short name"), max_length=SLUG_MAX_LENGTH)
    owner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="maturity_models", verbose_name=_("owner"),
        help_text=_("Empty for a shipped model, which tenants can use but not edit."),
    )
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    source = models.JSONField(_("source"), default=dict, blank=True)
    default_language = models.CharField(_("default language"), max_length=8,
                                        default=FALLBACK_LANGUAGE)
    languages = models.JSONField(_("languages"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="model_slug_unique_per_owner"),
            models.UniqueConstraint(fields=["slug"], condition=models.Q(owner__isnull=True),
                                    name="shipped_model_slug_unique"),
        ]
        verbose_name = _("maturity model")
        verbose_name_plural = _("maturity models")

    def __str__(self) -> str:
        return self.slug

    @property
    def is_shipped(self) -> bool:
        return self.owner_id is None

    def display_name(self, language: str | None = None) -> str:
        return translate(self.name, language, self.default_language) or self.slug

    def delete(self, *args, **kwargs):
        if self.versions.exclude(status=ModelVersion.Status.DRAFT).exists():
            raise PublishedVersionError(message=_(
                "A model with a published or retired version cannot be deleted: "
                "assessments may rely on it."))
        return super().delete(*args, **kwargs)


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class OverallRule(models.TextChoices):
        AGGREGATE = "aggregate", _("Aggregate (all dimensions pooled per level)")
        WEAKEST_DIMENSION = "weakest_dimension", _("Weakest dimension")

    # Fields that a published or retired version never changes again.
    FROZEN_FIELDS = (
        "model_id", "number", "name", "description", "source", "default_language",
        "languages", "notes", "threshold", "overall_rule", "content_hash",
        "published_at", "published_by_id", "based_on_id",
    )

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    source = models.JSONField(_("source"), default=dict, blank=True)
    default_language = models.CharField(_("default language"), max_length=8,
                                        default=FALLBACK_LANGUAGE)
    languages = models.JSONField(_("languages"), default=list)
    notes = models.JSONField(_("change notes"), default=dict, blank=True)
    threshold = models.FloatField(
        _("threshold θ"), default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(0.0, message=_("The threshold must be above 0.")),
                    MaxValueValidator(1.0)],
        help_text=_("A level's practices count as in place when their weighted "
                    "fulfilment reaches this share."),
    )
    overall_rule = models.CharField(_("overall level"), max_length=20,
                                    choices=OverallRule.choices, default=OverallRule.AGGREGATE)
    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the normalised document this version was loaded from "
                    "or published as."),
    )
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+", editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["model", "-number"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["model"], condition=Q(status="draft"),
                                    name="one_draft_per_model"),
            models.CheckConstraint(condition=Q(threshold__gt=0) & Q(threshold__lte=1),
                                   name="version_threshold_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.model} v{self.number} ({self.status})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._guard_frozen()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.require_draft()
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def display_name(self, language: str | None = None) -> str:
        return translate(self.name, language, self.default_language) or str(self.model)

    def fallback_language(self, language: str | None = None) -> str | None:
        """The language a reader of ``language`` (default: the active one) sees this
        version's texts in instead, because its content is not complete in theirs (see
        :func:`shown_text`); None when it is, or when the version names no languages."""
        language = (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]
        if not self.languages or language in self.languages:
            return None
        return self.default_language

    def require_draft(self) -> None:
        """Raise PublishedVersionError unless this version (as stored) is a draft."""
        if self.pk is None:
            return
        stored = ModelVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored is not None and stored != self.Status.DRAFT:
            raise PublishedVersionError(self)

    def clean(self):
        super().clean()
        if self.languages and self.default_language not in self.languages:
            raise ValidationError({"default_language": _(
                "The default language must be one of the model's languages.")})

    def _guard_frozen(self) -> None:
        stored = (ModelVersion.objects.filter(pk=self.pk)
                  .values("status", *self.FROZEN_FIELDS).first())
        if stored is None or stored["status"] == self.Status.DRAFT:
            return
        changed = [f for f in self.FROZEN_FIELDS if getattr(self, f) != stored[f]]
        allowed = {(self.Status.PUBLISHED, self.Status.PUBLISHED),
                   (self.Status.PUBLISHED, self.Status.RETIRED),
                   (self.Status.RETIRED, self.Status.RETIRED)}
        if changed or (stored["status"], self.status) not in allowed:
            self.status = stored["status"]
            raise PublishedVersionError(self)


class VersionPartQuerySet(models.QuerySet):
    """Bulk updates and deletes of a version's parts are refused unless every row
    belongs to a draft, like ``save()`` and ``delete()`` on one part."""

    def _require_drafts(self) -> None:
        if self.exclude(version__status=ModelVersion.Status.DRAFT).exists():
            raise PublishedVersionError()

    def update(self, **kwargs):
        self._require_drafts()
        return super().update(**kwargs)

    def delete(self):
        self._require_drafts()
        return super().delete()


class QuestionQuerySet(VersionPartQuerySet):
    def record_carried_from(self, mapping: dict[int, list[str]]) -> None:
        """Set ``carried_from`` of the questions (by id) in ``mapping``, published or not:
        the one field of a released version's parts that may change, because it is not
        content (it says how answers of earlier versions carry over, not what is asked
        or how it scores; ``documents.record_carried_from``)."""
        for pk, keys in mapping.items():
            models.QuerySet.update(self.filter(pk=pk), carried_from=list(keys))


class VersionPart(models.Model):
    """A part of a version's content: editable only while the version is a draft."""

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._require_draft()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._require_draft()
        return super().delete(*args, **kwargs)

    def _require_draft(self) -> None:
        # The version this part belongs to now, and the one it belonged to when stored.
        related = self._meta.get_field("version").remote_field.related_name
        lookup = Q(pk=self.version_id)
        if self.pk is not None:
            lookup |= Q(**{f"{related}__pk": self.pk})
        blocked = (ModelVersion.objects.filter(lookup)
                   .exclude(status=ModelVersion.Status.DRAFT).first())
        if blocked is not None:
            raise PublishedVersionError(blocked)


class Level(VersionPart):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LEVELS)])
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)

    class Meta:
        ordering = ["version", "number"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="level_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {translate(self.name)}"


class Dimension(VersionPart):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE,
                                related_name="dimensions")
    key = models.CharField(_("key"), max_length=KEY_MAX_LENGTH, validators=[validate_key])
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="dimension_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Axis(VersionPart):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="axes")
    key = models.CharField(_("key"), max_length=KEY_MAX_LENGTH, validators=[validate_key])
    name = models.JSONField(_("name"), default=dict)
    low_label = models.JSONField(_("low pole"), default=dict)
    high_label = models.JSONField(_("high pole"), default=dict)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("axis")
        verbose_name_plural = _("axes")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="axis_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class ScaleOption(VersionPart):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE,
                                related_name="scale_options")
    key = models.CharField(_("key"), max_length=KEY_MAX_LENGTH, validators=[validate_key])
    label = models.JSONField(_("label"), default=dict)
    value = models.FloatField(_("value"),
                              validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer scale")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="option_key_unique"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=1),
                                   name="option_value_in_range"),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self):
        super().clean()
        if self.key in RESERVED_OPTION_KEYS:
            raise ValidationError({"key": _(
                "“na” and “dk” are reserved: not applicable and don't know are always offered.")})


def validate_loadings(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("Loadings must be a mapping of axis key to a number."))
    for axis, loading in value.items():
        if (not isinstance(axis, str) or isinstance(loading, bool)
                or not isinstance(loading, int | float) or not -1 <= loading <= 1):
            raise ValidationError(
                _("The loading on %(axis)s must be a number between -1 and 1."),
                params={"axis": axis})


class Question(VersionPart):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE,
                                related_name="questions")
    key = models.CharField(_("key"), max_length=KEY_MAX_LENGTH, validators=[validate_key],
                           help_text=_("Stable across versions: answers and results refer "
                                       "to it."))
    # RESTRICT, not PROTECT: deleting the whole version deletes both, but a dimension
    # that still has questions cannot be deleted on its own.
    dimension = models.ForeignKey(Dimension, on_delete=models.RESTRICT,
                                  related_name="questions", verbose_name=_("dimension"))
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(2), MaxValueValidator(MAX_LEVELS)],
        help_text=_("The level whose practice the statement evidences."))
    statement = models.JSONField(_("statement"), default=dict)
    help = models.JSONField(_("help"), default=dict, blank=True)
    source = models.JSONField(
        _("source"), default=dict, blank=True,
        help_text=_("Where the statement comes from: the model's source text and the part "
                    "of it, or “good practice”."))
    weight = models.FloatField(_("weight"), default=1.0)
    loadings = models.JSONField(_("axis loadings"), default=dict, blank=True,
                                validators=[validate_loadings])
    recommendation = models.JSONField(_("recommendation"), default=dict)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Languages whose texts may no longer say what the default language's text says:
    # marked when a draft's default-language text changes, cleared when that language
    # is edited or its texts are confirmed. Only a draft's own: an export leaves it out.
    needs_review = models.JSONField(_("translations to review"), default=list, blank=True)
    # Keys of earlier versions' statements whose answers carry over to this one in a
    # follow-up round (docs/model-format.md, "carried_from"). Not part of the content
    # hash: it says nothing about what is asked or how it scores.
    carried_from = models.JSONField(_("carried from"), default=list, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_key_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="question_weight_positive"),
            models.CheckConstraint(condition=Q(level__gte=2), name="question_level_from_2"),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self):
        super().clean()
        errors = {}
        if self.weight is not None and not self.weight > 0:
            errors["weight"] = _("The weight must be greater than 0.")
        if self.dimension_id and self.version_id and self.dimension.version_id != self.version_id:
            errors["dimension"] = _("The dimension belongs to another version.")
        if errors:
            raise ValidationError(errors)
