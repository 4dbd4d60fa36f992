"""A round's life beyond open and close: a draft deleted, an open round cancelled (its
answers kept, counted nowhere), a department removed with rounds that have no results,
due dates in the past refused, and the model a new round's form preselects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Answer, Assessment, Response
from models_catalog.models import ModelVersion
from organisations.models import AuditEvent, Department
from reports import selectors as report_selectors
from tests.assessment_factories import make_assessment, respondents_with_answers, version_with
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in


def _url(assessment, name):
    return reverse(f"assessments:{name}", kwargs={
        "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id})


def _day(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def version(db):
    return version_with(slug="lifecycle-model")


@pytest.fixture
def manager(world):
    return access_for(world.acme.manager, world.acme.org)


# --- Deleting a draft -------------------------------------------------------------------


def test_it_deletes_a_draft_with_its_respondents_and_audits_it(world, version, manager):
    draft = make_assessment(world, version=version, opened=False, name="Wrong one")
    services.respondent_invite(by=manager, assessment=draft, email="x@example.test")
    services.assessment_delete(by=manager, assessment=draft)
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert not Response.objects.filter(assessment_id=draft.pk).exists()
    event = AuditEvent.objects.get(action="assessment.deleted")
    assert event.data["name"] == "Wrong one" and event.data["respondents"] == 1
    assert event.actor == world.acme.manager


def test_it_refuses_to_delete_a_round_that_was_opened(world, version, manager):
    assessment = make_assessment(world, version=version)
    with pytest.raises(ValidationError):
        services.assessment_delete(by=manager, assessment=assessment)
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    with pytest.raises(PermissionDenied):
        services.assessment_delete(by=access_for(world.acme.viewer, world.acme.org),
                                   assessment=make_assessment(world, version=version,
                                                              opened=False))


def test_it_asks_before_deleting_a_draft_from_its_page(world, version):
    draft = make_assessment(world, version=version, opened=False)
    client = signed_in(world.acme.manager)
    assert _url(draft, "delete") in client.get(_url(draft, "detail")).content.decode()
    page = client.get(_url(draft, "delete"))
    assert page.status_code == 200 and "Delete the draft" in page.content.decode()
    assert Assessment.objects.filter(pk=draft.pk).exists()  # asking deletes nothing
    response = client.post(_url(draft, "delete"))
    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert signed_in(world.acme.viewer).post(_url(
        make_assessment(world, version=version, opened=False), "delete")).status_code == 403


# --- Cancelling an open round ---------------------------------------------------------------


def test_it_cancels_an_open_round_keeping_its_answers_and_audits_it(world, version, manager):
    assessment = make_assessment(world, version=version)
    respondents_with_answers(assessment, 2)
    answers = Answer.objects.filter(response__assessment=assessment).count()
    cancelled = services.assessment_cancel(by=manager, assessment=assessment)
    assert cancelled.status == Assessment.Status.CANCELLED and cancelled.cancelled_at
    assert Answer.objects.filter(response__assessment=assessment).count() == answers > 0
    assert AuditEvent.objects.filter(action="assessment.cancelled").count() == 1
    for other in (make_assessment(world, version=version, opened=False), cancelled):
        with pytest.raises(ValidationError):
            services.assessment_cancel(by=manager, assessment=other)


def test_it_lets_nothing_change_in_a_cancelled_round(world, version, manager):
    assessment = make_assessment(world, version=version)
    started = services.respondent_invite(by=manager, assessment=assessment,
                                         email="busy@example.test")
    services.assessment_cancel(by=manager, assessment=assessment)
    assessment.refresh_from_db()
    refused = services.refusal(started, assessment)
    assert refused is not None and refused.code == "closed"
    for attempt in (
        lambda: services.respondent_invite(by=manager, assessment=assessment,
                                           email="late@example.test"),
        lambda: services.respondent_remind(by=manager, response=started),
        lambda: services.assessment_update(by=manager, assessment=assessment, name="X",
                                           due_date=None, target_level=None),
        lambda: services.assessment_open(by=manager, assessment=assessment),
        lambda: services.assessment_reopen(by=access_for(world.acme.owner, world.acme.org),
                                           assessment=assessment),
    ):
        with pytest.raises(ValidationError):
            attempt()


def test_it_leaves_a_cancelled_round_out_of_results_trends_and_reports(world, version,
                                                                       manager):
    earlier = make_assessment(world, version=version, name="Spring")
    respondents_with_answers(earlier, 3)  # anonymous: three, or it shows no result
    services.assessment_close(by=manager, assessment=earlier)
    later = make_assessment(world, version=version, name="Autumn")
    respondents_with_answers(later, 3, seed=3)
    services.assessment_cancel(by=manager, assessment=later)
    last = make_assessment(world, version=version, name="Winter")
    respondents_with_answers(last, 3)
    services.assessment_close(by=manager, assessment=last)

    scoped = selectors.assessments(manager)
    assert [a.name for a in report_selectors.reported_rounds(scoped)] == ["Spring", "Winter"]
    assert report_selectors.previous_round(last).name == "Spring"
    report = report_selectors.organisation_report(manager, language="en")
    assert [p.round for s in report.sections for p in s.trend] == ["Spring", "Winter"]

    client = signed_in(world.acme.manager)
    department = client.get(reverse("assessments:department", kwargs={
        "org_slug": "acme", "department_id": later.department.public_id}))
    trend = department.context["trend"]
    assert [p["assessment"].name for p in trend["points"]] == ["Spring", "Winter"]
    assert "Cancelled" in department.content.decode()
    page = client.get(_url(later, "detail")).content.decode()
    assert "This round was cancelled on" in page and _url(later, "edit") not in page
    assert client.get(reverse("reports:assessment", kwargs={
        "org_slug": "acme", "assessment_id": later.public_id})).status_code == 404
    assert client.get(_url(later, "export_csv")).status_code == 200  # answers kept


def test_a_round_counts_in_trends_and_reports_only_with_a_submitted_response(world, version,
                                                                            manager):
    """AssessmentQuerySet.reported: the one rule of the reports' rounds, the previous
    round and the department page's trend: closed rounds with a submitted response (an
    anonymous one from three, assessments.anonymity; a named one from one). A round still
    open is no result yet, whatever was submitted in it."""
    spring = make_assessment(world, version=version, name="Spring", anonymity="named")
    respondents_with_answers(spring, 1)
    services.assessment_close(by=manager, assessment=spring)
    started = make_assessment(world, version=version, name="Started")
    respondents_with_answers(started, 2, submitted=False)
    services.assessment_close(by=manager, assessment=started)
    draft = make_assessment(world, version=version, name="Draft", opened=False)
    Response.objects.create(assessment=draft, email="d@example.test",
                            submitted_at=timezone.now())  # counted nowhere all the same
    few = make_assessment(world, version=version, name="Too few")
    respondents_with_answers(few, 2)  # anonymous: no results from two
    services.assessment_close(by=manager, assessment=few)
    last = make_assessment(world, version=version, name="Winter")
    respondents_with_answers(last, 3)
    services.assessment_close(by=manager, assessment=last)
    still_open = make_assessment(world, version=version, name="Still open")
    respondents_with_answers(still_open, 3)

    scoped = selectors.assessments(manager)
    assert [a.name for a in report_selectors.reported_rounds(scoped)] == ["Spring", "Winter"]
    assert report_selectors.previous_round(last).name == "Spring"
    assert report_selectors.previous_round(still_open).name == "Winter"
    assert {a.name: a.is_reported for a in selectors.department_assessments(
        manager, last.department)} == {"Spring": True, "Started": False, "Draft": False,
                                       "Too few": False, "Winter": True,
                                       "Still open": False}
    department = signed_in(world.acme.manager).get(reverse("assessments:department", kwargs={
        "org_slug": "acme", "department_id": last.department.public_id}))
    assert [p["assessment"].name for p in department.context["trend"]["points"]] == [
        "Spring", "Winter"]


def test_it_asks_before_cancelling_a_round_from_its_page(world, version):
    assessment = make_assessment(world, version=version)
    client = signed_in(world.acme.manager)
    assert _url(assessment, "cancel") in client.get(_url(assessment, "detail")).content.decode()
    page = client.get(_url(assessment, "cancel"))
    assert page.status_code == 200 and "What was answered is kept" in page.content.decode()
    assessment.refresh_from_db()
    assert assessment.is_open
    assert client.post(_url(assessment, "cancel")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_cancelled
    assert signed_in(world.acme.viewer).post(_url(
        make_assessment(world, version=version), "cancel")).status_code == 403


# --- Removing a department ------------------------------------------------------------------


def _remove(world, department):
    return signed_in(world.acme.owner).post(
        f"/o/acme/departments/{department.public_id}/remove/")


def test_it_removes_a_department_with_only_draft_and_cancelled_rounds(world, version,
                                                                     manager):
    draft = make_assessment(world, version=version, opened=False, name="Draft")
    cancelled = make_assessment(world, version=version, name="Cancelled")
    respondents_with_answers(cancelled, 1)
    services.assessment_cancel(by=manager, assessment=cancelled)
    department = draft.department
    assert _remove(world, department).status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()
    assert not Assessment.objects.filter(pk__in=[draft.pk, cancelled.pk]).exists()
    event = AuditEvent.objects.get(action="department.deleted")
    assert sorted(r["name"] for r in event.data["rounds_removed"]) == ["Cancelled", "Draft"]


@pytest.mark.parametrize("status", ["open", "closed"])
def test_it_keeps_a_department_whose_rounds_have_results(world, version, manager, status):
    draft = make_assessment(world, version=version, opened=False)
    counted = make_assessment(world, version=version)
    if status == "closed":
        services.assessment_close(by=manager, assessment=counted)
    department = draft.department
    response = _remove(world, department)
    assert response.status_code == 200
    assert "rounds with results" in response.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    assert Assessment.objects.filter(pk__in=[draft.pk, counted.pk]).count() == 2


# --- Due dates ------------------------------------------------------------------------------


def test_it_refuses_a_due_date_in_the_past_with_a_clear_message(world, version, manager):
    department = world.acme.departments[0]
    with pytest.raises(ValidationError) as error:
        services.assessment_create(by=manager, department=department, model_version=version,
                                   name="Late", due_date=_day(-1))
    assert "in the past" in error.value.message_dict["due_date"][0]
    response = signed_in(world.acme.manager).post("/o/acme/assessments/new/", {
        "department": department.pk, "model_version": version.pk, "name": "Late",
        "due_date": _day(-1).isoformat(), "target_level": ""})
    assert response.status_code == 200
    assert "in the past" in str(response.context["form"].errors["due_date"])
    assert not Assessment.objects.exists()
    today = services.assessment_create(by=manager, department=department,
                                       model_version=version, name="Today",
                                       due_date=_day(0))
    assert today.due_date == _day(0)


def test_it_refuses_moving_a_due_date_into_the_past_but_keeps_an_overdue_one(world, version,
                                                                            manager):
    assessment = make_assessment(world, version=version)
    client = signed_in(world.acme.manager)
    response = client.post(_url(assessment, "edit"), {
        "name": "Q1", "due_date": _day(-3).isoformat(), "target_level": ""})
    assert response.status_code == 200
    assert "in the past" in str(response.context["form"].errors["due_date"])
    assessment.refresh_from_db()
    assert assessment.due_date is None
    # A round that became overdue keeps its date when something else is edited.
    Assessment.objects.filter(pk=assessment.pk).update(due_date=_day(-3))
    services.assessment_update(by=manager, assessment=assessment, name="Renamed",
                               due_date=_day(-3), target_level=None)
    assessment.refresh_from_db()
    assert (assessment.name, assessment.due_date) == ("Renamed", _day(-3))


# --- The model a new round's form preselects ------------------------------------------------


def _preselected(world, department=None):
    url = "/o/acme/assessments/new/"
    if department is not None:
        url += f"?department={department.public_id}"
    form = signed_in(world.acme.manager).get(url).context["form"]
    return form["model_version"].value()


def test_it_does_not_preselect_a_tailored_copy_over_the_shipped_model(world, version,
                                                                      manager):
    shipped = make_version(slug="zz-shipped-model")
    tailored = make_version(slug="aa-tailored-copy", owner=world.acme.org)
    # No round yet: a shipped model (the one in the reader's language translated into
    # the most languages), never the tailored copy, whose slug sorts first.
    first = ModelVersion.objects.get(pk=_preselected(world))
    assert first.model.owner is None
    department = world.acme.departments[1]
    services.assessment_create(by=manager, department=department, model_version=shipped,
                               name="First")
    assert _preselected(world, department) == shipped.pk
    other = world.acme.departments[0]
    services.assessment_create(by=manager, department=other, model_version=tailored,
                               name="Tailored")
    assert _preselected(world, department) == shipped.pk  # this department's model
    assert _preselected(world) == tailored.pk  # the organisation's latest
    offered = list(selectors.usable_versions(manager))
    assert offered.index(shipped) < offered.index(tailored)  # shipped models first
