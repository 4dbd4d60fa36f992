"""Respondent groups (issue 15, item 1): each dimension's index and each axis position
per group beside the whole round, flags where groups differ, and never a group of
fewer than 3 submitted respondents on its own, on any surface."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import selectors, services
from assessments.anonymity import shown_respondent_groups
from assessments.models import Answer, Assessment, Response
from organisations.models import AuditEvent
from reports import services as report_services
from reports.selectors import assessment_input_hash
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import access_for, signed_in

SMALL = ("Customers / business", "Board members")  # 1 and 2 submitted: never on their own


def _url(assessment, name, **kwargs):
    return reverse(name, kwargs={"org_slug": "acme", "assessment_id": assessment.public_id,
                                 **kwargs})


def respond(assessment, group: str, option: str, count: int, *, submit: bool = True,
            tag: str = "") -> list[Response]:
    questions = list(assessment.model_version.questions.all())
    responses = []
    for i in range(count):
        response = Response.objects.create(
            assessment=assessment, group=group, name=f"{group or 'none'} {tag}{i}",
            email=f"{abs(hash((group, tag, i)))}@groups.test")
        Answer.objects.bulk_create(Answer(response=response, question=q, option=option)
                                   for q in questions)
        if submit:
            services.response_submit(response=response)
        responses.append(response)
    return responses


def grouped_round(world, anonymity=Assessment.Anonymity.ANONYMOUS) -> Assessment:
    """Agents (3, everything fully in place) and team leads (3, nothing in place) are
    shown; customers (1) and the board (2) only together, as "Other respondents"."""
    assessment = make_assessment(world, version=version_with(), anonymity=anonymity)
    respond(assessment, "Service desk agents", "fully", 3)
    respond(assessment, "Team leads", "not_in_place", 3)
    respond(assessment, SMALL[0], "partly", 1)
    respond(assessment, SMALL[1], "largely", 2)
    respond(assessment, SMALL[1], "fully", 1, submit=False, tag="draft")  # counts nowhere
    return assessment


# ----------------------------------------------------------------------- the rule


def test_small_groups_are_merged_and_never_shown_alone():
    shown, hidden = shown_respondent_groups({"a": [1, 2, 3], "b": [4, 5, 6], "c": [7],
                                             "d": [8, 9]})
    assert shown == {"a": [1, 2, 3], "b": [4, 5, 6], None: [7, 8, 9]}
    assert hidden == 2
    # The small ones cannot make three: the smallest shown group joins them, so the
    # whole minus the shown groups never gives the small one away.
    shown, hidden = shown_respondent_groups({"a": [1, 2, 3], "b": [4, 5, 6, 7], "c": [8]})
    assert shown == {"b": [4, 5, 6, 7], None: [8, 1, 2, 3]}
    assert hidden == 2
    assert shown_respondent_groups({"a": [1, 2], "": [3]}) == ({None: [1, 2, 3]}, 2)
    assert shown_respondent_groups({"a": [1], "": [2]}) == ({}, 2)


def test_each_group_is_scored_by_the_engine_on_its_own_answers(world):
    assessment = grouped_round(world)
    breakdown = selectors.group_results(assessment)
    assert [(g.key, g.respondents) for g in breakdown.groups] == [
        ("Service desk agents", 3), ("Team leads", 3), (None, 3)]
    assert breakdown.hidden == 2
    agents, leads, _others = (g.result for g in breakdown.groups)
    assert agents.overall.level == agents.levels and leads.overall.level == 1
    assert all(d.index == agents.levels for d in agents.dimensions)
    assert all(d.index == 1 for d in leads.dimensions)


def test_a_round_without_groups_shows_no_breakdown(world):
    assessment = make_assessment(world, version=version_with())
    respond(assessment, "", "fully", 4)
    assert selectors.group_results(assessment) is None
    page = signed_in(world.acme.manager).get(_url(assessment, "assessments:detail"))
    assert 'id="groups"' not in page.content.decode()


def test_groups_that_differ_are_flagged(world):
    assessment = grouped_round(world)
    result = selectors.assessment_results(assessment)
    from models_catalog.texts import model_texts

    summary = selectors.group_summary(assessment, result, model_texts(assessment.model_version))
    assert summary["compared"] and summary["hidden"] == 2 and summary["min_size"] == 3
    # Everything in place against nothing in place: every dimension and every axis.
    assert all(d["flagged"] and d["gap"] > 1 for d in summary["dimensions"])
    assert all(a["flagged"] and a["gap"] > 0.25 for a in summary["axes"])
    assert summary["flags"] == len(summary["dimensions"]) + len(summary["axes"])


def test_groups_that_agree_are_not_flagged(world):
    assessment = make_assessment(world, version=version_with())
    respond(assessment, "Service desk agents", "fully", 3)
    respond(assessment, "Team leads", "fully", 3)
    result = selectors.assessment_results(assessment)
    from models_catalog.texts import model_texts

    summary = selectors.group_summary(assessment, result, model_texts(assessment.model_version))
    assert summary["compared"] and summary["flags"] == 0 and summary["hidden"] == 0
    assert not any(row["flagged"] for row in summary["dimensions"] + summary["axes"])


# ------------------------------------------------------------------- every surface


def _assert_private(text: str):
    for name in SMALL:
        assert name not in text
        assert name.replace("/", "&#x2F;") not in text


@pytest.mark.parametrize("anonymity", ["anonymous", "named"])
def test_a_small_group_appears_on_no_results_surface(world, anonymity):
    assessment = grouped_round(world, anonymity)
    client = signed_in(world.acme.owner)
    page = client.get(_url(assessment, "assessments:detail")).content.decode()
    section = page[page.index('id="groups"'):page.index("</section>", page.index('id="groups"'))]
    assert "Service desk agents" in section and "Other respondents" in section
    assert "Groups differ" in section
    assert "2 groups are not shown on their own" in section  # the page says so
    _assert_private(section)

    report = client.get(_url(assessment, "reports:assessment")).content.decode()
    assert "Team leads" in report and "2 groups are not shown on their own" in report
    _assert_private(report)

    rows = list(csv.DictReader(io.StringIO(client.get(
        _url(assessment, "reports:assessment_export_csv")).content.decode("utf-8-sig"))))
    groups = {row["group"] for row in rows if row["scope"].startswith("group_")}
    assert groups == {"Service desk agents", "Team leads", "Other respondents"}
    assert all(row["groups_differ"] == "True" for row in rows
               if row["scope"] in ("dimension", "axis"))
    _assert_private(json.dumps(rows))

    xlsx = client.get(_url(assessment, "reports:assessment_export_xlsx")).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        cells = "".join(archive.read(name).decode() for name in archive.namelist()
                        if name.endswith(".xml"))
    assert "Team leads" in cells
    _assert_private(cells)

    document = client.get(_url(assessment, "reports:assessment_export_json")).json()
    groups = document["respondent_groups"]
    assert [g["name"] for g in groups["groups"]] == ["Service desk agents", "Team leads",
                                                     "Other respondents"]
    assert groups["not_shown_on_their_own"] == 2
    assert set(groups["differ"]["dimensions"]) == {"people", "customers"}
    # A named round's export names its respondents for those who see names (the test's
    # names contain their group's); the groups part never shows a small group.
    _assert_private(json.dumps(document if anonymity == "anonymous" else groups,
                               ensure_ascii=False))


def test_the_pdf_shows_the_groups_but_never_a_small_one(world, settings, tmp_path):
    from reports.services import _assessment_document

    assessment = grouped_round(world)
    html, _figures = _assessment_document(access_for(world.acme.viewer, world.acme.org),
                                          assessment, "en")
    assert "Respondent groups" in html and "Team leads" in html and "Groups differ" in html
    _assert_private(html)


def test_the_rendered_pdf_text_has_no_small_group(world, settings, tmp_path):
    from tests.test_reports_pdf import pdf_text

    settings.MEDIA_ROOT = tmp_path
    assessment = grouped_round(world)
    pdf = report_services.build_pdf(access=access_for(world.acme.owner, world.acme.org),
                                    assessment=assessment, language="en")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Respondent groups" in text and "Other respondents" in text
    for name in SMALL:
        assert name not in text


def test_too_few_per_group_says_so_and_shows_no_group(world):
    assessment = make_assessment(world, version=version_with())
    respond(assessment, "Team leads", "fully", 2)
    respond(assessment, "", "partly", 1)
    page = signed_in(world.acme.viewer).get(_url(assessment, "assessments:detail"))
    text = page.content.decode()
    section = text[text.index('id="groups"'):]
    assert "Not enough submitted respondents per group" in section
    assert "2 groups are not shown on their own" in section
    assert "Team leads" not in section.split("</section>")[0]


# ------------------------------------------------------------------ setting groups


def test_a_group_is_set_when_inviting_with_the_rounds_spelling(world):
    assessment = make_assessment(world, opened=False)
    client = signed_in(world.acme.manager)
    page = client.get(_url(assessment, "assessments:invite")).content.decode()
    assert '<datalist id="group-suggestions">' in page and "Team leads" in page
    client.post(_url(assessment, "assessments:invite"),
                {"email": "a@x.test", "language": "en", "group": "  Team   leads "})
    client.post(_url(assessment, "assessments:invite"),
                {"email": "b@x.test", "language": "en", "group": "team LEADS"})
    assert sorted(Response.objects.filter(assessment=assessment)
                  .values_list("group", flat=True)) == ["Team leads", "Team leads"]


def test_the_suggestions_are_translated(world):
    assessment = make_assessment(world, opened=False)
    page = signed_in(world.acme.manager).get(
        _url(assessment, "assessments:invite"), HTTP_ACCEPT_LANGUAGE="sv")
    assert "Teamledare" in page.content.decode()


def test_groups_are_edited_while_the_round_allows_and_audited(world):
    assessment = make_assessment(world, version=version_with())
    alice, bob = respond(assessment, "", "fully", 2)
    client = signed_in(world.acme.manager)
    before = assessment_input_hash(access_for(world.acme.manager, world.acme.org),
                                   assessment, "en")
    page = client.post(_url(assessment, "assessments:groups"), {
        f"group-{alice.public_id}": "Agents", f"group-{bob.public_id}": "Leads"})
    assert page.status_code == 302
    alice.refresh_from_db()
    assert alice.group == "Agents"
    event = AuditEvent.objects.get(action="assessment.groups_changed")
    assert event.data["responses"][str(bob.public_id)] == "Leads"
    assessment.refresh_from_db()
    # A PDF asked for now shows the new groups.
    assert assessment_input_hash(access_for(world.acme.manager, world.acme.org),
                                 assessment, "en") != before
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    page = client.post(_url(assessment, "assessments:groups"),
                       {f"group-{alice.public_id}": "Other"})
    alice.refresh_from_db()
    assert page.status_code == 302 and alice.group == "Agents"
    with pytest.raises(ValidationError):
        services.respondents_set_groups(by=access_for(world.acme.manager, world.acme.org),
                                        assessment=assessment,
                                        groups={str(alice.public_id): "Other"})


@pytest.mark.parametrize("bad", ["x" * 81, "a\x00b"])
def test_a_bad_group_name_is_a_form_error(world, bad):
    assessment = make_assessment(world, version=version_with())
    (alice,) = respond(assessment, "", "fully", 1)
    page = signed_in(world.acme.manager).post(_url(assessment, "assessments:groups"),
                                              {f"group-{alice.public_id}": bad})
    assert page.status_code == 200
    assert "is-invalid" in page.content.decode()
    alice.refresh_from_db()
    assert alice.group == ""


def test_a_response_of_another_round_is_refused(world):
    assessment = make_assessment(world, version=version_with())
    other = make_assessment(world, version=version_with(), name="Other")
    (stranger,) = respond(other, "", "fully", 1)
    with pytest.raises(ValidationError):
        services.respondents_set_groups(by=access_for(world.acme.manager, world.acme.org),
                                        assessment=assessment,
                                        groups={str(stranger.public_id): "Agents"})
    stranger.refresh_from_db()
    assert stranger.group == ""


def test_a_viewer_cannot_change_groups(world):
    assessment = make_assessment(world, version=version_with())
    (alice,) = respond(assessment, "", "fully", 1)
    page = signed_in(world.acme.viewer).post(_url(assessment, "assessments:groups"),
                                             {f"group-{alice.public_id}": "Agents"})
    assert page.status_code == 403
    alice.refresh_from_db()
    assert alice.group == ""
