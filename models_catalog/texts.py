"""A model version's display texts in one language, as plain data: the one read of
a version's texts (names of levels, dimensions, axes and answer options, statements,
recommendations) for the round page, the report page, the PDF, the exports, the charts
and ``score_answers``.

Charts, web pages and PDFs read these instead of the catalogue models, so that the
chart functions stay pure (plain data in, a figure out) and a report is rendered
from one snapshot of texts in the requester's language. A released version never
changes, so each process keeps the texts of the last few it read (:func:`model_texts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .released import ReleasedVersionCache


@dataclass(frozen=True)
class LevelText:
    number: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class DimensionText:
    key: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class AxisText:
    key: str
    name: str
    low: str  # the low pole's label (e.g. "Internal", "Cost-driven")
    high: str


@dataclass(frozen=True)
class QuestionText:
    key: str
    dimension: str
    level: int
    statement: str
    recommendation: str = ""


@dataclass(frozen=True)
class ModelTexts:
    slug: str
    version: int
    name: str
    threshold: float
    levels: tuple[LevelText, ...]
    dimensions: tuple[DimensionText, ...]
    axes: tuple[AxisText, ...] = ()
    questions: dict[str, QuestionText] = field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()  # (key, label) of the answer scale, in order

    @property
    def top(self) -> int:
        return max((level.number for level in self.levels), default=1)

    def level(self, number: int) -> LevelText:
        for level in self.levels:
            if level.number == number:
                return level
        return LevelText(number, str(number))

    def level_name(self, number: int) -> str:
        return self.level(number).name

    def level_names(self) -> dict[int, str]:
        return {level.number: level.name for level in self.levels}

    def dimension(self, key: str) -> DimensionText:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        return DimensionText(key, key)

    def dimension_name(self, key: str) -> str:
        return self.dimension(key).name

    def axis(self, key: str) -> AxisText | None:
        for axis in self.axes:
            if axis.key == key:
                return axis
        return None

    def question(self, key: str) -> QuestionText:
        return self.questions.get(key) or QuestionText(key, "", 0, key)

    def option_labels(self) -> dict[str, str]:
        return dict(self.options)


_cache = ReleasedVersionCache(128)


def model_texts(version, language: str | None = None) -> ModelTexts:
    """A version's texts in ``language`` (default: the active one; falling back as
    ``translate`` does): six queries whatever its size, and none for a released
    version this process has read in that language before (its parts never change;
    the key has ``created_at`` so that a primary key reused after a rollback never
    finds another version's texts). A draft is read afresh every time."""
    from django.utils.translation import get_language

    language = language or get_language()
    return _cache.get(version, language, build=lambda: _read_texts(version, language))


def _read_texts(version, language: str) -> ModelTexts:
    from .models import Axis, Dimension, Level, Question, ScaleOption, translate

    default = version.default_language

    def t(texts) -> str:
        return translate(texts, language, default)

    levels = tuple(LevelText(n, t(name), t(description)) for n, name, description in
                   Level.objects.filter(version=version).order_by("number")
                   .values_list("number", "name", "description"))
    dimensions = tuple(DimensionText(k, t(name), t(description)) for k, name, description in
                       Dimension.objects.filter(version=version).order_by("position", "id")
                       .values_list("key", "name", "description"))
    axes = tuple(AxisText(k, t(name), t(low), t(high)) for k, name, low, high in
                 Axis.objects.filter(version=version).order_by("position", "id")
                 .values_list("key", "name", "low_label", "high_label"))
    questions = {
        key: QuestionText(key, dimension, level, t(statement), t(recommendation))
        for key, dimension, level, statement, recommendation in
        Question.objects.filter(version=version).order_by("position", "id").values_list(
            "key", "dimension__key", "level", "statement", "recommendation")
    }
    options = tuple((k, t(label)) for k, label in ScaleOption.objects.filter(
        version=version).order_by("position", "id").values_list("key", "label"))
    texts = ModelTexts(slug=version.model.slug, version=version.number,
                       name=version.display_name(language), threshold=version.threshold,
                       levels=levels, dimensions=dimensions, axes=axes,
                       questions=questions, options=options)
    return texts
