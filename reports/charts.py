"""Plotly figures of maturity results, built from plain data.

Pure functions: a ``ScoreResult`` (or plain rows) and a model's texts in the reader's
language in, a figure out, as the plain dict plotly.js reads. The web pages send the figure as
JSON to plotly.js; the PDF pipeline exports the same figure to SVG.

Every piece of text that reaches a figure goes through :func:`label`: plotly renders
a small HTML subset in labels (``<b>``, ``<a href>``, ``<br>``…), so a department
called ``<a href=…>`` would become a link. Escaping ``&``, ``<`` and ``>`` makes plotly
show the text as typed (it decodes those entities itself when drawing).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from assessments.presentation import most_disputed, percent
from models_catalog.texts import ModelTexts
from scoring import DimensionScore, ScoreResult

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
LEVEL_PALETTE = ("#d9534f", "#f0ad4e", "#e3c13b", "#5cb85c", "#2e7d32")
MET_COLOUR, UNMET_COLOUR, MUTED = "#2e7d32", "#e0902b", "#8a8f98"
TARGET_COLOUR = "#1f5fa8"
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
    round: str = ""
    organisation: str = ""  # the client, in a consultancy's portfolio
    axes: Mapping[str, float | None] = field(default_factory=dict)
    dimension_levels: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendPoint:
    department: str
    round: str
    when: date | None
    index: float
    level: int


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
    if top <= 1:
        return LEVEL_PALETTE[-1]
    step = (len(LEVEL_PALETTE) - 1) * (max(1, min(level, top)) - 1) / (top - 1)
    return LEVEL_PALETTE[round(step)]


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


# --------------------------------------------------------------- assessment charts


def radar(result: ScoreResult, texts: ModelTexts, *, title: str | None = None) -> dict:
    """Each dimension's maturity index against the target level."""
    title = _("Maturity per dimension") if title is None else title
    if not result.dimensions:
        return _empty(title, _("This model has no dimensions."))
    names = [label(texts.dimension_name(d.key), 18) for d in result.dimensions]
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
            marker={"size": 7}, hovertemplate="%{theta}: %{r:.2f}<extra></extra>"),
    ]
    return _figure(traces, _layout(
        title=title, height=460, showlegend=True, legend={"orientation": "h", "y": -0.08},
        polar={"radialaxis": {"range": [0, top], "dtick": 1, "angle": 90, "tickangle": 90,
                              **_level_ticks(top)},
               "angularaxis": {"direction": "clockwise", "rotation": 90}}))


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
    bars = _trace("bar", x=x, y=values, marker={"color": colours}, text=notes,
                  textposition="outside", cliponaxis=False, showlegend=False,
                  hovertemplate="%{x}: %{text}<extra></extra>")
    return _figure([bars], _layout(
        title=title, height=320, bargap=0.35,
        shapes=[_line(color=TARGET_COLOUR, dash="dash", width=2, xref="paper", x0=0, x1=1,
                      y0=threshold, y1=threshold)],
        annotations=[{"xref": "paper", "x": 1, "xanchor": "right", "y": threshold,
                      "yanchor": "bottom", "showarrow": False,
                      "text": label(_("threshold %(value)s") % {"value": f"{threshold:.0%}"}),
                      "font": {"color": TARGET_COLOUR}}],
        yaxis={"range": [0, 1.12], "tickformat": ".0%", "title": {"text": label(_("Fulfilment"))},
               "gridcolor": "#e9ecef"},
        xaxis={"title": {"text": label(_("Level"))}}))


