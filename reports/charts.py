"""Plotly figures of maturity results, built from plain data.

Pure functions: a ``ScoreResult`` (or plain rows) and a model's texts in the reader's
language in, a figure out, as the plain dict plotly.js reads. The web pages send the
figure as JSON to plotly.js; the PDF pipeline exports the same figure to SVG.

Every piece of text that reaches a figure goes through :func:`label`: plotly renders
a small HTML subset in labels (``<b>``, ``<a href>``, ``<br>``…), so a department
called ``<a href=…>`` would become a link. Escaping ``&``, ``<`` and ``>`` makes plotly
show the text as typed (it decodes those entities itself when drawing).

A figure may carry its narrow variant in ``layout.meta.narrow`` (see :func:`_narrow`):
shorter labels, smaller fonts, legends below. static/js/reports.js applies it when the
chart's container is narrower than ``NARROW_PX`` (a phone), so every chart stays
readable at 390 px; the full texts stay in the hover labels. The PDF ignores it.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.presentation import (
    compared_per_dimension,
    dimension_lines,
    most_disputed,
    percent,
    scale_share,
    versions_note,
)
from models_catalog.texts import ModelTexts
from scoring import DimensionScore, ScoreResult

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
LEVEL_PALETTE = ("#d9534f", "#f0ad4e", "#e3c13b", "#5cb85c", "#2e7d32")
MET_COLOUR, UNMET_COLOUR, MUTED = "#2e7d32", "#e0902b", "#8a8f98"
TARGET_COLOUR = "#1f5fa8"
NARROW_PX = 480  # below this container width, static/js/reports.js draws the variant
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# ----------------------------------------------------------------------- plain rows


@dataclass(frozen=True)
class DepartmentResult:
    """One department's latest (or one) round, for the organisation charts."""

    department: str
    level: int
    index: float
    target: int
    level_name: str = ""
    top: int = 0  # the model's number of levels (0: unknown)
    round: str = ""
    organisation: str = ""  # the client, in a consultancy's portfolio
    axes: Mapping[str, float | None] = field(default_factory=dict)
    dimension_levels: Mapping[str, int] = field(default_factory=dict)
    # The department's round still open, if any (reports.selectors.InProgress): named
    # beside these figures, which are its latest closed round's.
    in_progress: Any = None


@dataclass(frozen=True)
class TrendPoint:
    department: str
    round: str
    when: date | None
    index: float
    level: int
    version: int = 0  # the model version's number
    dimensions: Mapping[str, float] = field(default_factory=dict)  # dimension key → index


# -------------------------------------------------------------------------- helpers


def label(text: object, width: int | None = None) -> str:
    """User or model text made safe for a plotly label, optionally wrapped with <br>."""
    plain = _CONTROL.sub("", " ".join(str(text if text is not None else "").split()))
    if width is None:
        return html.escape(plain, quote=False)
    lines = textwrap.wrap(plain, width=width) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def shorten(text: object, width: int) -> str:
    return label(textwrap.shorten(" ".join(str(text or "").split()), width=width,
                                  placeholder=" …"))


def level_colour(level: int, top: int) -> str:
    """Red (level 1) to green (the top level), for models of 4 or 5 levels alike."""
    return LEVEL_PALETTE[round((len(LEVEL_PALETTE) - 1) * scale_share(level, top))]


# A small template of our own instead of plotly's "plotly_white".
TEMPLATE = {"layout": {
    "colorway": ["#2a7ab0", "#e0902b", "#2e7d32", "#d63384", "#6f42c1", "#20c997",
                 "#fd7e14", "#6c757d", "#0dcaf0", "#b59a12"],
    "paper_bgcolor": "white", "plot_bgcolor": "white",
    "xaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8",
              "ticks": "", "automargin": True},
    "yaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8",
              "ticks": "", "automargin": True},
    "polar": {"bgcolor": "white",
              "angularaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": ""},
              "radialaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": ""}},
    "hoverlabel": {"align": "left"},
}}


def _trace(kind: str, **properties) -> dict:
    """A trace as plotly.js reads it."""
    return {"type": kind, **properties}


def _figure(traces: list, layout: dict) -> dict:
    """A figure as the plain dict plotly.js (in the page) and Kaleido (for the PDF)
    read: plotly.graph_objects would validate every property in Python, which was
    most of the organisation report's time. Our template is set from the start.
    ``tests/test_reports_charts.py`` checks every chart against plotly's own
    validation, so a misspelt property still fails a test."""
    return {"data": traces, "layout": {"template": TEMPLATE, **layout}}


def _layout(*, title: str = "", height: int = 420, **extra) -> dict:
    layout = {
        "font": {"family": FONT, "size": 12, "color": "#212529"},
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    if title:
        layout["title"] = {"text": label(title), "x": 0.0, "xanchor": "left",
                           "font": {"size": 15}}
    layout.update(extra)
    return layout


def _level_ticks(top: int) -> dict:
    values = list(range(1, top + 1))
    return {"tickvals": values, "ticktext": [str(v) for v in values]}


def _empty(title: str, message: str) -> dict:
    return _figure([], _layout(
        title=title, height=260, xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": label(message), "showarrow": False, "x": 0.5, "y": 0.5,
                      "xref": "paper", "yref": "paper",
                      "font": {"size": 14, "color": MUTED}}]))


