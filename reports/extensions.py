"""Sections that apps above reports add to a round's report, on the page and in the PDF.

An app registers once, in its ``AppConfig.ready()``::

    from reports.extensions import RoundSection, register

    register(RoundSection(key="actions", template="improvement/_report_actions.html",
                          pdf_template="improvement/_pdf_actions.html",
                          context=actions_for_report, fingerprint=actions_fingerprint))

``context(access, report)`` (``report``: the ``AssessmentReport``) returns the
templates' context, or ``None`` to leave the section out; ``fingerprint(assessment)``
returns what the section depends on as JSON-able data, so that a PDF is rendered
again when it changes (``selectors.assessment_input_hash``). Sections are shown at
the end of the roadmap, in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RoundSection:
    key: str
    template: str
    pdf_template: str
    context: Callable[..., dict | None]
    fingerprint: Callable[..., object]
    order: int = 100


_sections: dict[str, RoundSection] = {}


def register(section: RoundSection) -> RoundSection:
    """Add (or replace, by key) a section; registering twice is harmless."""
    _sections[section.key] = section
    return section


def round_sections() -> list[RoundSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def sections_for(access, report) -> list[dict]:
    shown = []
    for section in round_sections():
        context = section.context(access, report)
        if context is not None:
            shown.append({"key": section.key, "template": section.template,
                          "pdf_template": section.pdf_template, "context": context})
    return shown


def fingerprints(assessment) -> dict:
    return {section.key: section.fingerprint(assessment) for section in round_sections()}
