"""Sample results: assessment rounds with submitted answers, made up quickly.

Test data for the report tests, kept out of the product. (The demo data of `make run`
is `assessments.demo`.)
Rows are written directly, in bulk, like the rest of the demo data: no emails, no
audit trail for made-up respondents. Deterministic for a given ``seed``.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import Answer, Assessment, Response
from models_catalog.models import ModelVersion, Question, ScaleOption
from organisations.models import Department, Organisation

COMMENTS = (
    "We do this, but only in the IT team.",
    "Depends on who is on duty.",
    "Started last quarter; not yet everywhere.",
    "Nobody owns this today.",
)


@transaction.atomic
def seed_rounds(*, organisation: Organisation, version: ModelVersion, rounds: int = 2,
                respondents: int = 3, seed: int = 0,
                departments: list[Department] | None = None,
                anonymity: str = Assessment.Anonymity.ANONYMOUS,
                last_open: bool = True) -> list[Assessment]:
    """``rounds`` closed rounds per department (the last one open, unless not
    ``last_open``), each answered and submitted by ``respondents`` people; later rounds
    score a little higher. An open round's figures are not a department's result yet
    (``AssessmentQuerySet.reported``), nor is an anonymous round of fewer than three
    (``assessments.anonymity``)."""
    rng = random.Random(f"{organisation.slug}:{seed}")
    departments = departments if departments is not None else list(
        organisation.departments.order_by("name"))
    questions = list(Question.objects.filter(version=version).values_list("pk", "level"))
    options = list(ScaleOption.objects.filter(version=version).order_by("value")
                   .values_list("key", flat=True))
    top = version.levels.count() or 5
    now = timezone.now()
    created = []
    for d_index, department in enumerate(departments):
        maturity = 1.6 + rng.random() * (top - 2.4)  # where this department stands
        for r in range(rounds):
            when = now - timedelta(days=120 * (rounds - r) - 1)
            last = last_open and r == rounds - 1
            assessment = Assessment.objects.create(
                organisation=organisation, department=department, model_version=version,
                name=f"Round {r + 1} · {when:%Y}", anonymity=anonymity,
                status=Assessment.Status.OPEN
                if last else Assessment.Status.CLOSED,
                created_at=when, opened_at=when, closed_at=None if last else when)
            level_now = maturity + 0.45 * r
            answers = []
            for p in range(respondents):
                response = Response.objects.create(
                    assessment=assessment, name=f"Respondent {d_index + 1}.{p + 1}",
                    created_at=when, started_at=when, submitted_at=when + timedelta(hours=p))
                bias = rng.uniform(-0.6, 0.6)
                for question_id, level in questions:
                    roll = rng.random()
                    if roll < 0.04:
                        option = "dk"
                    elif roll < 0.07:
                        option = "na"
                    else:
                        # Practices of levels well below where the department stands are
                        # mostly in place; those above it mostly not.
                        strength = level_now + bias - level + 1.0 + rng.gauss(0, 0.7)
                        option = options[max(0, min(len(options) - 1,
                                                    round(strength * (len(options) - 1) / 2)))]
                    comment = rng.choice(COMMENTS) if rng.random() < 0.05 else ""
                    answers.append(Answer(response=response, question_id=question_id,
                                          option=option, comment=comment, updated_at=when))
            Answer.objects.bulk_create(answers, batch_size=500)
            created.append(assessment)
    return created