def _line(*, color: str, dash: str = "solid", width: float = 1, **where) -> dict:
    return {"type": "line", "line": {"color": color, "dash": dash, "width": width}, **where}


def _narrow(layout: dict, *, data: list[dict | None] | None = None,
            static: bool | str = False, **changes) -> dict:
    """``layout`` with its variant for a narrow container (a phone): ``changes`` are
    merged into the layout (nested dicts merged, anything else replaced) and
    ``data[i]`` into trace i, by static/js/reports.js, below ``NARROW_PX``.

    ``static`` (True, or "wide": only when not narrow) draws the chart without hover
    and its event layers (plotly's ``staticPlot``), cheaper on a phone's main thread,
    for a chart that shows its values as text."""
    base = {"font": {"size": 11}, "title": {"font": {"size": 14}}} if layout.get("title") \
        else {"font": {"size": 11}}
    layout["meta"] = {"narrow": {"width": NARROW_PX, "layout": _merged(base, changes),
                                 "data": data or []}, "static": static}
    return layout


def _merged(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and \
            isinstance(out.get(key), dict) else value
    return out


# --------------------------------------------------------------- assessment charts


def radar(result: ScoreResult, texts: ModelTexts, *, title: str | None = None) -> dict:
    """Each dimension's maturity index against the target level."""
    title = _("Maturity per dimension") if title is None else title
    if not result.dimensions:
        return _empty(title, _("This model has no dimensions."))
    names = [label(texts.dimension_name(d.key), 18) for d in result.dimensions]
    short = [short_label(texts.dimension_name(d.key), 22, 11) for d in result.dimensions]
    full = [label(texts.dimension_name(d.key)) for d in result.dimensions]
    indices = [round(d.index, 2) for d in result.dimensions]
    target = [result.target_level] * len(names)
    top = result.levels
    traces = [
        _trace("scatterpolar",
            r=[*target, target[0]], theta=[*names, names[0]], mode="lines",
            name=label(_("Target: level %(level)s") % {"level": result.target_level}),
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2}, hoverinfo="skip"),
        _trace("scatterpolar",
            r=[*indices, indices[0]], theta=[*names, names[0]], mode="lines+markers",
            name=label(_("Maturity index")), fill="toself",
            line={"color": "#2a7ab0", "width": 2}, fillcolor="rgba(42,122,176,0.25)",
            marker={"size": 7}, customdata=[*full, full[0]],
            hovertemplate="%{customdata}: %{r:.2f}<extra></extra>"),
    ]
    # On a phone the angular labels sit outside a small circle: short, wrapped, and
    # with room on both sides (plotly does not grow the margins for a polar axis).
    return _figure(traces, _narrow(_layout(
        title=title, height=460, showlegend=True, legend={"orientation": "h", "y": -0.08},
        polar={"radialaxis": {"range": [0, top], "dtick": 1, "angle": 90, "tickangle": 90,
                              **_level_ticks(top)},
               "angularaxis": {"direction": "clockwise", "rotation": 90}}),
        data=[{"theta": [*short, short[0]]}, {"theta": [*short, short[0]]}],
        height=400, margin={"l": 62, "r": 62, "t": 56 if title else 30, "b": 40},
        polar={"angularaxis": {"tickfont": {"size": 10}}}, legend={"y": -0.12}))


