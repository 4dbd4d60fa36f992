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
spreadsheets and the questionnaire's ``Math.round`` do for the shares shown. A figure
shown with decimals (the exports, ``score_answers``) is rounded by ``scoring.rounded``,
which never rounds an index up to the next level or an unmet fulfilment up to θ.

**Who counts.** A result counts submitted responses only (``selectors``). A
respondent counts as invited unless their personal link was withdrawn before they
submitted: "3 of 4 submitted" does not count a withdrawn link, while answers submitted
before a link was withdrawn still count (``services.respondent_revoke``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from models_catalog.texts import ModelTexts
from scoring import DK, NA, DimensionScore, QuestionAggregate, ScoreResult, quick_wins

# Where respondent groups differ enough to say so: their maturity indices more than one
# level apart in a dimension, or their positions on an axis more than 0.25 apart.
GROUP_INDEX_GAP = 1.0
GROUP_AXIS_GAP = 0.25

def counted_as_invited(path: str = "") -> Q:
    """The responses that count as invited (see the module docstring); ``path``: the way
    to the responses (``"responses__"`` from their rounds)."""
    return Q(**{f"{path}revoked_at__isnull": True}) | Q(**{f"{path}submitted_at__isnull": False})


COUNTED_AS_INVITED = counted_as_invited()


def percent(fraction: float | None, *, step: int = 1) -> int | None:
    """A share as a whole percentage, rounded once, half away from zero; None stays None.
    With ``step``, to the nearest multiple of it (a peer percentile is shown in steps
    of 5), by the same rule."""
    if fraction is None:
        return None
    steps = Decimal(repr(float(fraction) * 100 / step)).quantize(Decimal(1), ROUND_HALF_UP)
    return int(steps) * step


def scale_share(index: float, top: int) -> float:
    """Where an index in [1, top] lies on a scale from level 1 (0) to the top level (1),
    so that models of 4 and 5 levels compare on one scale; the one formula of every bar,
    chart and line that draws an index."""
    if top <= 1:
        return 1.0
    return max(0.0, min(1.0, (index - 1) / (top - 1)))


def scale_percent(index: float, top: int) -> int:
    """Where an index in [1, top] lies on a bar from level 1 to the top level."""
    return percent(scale_share(index, top))


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


# How many dimensions the executive one-pager names as the weakest.
WEAKEST_DIMENSIONS = 3


def weakest_dimensions(result: ScoreResult, texts: ModelTexts, *,
                       count: int = WEAKEST_DIMENSIONS, max_why: int = 2) -> list[dict]:
    """The ``count`` dimensions with the lowest maturity index, ties in the model's
    order, each with why it is at its level (:func:`why_this_level`); a dimension at the
    top level is never among them."""
    below_top = [(d.index, position, d) for position, d in enumerate(result.dimensions)
                 if d.blocked_at is not None]
    below_top.sort(key=lambda item: item[:2])
    return [{
        "key": d.key, "name": texts.dimension_name(d.key), "level": d.level,
        "level_name": texts.level_name(d.level), "index": d.index,
        "why": why_this_level(d, level_name=texts.level_name,
                              statement=lambda key: texts.question(key).statement,
                              max_statements=max_why),
    } for _index, _position, d in below_top[:count]]


@dataclass(frozen=True)
class AgreedAnswer:
    """A consensus answer as the surfaces show it (``assessments.models.ConsensusAnswer``)."""

    question: str
    option: str
    note: str
    recorded_at: datetime
    recorded_by: str  # the facilitator's name: never a respondent's


def option_label(texts: ModelTexts, option: str) -> str:
    """An answer option's label, ``na`` and ``dk`` included."""
    if option == NA:
        return gettext("Not applicable")
    if option == DK:
        return gettext("Don't know")
    return texts.option_labels().get(option, option)


def present_session(result: ScoreResult, before: ScoreResult, agreed: Sequence[AgreedAnswer],
                    texts: ModelTexts) -> dict | None:
    """What the consensus session changed: the statements agreed in session, each with
    the agreed answer beside the respondents' plain mean (from ``before``, the result
    without consensus answers), and the result before and after the session. None
    without a consensus answer."""
    if not agreed:
        return None

    def headline(of: ScoreResult) -> dict:
        return {"level": of.overall.level, "level_name": texts.level_name(of.overall.level),
                "index": of.overall.index}

    order = {d.key: i for i, d in enumerate(texts.dimensions)}
    statements = []
    for answer in sorted(agreed, key=lambda a: (order.get(texts.question(a.question).dimension,
                                                          len(order)),
                                                texts.question(a.question).level,
                                                a.question)):
        question = texts.question(answer.question)
        plain = before.questions.get(answer.question)
        now = result.questions.get(answer.question)
        mean = plain.value if plain else None
        value = now.value if now else None
        statements.append({
            "question": answer.question, "statement": question.statement,
            "dimension": texts.dimension_name(question.dimension), "level": question.level,
            "option": answer.option, "label": option_label(texts, answer.option),
            "percent": percent(value), "mean": mean, "mean_percent": percent(mean),
            "answers": plain.n_values if plain else 0,
            # In percentage points, as the two percentages are shown.
            "difference": None if value is None or mean is None
            else percent(value) - percent(mean),
            "note": answer.note, "recorded_by": answer.recorded_by,
            "recorded_at": answer.recorded_at,
        })
    changed = [{"name": texts.dimension_name(now.key), "before": was.level, "after": now.level}
               for was, now in zip(before.dimensions, result.dimensions, strict=True)
               if was.level != now.level]
    return {"statements": statements, "count": len(statements),
            "before": headline(before), "after": headline(result),
            "changed": changed or None,
            "level_changed": before.overall.level != result.overall.level,
            "last": max(a.recorded_at for a in agreed)}


def present(result: ScoreResult, texts: ModelTexts, *, target_is_default: bool,
            max_why: int = 3, max_disagreements: int = 5, before: ScoreResult | None = None,
            agreed: Sequence[AgreedAnswer] = ()) -> dict:
    """What every surface shows of a result, in the texts' language, as plain data.
    With the consensus answers ``agreed`` and the result ``before`` them, ``session``
    says what the consensus session changed (:func:`present_session`)."""
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
    by_question = {step["question"]: step for step in steps}
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
        # The executive one-pager's quick wins (scoring.quick_wins): some of the steps.
        "quick_wins": [by_question[s.question] for s in quick_wins(result)],
        "disagreements": [{"question": q.key, "statement": statement(q.key),
                           "dimension": texts.dimension_name(q.dimension),
                           "spread": q.spread, "value": q.value, "n": q.n_values}
                          for q in most_disputed(result, top=max_disagreements)],
        "session": present_session(result, before, agreed, texts)
        if before is not None else None,
    }


