"""The chart functions: plain data in, plotly figures out; user text stays text.

The charts build plain dicts (plotly.graph_objects' validation was most of the
organisation report's time); these tests read every figure through
``plotly.graph_objects.Figure``, whose validation refuses a misspelt property or a
value of the wrong kind, so the dicts are held to what plotly accepts.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date

import plotly.graph_objects as go
import pytest

from assessments.presentation import most_disputed
from models_catalog.texts import AxisText, DimensionText, LevelText, ModelTexts, QuestionText
from reports import chart_export
from reports import charts as chart_functions
from scoring import ModelSpec, QuestionSpec, score


class ValidatedCharts:
    """``reports.charts`` with every figure validated by plotly (see the docstring)."""

    FIGURES = {"radar", "staircase", "quadrant", "disagreement", "heatmap",
               "levels_vs_targets", "trend", "portfolio"}

    def __getattr__(self, name):
        attribute = getattr(chart_functions, name)
        if name not in self.FIGURES:
            return attribute
        return lambda *args, **kwargs: go.Figure(attribute(*args, **kwargs))


charts = ValidatedCharts()
EVIL = '<a href="https://evil.test">IT</a><script>alert(1)</script>'
OPTIONS = {"no": 0.0, "partly": 1 / 3, "largely": 2 / 3, "fully": 1.0}


def _spec() -> ModelSpec:
    questions = [QuestionSpec(f"{d}.{lv}", d, lv, loadings={"focus": 0.5, "mindset": -0.5})
                 for d in ("people", "process") for lv in (2, 3, 4)]
    return ModelSpec(levels=4, dimensions=("people", "process"), axes=("focus", "mindset"),
                     options=OPTIONS, questions=questions)


def _texts(dimension_name: str = "People") -> ModelTexts:
    return ModelTexts(
        slug="m", version=1, name="Model", threshold=0.75,
        levels=tuple(LevelText(n, name) for n, name in
                     [(1, "Ad hoc"), (2, "Controlled"), (3, "Proactive"), (4, "Strategic")]),
        dimensions=(DimensionText("people", dimension_name), DimensionText("process", "Process")),
        axes=(AxisText("focus", "Focus", "Internal", "External"),
              AxisText("mindset", "Mindset", "Cost-driven", "Value-driven")),
        questions={f"{d}.{lv}": QuestionText(f"{d}.{lv}", d, lv, f"Statement {d} {lv}", "Do it")
                   for d in ("people", "process") for lv in (2, 3, 4)},
    )


@pytest.fixture
def result():
    answers = [
        {"people.2": "fully", "people.3": "no", "process.2": "largely", "process.3": "fully"},
        {"people.2": "fully", "people.3": "fully", "process.2": "largely", "process.3": "no"},
    ]
    return score(_spec(), answers, target_level=3)


def test_it_draws_each_dimension_index_against_the_target_on_the_radar(result):
    fig = charts.radar(result, _texts())
    target, index = fig.data
    assert list(target.r) == [3, 3, 3]
    assert list(index.r)[:2] == [round(d.index, 2) for d in result.dimensions]
    assert list(index.theta)[:2] == ["People", "Process"]
    assert fig.layout.polar.radialaxis.range == (0, 4)


def test_it_escapes_user_text_in_every_label(result):
    point = charts.DepartmentResult(EVIL, 2, 2.4, 3, level_name="Controlled",
                                    organisation=EVIL, axes={"focus": 0.2, "mindset": -0.1},
                                    dimension_levels={"people": 2, "process": 1})
    figures = [
        charts.radar(result, _texts(EVIL)),
        charts.quadrant([point], _texts(EVIL)),
        charts.heatmap([point], _texts(EVIL)),
        charts.levels_vs_targets([point], _texts(EVIL)),
        charts.trend([charts.TrendPoint(EVIL, EVIL, None, 2.0, 2),
                      charts.TrendPoint(EVIL, EVIL + "2", None, 2.5, 2)], _texts(EVIL)),
        charts.portfolio([point], top=4),
        charts.staircase(result.dimensions[0], _texts(EVIL), threshold=0.75),
    ]
    for fig in figures:
        dumped = fig.to_json()
        assert "<a" not in dumped and "<script" not in dumped, dumped[:300]
        assert "&lt;script&gt;" in dumped or "&lt;a" in dumped


def test_it_wraps_long_labels_with_line_breaks_only():
    assert charts.label("a " * 30, 20).count("<br>") >= 2
    assert charts.label("x<y & z>w") == "x&lt;y &amp; z&gt;w"
    assert charts.label("bad\x00char") == "badchar"


def test_it_places_departments_on_the_quadrant_coloured_by_level():
    points = [
        charts.DepartmentResult("IT", 2, 2.5, 3, axes={"focus": 0.5, "mindset": -0.25}),
        charts.DepartmentResult("HR", 3, 3.1, 4, axes={"focus": -0.5, "mindset": 0.75}),
        charts.DepartmentResult("Facilities", 2, 2.2, 3, axes={"focus": None, "mindset": 0.1}),
    ]
    fig = charts.quadrant(points, _texts())
    by_name = {trace.name: trace for trace in fig.data}
    assert set(by_name) == {"2 · Controlled", "3 · Proactive"}
    level2 = by_name["2 · Controlled"]
    assert list(level2.x) == [-0.25] and list(level2.y) == [0.5]  # Facilities has no focus
    assert level2.marker.color != by_name["3 · Proactive"].marker.color
    corners = {a.text for a in fig.layout.annotations}
    assert {"External · Cost-driven", "External · Value-driven", "Internal · Cost-driven",
            "Internal · Value-driven"} <= corners
    assert fig.layout.xaxis.title.text == "Mindset" and fig.layout.yaxis.title.text == "Focus"


def test_it_shows_each_levels_fulfilment_against_the_threshold(result):
    fig = charts.staircase(result.dimension("people"), _texts(), threshold=0.75)
    bars = fig.data[0]
    assert len(bars.x) == 3  # levels 2..4
    assert bars.y[0] == pytest.approx(1.0)  # people.2: both "fully"
    assert bars.y[1] == pytest.approx(0.5)
    assert any(shape.y0 == 0.75 for shape in fig.layout.shapes)


def test_it_measures_disagreement_per_dimension_and_statement(result):
    spreads = charts.dimension_spreads(result)
    assert spreads["people"] == pytest.approx(0.25)  # people.2 agrees (0), people.3 splits (.5)
    disputed = most_disputed(result, top=5)
    assert [q.key for q in disputed] == ["people.3", "process.3"]
    fig = charts.disagreement(result, _texts())
    assert len(fig.data) == 2


def test_it_needs_two_respondents_to_show_disagreement():
    lone = score(_spec(), [{"people.2": "fully"}])
    fig = charts.disagreement(lone, _texts())
    assert not fig.data and "two respondents" in fig.layout.annotations[0].text


def test_it_builds_the_heatmap_levels_and_trend_from_plain_rows():
    rows = [charts.DepartmentResult("IT", 2, 2.5, 3, dimension_levels={"people": 2,
                                                                         "process": 3}),
            charts.DepartmentResult("HR", 1, 1.4, 2, dimension_levels={"people": 1})]
    heat = charts.heatmap(rows, _texts())
    assert list(heat.data[0].text) == ["2", "3", "1", "–"]
    # One bar trace, a bar per cell (vector in the PDF); no shape per cell (slow to draw).
    assert heat.data[0].type == "bar" and len(heat.data[0].x) == 4
    assert not heat.layout.shapes
    targets = charts.levels_vs_targets(rows, _texts())
    assert list(targets.data[0].y) == [2.5, 1.4] and list(targets.data[1].y) == [3, 2]
    trend = charts.trend([charts.TrendPoint("IT", "R2", date(2026, 6, 1), 2.5, 2),
                          charts.TrendPoint("IT", "R1", date(2026, 1, 1), 1.5, 1)], _texts())
    assert list(trend.data[0].y) == [1.5, 2.5]
    portfolio = charts.portfolio([charts.DepartmentResult("IT", 2, 2.5, 3, organisation="B"),
                                  charts.DepartmentResult("HR", 3, 3.5, 3, organisation="A")],
                                 top=4)
    assert [y.split("<br>")[0] for y in portfolio.data[0].y] == ["A · HR", "B · IT"]


def test_it_shows_an_empty_state_instead_of_an_empty_chart():
    for fig in (charts.heatmap([], _texts()), charts.trend([], _texts()),
                charts.levels_vs_targets([], _texts())):
        assert not fig.data and fig.layout.annotations


def test_it_serialises_figures_as_json_for_the_web(result):
    data = json.loads(charts.radar(result, _texts()).to_json())
    assert data["data"][0]["type"] == "scatterpolar"


def test_it_exports_a_figure_to_vector_svg_with_a_warm_browser(result):
    fig = charts.radar(result, _texts("<b>IT</b>"))
    chart_export.figure_to_svg(fig)  # starts this process's chart server (once)
    server = chart_export.chart_server()
    started = time.perf_counter()
    svg = chart_export.figure_to_svg(fig, width=600, height=400)
    elapsed = time.perf_counter() - started
    assert chart_export.chart_server() is server  # reused, not restarted
    assert svg.startswith("<svg") and "<path" in svg and "<image" not in svg
    assert "<b>" not in svg
    assert "&#60;b&#62;IT" in svg or "&lt;b&gt;IT" in svg  # shown as typed
    assert elapsed < 2.0  # the benchmark holds it to 0.25 s; a loaded CI machine is slower


def test_every_chart_exports_as_vector_without_raster_images(result):
    rows = [charts.DepartmentResult("IT", 2, 2.5, 3, level_name="Controlled", organisation="A",
                                    axes={"focus": 0.2, "mindset": 0.3},
                                    dimension_levels={"people": 2, "process": 3})]
    figures = [
        charts.radar(result, _texts()), charts.quadrant(rows, _texts()),
        charts.staircase(result.dimensions[0], _texts(), threshold=0.75),
        charts.disagreement(result, _texts()), charts.heatmap(rows, _texts()),
        charts.levels_vs_targets(rows, _texts()),
        charts.trend([charts.TrendPoint("IT", "R1", date(2026, 1, 1), 2.5, 2),
                      charts.TrendPoint("IT", "R2", date(2026, 6, 1), 2.8, 2)], _texts()),
        charts.portfolio(rows, top=4),
    ]
    svgs = [future.result().decode() for future in
            chart_export.submit_figures([(fig, 600, None) for fig in figures])]
    for fig, svg in zip(figures, svgs, strict=True):
        assert "<image" not in svg and "data:image" not in svg, fig.data[0].type
        assert "<path" in svg or "<rect" in svg


def test_it_serves_a_plotly_bundle_that_registers_every_trace_the_charts_draw():
    """The web reports load static/vendor/plotly/plotly.min.js, built from
    scripts/plotly/entry.js with only some trace types: a chart that starts drawing a new
    trace type must come with a rebuilt bundle, or the page shows an empty chart."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    drawn = set(re.findall(r'\b_trace\("(\w+)"', (root / "reports/charts.py").read_text()))
    registered = {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)",
                                              (root / "scripts/plotly/entry.js").read_text()))
    registered.discard("core")
    assert drawn and drawn <= registered, drawn - registered
    bundle = (root / "static/vendor/plotly/plotly.min.js").read_text()
    assert bundle.startswith("/* plotly.js ")
    for trace in registered:
        assert f'name:"{trace}"' in bundle or f"name:'{trace}'" in bundle, trace