def staircase(dimension: DimensionScore, texts: ModelTexts, *, threshold: float,
              title: str | None = None) -> dict:
    """The fulfilment of one dimension at each level 2..K against the threshold θ."""
    title = texts.dimension_name(dimension.key) if title is None else title
    levels = sorted(dimension.cells)
    x = [label(f"{n} · {texts.level_name(n)}", 16) for n in levels]
    values, colours, notes = [], [], []
    for n in levels:
        cell = dimension.cells[n]
        if cell.state == "scored":
            values.append(round(cell.fulfilment or 0.0, 4))
            colours.append(MET_COLOUR if cell.met else UNMET_COLOUR)
            notes.append(f"{percent(cell.fulfilment or 0.0)}%")
        else:
            values.append(0.0)
            colours.append(MUTED)
            notes.append(label(_("not applicable") if cell.state == "vacuous"
                               else _("no answers")))
    # A value is printed inside the top of its bar, where the threshold line cannot run
    # through it; only a short bar's value sits above it (well below any threshold).
    inside = [v >= 0.2 for v in values]
    bars = _trace("bar", x=x, y=values, marker={"color": colours}, text=notes,
                  textposition=["inside" if i else "outside" for i in inside],
                  insidetextanchor="end", constraintext="none", textangle=0,
                  # White on the dark green, dark on the orange and outside: legible.
                  textfont={"color": ["white" if i and c == MET_COLOUR else "#212529"
                                      for i, c in zip(inside, colours, strict=True)]},
                  cliponaxis=False, showlegend=False,
                  customdata=[label(f"{n} · {texts.level_name(n)}") for n in levels],
                  hovertemplate="%{customdata}: %{text}<extra></extra>")
    # On a phone: the level numbers under the bars, their names in the hover label.
    return _figure([bars], _narrow(_layout(
        title=title, height=320, bargap=0.35,
        shapes=[_line(color=TARGET_COLOUR, dash="dash", width=2, xref="paper", x0=0, x1=1,
                      y0=threshold, y1=threshold)],
        # In the right margin, beside the line: nothing else is drawn there, so the
        # label cannot collide with the bars' values whatever θ is (θ comes from the
        # model's data, never from here).
        annotations=[{"xref": "paper", "x": 1, "xanchor": "left", "xshift": 4,
                      "y": threshold, "yanchor": "middle", "showarrow": False,
                      "align": "left",
                      "text": label(_("threshold %(value)s") % {"value": f"{percent(threshold)}%"},
                                    10),
                      "font": {"color": TARGET_COLOUR}}],
        margin={"l": 60, "r": 84, "t": 60 if title else 30, "b": 50},
        yaxis={"range": [0, 1.12], "tickformat": ".0%", "title": {"text": label(_("Fulfilment"))},
               "gridcolor": "#e9ecef"},
        xaxis={"title": {"text": label(_("Level"))}}),
        data=[{"x": [str(n) for n in levels]}], static="wide",
        margin={"l": 52, "r": 76, "t": 56 if title else 30, "b": 44}))


def quadrant(points: Sequence[DepartmentResult], texts: ModelTexts, *,
             x_axis: str = "mindset", y_axis: str = "focus",
             title: str | None = None, height: int = 520) -> dict:
    """The two-axis quadrant: mindset (cost → value) across, focus (internal →
    external) up; one point per department, coloured by its overall level."""
    title = _("Where the departments stand") if title is None else title
    x_text, y_text = texts.axis(x_axis), texts.axis(y_axis)
    if x_text is None or y_text is None:
        return _empty(title, _("This model has no two axes to place departments on."))
    placed = [p for p in points
              if p.axes.get(x_axis) is not None and p.axes.get(y_axis) is not None]
    traces, narrow_data = [], []
    wide_positions = label_positions(
        [(p.axes[x_axis], p.axes[y_axis]) for p in placed],
        [label(point_name(p), 22) for p in placed], char=0.028, line=0.075)
    narrow_positions = label_positions(
        [(p.axes[x_axis], p.axes[y_axis]) for p in placed],
        [short_label(point_name(p), 16, 10) for p in placed], char=0.05, line=0.12)
    for level in sorted({p.level for p in placed}):
        group = [i for i, p in enumerate(placed) if p.level == level]
        narrow_data.append({
            "text": [short_label(point_name(placed[i]), 16, 10) for i in group],
            "textposition": [narrow_positions[i] for i in group],
            "textfont": {"size": 10}, "marker": {"size": 11}})
        group_points = [placed[i] for i in group]
        traces.append(_trace("scatter",
            x=[round(p.axes[x_axis], 4) for p in group_points],
            y=[round(p.axes[y_axis], 4) for p in group_points],
            mode="markers+text", text=[label(point_name(p), 22) for p in group_points],
            customdata=[label(point_name(p)) for p in group_points],
            textposition=[wide_positions[i] for i in group], cliponaxis=False,
            marker={"size": 14, "color": level_colour(level, texts.top),
                    "line": {"color": "white", "width": 1.5}},
            name=label(f"{level} · {texts.level_name(level)}"),
            hovertemplate="%{customdata}<br>%{x:.2f}, %{y:.2f}<extra></extra>",
        ))
    corners = (
        (-0.97, 0.97, "left", "top", x_text.low, y_text.high),
        (0.97, 0.97, "right", "top", x_text.high, y_text.high),
        (-0.97, -0.97, "left", "bottom", x_text.low, y_text.low),
        (0.97, -0.97, "right", "bottom", x_text.high, y_text.low),
    )
    annotations = [{"x": x, "y": y, "xanchor": xanchor, "yanchor": yanchor,
                    "showarrow": False, "text": f"{label(y_pole)} · {label(x_pole)}",
                    "align": xanchor, "font": {"size": 11, "color": MUTED}}
                   for x, y, xanchor, yanchor, x_pole, y_pole in corners]
    # On a phone two corner labels side by side would meet: one pole a line.
    narrow_annotations = [{**a, "font": {"size": 9, "color": MUTED},
                           "text": f"{label(y_pole, 14)}<br>{label(x_pole, 14)}"}
                          for a, (*_, x_pole, y_pole) in zip(annotations, corners,
                                                              strict=True)]
    if not placed:
        annotations.append({"text": label(_("No answers load these axes yet.")),
                            "showarrow": False, "x": 0, "y": 0.5, "font": {"color": MUTED}})
    if not placed:
        narrow_annotations.append(annotations[-1])
    axis = {"range": [-1.05, 1.05], "constrain": "domain", "zeroline": False,
            "showgrid": False, "tickvals": [-1, 0, 1]}
    return _figure(traces, _narrow(_layout(
        title=title, height=height, showlegend=bool(placed),
        legend={"orientation": "h", "y": -0.16, "title": {"text": label(_("Level"))}},
        annotations=annotations,
        shapes=[_line(color="#adb5bd", xref="paper", x0=0, x1=1, y0=0, y1=0),
                _line(color="#adb5bd", yref="paper", y0=0, y1=1, x0=0, x1=0)],
        xaxis={**axis, "ticktext": [label(x_text.low), "", label(x_text.high)],
               "title": {"text": label(x_text.name)}},
        yaxis={**axis, "ticktext": [label(y_text.low), "", label(y_text.high)],
               "title": {"text": label(y_text.name)}, "scaleanchor": "x", "scaleratio": 1}),
        data=narrow_data, annotations=narrow_annotations, height=440,
        margin={"l": 44, "r": 16, "t": 52 if title else 24, "b": 40},
        legend={"y": -0.2},
        # The corners name the poles: no tick labels to collide with them.
        xaxis={"showticklabels": False}, yaxis={"showticklabels": False}))


