"""The API answers as its OpenAPI schema says: schemathesis calls every documented
operation with generated parameters and bodies and validates each response (status
code, content type, headers and body) against the schema.

Path parameters name real objects of the token's organisation, so that operations
answer with their data and not only with 404s (those are the isolation tests' job,
tests/test_api_isolation.py). Few examples per operation keep it quick.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.files.base import ContentFile
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from api.v1 import api
from improvement.services import action_create
from maturity_site.wsgi import application
from reports.models import Report
from tests.api_helpers import make_token
from tests.assessment_factories import make_assessment, respondents_with_answers, version_with
from tests.conftest import access_for

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def _connections_kept():
    """Django's WSGI handler closes the database connection after each request, which
    would close the test's transaction; its test client keeps it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(world, settings, tmp_path, _connections_kept):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.API_THROTTLE_PER_TOKEN = 10_000
    version = version_with(12, slug="schema-model")
    assessment = make_assessment(world, version=version)
    respondents_with_answers(assessment, 3)
    report = Report.objects.create(organisation=world.acme.org, assessment=assessment,
                                   requested_by=world.acme.owner, language="en",
                                   status=Report.Status.READY, input_hash="schema-test")
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 schema test"), save=True)
    action = action_create(by=access_for(world.acme.manager, world.acme.org),
                           department=assessment.department, assessment=assessment,
                           title="Schema action", statements=[version.questions.first().key],
                           owner_name="Kim Extern", owner_email="kim@example.test")
    _token, secret = make_token(world.acme, ApiToken.Scope.WRITE)
    return secret, {
        "org_slug": "acme", "department_id": world.acme.departments[0].public_id,
        "model_slug": "schema-model", "version": 1, "assessment_id": assessment.public_id,
        "report_id": report.public_id, "action_id": action.public_id,
    }


def test_the_schema_documents_every_route():
    paths = {path for path in api.get_openapi_schema()["paths"]}
    assert len(paths) >= 15 and all(path.startswith("/api/v1/") for path in paths)


@schema.parametrize()
@hypothesis_settings(max_examples=6, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, api_world):
    secret, params = api_world
    case.path_parameters = {name: str(params[name]) if name in params else value
                            for name, value in (case.path_parameters or {}).items()}
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
