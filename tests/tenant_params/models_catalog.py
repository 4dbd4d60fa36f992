"""URL kwargs of the catalogue's pages (see the package docstring).

Every value names a part of one draft model owned by acme (version 1, with levels,
dimensions, axes, an answer scale and questions), created once per test.
"""

from __future__ import annotations

from tests.catalog_factories import make_version


def _draft(world):
    if "catalog_draft" not in world.memo:
        world.memo["catalog_draft"] = make_version(owner=world.acme.org, slug="acme-tailored",
                                                   publish=False, by=world.acme.owner)
    return world.memo["catalog_draft"]


PARAMS = {
    "model_slug": lambda world: _draft(world).model.slug,
    "version": lambda world: _draft(world).number,
    "level": lambda world: 2,
    # Also the key of a dimension of the questionnaire's pages (assessments): any key
    # will do for the isolation tests, which only ask for 404s.
    "dimension_key": lambda world: _draft(world).dimensions.first().key,
    "axis_key": lambda world: _draft(world).axes.first().key,
    "option_key": lambda world: _draft(world).scale_options.first().key,
    "question_key": lambda world: _draft(world).questions.first().key,
}

# A version or level number alone names nothing of acme: it is always paired with
# the model's slug.
NOT_TENANT_OBJECTS = {"version", "level"}