def point_name(point: DepartmentResult) -> str:
    return f"{point.organisation} · {point.department}" if point.organisation \
        else point.department


def short_label(text: object, length: int, width: int) -> str:
    """A safe label of at most ``length`` characters, wrapped at ``width``."""
    plain = _CONTROL.sub("", " ".join(str(text or "").split()))
    if len(plain) > length:
        plain = plain[:length - 1].rstrip() + "…"
    lines = textwrap.wrap(plain, width=width, break_long_words=False) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


# Where a label goes around its point, in order of preference, with the offset of the
# label box's centre in units of (label width, label height) and the marker's radius.
_POSITIONS = (
    ("top center", 0.0, 1.0), ("bottom center", 0.0, -1.0),
    ("middle right", 1.0, 0.0), ("middle left", -1.0, 0.0),
    ("top right", 1.0, 1.0), ("top left", -1.0, 1.0),
    ("bottom right", 1.0, -1.0), ("bottom left", -1.0, -1.0),
)


def label_positions(points: Sequence[tuple[float, float]], texts: Sequence[str], *,
                    char: float, line: float, limit: float = 1.05) -> list[str]:
    """A plotly ``textposition`` for each point's label, so that labels overlap neither
    each other nor the points nor leave the plot, as far as can be: greedy, points
    with many neighbours first. ``char`` and ``line`` are a character's width and a
    line's height in axis units (an estimate; the chart is square)."""
    boxes: list[tuple[float, float, float, float]] = []
    marker = line * 0.45
    dots = [(x - marker, y - marker, x + marker, y + marker) for x, y in points]
    chosen = ["top center"] * len(points)

    def crowd(i: int) -> int:
        x, y = points[i]
        return sum(abs(x - a) < 0.5 and abs(y - b) < 0.3 for a, b in points)

    for i in sorted(range(len(points)), key=lambda i: (-crowd(i), i)):
        x, y = points[i]
        lines = texts[i].split("<br>")
        w = max(len(html.unescape(part)) for part in lines) * char
        h = len(lines) * line
        best, best_cost = None, None
        for name, dx, dy in _POSITIONS:
            cx = x + dx * (w / 2 + marker)
            cy = y + dy * (h / 2 + marker)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            cost = sum(_overlap(box, other) for other in boxes)
            cost += sum(_overlap(box, dot) for j, dot in enumerate(dots) if j != i)
            outside = (max(0.0, -limit - box[0]) + max(0.0, box[2] - limit)) * h \
                + (max(0.0, -limit - box[1]) + max(0.0, box[3] - limit)) * w
            cost += 2 * outside
            if best_cost is None or cost < best_cost - 1e-9:
                best, best_cost = (name, box), cost
            if cost == 0:
                break
        chosen[i] = best[0]
        boxes.append(best[1])
    return chosen


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) \
        -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def disagreement(result: ScoreResult, texts: ModelTexts, *, top: int = 5,
                 title: str | None = None) -> dict:
    """Where respondents disagree: the mean spread of answers per dimension, and the
    statements with the largest spread."""
    title = _("Where respondents disagree") if title is None else title
    per_dimension = dimension_spreads(result)
    statements = most_disputed(result, top=top)
    if not any(v is not None for v in per_dimension.values()):
        return _empty(title, _("Disagreement needs at least two respondents."))
    dims = list(per_dimension)
    narrow_data: list[dict | None] = [{"y": [short_label(texts.dimension_name(k), 28, 13)
                                             for k in dims]}]
    traces = [_trace("bar",
        y=[label(texts.dimension_name(k), 24) for k in dims],
        x=[round(per_dimension[k] or 0.0, 4) for k in dims], orientation="h",
        marker={"color": "#6f42c1"}, showlegend=False, xaxis="x", yaxis="y",
        customdata=[label(texts.dimension_name(k)) for k in dims],
        hovertemplate="%{customdata}: %{x:.2f}<extra></extra>",
    )]
    if statements:
        # On a phone a statement's label is its beginning on two lines; the whole
        # statement is in the hover label.
        narrow_data.append({"y": [short_label(texts.question(q.key).statement, 28, 15)
                                  for q in statements]})
        traces.append(_trace("bar",
            y=[shorten(texts.question(q.key).statement, 60) for q in statements],
            x=[round(q.spread or 0.0, 4) for q in statements], orientation="h",
            marker={"color": "#d63384"}, showlegend=False, xaxis="x2", yaxis="y2",
            customdata=[label(texts.question(q.key).statement, 60) for q in statements],
            hovertemplate="%{customdata}<br>%{x:.2f}<extra></extra>",
        ))
    # Two stacked panels, laid out by hand: plotly's make_subplots builds a validated
    # graph_objects figure, the cost _figure avoids (figures: benchmarks/README.md).
    spread_axis = {"range": [0, 0.5], "gridcolor": "#e9ecef",
                   "title": {"text": label(_("Spread (standard deviation)"))}}
    heading = {"xref": "paper", "yref": "paper", "x": 0.5, "xanchor": "center",
               "yanchor": "bottom", "showarrow": False, "font": {"size": 13}}
    headings = (_("Mean spread per dimension"), _("Statements people disagree on most"))
    return _figure(traces, _narrow(_layout(
        title=title, height=560,
        xaxis={**spread_axis, "anchor": "y", "title": None},
        yaxis={"domain": [0.6, 1.0], "autorange": "reversed", "automargin": True,
               "anchor": "x"},
        xaxis2={**spread_axis, "anchor": "y2"},
        yaxis2={"domain": [0.0, 0.42], "autorange": "reversed", "automargin": True,
                "anchor": "x2"},
        annotations=[
            {**heading, "y": 1.0, "text": label(headings[0])},
            {**heading, "y": 0.46, "text": label(headings[1])},
        ]),
        # On a phone the panels' headings start at the left edge of the chart, not
        # centred over a plot area narrower than they are (they were cut on both sides).
        data=narrow_data, height=680,
        margin={"l": 8, "r": 12, "t": 56 if title else 30, "b": 44},
        xaxis2={"title": {"font": {"size": 11}}},
        annotations=[
            {**heading, "y": 1.0, "x": 0, "xanchor": "left", "xref": "x domain",
             "align": "left", "font": {"size": 12}, "text": label(headings[0], 30)},
            {**heading, "y": 0.46, "x": 0, "xanchor": "left", "xref": "x domain",
             "align": "left", "font": {"size": 12}, "text": label(headings[1], 30)},
        ]))