def group_label(key: str | None) -> str:
    """A respondent group's name as shown: "" is the respondents without a group, None
    the smaller groups shown together (``anonymity.shown_respondent_groups``)."""
    if key is None:
        return _("Other respondents")
    return key or _("No group")


def _spread(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) - min(known) if len(known) >= 2 else None


def present_groups(groups: Sequence, whole: ScoreResult, texts: ModelTexts, *,
                   hidden: int, min_size: int) -> dict:
    """Each dimension's index and each axis position per respondent group beside the
    whole round, as plain data, with the places where groups differ flagged (more than
    ``GROUP_INDEX_GAP`` between their indices, more than ``GROUP_AXIS_GAP`` between
    their positions). ``groups`` are ``selectors.GroupResult``s, the groups that may be
    shown; ``hidden`` counts those that may not be on their own, ``min_size`` is
    ``anonymity.MIN_GROUP_SIZE`` (for the page to say so)."""
    top = whole.levels
    dimensions = []
    for d in whole.dimensions:
        cells = [g.result.dimension(d.key) for g in groups]
        gap = _spread([c.index for c in cells])
        dimensions.append({
            "key": d.key, "name": texts.dimension_name(d.key), "level": d.level,
            "index": d.index, "percent": scale_percent(d.index, top),
            "groups": [{"level": c.level, "index": c.index,
                        "percent": scale_percent(c.index, top)} for c in cells],
            "gap": gap, "flagged": gap is not None and gap > GROUP_INDEX_GAP + 1e-9,
        })
    axes = []
    for a in whole.axes:
        text = texts.axis(a.key)
        positions = [g.result.axis(a.key).position for g in groups]
        gap = _spread(positions)
        axes.append({
            "key": a.key, "name": text.name if text else a.key,
            "low": text.low if text else "", "high": text.high if text else "",
            "position": a.position,
            "groups": [{"position": p} for p in positions],
            "gap": gap, "flagged": gap is not None and gap > GROUP_AXIS_GAP + 1e-9,
        })
    return {
        "groups": [{"key": g.key, "name": group_label(g.key), "respondents": g.respondents}
                   for g in groups],
        "compared": len(groups) >= 2,
        "top": top,
        "dimensions": dimensions,
        "axes": axes,
        "flags": sum(row["flagged"] for row in dimensions + axes),
        "hidden": hidden,
        "min_size": min_size,
        "index_gap": GROUP_INDEX_GAP,
        "axis_gap": GROUP_AXIS_GAP,
    }


# --- Trends over rounds (the department page's and ``reports.charts.trend``) -------------


def compared_per_dimension(versions: Iterable[int]) -> bool:
    """Whether a trend over rounds of one model compares them per dimension: when they
    use different versions (``versions``: each round's version number), whose statements
    differ, so that their overall indices do not compare while their dimensions do."""
    return len(set(versions)) > 1


@dataclass(frozen=True)
class DimensionLine:
    """One dimension's line of a trend compared per dimension: its index in each round,
    in the rounds' order (None where the round's version has no such dimension)."""

    key: str
    name: str
    indices: list[float | None]


def dimension_lines(rounds: Sequence[Mapping[str, float]],
                    texts: ModelTexts) -> list[DimensionLine]:
    """A trend's lines when it is :func:`compared_per_dimension`: one per dimension of
    the version that names the trend (``texts``: the latest round's), with each round's
    index of it (``rounds``: per round, dimension key → index)."""
    return [DimensionLine(d.key, d.name, [indices.get(d.key) for indices in rounds])
            for d in texts.dimensions]


def versions_note(versions: list[int]) -> str:
    """What a trend over rounds on several versions of one model says under it (empty
    for one version): such rounds are compared per dimension, not by the overall index
    (:func:`compared_per_dimension`)."""
    if not compared_per_dimension(versions):
        return ""
    return _("These rounds use different versions of the model (%(versions)s): their "
             "statements differ, so the trend compares them per dimension, whose "
             "meaning the versions share, not by the overall index.") % {
        "versions": ", ".join(str(v) for v in versions)}