def test_levels_against_targets_draws_the_index_on_a_maturity_index_axis():
    fig = charts.levels_vs_targets([charts.DepartmentResult("IT", 2, 2.5, 3)], _texts())
    assert fig.layout.yaxis.title.text == "Maturity index"


def test_a_trend_needs_two_rounds_and_ticks_only_at_the_rounds():
    one = charts.trend([charts.TrendPoint("IT", "R1", date(2026, 12, 1), 2.5, 2),
                        charts.TrendPoint("HR", "R1", date(2026, 12, 2), 1.5, 1)], _texts())
    assert not one.data and "two rounds" in one.layout.annotations[0].text
    two = charts.trend([charts.TrendPoint("IT", "R1", date(2026, 6, 1), 2.5, 2),
                        charts.TrendPoint("IT", "R2", date(2026, 12, 1), 2.8, 2)], _texts())
    assert two.layout.xaxis.tickmode == "array"
    assert list(two.layout.xaxis.tickvals) == ["2026-06-01", "2026-12-01"]
    # Labelled in the reader's format (maturity_site/formats), not plotly's English.
    assert list(two.layout.xaxis.ticktext) == ["1 Jun 2026", "1 Dec 2026"]


def test_a_trend_across_versions_has_a_panel_per_department_and_marks_the_new_version():
    """Rounds on several versions are compared per dimension: a panel per department on
    the same dates, a line per dimension in the same colour in each (one legend entry
    for all), and a dashed line with its label where a department's version changes."""
    def rounds(department, shift, versions):
        return [charts.TrendPoint(department, f"R{i}", day, 2.0, 2, version=version,
                                  dimensions={"people": 2.0 + shift + i / 4,
                                              "process": 2.5 + shift})
                for i, (day, version) in enumerate(zip(
                    [date(2026, 1, 10), date(2026, 5, 10), date(2026, 9, 10)], versions,
                    strict=False))]

    fig = charts.trend(rounds("IT", 0, [1, 1, 2]) + rounds("HR", 0.5, [1, 2]), _texts())
    assert [(t.name, t.xaxis, t.showlegend) for t in fig.data] == [
        ("People", "x", True), ("Process", "x", True),
        ("People", "x2", False), ("Process", "x2", False)]
    assert fig.data[0].line.color == fig.data[2].line.color != fig.data[1].line.color
    assert fig.data[0].legendgroup == fig.data[2].legendgroup == "people"
    assert list(fig.data[2].y) == [2.5, 2.75]
    assert "HR · People" in fig.data[2].hovertemplate
    (it_top, it_bottom), (hr_top, hr_bottom) = (
        (fig.layout.yaxis.domain[1], fig.layout.yaxis.domain[0]),
        (fig.layout.yaxis2.domain[1], fig.layout.yaxis2.domain[0]))
    assert it_top > it_bottom > hr_top > hr_bottom  # IT above HR, apart
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range  # the same dates
    assert list(fig.layout.xaxis2.tickvals) == ["2026-01-10", "2026-05-10"]
    # The version changes between the second and the third round of IT, between the
    # first and the second of HR: a dashed line half-way, labelled.
    assert [(shape.xref, shape.x0, shape.line.dash) for shape in fig.layout.shapes] == [
        ("x", "2026-07-10", "dash"), ("x2", "2026-03-11", "dash")]
    labels = [a.text for a in fig.layout.annotations]
    assert labels == ["<b>IT</b>", "version 2", "<b>HR</b>", "version 2"]
    # A panel each: the figure grows with the departments instead of crowding.
    three = charts.trend(rounds("IT", 0, [1, 2]) + rounds("HR", 0, [1, 2])
                         + rounds("Field", 0, [1, 2]), _texts())
    assert three.layout.height > fig.layout.height and three.layout.yaxis3.domain