def dimension_spreads(result: ScoreResult) -> dict[str, float | None]:
    """The mean spread of the questions with at least two values, per dimension."""
    spreads: dict[str, list[float]] = {d.key: [] for d in result.dimensions}
    for aggregate in result.questions.values():
        if aggregate.spread is not None and aggregate.n_values >= 2:
            spreads.setdefault(aggregate.dimension, []).append(aggregate.spread)
    return {key: (sum(values) / len(values) if values else None)
            for key, values in spreads.items()}


# ------------------------------------------------------------- organisation charts


def heatmap(rows: Sequence[DepartmentResult], texts: ModelTexts, *,
            title: str | None = None) -> dict:
    """Departments (rows) by dimensions (columns), each cell coloured by the dimension's
    level. The cells are one bar trace (a bar per cell, from ``base`` over 0.88 of a
    row), not a plotly heatmap, which exports as a raster image (the PDF keeps it
    vector), nor a rectangle shape per cell, which plotly.js draws more slowly, on a
    phone's main thread as the report page draws it (figures: benchmarks/README.md)."""
    title = _("Levels per department and dimension") if title is None else title
    if not rows or not texts.dimensions:
        return _empty(title, _("No department has a result yet."))
    top = texts.top
    keys = [d.key for d in texts.dimensions]
    xs, bases, colours, opacities, labels, hovers = [], [], [], [], [], []
    for i, row in enumerate(rows):
        for j, key in enumerate(keys):
            level = row.dimension_levels.get(key)
            xs.append(j)
            bases.append(i - 0.44)
            colours.append(MUTED if level is None else level_colour(level, top))
            opacities.append(0.35 if level is None else 1.0)
            labels.append("–" if level is None else str(level))
            hovers.append(f"{label(point_name(row))} · {label(texts.dimension_name(key))}")
    traces = [_trace("bar",
        x=xs, y=[0.88] * len(xs), base=bases, width=0.92,
        marker={"color": colours, "opacity": opacities, "line": {"width": 0}},
        text=labels, textposition="inside", insidetextanchor="middle",
        textfont={"size": 14, "color": "#212529"}, constraintext="none", textangle=0,
        customdata=hovers, hovertemplate="%{customdata}: %{text}<extra></extra>",
        showlegend=False,
    )]
    traces += [_trace("scatter",   # a legend of the level colours
        x=[None], y=[None], mode="markers", name=label(f"{level} · {texts.level_name(level)}"),
        marker={"symbol": "square", "size": 12, "color": level_colour(level, top)},
    ) for level in range(1, top + 1)]
    layout = _layout(
        title=title, height=max(280, 150 + 46 * len(rows)), bargap=0,
        legend={"orientation": "h", "y": -0.08, "title": {"text": label(_("Level"))}},
        xaxis={"range": [-0.5, len(keys) - 0.5], "tickvals": list(range(len(keys))),
               "ticktext": [label(texts.dimension_name(k), 16) for k in keys],
               "side": "top", "showgrid": False, "zeroline": False, "automargin": True},
        yaxis={"range": [len(rows) - 0.5, -0.5], "tickvals": list(range(len(rows))),
               "ticktext": [label(point_name(r), 28) for r in rows],
               "showgrid": False, "zeroline": False, "automargin": True})
    layout["margin"]["t"] = 120 if title else 70  # room for the names on top
    # On a phone the dimensions' names stand upright above their columns.
    return _figure(traces, _narrow(
        layout, static=True, height=320 + 44 * len(rows),
        margin={"l": 8, "r": 8, "t": 190 if title else 130, "b": 110},
        xaxis={"ticktext": [short_label(texts.dimension_name(k), 16, 40) for k in keys],
               "tickangle": -90, "tickfont": {"size": 10}},
        yaxis={"ticktext": [short_label(point_name(r), 24, 12) for r in rows],
               "tickfont": {"size": 10}},
        # The legend at the bottom of the chart, in the room kept for it, whatever the
        # number of rows (a fraction of the plot's height would fall on the cells).
        legend={"yref": "container", "y": 0, "yanchor": "bottom"}))


