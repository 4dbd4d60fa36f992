"""The charts drawn on the server (reports/chart_svg.py and its templates): the same
figures as the plotly charts, placed where they belong, and user text stays text."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from django.template.loader import render_to_string

from reports import chart_svg
from reports.charts import DepartmentResult, level_colour
from scoring import score
from tests.test_reports_charts import EVIL, _spec, _texts


def _result():
    answers = [{"people.2": "fully", "people.3": "largely", "process.2": "partly"}]
    return score(_spec(), answers, target_level=3)


def _distance(svg: dict, x: float, y: float) -> float:
    return math.hypot(x - svg["cx"], y - svg["cy"])


def test_the_radar_places_each_dimension_at_its_index_and_the_target_on_its_circle():
    result = _result()
    svg = chart_svg.radar(result, _texts())
    outer = svg["rings"][-1]["r"]  # the circle of the top level (4)
    for point, dimension in zip(svg["points"], result.dimensions, strict=True):
        assert _distance(svg, point["x"], point["y"]) == \
            pytest.approx(outer * dimension.index / 4, abs=0.2)
        assert f"{dimension.index:.2f}" in point["title"]
    target = [tuple(map(float, p.split(","))) for p in svg["target"].split()]
    assert all(abs(_distance(svg, x, y) - outer * 3 / 4) < 0.2 for x, y in target)
    # The first dimension at the top, the second clockwise from it (here: opposite).
    first, second = svg["points"]
    assert first["y"] < svg["cy"] < second["y"]
    assert [t.lines for t in svg["labels"]] == [["People"], ["Process"]]


def test_the_quadrant_places_each_department_with_both_positions_coloured_by_level():
    points = [
        DepartmentResult("IT", 2, 2.5, 3, level_name="Controlled", top=4,
                         axes={"focus": 1.0, "mindset": -1.0}),
        DepartmentResult("HR", 3, 3.1, 4, level_name="Proactive", top=4,
                         axes={"focus": -1.0, "mindset": 1.0}),
        DepartmentResult("Facilities", 2, 2.2, 3, top=4, axes={"focus": None, "mindset": 0.1}),
    ]
    svg = chart_svg.quadrant(points, _texts())
    it, hr = svg["points"]  # Facilities has no focus position: not placed
    plot = svg["plot"]
    assert it["x"] < plot["cx"] and it["y"] < plot["cy"]  # cost-driven, external
    assert hr["x"] > plot["cx"] and hr["y"] > plot["cy"]  # value-driven, internal
    assert plot["x"] < it["x"] and hr["x"] < plot["right"] and hr["y"] < plot["end"]
    assert it["colour"] == level_colour(2, 4) != hr["colour"]
    assert [item["text"] for item in svg["legend"]] == ["2 · Controlled", "3 · Proactive"]
    assert {tuple(c.lines) for c in svg["corners"]} == {
        ("External", "Cost-driven"), ("External", "Value-driven"),
        ("Internal", "Cost-driven"), ("Internal", "Value-driven")}


def test_the_quadrant_names_each_models_level_when_models_of_different_depth_meet():
    points = [
        DepartmentResult("IT", 2, 2.5, 3, level_name="Controlled", top=5,
                         axes={"focus": 0.2, "mindset": 0.2}),
        DepartmentResult("Facilities", 2, 2.5, 3, level_name="Structured", top=4,
                         axes={"focus": -0.2, "mindset": -0.2}),
    ]
    svg = chart_svg.quadrant(points, _texts())
    assert [item["text"] for item in svg["legend"]] == [
        "level 2 of 5 · Controlled", "level 2 of 4 · Structured"]
    # Each colour is the level's share of its own model's levels.
    assert [p["colour"] for p in svg["points"]] == [level_colour(2, 5), level_colour(2, 4)]


def test_the_quadrant_is_not_drawn_for_a_model_without_the_two_axes():
    assert chart_svg.quadrant([], dataclasses.replace(_texts(), axes=())) is None


def test_user_text_in_the_svg_stays_text():
    point = DepartmentResult(EVIL, 2, 2.4, 3, level_name=EVIL, top=4, organisation=EVIL,
                             axes={"focus": 0.2, "mindset": -0.1})
    html = render_to_string("reports/_svg_quadrant.html", {
        "svg": chart_svg.quadrant([point], _texts(EVIL)), "label": EVIL})
    html += render_to_string("reports/_svg_radar.html", {
        "svg": chart_svg.radar(_result(), _texts(EVIL)), "label": EVIL})
    assert "<script" not in html and "<a href" not in html
    assert "&lt;script&gt;" in html


def test_the_portfolio_compares_each_department_as_a_share_of_its_models_range():
    rows = [
        DepartmentResult("IT", 3, 3.0, 4, level_name="Proactive", top=5, organisation="Zeta"),
        DepartmentResult("HR", 3, 3.0, 4, level_name="Defined", top=4, organisation="Alpha"),
    ]
    alpha, zeta = chart_svg.portfolio(rows, top=5)  # ordered by client
    assert (alpha["name"], zeta["name"]) == ("Alpha · HR", "Zeta · IT")
    assert alpha["share"] == pytest.approx(66.7) and zeta["share"] == 50.0
    assert alpha["level"] == "level 3 of 4 · Defined"
    assert alpha["colour"] == level_colour(3, 4)


@pytest.mark.parametrize("lang", ["sv", "nb", "hu"])
def test_the_svg_coordinates_have_a_decimal_point_in_every_language(lang):
    # Swedish, Norwegian and Hungarian write 128,5: an SVG attribute must not.
    from django.utils import translation

    point = DepartmentResult("IT", 2, 2.4, 3, level_name="Controlled", top=4,
                             axes={"focus": 0.2, "mindset": -0.1})
    with translation.override(lang):
        html = render_to_string("reports/_svg_quadrant.html", {
            "svg": chart_svg.quadrant([point], _texts()), "label": "Q"})
        html += render_to_string("reports/_svg_radar.html", {
            "svg": chart_svg.radar(_result(), _texts()), "label": "R"})
    numbers = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|r)="([^"]*)"', html)
    assert numbers and all("," not in n for n in numbers), numbers
    assert not re.search(r"translate\([^)]*,", html)
