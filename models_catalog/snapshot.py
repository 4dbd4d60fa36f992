"""One snapshot of a model version: the one read of a version's content.

``snapshot(version)`` reads a version's levels, dimensions, axes, answer scale and
questions (five queries, whatever its size) and derives from them everything the
rest of the product reads of a version:

- its parts in display order, grouped per dimension and level (the catalogue pages,
  the draft editor, the export, the answer sheets);
- ``structure``: what a questionnaire shows and an autosave checks against;
- ``spec(language)``: the pure scoring engine's ``scoring.ModelSpec``;
- ``texts(language)``: the display texts in one language (``texts.ModelTexts``: the
  round page, the reports, the PDF, the exports, the charts, ``score_answers``).

A published or retired version never changes (the models refuse every write to its
parts), so each process keeps the snapshots of the last versions it read, keyed by
the version's primary key and creation time (a primary key reused after a rollback,
SQLite in tests, never finds another version's snapshot). A draft is editable: its
snapshot is read afresh on every call and never kept. The older names
(``selectors.version_structure``, ``selectors.model_spec``, ``texts.model_texts``…)
are one-line accessors of this snapshot, not other reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.utils.translation import get_language

from scoring import ModelSpec, QuestionSpec

from .models import Axis, Dimension, Level, ModelVersion, Question, ScaleOption, translate
from .texts import AxisText, DimensionText, LevelText, ModelTexts, QuestionText

# Released versions a process keeps (a shipped model has a few; each tenant's own more).
KEPT_VERSIONS = 128


@dataclass(frozen=True)
class VersionStructure:
    """What a questionnaire shows of a version and what an autosave checks against,
    in display order. Questions carry their dimension (no query per question)."""

    dimensions: tuple[Dimension, ...]
    options: tuple[ScaleOption, ...]
    levels: dict[int, Level]
    questions: tuple[Question, ...]
    question_ids: dict[str, int]
    option_keys: frozenset[str]


@dataclass(frozen=True, eq=False)
class VersionSnapshot:
    """A version's content as read once: its parts in display order (model instances,
    to be read, never saved) and what is derived from them, computed on first use."""

    version_id: int
    slug: str  # the model's
    number: int
    name: Mapping[str, str]
    default_language: str
    threshold: float
    overall_rule: str
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    axes: tuple[Axis, ...]
    options: tuple[ScaleOption, ...]
    questions: tuple[Question, ...]
    _per_language: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ the parts

    @property
    def top(self) -> int:
        """K, the number of levels."""
        return len(self.levels)

    def level(self, number: int) -> Level | None:
        return next((level for level in self.levels if level.number == number), None)

    def part(self, kind: str, key: str):
        """One dimension, axis, option or question by key, or None."""
        parts = {"dimension": self.dimensions, "axis": self.axes, "option": self.options,
                 "question": self.questions}[kind]
        return next((part for part in parts if part.key == key), None)

    @cached_property
    def by_dimension(self) -> dict[int, list[Question]]:
        """Each dimension's questions (by the dimension's primary key), in order."""
        groups: dict[int, list[Question]] = {d.pk: [] for d in self.dimensions}
        for question in self.questions:
            groups.setdefault(question.dimension_id, []).append(question)
        return groups

    def grouped(self, level: int | None = None) -> list[dict]:
        """Per dimension, its questions per level (only ``level`` if given)."""
        groups = []
        levels = [lv for lv in self.levels if lv.number >= 2 and (level is None
                                                                   or lv.number == level)]
        for dimension in self.dimensions:
            mine = self.by_dimension.get(dimension.pk, [])
            rows = [{"level": lv, "questions": [q for q in mine if q.level == lv.number]}
                    for lv in levels]
            groups.append({"dimension": dimension, "levels": [r for r in rows
                                                               if r["questions"]],
                           "count": sum(len(r["questions"]) for r in rows)})
        return groups

    @cached_property
    def structure(self) -> VersionStructure:
        return VersionStructure(
            dimensions=self.dimensions, options=self.options,
            levels={level.number: level for level in self.levels}, questions=self.questions,
            question_ids={q.key: q.pk for q in self.questions},
            option_keys=frozenset(o.key for o in self.options))

    # ------------------------------------------------------- per language, kept

    def _kept(self, kind: str, language: str | None, build):
        language = language or get_language()
        key = (kind, language)
        if key not in self._per_language:
            self._per_language[key] = build(language)
        return self._per_language[key]

    def _translate(self, texts, language: str) -> str:
        return translate(texts, language, self.default_language)

    def spec(self, language: str | None = None) -> ModelSpec:
        """The scoring engine's view of the version, its recommendations in
        ``language`` (default: the active one). ValueError for a draft the engine
        cannot score yet (e.g. a level without questions is fine, no levels is not)."""
        return self._kept("spec", language, self._build_spec)

    def _build_spec(self, language: str) -> ModelSpec:
        dimension_keys = {d.pk: d.key for d in self.dimensions}
        questions = tuple(
            QuestionSpec(key=q.key, dimension=dimension_keys[q.dimension_id], level=q.level,
                         weight=q.weight, loadings=q.loadings or {},
                         recommendation=self._translate(q.recommendation, language))
            for q in self.questions)
        return ModelSpec(levels=self.top, dimensions=tuple(dimension_keys.values()),
                         axes=tuple(a.key for a in self.axes),
                         options={o.key: o.value for o in self.options},
                         questions=questions, threshold=self.threshold,
                         overall_rule=self.overall_rule)

    def texts(self, language: str | None = None) -> ModelTexts:
        """The display texts in ``language`` (default: the active one; falling back as
        ``translate`` does)."""
        return self._kept("texts", language, self._build_texts)

    def _build_texts(self, language: str) -> ModelTexts:
        def t(texts) -> str:
            return self._translate(texts, language)

        dimension_keys = {d.pk: d.key for d in self.dimensions}
        return ModelTexts(
            slug=self.slug, version=self.number,
            name=t(self.name) or self.slug, threshold=self.threshold,
            levels=tuple(LevelText(lv.number, t(lv.name), t(lv.description))
                         for lv in self.levels),
            dimensions=tuple(DimensionText(d.key, t(d.name), t(d.description))
                             for d in self.dimensions),
            axes=tuple(AxisText(a.key, t(a.name), t(a.low_label), t(a.high_label))
                       for a in self.axes),
            questions={q.key: QuestionText(q.key, dimension_keys[q.dimension_id], q.level,
                                           t(q.statement), t(q.recommendation))
                       for q in self.questions},
            options=tuple((o.key, t(o.label)) for o in self.options))


def snapshot(version: ModelVersion) -> VersionSnapshot:
    """The snapshot of ``version``: kept per process for a released version, read
    afresh for a draft."""
    if version.status == ModelVersion.Status.DRAFT:
        return _read(version)
    return _released(version, version.created_at)


@lru_cache(maxsize=KEPT_VERSIONS)
def _released(version: ModelVersion, created_at) -> VersionSnapshot:
    # Model instances hash and compare by primary key; ``created_at`` tells apart a
    # reused one.
    return _read(version)


def _read(version: ModelVersion) -> VersionSnapshot:
    # Explicit orderings: the models' default ones start with "version", a join.
    dimensions = tuple(Dimension.objects.filter(version=version).order_by("position", "id"))
    by_pk = {d.pk: d for d in dimensions}
    questions = tuple(Question.objects.filter(version=version).order_by("position", "id"))
    for question in questions:
        question.dimension = by_pk[question.dimension_id]  # no query per question
    return VersionSnapshot(
        version_id=version.pk, slug=version.model.slug, number=version.number,
        name=dict(version.name or {}),
        default_language=version.default_language, threshold=version.threshold,
        overall_rule=version.overall_rule,
        levels=tuple(Level.objects.filter(version=version).order_by("number")),
        dimensions=dimensions,
        axes=tuple(Axis.objects.filter(version=version).order_by("position", "id")),
        options=tuple(ScaleOption.objects.filter(version=version).order_by("position", "id")),
        questions=questions)