def levels_vs_targets(rows: Sequence[DepartmentResult], texts: ModelTexts, *,
                      title: str | None = None) -> dict:
    """Each department's maturity index (bar, coloured by level) and its target."""
    title = _("Levels against targets") if title is None else title
    if not rows:
        return _empty(title, _("No department has a result yet."))
    top = texts.top
    names = [label(point_name(r), 22) for r in rows]
    traces = [
        _trace("bar", x=names, y=[round(r.index, 2) for r in rows], name=label(_("Maturity index")),
               marker={"color": [level_colour(r.level, top) for r in rows]},
               text=[f"{r.level}" for r in rows], textposition="inside",
               hovertemplate="%{x}: %{y:.2f}<extra></extra>"),
        _trace("scatter", x=names, y=[r.target for r in rows], mode="markers",
                   name=label(_("Target")),
                   marker={"symbol": "line-ew", "size": 34, "color": TARGET_COLOUR,
                           "line": {"width": 3, "color": TARGET_COLOUR}},
                   hovertemplate="%{x}: " + label(_("target")) + " %{y}<extra></extra>"),
    ]
    short = [short_label(point_name(r), 24, 10) for r in rows]
    return _figure(traces, _narrow(_layout(
        title=title, height=400, legend={"orientation": "h", "y": -0.2},
        yaxis={"range": [0, top + 0.2], "title": {"text": label(_("Maturity index"))},
               "gridcolor": "#e9ecef", **_level_ticks(top)},
        xaxis={"automargin": True}),
        data=[{"x": short, "customdata": [label(point_name(r)) for r in rows],
               "hovertemplate": "%{customdata}: %{y:.2f}<extra></extra>"},
              {"x": short, "marker": {"size": 20}}],
        margin={"l": 48, "r": 8, "t": 52 if title else 24, "b": 40},
        legend={"y": -0.3}))


def trend_rounds(points: Iterable[TrendPoint]) -> int:
    """The largest number of rounds of one department: a trend needs two."""
    counts: dict[str, int] = {}
    for point in points:
        counts[point.department] = counts.get(point.department, 0) + 1
    return max(counts.values(), default=0)


def trend_versions(points: Iterable[TrendPoint]) -> list[int]:
    """The model versions a trend's rounds use, oldest first."""
    return sorted({point.version for point in points})


def trend_note(points: Iterable[TrendPoint]) -> str:
    """What a trend over rounds on different versions of a model says under it (empty
    for one version): such rounds are compared per dimension (``trend``)."""
    return versions_note(trend_versions(points))


