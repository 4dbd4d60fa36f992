"""What a reader sees of a result: the one presenter of results.

The round page, the report page, the PDF, the exports and ``score_answers`` turn the
scoring engine's ``ScoreResult`` into figures and texts here, and only here
(``tests/test_results_presenter.py`` renders one assessment through every surface and
compares the figures).

**Rounding.** A share (completeness, a fulfilment, an answer's value, a position on
a bar) is shown as a whole percentage, rounded once from the exact fraction, half
away from zero: 0.125 is 13 %, 2/3 is 67 %, never truncated (which made "largely in
place" 66 % in one place and 67 % in another) and never rounded twice (a figure an
export rounds to four decimals is not rounded again to a percentage). Half away from
zero, not Python's ``round`` (half to even: 12.5 → 12), because it is what readers,
spreadsheets and the questionnaire's ``Math.round`` do for the shares shown.

**Who counts.** A result counts submitted responses only (``selectors``). A
respondent counts as invited unless their personal link was withdrawn before they
submitted: "3 of 4 submitted" does not count a withdrawn link, while answers submitted
before a link was withdrawn still count (``services.respondent_revoke``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from models_catalog.texts import ModelTexts
from scoring import DimensionScore, QuestionAggregate, ScoreResult

# The responses that count as invited (see the module docstring).
COUNTED_AS_INVITED = Q(revoked_at__isnull=True) | Q(submitted_at__isnull=False)


def percent(fraction: float | None) -> int | None:
    """A share as a whole percentage, rounded once, half away from zero; None stays None."""
    if fraction is None:
        return None
    return int(Decimal(repr(float(fraction) * 100)).quantize(Decimal(1), ROUND_HALF_UP))


def scale_percent(index: float, top: int) -> int:
    """Where an index in [1, top] lies on a bar from level 1 to the top level."""
    return percent((index - 1) / (top - 1)) if top > 1 else 100


def axis_percent(position: float | None) -> int | None:
    """Where a position in [-1, 1] lies on an axis drawn from 0 to 100 %."""
    return None if position is None else percent((position + 1) / 2)


def most_disputed(result: ScoreResult, *, top: int = 5) -> list[QuestionAggregate]:
    """The statements respondents disagree on most (at least two values, spread > 0)."""
    candidates = [q for q in result.questions.values()
                  if q.spread is not None and q.n_values >= 2 and q.spread > 0]
    candidates.sort(key=lambda q: (-(q.spread or 0.0), q.key))
    return candidates[:top]


def why_this_level(dimension: DimensionScore, *, level_name: Callable[[int], str],
                   statement: Callable[[str], str], max_statements: int = 3) -> dict | None:
    """Rule 10 for a page or the PDF: the level that stops a dimension below K, its
    fulfilment, and the texts of its statements short of θ (most important first, at
    most ``max_statements``; ``more`` counts the rest). None at the top level."""
    blocked = dimension.blocked_at
    if blocked is None:
        return None
    return {
        "level": blocked.level,
        "level_name": level_name(blocked.level),
        "fulfilment": blocked.fulfilment,
        "percent": percent(blocked.fulfilment),
        "statements": [statement(s.question) for s in blocked.short[:max_statements]],
        "more": max(0, len(blocked.short) - max_statements),
    }


def present(result: ScoreResult, texts: ModelTexts, *, target_is_default: bool,
            max_why: int = 3, max_disagreements: int = 5) -> dict:
    """What every surface shows of a result, in the texts' language, as plain data."""
    top = result.levels
    overall = result.overall
    target = result.target_level

    def statement(key: str) -> str:
        return texts.question(key).statement

    steps = [{
        "question": s.question, "dimension_key": s.dimension,
        "dimension": texts.dimension_name(s.dimension), "level": s.level,
        "statement": statement(s.question),
        "recommendation": texts.question(s.question).recommendation or s.recommendation,
        "unknown": s.status == "unknown", "value": s.value, "percent": percent(s.value),
    } for s in result.next_steps]
    dimensions = [{
        "key": d.key, "name": texts.dimension_name(d.key),
        "description": texts.dimension(d.key).description,
        "level": d.level, "level_name": texts.level_name(d.level), "index": d.index,
        "percent": scale_percent(d.index, top),
        "target_percent": scale_percent(target, top),
        "below_target": d.level < target,
        "cells": [{"level": n, "name": texts.level_name(n), "state": c.state,
                   "fulfilment": c.fulfilment, "percent": percent(c.fulfilment),
                   "met": c.met, "questions": c.n_questions, "valued": c.n_valued}
                  for n, c in sorted(d.cells.items())],
        "steps": [s for s in steps if s["dimension_key"] == d.key],
        "why": why_this_level(d, level_name=texts.level_name, statement=statement,
                              max_statements=max_why),
    } for d in result.dimensions]
    axes = []
    for a in result.axes:
        text = texts.axis(a.key)
        axes.append({"key": a.key, "name": text.name if text else a.key,
                     "low": text.low if text else "", "high": text.high if text else "",
                     "position": a.position, "percent": axis_percent(a.position)})
    return {
        "level": overall.level,
        "level_name": texts.level_name(overall.level),
        "index": overall.index,
        "top": top,
        "threshold": result.threshold,
        "target": target,
        "target_name": texts.level_name(target),
        "target_is_default": target_is_default,
        "completeness": result.completeness,
        "completeness_percent": percent(result.completeness),
        "dimensions": dimensions,
        "why_any": any(d["why"] for d in dimensions),
        "axes": axes,
        "next_steps": steps,
        "disagreements": [{"question": q.key, "statement": statement(q.key),
                           "dimension": texts.dimension_name(q.dimension),
                           "spread": q.spread, "value": q.value, "n": q.n_values}
                          for q in most_disputed(result, top=max_disagreements)],
    }


def versions_note(versions: list[int]) -> str:
    """What a trend over rounds on several versions of one model says under it (empty
    for one version): such rounds are compared per dimension, not by the overall index
    (the department page's trend and ``reports.charts.trend``)."""
    if len(versions) < 2:
        return ""
    return _("These rounds use different versions of the model (%(versions)s): their "
             "statements differ, so the trend compares them per dimension, whose "
             "meaning the versions share, not by the overall index.") % {
        "versions": ", ".join(str(v) for v in versions)}
