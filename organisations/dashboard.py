"""Panels that other apps add to an organisation's home page.

An app registers its panel once, in its ``AppConfig.ready()``::

    from organisations.dashboard import Panel, register

    register(Panel(key="assessments", template="assessments/_home_panel.html",
                   context=lambda access: {"rounds": latest_rounds(access)}, order=20))

``context(access)`` returns the template's extra context, or ``None`` to leave the
panel out (for a role that may not see it). A panel must cost a fixed number of
queries whatever the amount of data: the home page's count is pinned in
``tests/test_query_counts.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .access import OrgAccess


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[OrgAccess], dict | None]
    order: int = 100
    wide: bool = False  # full width, above the page's cards (an overview)


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add (or replace, by key) a panel; registering twice is harmless."""
    _panels[panel.key] = panel
    return panel


def panels_for(access: OrgAccess) -> list[dict]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(access)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context,
                          "wide": panel.wide})
    return shown