def trend(points: Iterable[TrendPoint], texts: ModelTexts, *,
          title: str | None = None) -> dict:
    """The overall maturity index of each department over its rounds. A line needs two
    rounds: with one, the chart says so instead of drawing a point on five ticks.

    Rounds on different versions of the model are compared per dimension instead (the
    dimensions the newest version has, ``texts``): see :func:`_trend_per_dimension`;
    ``trend_note`` says so under the chart."""
    title = _("Trend over rounds") if title is None else title
    points = list(points)
    series: dict[str, list[TrendPoint]] = {}
    for point in points:
        series.setdefault(point.department, []).append(point)
    if not series:
        return _empty(title, _("No department has a result yet."))
    if trend_rounds(points) < 2:
        return _empty(title, trend_needs_two())
    # Rounds of one day: the one on the older version first (it was most likely first).
    series = {department: sorted(items, key=lambda p: (p.when or date.min, p.version, p.round))
              for department, items in series.items()}
    if compared_per_dimension(trend_versions(points)):
        return _trend_per_dimension(series, texts, title)

    top = texts.top
    traces, ticks = [], {}
    for department, items in series.items():
        xs = _trend_xs(items)
        ticks.update(zip(xs, (p.when for p in items), strict=True))
        traces.append(_trace("scatter",
            x=xs, y=[round(p.index, 2) for p in items], mode="lines+markers",
            name=label(department, 24), legendgroup=label(department),
            text=[label(p.round) for p in items],
            hovertemplate="%{text}: %{y:.2f}<extra>" + label(department) + "</extra>",
        ))
    tickvals, ticktext = _trend_ticks(ticks)
    return _figure(traces, _narrow(_layout(
        title=title, height=380,
        legend={"orientation": "h", "y": -0.25},
        xaxis={"tickmode": "array", "tickvals": tickvals, "ticktext": ticktext},
        yaxis={"range": [1, top], "title": {"text": label(_("Maturity index"))},
               "gridcolor": "#e9ecef", **_level_ticks(top)}),
        data=[{"name": short_label(department, 18, 40)} for department in series],
        margin={"l": 48, "r": 16, "t": 52 if title else 24, "b": 40},
        xaxis={"tickangle": -45, "tickfont": {"size": 10}}, legend={"y": -0.35}))


def _trend_xs(items: list[TrendPoint]) -> list[str]:
    return [p.when.isoformat() if p.when else label(p.round) for p in items]


def _trend_ticks(ticks: Mapping[str, date | None]) -> tuple[list[str], list[str]]:
    """Ticks at the rounds' dates only, never plotly's automatic ones between or around
    them, written in the reader's format (plotly's month names are English in every
    language)."""
    values = sorted(ticks, key=lambda x: (ticks[x] or date.min, x))
    return values, [label(date_format(ticks[x], "SHORT_DATE_FORMAT")) if ticks[x] else x
                    for x in values]


# A department's panel in a trend compared per dimension, in pixels: its plot, the room
# above it for its name, and below it for its dates.
_PANEL, _PANEL_NAME, _PANEL_DATES = 130, 26, 30