def test_the_portfolio_compares_models_of_different_depth_on_one_scale():
    rows = [charts.DepartmentResult("IT", 4, 4.0, 4, level_name="Optimised", top=4,
                                    organisation="A"),
            charts.DepartmentResult("HR", 3, 3.0, 4, level_name="A rather long level name "
                                    "that used to shrink", top=5, organisation="B")]
    fig = charts.portfolio(rows, top=5)
    bars = fig.data[0]
    assert list(bars.x) == [100.0, 50.0]  # the top of a 4-level model is 100%, like a 5's
    assert fig.layout.xaxis.range == (0, 100)
    # The level's name is in the row's label, at a fixed size, not squeezed into a bar.
    assert "A rather long level name" in bars.y[1].replace("<br>", " ")
    assert "level 4 of 4" in bars.y[0]


def test_the_threshold_label_is_the_models_and_sits_beside_the_bars(result):
    fig = charts.staircase(result.dimension("people"), _texts(), threshold=2 / 3)
    note = fig.layout.annotations[0]
    assert note.text.replace("<br>", " ") == "threshold 67%"
    # In the right margin (paper x ≥ 1, anchored left): bars and their values are drawn
    # inside the plot area, so they cannot overlap it.
    assert note.xref == "paper" and note.x >= 1 and note.xanchor == "left"
    assert fig.layout.margin.r >= 70


