"""Calibration of the shipped models (issue 11): archetype departments scored by the
engine from the catalogue files themselves, so a later content edit cannot silently
break what a consultant relies on.

Each rule is one test per shipped file. The archetypes answer with one respondent (the
engine's mean of equal answers is the answer), on the model's own scale: "fully" is
its highest option, "not in place" its lowest, "largely" the option worth 2/3.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from models_catalog.documents import normalise, validate_document
from scoring import WEAKEST_DIMENSION, ModelSpec, QuestionSpec, score

CATALOGUE = Path(settings.BASE_DIR) / "models_catalog" / "catalogue"
SHIPPED = sorted(CATALOGUE.glob("*.yaml"))
# At most this share of a model's statements may, alone at "not in place" while every
# other statement is fully in place, pull the overall level below the top.
MAX_SINKING_SHARE = 0.10
MIN_PER_CELL = 3


def _document(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert validate_document(data) == [], f"{path.name} is not a valid model document"
    return data


def _spec(document: dict) -> ModelSpec:
    doc = normalise(document)
    return ModelSpec(
        levels=len(doc["levels"]),
        dimensions=tuple(d["key"] for d in doc["dimensions"]),
        axes=tuple(a["key"] for a in doc["axes"]),
        options={o["key"]: o["value"] for o in doc["scale"]},
        questions=tuple(
            QuestionSpec(key=q["key"], dimension=q["dimension"], level=q["level"],
                         weight=q["weight"], loadings=q["loadings"])
            for q in doc["questions"]),
        threshold=doc["scoring"]["threshold"],
        overall_rule=doc["scoring"]["overall_rule"],
    )


@pytest.fixture(params=SHIPPED, ids=[path.stem for path in SHIPPED], scope="module")
def shipped(request) -> tuple[dict, ModelSpec]:
    document = _document(request.param)
    return document, _spec(document)


def _option(spec: ModelSpec, value: float) -> str:
    return min(spec.options, key=lambda key: abs(spec.options[key] - value))


def _fully(spec):
    return max(spec.options, key=spec.options.__getitem__)


def _none(spec):
    return min(spec.options, key=spec.options.__getitem__)


def _score(spec, answers):
    return score(spec, [answers])


def _positions(result) -> dict[str, float | None]:
    return {axis.key: axis.position for axis in result.axes}


# ------------------------------------------------------------------ scoring settings


def test_it_uses_the_weakest_dimension_and_the_default_threshold(shipped):
    document, spec = shipped
    assert spec.overall_rule == WEAKEST_DIMENSION
    assert "threshold" not in document["scoring"], "leave θ to the engine's default 2/3"
    assert spec.threshold == 2 / 3


# ------------------------------------------------------------------------ archetypes


def test_largely_everywhere_reaches_the_top_level(shipped):
    _document, spec = shipped
    largely = _option(spec, 2 / 3)
    assert math.isclose(spec.options[largely], 2 / 3, abs_tol=1e-9)
    answers = {q.key: largely for q in spec.questions}
    result = score(spec, [answers, answers, answers])
    assert result.overall.level == spec.levels
    assert [d.key for d in result.dimensions if d.level < spec.levels] == []


def test_practices_up_to_a_level_give_that_level_and_move_the_axes_forward(shipped):
    _document, spec = shipped
    fully, none = _fully(spec), _none(spec)
    previous: dict[str, float | None] = {}
    for level in range(1, spec.levels + 1):
        answers = {q.key: fully if q.level <= level else none for q in spec.questions}
        result = _score(spec, answers)
        assert result.overall.level == level, f"practices up to level {level}"
        positions = _positions(result)
        for axis, position in positions.items():
            before = previous.get(axis)
            if before is not None:
                assert position is not None and position >= before - 1e-9, (
                    f"axis {axis} moves back from level {level - 1} to {level}")
        previous = positions


def test_a_dimension_with_nothing_in_place_keeps_the_department_at_level_1(shipped):
    _document, spec = shipped
    fully, none = _fully(spec), _none(spec)
    for dimension in spec.dimensions:
        answers = {q.key: none if q.dimension == dimension else fully
                   for q in spec.questions}
        assert _score(spec, answers).overall.level == 1, f"nothing in place in {dimension}"


# ---------------------------------------------------------------------- robustness


def test_every_cell_holds_at_least_three_statements(shipped):
    _document, spec = shipped
    thin = []
    for dimension in spec.dimensions:
        for level in range(2, spec.levels + 1):
            count = sum(1 for q in spec.questions
                        if q.dimension == dimension and q.level == level)
            if count < MIN_PER_CELL:
                thin.append(f"{dimension} level {level}: {count}")
    assert thin == []


def test_few_statements_can_sink_the_overall_level_on_their_own(shipped):
    _document, spec = shipped
    fully, none = _fully(spec), _none(spec)
    everything = {q.key: fully for q in spec.questions}
    sinking = [q.key for q in spec.questions
               if _score(spec, everything | {q.key: none}).overall.level < spec.levels]
    assert len(sinking) <= MAX_SINKING_SHARE * len(spec.questions), (
        f"{len(sinking)} of {len(spec.questions)} statements sink the level alone: "
        f"{', '.join(sinking)}")


# --------------------------------------------------------------------------- axes


def test_no_loading_is_negative(shipped):
    _document, spec = shipped
    negative = [f"{q.key}.{axis}" for q in spec.questions
                for axis, loading in q.loadings.items() if loading < 0]
    assert negative == []


def test_level_2_statements_load_no_axis(shipped):
    _document, spec = shipped
    loaded = [q.key for q in spec.questions
              if q.level == 2 and any(loading != 0 for loading in q.loadings.values())]
    assert loaded == []


def test_each_axis_has_loaded_statements_at_every_level_from_3(shipped):
    _document, spec = shipped
    missing = [f"{axis} level {level}" for axis in spec.axes
               for level in range(3, spec.levels + 1)
               if not any(q.level == level and q.loadings.get(axis, 0) > 0
                          for q in spec.questions)]
    assert missing == []


def test_only_the_basics_in_place_sits_bottom_left(shipped):
    _document, spec = shipped
    fully, none = _fully(spec), _none(spec)
    result = _score(spec, {q.key: fully if q.level == 2 else none for q in spec.questions})
    for axis, position in _positions(result).items():
        assert position is not None and position <= -0.5, f"{axis}: {position}"


def test_everything_in_place_sits_top_right(shipped):
    _document, spec = shipped
    result = _score(spec, {q.key: _fully(spec) for q in spec.questions})
    for axis, position in _positions(result).items():
        assert position is not None and position >= 0.9, f"{axis}: {position}"


# ------------------------------------------------------------------------- sources


def test_every_statement_has_a_source_in_every_language_the_model_ships(shipped):
    document, _spec = shipped
    languages = document["model"]["languages"]
    missing = [f"{q['key']} ({code})" for q in document["questions"] for code in languages
               if not str((q.get("source") or {}).get(code) or "").strip()]
    assert missing == []
