"""Catalogue test data: small model documents and versions built from them.

``build_document()`` is a small valid ``maturity-model/1`` document (4 levels, two
dimensions, two axes, the shipped four-option scale, six questions, en + sv);
``make_version()`` imports one. The factory_boy factories make single rows for
tests that need odd data (they write drafts; publish through the services).
"""

from __future__ import annotations

import copy
from typing import Any

import factory

from models_catalog.documents import import_document
from models_catalog.models import (
    Axis,
    Dimension,
    Level,
    MaturityModel,
    ModelVersion,
    Question,
    ScaleOption,
)

SCALE = [
    {"key": "not_in_place", "label": {"en": "Not in place", "sv": "Finns inte"}, "value": 0.0},
    {"key": "partly", "label": {"en": "Partly", "sv": "Delvis"}, "value": 1 / 3},
    {"key": "largely", "label": {"en": "Largely", "sv": "Till stor del"}, "value": 2 / 3},
    {"key": "fully", "label": {"en": "Fully", "sv": "Helt"}, "value": 1.0},
]


def _q(key: str, dimension: str, level: int, *, weight: float = 1.0,
       loadings: dict | None = None, help: bool = True) -> dict[str, Any]:
    question = {
        "key": key, "dimension": dimension, "level": level, "weight": weight,
        "loadings": loadings or {},
        "statement": {"en": f"Statement {key}", "sv": f"Påstående {key}"},
        "recommendation": {"en": f"Do {key}", "sv": f"Gör {key}"},
    }
    if help:
        question["help"] = {"en": f"Help for {key}"}
    return question


def build_document(slug: str = "test-model", **overrides: Any) -> dict[str, Any]:
    """A small valid document; ``overrides`` replace top-level entries."""
    document = {
        "format": "maturity-model/1",
        "model": {
            "slug": slug,
            "name": {"en": "Test model", "sv": "Testmodell"},
            "description": {"en": "A model for tests.", "sv": "En modell för tester."},
            "source": {"en": "The test suite"},
            "default_language": "en",
            "languages": ["en", "sv"],
        },
        "version": {"number": 1, "notes": {"en": "First version"}},
        "scoring": {"threshold": 0.75, "overall_rule": "aggregate"},
        "levels": [
            {"number": n, "name": {"en": name, "sv": sv},
             "description": {"en": f"Level {n} described", "sv": f"Nivå {n} beskriven"}}
            for n, name, sv in [(1, "Ad hoc", "Ad hoc"), (2, "Controlled", "Kontrollerad"),
                                (3, "Proactive", "Proaktiv"), (4, "Strategic", "Strategisk")]
        ],
        "dimensions": [
            {"key": "people", "name": {"en": "People", "sv": "Människor"},
             "description": {"en": "The people"}},
            {"key": "customers", "name": {"en": "Customers", "sv": "Kunder"}},
        ],
        "axes": [
            {"key": "focus", "name": {"en": "Focus", "sv": "Fokus"},
             "low_label": {"en": "Internal", "sv": "Internt"},
             "high_label": {"en": "External", "sv": "Externt"}},
            {"key": "mindset", "name": {"en": "Mindset", "sv": "Tankesätt"},
             "low_label": {"en": "Cost-driven", "sv": "Kostnadsdriven"},
             "high_label": {"en": "Value-driven", "sv": "Värdedriven"}},
        ],
        "scale": copy.deepcopy(SCALE),
        "questions": [
            _q("people.2.1", "people", 2, loadings={"focus": 0.5}),
            _q("people.3.1", "people", 3, weight=2.0, loadings={"mindset": 0.5}),
            _q("people.4.1", "people", 4, help=False),
            _q("customers.2.1", "customers", 2, loadings={"focus": 1.0, "mindset": 0.25}),
            _q("customers.3.1", "customers", 3, weight=1.5),
            _q("customers.4.1", "customers", 4, loadings={"focus": 0.75}),
        ],
    }
    document.update(copy.deepcopy(overrides))
    return document


def make_version(*, owner=None, slug: str = "test-model", publish: bool = True,
                 document: dict | None = None, by=None) -> ModelVersion:
    """A version imported from ``document`` (default: :func:`build_document`)."""
    data = document if document is not None else build_document(slug)
    data = copy.deepcopy(data)
    data["model"]["slug"] = slug
    return import_document(data, organisation=owner, by=by, publish=publish)


# ------------------------------------------------------------------ row factories


class MaturityModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturityModel

    slug = factory.Sequence(lambda n: f"model-{n}")
    name = factory.LazyAttribute(lambda o: {"en": o.slug.title()})
    languages = factory.LazyFunction(lambda: ["en"])


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    model = factory.SubFactory(MaturityModelFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: dict(o.model.name))
    languages = factory.LazyFunction(lambda: ["en"])


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level

    version = factory.SubFactory(ModelVersionFactory)
    number = factory.Sequence(lambda n: n % 5 + 1)
    name = factory.LazyAttribute(lambda o: {"en": f"Level {o.number}"})


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension

    version = factory.SubFactory(ModelVersionFactory)
    key = factory.Sequence(lambda n: f"dimension-{n}")
    name = factory.LazyAttribute(lambda o: {"en": o.key})


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    version = factory.SubFactory(ModelVersionFactory)
    key = factory.Sequence(lambda n: f"axis-{n}")
    name = factory.LazyAttribute(lambda o: {"en": o.key})
    low_label = factory.LazyFunction(lambda: {"en": "Low"})
    high_label = factory.LazyFunction(lambda: {"en": "High"})


class ScaleOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScaleOption

    version = factory.SubFactory(ModelVersionFactory)
    key = factory.Sequence(lambda n: f"option-{n}")
    label = factory.LazyAttribute(lambda o: {"en": o.key})
    value = 1.0


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    version = factory.SubFactory(ModelVersionFactory)
    dimension = factory.SubFactory(DimensionFactory, version=factory.SelfAttribute("..version"))
    key = factory.Sequence(lambda n: f"q.{n}")
    level = 2
    statement = factory.LazyAttribute(lambda o: {"en": f"Statement {o.key}"})
    recommendation = factory.LazyAttribute(lambda o: {"en": f"Do {o.key}"})
