"""A new round's form: the model preselected for the department the form shows first,
and for each department when it changes (static/js/round-form.js), and target levels
offered only up to the chosen model's levels (the server still refuses a higher one)."""

from __future__ import annotations

import copy
import json
import re

import pytest

from assessments import services
from models_catalog.models import ModelVersion
from tests.catalog_factories import build_document, make_version
from tests.conftest import PASSWORD, access_for, signed_in

from .browser import sign_in

URL = "/o/acme/assessments/new/"


def _five_levels() -> dict:
    document = build_document()
    document["levels"].append(copy.deepcopy(document["levels"][-1]) | {
        "number": 5, "name": {"en": "Excellent", "sv": "Utmärkt"}})
    return document


@pytest.fixture
def models(world) -> dict[str, ModelVersion]:
    """A four-level and a five-level shipped model; the first department (by name) last
    used the four-level one, the second the five-level one, which the organisation used
    last of all."""
    four = make_version(slug="four-levels")
    five = make_version(slug="five-levels", document=_five_levels())
    manager = access_for(world.acme.manager, world.acme.org)
    first, second = world.acme.departments
    services.assessment_create(by=manager, department=first, model_version=four,
                               name="Four")
    services.assessment_create(by=manager, department=second, model_version=five,
                               name="Five")
    return {"four": four, "five": five}


def _attribute(html: str, name: str) -> dict:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_it_preselects_the_model_of_the_department_shown_first(world, models):
    client = signed_in(world.acme.manager)
    form = client.get(URL).context["form"]
    first, second = world.acme.departments
    assert list(form.fields["department"].queryset)[0] == first
    assert form["model_version"].value() == models["four"].pk  # not the organisation's five
    asked = client.get(f"{URL}?department={second.public_id}").context["form"]
    assert asked["model_version"].value() == models["five"].pk


def test_it_gives_the_script_each_departments_model_and_each_models_levels(world, models):
    html = signed_in(world.acme.manager).get(URL).content.decode()
    first, second = world.acme.departments
    assert _attribute(html, "data-suggested-versions") == {
        str(first.pk): str(models["four"].pk), str(second.pk): str(models["five"].pk)}
    assert _attribute(html, "data-levels") == {str(models["four"].pk): 4,
                                               str(models["five"].pk): 5}
    assert 'data-target-level="id_target_level"' in html
    assert "js/round-form.js" in html and "<script>" not in html  # no inline script (CSP)


def test_the_server_still_refuses_a_target_above_the_models_levels(world, models):
    response = signed_in(world.acme.manager).post(URL, {
        "department": world.acme.departments[0].pk, "model_version": models["four"].pk,
        "name": "Too high", "target_level": "5"})
    assert response.status_code == 200
    assert response.context["form"].errors["target_level"] == ["This model has only 4 levels."]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_follows_the_department_and_the_model_in_the_browser(
        live_server, page, world, models):
    sign_in(page, live_server, world.acme.manager.email, PASSWORD)
    page.goto(f"{live_server.url}{URL}")
    first, second = world.acme.departments

    def state():
        return page.evaluate("""() => {
          const text = (name) => {
            const select = document.querySelector(`select[name=${name}]`);
            return select.options[select.selectedIndex].value; };
          return {department: text("department"), model: text("model_version"),
                  target: text("target_level"),
                  levels: Array.from(document.querySelectorAll("#id_target_level option"))
                    .map((option) => option.value).filter(Boolean)}; }""")

    assert state() == {"department": str(first.pk), "model": str(models["four"].pk),
                       "target": "", "levels": ["1", "2", "3", "4"]}
    page.select_option("select[name=department]", str(second.pk))
    assert state()["model"] == str(models["five"].pk)
    assert state()["levels"] == ["1", "2", "3", "4", "5"]
    page.select_option("select[name=target_level]", "5")
    page.select_option("select[name=department]", str(first.pk))
    # Back to the four-level model: level 5 is no longer offered, the default is chosen.
    assert state() == {"department": str(first.pk), "model": str(models["four"].pk),
                       "target": "", "levels": ["1", "2", "3", "4"]}
    page.shots(page, "new-round-1280")
    # A model chosen by hand stays when the department changes.
    page.select_option("select[name=model_version]", str(models["five"].pk))
    page.select_option("select[name=target_level]", "5")
    page.select_option("select[name=department]", str(second.pk))
    page.select_option("select[name=department]", str(first.pk))
    assert state() == {"department": str(first.pk), "model": str(models["five"].pk),
                       "target": "5", "levels": ["1", "2", "3", "4", "5"]}
    page.set_viewport_size({"width": 390, "height": 844})
    page.shots(page, "new-round-390")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
