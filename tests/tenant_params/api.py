"""URL kwargs of the API tokens page (see the package docstring)."""

from __future__ import annotations

from tests.api_helpers import make_token


def _token(world):
    if "api_token" not in world.memo:
        world.memo["api_token"] = make_token(world.acme, name="Isolation")[0]
    return world.memo["api_token"]


PARAMS = {
    "token_id": lambda world: _token(world).public_id,
}
