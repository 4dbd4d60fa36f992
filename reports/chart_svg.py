"""The charts a report page shows on its first screen, drawn on the server as SVG.

The radar (an assessment report's first chart) and the quadrant (the first chart of
the organisation report and of an organisation's home) are on a phone's first screen:
drawn with plotly.js, the phone had to download and evaluate plotly.js (about a
second of blocked main thread on a slow phone) before the page settled. Drawn here as
a small inline SVG (reports/templates/reports/_svg_*.html) they need no JavaScript,
scale with their container (``viewBox``), print, and show each value as a tooltip
(``<title>``); plotly.js is loaded only when a chart further down scrolls near.

The functions return geometry in the SVG's own units, computed from the same inputs
and with the same labels (:func:`reports.charts.label`, ``short_label``,
``label_positions``, ``level_colour``) as the plotly figures, which the PDF keeps.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments.presentation import percent, scale_share
from models_catalog.texts import ModelTexts
from scoring import ScoreResult

from .charts import (
    MUTED,
    TARGET_COLOUR,
    DepartmentResult,
    label_positions,
    level_colour,
    point_name,
    short_label,
)

INDEX_COLOUR = "#2a7ab0"
GRID = "#d5dce6"


def lines(text: str) -> list[str]:
    """A label of reports.charts (escaped, ``<br>`` between lines) as plain lines; the
    template escapes them again."""
    return [html.unescape(part) for part in text.split("<br>")]


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    lines: list[str]
    anchor: str = "middle"  # SVG text-anchor
    line_height: float = 13

    @property
    def rows(self) -> list[tuple[float, str]]:
        """(y, text) of each line, the first at ``y``."""
        return [(round(self.y + i * self.line_height, 1), t) for i, t in enumerate(self.lines)]


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


# -------------------------------------------------------------------------- radar

def radar(result: ScoreResult, texts: ModelTexts) -> dict | None:
    """Each dimension's index (filled) against the target level (dashed) on a circle
    per level; the dimensions clockwise from the top, as charts.radar draws them."""
    dimensions = result.dimensions
    if not dimensions:
        return None  # plotly's figure says why there is nothing to draw
    top = result.levels
    width, radius, cx, cy = 440, 118, 220, 160
    n = len(dimensions)

    def at(i: int, value: float, r: float | None = None) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * value / top if r is None else r
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    labels = []
    for i, d in enumerate(dimensions):
        x, y = at(i, 0, radius + 12)
        text = lines(short_label(texts.dimension_name(d.key), 24, 12))
        dx = x - cx
        anchor = "start" if dx > 20 else "end" if dx < -20 else "middle"
        # Above the circle the last line ends at the label's point, below it the first
        # line starts there, beside it the lines are centred on it.
        if y < cy - radius * 0.7:
            y -= 13 * (len(text) - 1) + 2
        elif y > cy + radius * 0.7:
            y += 10
        else:
            y += 4 - 13 * (len(text) - 1) / 2
        labels.append(Text(x=round(x, 1), y=round(y, 1), lines=text, anchor=anchor))
    index = [at(i, d.index) for i, d in enumerate(dimensions)]
    points = [{"x": round(x, 1), "y": round(y, 1),
               "title": f"{texts.dimension_name(d.key)}: {d.index:.2f}"}
              for (x, y), d in zip(index, dimensions, strict=True)]
    legend_y = cy + radius + 44
    return {
        "width": width, "height": legend_y + 28, "cx": cx, "cy": cy,
        "rings": [{"r": round(radius * k / top, 1), "k": k, "x": cx + 3,
                   "y": round(cy - radius * k / top - 2, 1)} for k in range(1, top + 1)],
        "spokes": [{"x": round(x, 1), "y": round(y, 1)}
                   for x, y in (at(i, 0, radius) for i in range(n))],
        "labels": labels,
        "target": _polygon([at(i, result.target_level) for i in range(n)]),
        "index": _polygon(index), "points": points,
        "legend": {"y": legend_y, "target": _("Target: level %(level)s")
                   % {"level": result.target_level}, "index": _("Maturity index")},
        "colours": {"index": INDEX_COLOUR, "target": TARGET_COLOUR, "grid": GRID,
                    "muted": MUTED},
    }


# ----------------------------------------------------------------------- quadrant

def quadrant(points: Sequence[DepartmentResult], texts: ModelTexts, *,
             x_axis: str = "mindset", y_axis: str = "focus") -> dict | None:
    """One point per department on the two axes (mindset across, focus up), coloured
    by its level; ``None`` for a model without the two axes. The departments may use
    models of different depth (an organisation's home): a level's colour is its
    share of its own model's levels, and the legend names each model's level."""
    x_text, y_text = texts.axis(x_axis), texts.axis(y_axis)
    if x_text is None or y_text is None:
        return None
    placed = [p for p in points
              if p.axes.get(x_axis) is not None and p.axes.get(y_axis) is not None]
    size, left, top_margin = 240, 40, 8
    limit = 1.05

    def px(x: float) -> float:
        return round(left + (x + limit) / (2 * limit) * size, 1)

    def py(y: float) -> float:
        return round(top_margin + (limit - y) / (2 * limit) * size, 1)

    names = [short_label(point_name(p), 26, 13) for p in placed]
    positions = label_positions([(p.axes[x_axis], p.axes[y_axis]) for p in placed], names,
                                char=0.053, line=0.105)
    drawn = []
    for p, name, position in zip(placed, names, positions, strict=True):
        x, y = px(p.axes[x_axis]), py(p.axes[y_axis])
        vertical, horizontal = position.split()
        text = lines(name)
        anchor = {"left": "end", "right": "start"}.get(horizontal, "middle")
        tx = x + {"left": -9, "right": 9}.get(horizontal, 0)
        height = 12 * len(text)
        ty = {"top": y - 9 - height + 10, "bottom": y + 18}.get(
            vertical, y + 4 - (height - 12) / 2)
        drawn.append({
            "x": x, "y": y, "colour": level_colour(p.level, p.top or texts.top),
            "title": (f"{point_name(p)} · {p.round} · "
                      + _("level %(level)s of %(top)s · %(name)s")
                      % {"level": p.level, "top": p.top or texts.top, "name": p.level_name}
                      + f" · {x_text.name} {p.axes[x_axis]:.2f}, "
                      f"{y_text.name} {p.axes[y_axis]:.2f}"),
            "label": Text(x=tx, y=round(ty, 1), lines=text, anchor=anchor, line_height=12),
        })
    legend, seen = [], set()
    mixed = len({p.top or texts.top for p in placed}) > 1
    for p in sorted(placed, key=lambda p: (-(p.top or texts.top), p.level)):
        key = (p.top or texts.top, p.level)
        if key in seen:
            continue
        seen.add(key)
        name = (_("level %(level)s of %(top)s · %(name)s")
                % {"level": p.level, "top": key[0], "name": p.level_name}) if mixed \
            else f"{p.level} · {p.level_name}"
        legend.append({"colour": level_colour(p.level, key[0]),
                       "text": lines(short_label(name, 44, 44))[0]})
    end = top_margin + size
    corner = 9

    def pole(text: str) -> str:  # two corners share a side of the plot
        return lines(short_label(text, 20, 20))[0]

    def title(text: str) -> str:  # along a side of the plot
        return lines(short_label(text, 40, 40))[0]

    corners = [
        Text(x=left + corner, y=top_margin + 14, lines=[pole(y_text.high), pole(x_text.low)],
             anchor="start", line_height=11),
        Text(x=left + size - corner, y=top_margin + 14,
             lines=[pole(y_text.high), pole(x_text.high)], anchor="end", line_height=11),
        Text(x=left + corner, y=end - 19, lines=[pole(y_text.low), pole(x_text.low)],
             anchor="start", line_height=11),
        Text(x=left + size - corner, y=end - 19, lines=[pole(y_text.low), pole(x_text.high)],
             anchor="end", line_height=11),
    ]
    legend_y = end + 58
    return {
        "width": left + size + 8, "height": legend_y + 18 * len(legend) + 4,
        "plot": {"x": left, "y": top_margin, "size": size, "cx": px(0), "cy": py(0),
                 "end": end, "right": left + size},
        "x_title": {"x": left + size / 2, "y": end + 22, "text": title(x_text.name)},
        "y_title": {"x": 16, "y": top_margin + size / 2, "text": title(y_text.name)},
        "corners": corners, "points": drawn,
        "empty": "" if placed else _("No answers load these axes yet."),
        "empty_y": py(0) - 12,
        "legend": [{**item, "y": legend_y + 18 * i, "dot_x": left + 6,
                    "dot_y": legend_y + 18 * i - 4, "text_x": left + 18}
                   for i, item in enumerate(legend)],
        "legend_title": {"text": _("Level"), "x": left, "y": legend_y - 16},
        "colours": {"grid": GRID, "muted": MUTED},
    }


# ---------------------------------------------------------------------- portfolio

def portfolio(rows: Sequence[DepartmentResult], *, top: int) -> list[dict]:
    """A consultancy's clients' departments as bars: each latest index as a share of
    its own model's range (models of different depth compare), in the order and
    colours of charts.portfolio. The names are HTML beside the bars, so they wrap as
    the page does."""
    ordered = sorted(rows, key=lambda r: (r.organisation.lower(), r.department.lower()))
    return [{
        "name": point_name(r),
        "level": _("level %(level)s of %(top)s · %(name)s")
        % {"level": r.level, "top": r.top or top, "name": r.level_name},
        # The bar's length, and its share as a whole percentage.
        "share": round(100 * scale_share(r.index, r.top or top), 1),
        "percent": percent(scale_share(r.index, r.top or top)),
        "index": r.index, "top": r.top or top,
        "colour": level_colour(r.level, r.top or top),
        # The round the figures are from, and the department's round still open.
        "round": r.round, "in_progress": r.in_progress,
    } for r in ordered]