def _trend_per_dimension(series: Mapping[str, list[TrendPoint]], texts: ModelTexts,
                         title: str) -> dict:
    """Rounds on several versions of the model, compared per dimension: a panel per
    department, one above the other on the same dates, with a line per dimension in the
    same colour in every panel (one legend entry each, which shows or hides it in all
    panels), and a dashed vertical line where the department's rounds change version.
    One chart with a line per department and dimension (fifteen for three departments
    of a five-dimension model, their colours repeating) could not be read."""
    top = texts.top
    colours = TEMPLATE["layout"]["colorway"]
    dated = all(p.when for items in series.values() for p in items)
    days = sorted(p.when for items in series.values() for p in items if p.when)
    x_range = None
    if dated:
        pad = max(timedelta(days=10), (days[-1] - days[0]) * 0.08)
        x_range = [(days[0] - pad).isoformat(), (days[-1] + pad).isoformat()]

    def geometry(dates: int, legend: int) -> tuple[int, dict, list[tuple[float, float]]]:
        """The figure's height, margins and each panel's vertical domain (paper)."""
        n = len(series)
        plot = n * (_PANEL_NAME + _PANEL) + (n - 1) * dates
        margin = {"t": (52 if title else 16), "b": dates + legend}
        domains = []
        for i in range(n):
            upper = i * (_PANEL_NAME + _PANEL + dates) + _PANEL_NAME
            domains.append((round(1 - (upper + _PANEL) / plot, 4), round(1 - upper / plot, 4)))
        return plot + margin["t"] + margin["b"], margin, domains

    traces, annotations, shapes, axes, names = [], [], [], {}, []
    for i, (department, items) in enumerate(series.items()):
        suffix = "" if i == 0 else str(i + 1)
        xs = _trend_xs(items)
        tickvals, ticktext = _trend_ticks(dict(zip(xs, (p.when for p in items), strict=True)))
        axes[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "tickmode": "array",
                                  "tickvals": tickvals, "ticktext": ticktext,
                                  **({"type": "date", "range": x_range} if dated else {})}
        axes[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "range": [0.85, top + 0.15],
                                  "gridcolor": "#e9ecef", "zeroline": False,
                                  **_level_ticks(top)}
        annotations.append({"text": "<b>" + label(department) + "</b>", "showarrow": False,
                            "xref": "paper", "x": 0, "xanchor": "left",
                            "yref": f"y{suffix} domain", "y": 1, "yanchor": "bottom",
                            "yshift": 2, "font": {"size": 13}})
        lines = dimension_lines([p.dimensions for p in items], texts)
        for j, line in enumerate(lines):
            colour = colours[j % len(colours)]
            names.append(line.name)
            traces.append(_trace("scatter",
                x=xs, y=[None if v is None else round(v, 2) for v in line.indices],
                xaxis=f"x{suffix}", yaxis=f"y{suffix}", mode="lines+markers",
                name=label(line.name, 32), legendgroup=label(line.key), showlegend=i == 0,
                line={"color": colour, "width": 2}, marker={"color": colour, "size": 6},
                text=[label(f"{p.round} (v{p.version})") for p in items],
                hovertemplate="%{text}: %{y:.2f}<extra>"
                              + label(f"{department} · {line.name}") + "</extra>",
            ))
        for k in range(1, len(items)):
            before, after = items[k - 1], items[k]
            if before.version == after.version:
                continue
            x = (before.when + (after.when - before.when) / 2).isoformat() if dated \
                else k - 0.5
            shapes.append(_line(color=MUTED, dash="dash", width=1.5, xref=f"x{suffix}",
                                x0=x, x1=x, yref=f"y{suffix} domain", y0=0, y1=1))
            annotations.append({
                "text": label(_("version %(number)s") % {"number": after.version}),
                "showarrow": False, "xref": f"x{suffix}", "x": x, "xanchor": "left",
                "xshift": 3, "yref": f"y{suffix} domain", "y": 1, "yanchor": "top",
                "font": {"size": 11, "color": "#5c636a"}, "bgcolor": "white"})

    def laid_out(height: int, margin: dict, domains: list, **extra) -> dict:
        return {"height": height, "margin": margin,
                **{key: {**axis, "domain": list(domains[int(key[5:] or 1) - 1])}
                   for key, axis in axes.items() if key.startswith("yaxis")}, **extra}

    legend_title = {"text": label(_("Maturity index per dimension")), "side": "top"}
    height, margin, domains = geometry(_PANEL_DATES, 70)
    layout = _layout(title=title, shapes=shapes, annotations=annotations,
                     legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container",
                             "y": 0, "yanchor": "bottom", "title": legend_title},
                     **{key: axis for key, axis in axes.items() if key.startswith("xaxis")})
    layout.update(laid_out(height, {**layout["margin"], "l": 40, "r": 24, **margin}, domains))
    # On a phone the dates stand at an angle, and the legend takes more lines.
    narrow_height, narrow_margin, narrow_domains = geometry(_PANEL_DATES + 24, 110)
    return _figure(traces, _narrow(layout, **laid_out(
        narrow_height, {"l": 32, "r": 24, **narrow_margin}, narrow_domains,
        annotations=[{**a, "font": {**a["font"], "size": a["font"]["size"] - 2}}
                     for a in annotations],
        legend={"font": {"size": 10}}),
        **{key: {"tickangle": -45, "tickfont": {"size": 10}}
           for key in axes if key.startswith("xaxis")}))


def trend_needs_two() -> str:
    return _("A trend needs at least two rounds of a department.")


def portfolio(rows: Sequence[DepartmentResult], *, top: int,
              title: str | None = None) -> dict:
    """A consultancy's clients: each client's departments' latest maturity index, as a
    share of its own model's range (clients may use models of different depth). The
    level's name is part of the row's label, full size, not squeezed into the bar."""
    title = _("Portfolio: clients' departments") if title is None else title
    if not rows:
        return _empty(title, _("No client department has a result yet."))
    ordered = sorted(rows, key=lambda r: (r.organisation.lower(), r.department.lower()))
    shares = [scale_share(r.index, r.top or top) for r in ordered]
    def names(width: int) -> list[str]:
        return [
            label(point_name(r), width) + '<br><span style="font-size:11px;color:#5c636a">'
            + label(_("level %(level)s of %(top)s · %(name)s") % {
                "level": r.level, "top": r.top or top, "name": r.level_name}, width)
            + "</span>" for r in ordered]

    bars = _trace("bar",
        y=names(40), x=[round(100 * s, 1) for s in shares], orientation="h",
        marker={"color": [level_colour(r.level, r.top or top) for r in ordered]},
        text=[f"{percent(s)}%" for s in shares], textposition="auto",
        customdata=[[round(r.index, 2), r.top or top] for r in ordered],
        hovertemplate="%{y}<br>%{customdata[0]:.2f} / %{customdata[1]}<extra></extra>",
        showlegend=False,
    )
    return _figure([bars], _narrow(_layout(
        title=title, height=max(260, 100 + 48 * len(ordered)),
        xaxis={"range": [0, 100], "ticksuffix": "%", "gridcolor": "#e9ecef",
               "title": {"text": label(_("Maturity index, share of the model's range"))}},
        yaxis={"autorange": "reversed", "automargin": True}),
        # On a phone the labels wrap narrower, so the bars keep half the width.
        data=[{"y": names(18)}], height=max(300, 100 + 70 * len(ordered)),
        margin={"l": 8, "r": 8, "t": 52 if title else 24, "b": 44},
        xaxis={"title": {"text": label(_("Maturity index, share of the model's range"),
                                       30)}}))
