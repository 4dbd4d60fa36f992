"""Action-plan test data: rounds whose respondents all gave one answer, actions."""

from __future__ import annotations

import secrets

from assessments import services as assessment_services
from assessments.models import Answer, Response
from improvement import services
from organisations.models import hash_token
from tests.assessment_factories import make_assessment
from tests.conftest import access_for


def answered_round(world, version, *, option: str, name: str, respondents: int = 3,
                   close: bool = True, department: int = 0):
    """A round of acme's department where every respondent answered ``option``
    everywhere (closed, unless ``close`` is false)."""
    assessment = make_assessment(world, version=version, name=name, department=department)
    questions = list(version.questions.all())
    for i in range(respondents):
        response = Response.objects.create(
            assessment=assessment, email=f"r{i}-{secrets.token_hex(3)}@example.test",
            name=f"R{i}", token_hash=hash_token(secrets.token_urlsafe(16)))
        Answer.objects.bulk_create(Answer(response=response, question=q, option=option)
                                   for q in questions)
        assessment_services.response_submit(response=response)
    if close:
        assessment = assessment_services.assessment_close(
            by=access_for(world.acme.manager, world.acme.org), assessment=assessment)
    return assessment


def make_action(world, *, by: str = "manager", department: int = 0, **fields):
    access = access_for(getattr(world.acme, by), world.acme.org)
    fields.setdefault("title", "Write the service catalogue")
    return services.action_create(by=access, department=world.acme.departments[department],
                                  **fields)
