"""A model version's display texts in one language, as plain data (names of levels,
dimensions, axes and answer options, statements, recommendations) for the round page,
the report page, the PDF, the exports, the charts and ``score_answers``.

Charts, web pages and PDFs read these instead of the catalogue models, so that the
chart functions stay pure (plain data in, a figure out) and a report is rendered in
the requester's language. They are derived from the version's snapshot
(``models_catalog.snapshot``), which keeps them per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


def model_texts(version, language: str | None = None) -> ModelTexts:
    """A version's texts in ``language`` (default: the active one), from its snapshot."""
    from .snapshot import snapshot

    return snapshot(version).texts(language)
