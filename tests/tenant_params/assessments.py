"""URL kwargs of the assessments app's tenant pages (see the package docstring).

``dimension_key`` is shared with the catalogue (tenant_params/models_catalog.py).
"""

from __future__ import annotations

from tests.assessment_factories import invitee, make_assessment, version_with


def _assessment(world):
    if "assessment" not in world.memo:
        world.memo["assessment"] = make_assessment(
            world, version=version_with(slug="acme-assessed"), name="Isolation round")
    return world.memo["assessment"]


def _response(world):
    if "assessment_response" not in world.memo:
        response, _token = invitee(_assessment(world), "respondent@acme.test")
        world.memo["assessment_response"] = response
    return world.memo["assessment_response"]


PARAMS = {
    "assessment_id": lambda world: _assessment(world).public_id,
    "response_id": lambda world: _response(world).public_id,
}
