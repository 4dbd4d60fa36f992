"""URL kwargs of the assessments app's tenant pages (see the package docstring).

``dimension_key`` is shared with the catalogue (tenant_params/models_catalog.py).
"""

from __future__ import annotations

from datetime import timedelta

from tests.assessment_factories import invitee, make_assessment, version_with


def _assessment(world):
    if "assessment" not in world.memo:
        # Named: an anonymous round with fewer than three submitted responses has no
        # results, report or exports to reach (tests/test_anonymity.py).
        world.memo["assessment"] = make_assessment(
            world, version=version_with(slug="acme-assessed"), name="Isolation round",
            anonymity="named")
    return world.memo["assessment"]


def _response(world):
    if "assessment_response" not in world.memo:
        response, _token = invitee(_assessment(world), "respondent@acme.test")
        world.memo["assessment_response"] = response
    return world.memo["assessment_response"]


def _shared_link(world):
    if "shared_link" not in world.memo:
        from assessments.models import SharedLink
        from organisations.models import hash_token

        assessment = _assessment(world)
        world.memo["shared_link"] = SharedLink.objects.create(
            assessment=assessment, label="Isolation link", cap=5, link_secret="s",
            token_hash=hash_token("isolation-shared-link"),
            expires_at=assessment.created_at + timedelta(days=30))
    return world.memo["shared_link"]


PARAMS = {
    "link_id": lambda world: _shared_link(world).public_id,
    "assessment_id": lambda world: _assessment(world).public_id,
    "response_id": lambda world: _response(world).public_id,
}