def test_every_chart_carries_a_variant_for_a_phone(result):
    """static/js/reports.js draws layout.meta.narrow below its width (a phone): shorter
    labels, legends below; the whole texts stay in the hover labels."""
    rows = [charts.DepartmentResult("Information technology service desk", 2, 2.5, 3,
                                    level_name="Controlled", organisation="A", top=5,
                                    axes={"focus": 0.2, "mindset": 0.3},
                                    dimension_levels={"people": 2, "process": 3})]
    figures = [
        charts.radar(result, _texts()), charts.quadrant(rows, _texts()),
        charts.staircase(result.dimensions[0], _texts(), threshold=0.75),
        charts.disagreement(result, _texts()), charts.heatmap(rows, _texts()),
        charts.levels_vs_targets(rows, _texts()),
        charts.trend([charts.TrendPoint("IT", "R1", date(2026, 1, 1), 2.5, 2),
                      charts.TrendPoint("IT", "R2", date(2026, 6, 1), 2.8, 2)], _texts()),
        charts.portfolio(rows, top=5),
    ]
    for fig in figures:
        narrow = fig.layout.meta["narrow"]
        assert narrow["width"] == charts.NARROW_PX and narrow["layout"]["font"]["size"] < 12
        assert len(narrow["data"]) <= len(fig.data)
    quadrant = figures[1]
    assert quadrant.layout.meta["narrow"]["data"][0]["text"] == ["A ·<br>Information…"]
    assert "Information technology service desk" in quadrant.data[0].customdata[0]


def test_labels_on_the_quadrant_go_where_they_do_not_overlap():
    points = [(0.0, 0.0), (0.0, 0.08), (0.5, 0.5)]
    texts = ["IT Service Desk", "HR Services", "Facilities"]
    positions = charts.label_positions(points, texts, char=0.03, line=0.08)
    assert positions[0] != positions[1]  # two close points: not both above
    assert positions[2] == "top center"  # alone: the usual place


def test_bar_values_sit_inside_their_bars_where_the_threshold_line_cannot_cross_them(result):
    fig = charts.staircase(result.dimension("people"), _texts(), threshold=2 / 3)
    bars = fig.data[0]
    for value, position in zip(bars.y, bars.textposition, strict=True):
        assert position == ("inside" if value >= 0.2 else "outside")
    assert bars.insidetextanchor == "end"