def quadrant(points: Sequence[DepartmentResult], texts: ModelTexts, *,
             x_axis: str = "mindset", y_axis: str = "focus",
             title: str | None = None) -> dict:
    """The two-axis quadrant: mindset (cost → value) across, focus (internal →
    external) up; one point per department, coloured by its overall level."""
    title = _("Where the departments stand") if title is None else title
    x_text, y_text = texts.axis(x_axis), texts.axis(y_axis)
    if x_text is None or y_text is None:
        return _empty(title, _("This model has no two axes to place departments on."))
    placed = [p for p in points
              if p.axes.get(x_axis) is not None and p.axes.get(y_axis) is not None]
    traces = []
    for level in sorted({p.level for p in placed}):
        group = [p for p in placed if p.level == level]
        traces.append(_trace("scatter",
            x=[round(p.axes[x_axis], 4) for p in group],
            y=[round(p.axes[y_axis], 4) for p in group],
            mode="markers+text", text=[label(_point_name(p), 22) for p in group],
            textposition="top center",
            marker={"size": 14, "color": level_colour(level, texts.top),
                    "line": {"color": "white", "width": 1.5}},
            name=label(f"{level} · {texts.level_name(level)}"),
            hovertemplate="%{text}<br>%{x:.2f}, %{y:.2f}<extra></extra>",
        ))
    corners = (
        (-0.97, 0.97, "left", "top", x_text.low, y_text.high),
        (0.97, 0.97, "right", "top", x_text.high, y_text.high),
        (-0.97, -0.97, "left", "bottom", x_text.low, y_text.low),
        (0.97, -0.97, "right", "bottom", x_text.high, y_text.low),
    )
    annotations = [{"x": x, "y": y, "xanchor": xanchor, "yanchor": yanchor,
                    "showarrow": False, "text": f"{label(y_pole)} · {label(x_pole)}",
                    "font": {"size": 11, "color": MUTED}}
                   for x, y, xanchor, yanchor, x_pole, y_pole in corners]
    if not placed:
        annotations.append({"text": label(_("No answers load these axes yet.")),
                            "showarrow": False, "x": 0, "y": 0.5, "font": {"color": MUTED}})
    axis = {"range": [-1.05, 1.05], "constrain": "domain", "zeroline": False,
            "showgrid": False, "tickvals": [-1, 0, 1]}
    return _figure(traces, _layout(
        title=title, height=520, showlegend=bool(placed),
        legend={"orientation": "h", "y": -0.16, "title": {"text": label(_("Level"))}},
        annotations=annotations,
        shapes=[_line(color="#adb5bd", xref="paper", x0=0, x1=1, y0=0, y1=0),
                _line(color="#adb5bd", yref="paper", y0=0, y1=1, x0=0, x1=0)],
        xaxis={**axis, "ticktext": [label(x_text.low), "", label(x_text.high)],
               "title": {"text": label(x_text.name)}},
        yaxis={**axis, "ticktext": [label(y_text.low), "", label(y_text.high)],
               "title": {"text": label(y_text.name)}, "scaleanchor": "x", "scaleratio": 1}))


