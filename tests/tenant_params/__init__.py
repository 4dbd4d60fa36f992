"""How the tests fill the URL kwargs of every tenant page.

``tests/test_tenant_isolation.py`` and ``tests/test_roles.py`` walk **every** URL
pattern under ``/o/<org_slug>/`` (found by introspecting the URLconf, so a new view
is covered the moment it is routed) and request it as people who must not get in.
To build each URL they need a value for each kwarg; this package supplies them.

Each module here (one per app: ``organisations.py``, ``assessments.py``, …) defines::

    PARAMS: dict[str, Callable[[World], object]]

mapping a kwarg name to a function that, given the ``world`` fixture
(``tests/conftest.py``), returns the value to put in the URL for an object that
belongs to organisation **acme**, creating it if needed. The value is what the
converter takes: a UUID for ``<uuid:…>``, a slug for ``<slug:…>``, an int for
``<int:…>``. Two kwargs that must name related objects (a model and one of its
versions) can share the object through ``world.memo``, a per-test dict.

A module may also define ``NOT_TENANT_OBJECTS: set[str]``: kwargs whose values do
not identify anything of acme (a file format, a level number). The test that puts
acme's ids in another organisation's URL skips patterns that have no other kwarg.

Adding a module is all it takes: the tests never need editing. A URL pattern with
a kwarg no module fills makes the tests fail, naming the pattern and the kwarg; a
kwarg defined by two modules is an error too. ``org_slug`` is the tests' own.
Modules whose name starts with ``_`` are helpers, not parameter modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Registry:
    params: dict[str, Callable]
    defined_in: dict[str, str]
    not_tenant_objects: frozenset[str]


def load_params() -> Registry:
    params: dict[str, Callable] = {}
    defined_in: dict[str, str] = {}
    not_objects: set[str] = set()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module_name = f"{__name__}.{info.name}"
        module = importlib.import_module(module_name)
        for kwarg, function in getattr(module, "PARAMS", {}).items():
            if kwarg in defined_in:
                raise AssertionError(
                    f"URL kwarg {kwarg!r} is defined in both {defined_in[kwarg]} and "
                    f"{module_name}; keep one."
                )
            if not callable(function):
                raise AssertionError(f"{module_name}.PARAMS[{kwarg!r}] must be a function "
                                     "taking the world fixture.")
            params[kwarg], defined_in[kwarg] = function, module_name
        not_objects |= set(getattr(module, "NOT_TENANT_OBJECTS", ()))
    return Registry(params=params, defined_in=defined_in,
                    not_tenant_objects=frozenset(not_objects))


def unfillable(routes, params) -> list[str]:
    """One line per kwarg that no module fills, naming the first pattern that has it."""
    seen: dict[str, list] = {}
    for route in routes:
        for kwarg in route.kwargs:
            if kwarg != "org_slug" and kwarg not in params:
                seen.setdefault(kwarg, []).append(route)
    return [
        f"URL pattern {found[0]} has kwarg {kwarg!r}"
        + (f" (as do {len(found) - 1} more patterns)" if len(found) > 1 else "")
        for kwarg, found in seen.items()
    ]


class ParamResolver:
    """Computes each kwarg's value once per test (objects are created once)."""

    def __init__(self, world, registry: Registry | None = None):
        self.world = world
        self.registry = registry or load_params()
        self._values: dict[str, object] = {}

    def __contains__(self, kwarg: str) -> bool:
        return kwarg in self.registry.params

    def __getitem__(self, kwarg: str) -> object:
        if kwarg not in self._values:
            self._values[kwarg] = self.registry.params[kwarg](self.world)
        return self._values[kwarg]
