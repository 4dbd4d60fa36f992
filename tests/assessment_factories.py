"""Assessment test data: rounds on a published version, respondents and answers.

Versions come from the catalogue's own factories (``tests/catalog_factories.py``);
:func:`version_with` builds one with any number of questions.
"""

from __future__ import annotations

import copy
import itertools
import secrets

from assessments import services
from assessments.models import Answer, Assessment, Response
from models_catalog.models import ModelVersion
from organisations.models import hash_token
from tests.catalog_factories import build_document, make_version
from tests.conftest import access_for

OPTIONS = ("not_in_place", "partly", "largely", "fully", "na", "dk")


def version_with(questions: int = 6, *, slug: str | None = None,
                 overall_rule: str = "aggregate") -> ModelVersion:
    """A published shipped version with ``questions`` questions spread over both
    dimensions and levels 2..4 (the first six are the catalogue factory's)."""
    document = build_document()
    base = document["questions"]
    extra = []
    for i in range(len(base), questions):
        dimension = ("people", "customers")[i % 2]
        level = 2 + i % 3
        extra.append({
            "key": f"{dimension}.{level}.x{i}", "dimension": dimension, "level": level,
            "weight": 1.0 + (i % 3) / 2, "loadings": {"focus": (i % 5) / 4},
            "statement": {"en": f"Extra statement {i}"},
            "recommendation": {"en": f"Do extra {i}"},
        })
    document["questions"] = copy.deepcopy(base[:questions]) + extra
    document["scoring"]["overall_rule"] = overall_rule
    return make_version(slug=slug or f"assess-{secrets.token_hex(4)}", document=document)


def make_assessment(world, *, version: ModelVersion | None = None, org: str = "acme",
                    name: str = "Q1 2027", opened: bool = True, by: str = "manager",
                    department: int = 0, target_level: int | None = None) -> Assessment:
    cast = getattr(world, org)
    access = access_for(cast.member(by), cast.org)
    assessment = services.assessment_create(
        by=access, department=cast.departments[department],
        model_version=version or version_with(), name=name, target_level=target_level)
    if opened:
        assessment = services.assessment_open(by=access, assessment=assessment)
    return assessment


def invitee(assessment: Assessment, email: str = "guest@example.test", *,
            name: str = "Guest", language: str = "en") -> tuple[Response, str]:
    """An invited respondent and the token of their personal link."""
    response = Response.objects.create(assessment=assessment, email=email, name=name,
                                       language=language)
    token = services.issue_link(response=response)
    return response, token


def respondents_with_answers(assessment: Assessment, count: int, *, submitted: bool = True,
                             seed: int = 0) -> list[Response]:
    """``count`` invited respondents who answered every question (deterministically)."""
    questions = list(assessment.model_version.questions.order_by("position", "id"))
    cycle = itertools.cycle(OPTIONS)
    for _ in range(seed):
        next(cycle)
    responses = []
    for i in range(count):
        response = Response.objects.create(
            assessment=assessment, email=f"r{i}-{secrets.token_hex(3)}@example.test",
            name=f"Respondent {i}", token_hash=hash_token(secrets.token_urlsafe(16)))
        Answer.objects.bulk_create(
            Answer(response=response, question=q, option=next(cycle),
                   comment=f"Comment {i}/{q.key}" if (i + q.pk) % 4 == 0 else "")
            for q in questions)
        if submitted:
            services.response_submit(response=response)
        responses.append(response)
    return responses