def _point_name(point: DepartmentResult) -> str:
    return f"{point.organisation} · {point.department}" if point.organisation \
        else point.department


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
    traces = [_trace("bar",
        y=[label(texts.dimension_name(k), 24) for k in dims],
        x=[round(per_dimension[k] or 0.0, 4) for k in dims], orientation="h",
        marker={"color": "#6f42c1"}, showlegend=False, xaxis="x", yaxis="y",
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    )]
    if statements:
        traces.append(_trace("bar",
            y=[shorten(texts.question(q.key).statement, 60) for q in statements],
            x=[round(q.spread or 0.0, 4) for q in statements], orientation="h",
            marker={"color": "#d63384"}, showlegend=False, xaxis="x2", yaxis="y2",
            customdata=[label(texts.question(q.key).statement, 60) for q in statements],
            hovertemplate="%{customdata}<br>%{x:.2f}<extra></extra>",
        ))
    # Two stacked panels, laid out by hand (make_subplots costs ~40 ms).
    spread_axis = {"range": [0, 0.5], "gridcolor": "#e9ecef",
                   "title": {"text": label(_("Spread (standard deviation)"))}}
    heading = {"xref": "paper", "yref": "paper", "x": 0.5, "xanchor": "center",
               "yanchor": "bottom", "showarrow": False, "font": {"size": 13}}
    return _figure(traces, _layout(
        title=title, height=560,
        xaxis={**spread_axis, "anchor": "y", "title": None},
        yaxis={"domain": [0.6, 1.0], "autorange": "reversed", "automargin": True,
               "anchor": "x"},
        xaxis2={**spread_axis, "anchor": "y2"},
        yaxis2={"domain": [0.0, 0.42], "autorange": "reversed", "automargin": True,
                "anchor": "x2"},
        annotations=[
            {**heading, "y": 1.0, "text": label(_("Mean spread per dimension"))},
            {**heading, "y": 0.46, "text": label(_("Statements people disagree on most"))},
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
    level. Drawn as rectangles, not a plotly heatmap, which exports as a raster image:
    the PDF keeps it vector."""
    title = _("Levels per department and dimension") if title is None else title
    if not rows or not texts.dimensions:
        return _empty(title, _("No department has a result yet."))
    top = texts.top
    keys = [d.key for d in texts.dimensions]
    shapes, xs, ys, labels, hovers = [], [], [], [], []
    for i, row in enumerate(rows):
        for j, key in enumerate(keys):
            level = row.dimension_levels.get(key)
            shapes.append({"type": "rect", "x0": j - 0.46, "x1": j + 0.46, "y0": i - 0.44,
                           "y1": i + 0.44, "line": {"width": 0}, "layer": "below",
                           "fillcolor": MUTED if level is None else level_colour(level, top),
                           "opacity": 0.35 if level is None else 1.0})
            xs.append(j)
            ys.append(i)
            labels.append("–" if level is None else str(level))
            hovers.append(f"{label(_point_name(row))} · {label(texts.dimension_name(key))}")
    traces = [_trace("scatter",
        x=xs, y=ys, mode="text", text=labels, textfont={"size": 14, "color": "#212529"},
        customdata=hovers, hovertemplate="%{customdata}: %{text}<extra></extra>",
        showlegend=False,
    )]
    traces += [_trace("scatter",   # a legend of the level colours
        x=[None], y=[None], mode="markers", name=label(f"{level} · {texts.level_name(level)}"),
        marker={"symbol": "square", "size": 12, "color": level_colour(level, top)},
    ) for level in range(1, top + 1)]
    layout = _layout(
        title=title, height=max(280, 150 + 46 * len(rows)), shapes=shapes,
        legend={"orientation": "h", "y": -0.08, "title": {"text": label(_("Level"))}},
        xaxis={"range": [-0.5, len(keys) - 0.5], "tickvals": list(range(len(keys))),
               "ticktext": [label(texts.dimension_name(k), 16) for k in keys],
               "side": "top", "showgrid": False, "zeroline": False, "automargin": True},
        yaxis={"range": [len(rows) - 0.5, -0.5], "tickvals": list(range(len(rows))),
               "ticktext": [label(_point_name(r), 28) for r in rows],
               "showgrid": False, "zeroline": False, "automargin": True})
    layout["margin"]["t"] = 120 if title else 70  # room for the names on top
    return _figure(traces, layout)


def levels_vs_targets(rows: Sequence[DepartmentResult], texts: ModelTexts, *,
                      title: str | None = None) -> dict:
    """Each department's maturity index (bar, coloured by level) and its target."""
    title = _("Levels against targets") if title is None else title
    if not rows:
        return _empty(title, _("No department has a result yet."))
    top = texts.top
    names = [label(_point_name(r), 22) for r in rows]
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
    return _figure(traces, _layout(
        title=title, height=400, legend={"orientation": "h", "y": -0.2},
        yaxis={"range": [0, top + 0.2], "title": {"text": label(_("Level"))},
               "gridcolor": "#e9ecef", **_level_ticks(top)},
        xaxis={"automargin": True}))


def trend(points: Iterable[TrendPoint], texts: ModelTexts, *,
          title: str | None = None) -> dict:
    """The overall maturity index of each department over its rounds."""
    title = _("Trend over rounds") if title is None else title
    series: dict[str, list[TrendPoint]] = {}
    for point in points:
        series.setdefault(point.department, []).append(point)
    if not series:
        return _empty(title, _("No department has a result yet."))
    top = texts.top
    traces = []
    for department, items in series.items():
        items = sorted(items, key=lambda p: (p.when or date.min, p.round))
        traces.append(_trace("scatter",
            x=[p.when.isoformat() if p.when else label(p.round) for p in items],
            y=[round(p.index, 2) for p in items], mode="lines+markers",
            name=label(department, 24), text=[label(p.round) for p in items],
            hovertemplate="%{text}: %{y:.2f}<extra>" + label(department) + "</extra>",
        ))
    return _figure(traces, _layout(
        title=title, height=380, legend={"orientation": "h", "y": -0.25},
        # Numeric dates: plotly's month names are English whatever the language.
        xaxis={"tickformat": "%Y-%m"},
        yaxis={"range": [1, top], "title": {"text": label(_("Maturity index"))},
               "gridcolor": "#e9ecef", **_level_ticks(top)}))


def portfolio(rows: Sequence[DepartmentResult], *, top: int,
              title: str | None = None) -> dict:
    """A consultancy's clients: each client's departments' latest maturity index."""
    title = _("Portfolio: clients' departments") if title is None else title
    if not rows:
        return _empty(title, _("No client department has a result yet."))
    ordered = sorted(rows, key=lambda r: (r.organisation.lower(), r.department.lower()))
    bars = _trace("bar",
        y=[label(_point_name(r), 40) for r in ordered],
        x=[round(r.index, 2) for r in ordered], orientation="h",
        marker={"color": [level_colour(r.level, top) for r in ordered]},
        text=[label(f"{r.level} · {r.level_name}", 30) for r in ordered],
        textposition="inside", insidetextanchor="start",
        hovertemplate="%{y}: %{x:.2f}<extra></extra>", showlegend=False,
    )
    return _figure([bars], _layout(
        title=title, height=max(260, 100 + 36 * len(ordered)),
        xaxis={"range": [0, top + 0.1], "title": {"text": label(_("Maturity index"))},
               "gridcolor": "#e9ecef", **_level_ticks(top)},
        yaxis={"autorange": "reversed", "automargin": True}))
