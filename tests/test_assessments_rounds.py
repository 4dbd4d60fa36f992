"""Assessment rounds: starting, opening, closing, reopening, and who may do what."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Answer, Assessment, Response
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment, version_with
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in


def _in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={
        "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id,
        **kwargs})


@pytest.fixture
def version(db):
    return version_with(slug="rounds-model")


@pytest.mark.parametrize("role", ["owner", "consultant", "manager"])
def test_it_lets_owners_consultants_and_managers_start_a_round(world, version, role):
    client = signed_in(world.acme.member(role))
    department = world.acme.departments[1]
    page = client.get(f"/o/acme/assessments/new/?department={department.public_id}")
    assert page.status_code == 200
    response = client.post("/o/acme/assessments/new/", {
        "department": department.pk, "model_version": version.pk, "name": "Q1 2027",
        "due_date": _in_days(120), "target_level": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment = Assessment.objects.get()
    assert (assessment.organisation, assessment.department, assessment.model_version) == (
        world.acme.org, department, version)
    assert assessment.status == Assessment.Status.DRAFT and assessment.target_level is None
    assert assessment.created_by == world.acme.member(role)
    assert response["Location"] == _url(assessment, "detail")
    assert AuditEvent.objects.filter(action="assessment.created",
                                     organisation=world.acme.org).count() == 1


def test_it_lets_a_consultancy_consultant_start_a_round_in_a_client(world, version):
    access = access_for(world.northwind.consultant, world.acme.org)
    assessment = services.assessment_create(by=access, department=world.acme.departments[0],
                                            model_version=version, name="Visit")
    assert assessment.organisation == world.acme.org


def test_it_refuses_viewers_the_start(world, version):
    viewer = signed_in(world.acme.viewer)
    assert viewer.get("/o/acme/assessments/new/").status_code == 403
    assert viewer.post("/o/acme/assessments/new/", {
        "department": world.acme.departments[0].pk, "model_version": version.pk,
        "name": "X"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.assessment_create(by=access_for(world.acme.viewer, world.acme.org),
                                   department=world.acme.departments[0],
                                   model_version=version, name="X")
    assert not Assessment.objects.exists()


def test_it_refuses_another_organisations_department_and_unusable_versions(world, version):
    access = access_for(world.acme.manager, world.acme.org)
    with pytest.raises(ValidationError):
        services.assessment_create(by=access, department=world.globex.departments[0],
                                   model_version=version, name="X")
    draft = make_version(slug="a-draft", publish=False)
    with pytest.raises(ValidationError):
        services.assessment_create(by=access, department=world.acme.departments[0],
                                   model_version=draft, name="X")
    globex_own = make_version(slug="globex-own", owner=world.globex.org)
    with pytest.raises(ValidationError):
        services.assessment_create(by=access, department=world.acme.departments[0],
                                   model_version=globex_own, name="X")
    with pytest.raises(ValidationError):
        services.assessment_create(by=access, department=world.acme.departments[0],
                                   model_version=version, name="X", target_level=5)
    assert not Assessment.objects.exists()
    # The form offers only usable versions: the draft and globex's model are not choices.
    page = signed_in(world.acme.manager).get("/o/acme/assessments/new/")
    assert list(page.context["form"].fields["model_version"].queryset) == [version]


def test_it_lets_a_client_use_its_consultancys_models(world):
    northwind_model = make_version(slug="northwind-model", owner=world.northwind.org)
    assessment = services.assessment_create(
        by=access_for(world.acme.manager, world.acme.org), department=world.acme.departments[0],
        model_version=northwind_model, name="Tailored")
    assert assessment.model_version == northwind_model


def test_it_moves_draft_open_closed_and_audits_each_step(world, version):
    manager = signed_in(world.acme.manager)
    assessment = make_assessment(world, version=version, opened=False)
    assert manager.post(_url(assessment, "open")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_open and assessment.opened_at
    assert manager.post(_url(assessment, "close")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_closed and assessment.closed_at
    actions = list(AuditEvent.objects.filter(organisation=world.acme.org)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["assessment.created", "assessment.opened", "assessment.closed"]


def test_it_lets_only_owners_and_consultants_reopen_and_audits_it(world, version):
    assessment = make_assessment(world, version=version)
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    assert signed_in(world.acme.manager).post(_url(assessment, "reopen")).status_code == 403
    assert signed_in(world.acme.viewer).post(_url(assessment, "reopen")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.assessment_reopen(by=access_for(world.acme.manager, world.acme.org),
                                   assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.is_closed
    assert signed_in(world.acme.consultant).post(_url(assessment, "reopen")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_open and assessment.closed_at is None
    event = AuditEvent.objects.get(action="assessment.reopened")
    assert event.actor == world.acme.consultant and event.organisation == world.acme.org


def test_it_keeps_a_closed_round_read_only(world, version):
    assessment = make_assessment(world, version=version)
    manager = signed_in(world.acme.manager)
    manager.post(_url(assessment, "answer_save"),
                 json.dumps({"question": "people.2.1", "option": "fully"}),
                 content_type="application/json")
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    saved = manager.post(_url(assessment, "answer_save"),
                         json.dumps({"question": "people.2.1", "option": "partly"}),
                         content_type="application/json")
    assert saved.status_code == 409 and saved.json()["code"] == "closed"
    assert manager.post(_url(assessment, "answer_submit")).status_code == 302
    assert not Response.objects.filter(submitted_at__isnull=False).exists()
    assert Answer.objects.get().option == "fully"
    access = access_for(world.acme.manager, world.acme.org)
    with pytest.raises(ValidationError):
        services.assessment_update(by=access, assessment=assessment, name="X", due_date=None,
                                   target_level=None)
    with pytest.raises(ValidationError):
        services.respondent_invite(by=access, assessment=assessment, email="z@example.test")
    with pytest.raises(ValidationError):
        services.assessment_close(by=access, assessment=assessment)
    manager.post(_url(assessment, "edit"), {"name": "Renamed"})
    manager.post(_url(assessment, "invite"), {"email": "z@example.test", "language": "en"})
    assessment.refresh_from_db()
    assert assessment.name == "Q1 2027" and assessment.responses.count() == 1
    page = manager.get(_url(assessment, "answer_dimension", dimension_key="people"))
    assert 'data-readonly="true"' in page.content.decode()


def test_it_does_not_do_a_transition_twice(world, version):
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world, version=version)
    with pytest.raises(ValidationError):
        services.assessment_open(by=access, assessment=assessment)
    assert AuditEvent.objects.filter(action="assessment.opened").count() == 1


def test_it_edits_name_due_date_and_target(world, version):
    assessment = make_assessment(world, version=version)
    manager = signed_in(world.acme.manager)
    assert manager.get(_url(assessment, "edit")).status_code == 200
    response = manager.post(_url(assessment, "edit"), {"name": "Q2 2027",
                                                       "due_date": _in_days(200),
                                                       "target_level": "3"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.name, str(assessment.due_date), assessment.target_level) == (
        "Q2 2027", _in_days(200), 3)
    page = manager.post(_url(assessment, "edit"), {"name": "Q2", "target_level": "5"})
    assert page.status_code == 200  # the model has four levels


def test_it_shows_respondents_by_status_on_the_assessment_page(world, version):
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world, version=version)
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.consultant, world.acme.owner])
    started = services.respondent_invite(by=access, assessment=assessment,
                                         email="busy@example.test", name="Busy Bee")
    services.answer_save(response=started, question_key="people.2.1", option="fully")
    done = services.respondent_invite(by=access, assessment=assessment,
                                      email="done@example.test", name="Done Dan")
    services.response_submit(response=done)
    html = signed_in(world.acme.viewer).get(_url(assessment, "detail")).content.decode()
    assert "2 not started" in html and "1 in progress" in html and "1 submitted" in html
    assert "Busy Bee" in html and "Done Dan" in html
    # Anonymous: no result from one submitted response, and the page says why.
    assert "Results appear once at least 3 people have submitted: this round is anonymous." \
        in html and "1 of 4 submitted so far." in html
    # A viewer sees no buttons that change anything.
    assert _url(assessment, "remind_all") not in html and _url(assessment, "close") not in html
    manager_html = signed_in(world.acme.manager).get(_url(assessment, "detail")).content.decode()
    assert _url(assessment, "remind_all") in manager_html
    assert _url(assessment, "revoke", response_id=started.public_id) in manager_html


def test_it_adds_members_as_respondents_only_if_they_may_assess(world, version):
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world, version=version)
    with pytest.raises(ValidationError):
        services.respondents_add_members(by=access, assessment=assessment,
                                         users=[world.acme.viewer])
    with pytest.raises(ValidationError):
        services.respondents_add_members(by=access, assessment=assessment,
                                         users=[world.globex.manager])
    page = signed_in(world.acme.manager).get(_url(assessment, "add_members")).content.decode()
    assert world.acme.consultant.email in page and world.northwind.consultant.email in page
    assert world.acme.viewer.email not in page
    response = signed_in(world.acme.manager).post(_url(assessment, "add_members"), {
        "users": [world.northwind.consultant.pk]})
    assert response.status_code == 302
    assert assessment.responses.get().user == world.northwind.consultant


def test_the_invite_form_says_which_languages_show_the_model_in_another(world, version):
    """The model (English and Swedish) has no Hungarian or Norwegian text: the email and
    the page can be in those languages, and the form says the statements will not be."""
    assessment = make_assessment(world, version=version)
    html = signed_in(world.acme.manager).get(_url(assessment, "invite")).content.decode()
    field = html.index('id="id_language"')
    options = html[field:html.index("</select>", field)]
    assert '<option value="en" selected>English</option>' in options
    assert '<option value="sv">Swedish</option>' in options
    assert "Hungarian (the model&#x27;s statements in English)" in options
    assert "Norwegian Bokmål (the model&#x27;s statements in English)" in options
    assert "shown in the language in brackets" in html


def test_it_withdraws_links_and_sends_reminders_from_the_page(world, version,
                                                               django_capture_on_commit_callbacks,
                                                               mailoutbox):
    assessment = make_assessment(world, version=version)
    manager = signed_in(world.acme.manager)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(_url(assessment, "invite"), {"email": "guest@example.test",
                                                  "name": "Guest", "language": "en"})
    response = assessment.responses.get()
    assert [m.to for m in mailoutbox] == [["guest@example.test"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(_url(assessment, "remind", response_id=response.public_id)) \
            .status_code == 302
    assert len(mailoutbox) == 2
    assert manager.post(_url(assessment, "revoke", response_id=response.public_id)) \
        .status_code == 302
    response.refresh_from_db()
    assert response.revoked_at is not None
    assert manager.get(_url(assessment, "revoke", response_id=response.public_id)) \
        .status_code == 405
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"assessment.respondent_invited", "assessment.reminder_sent",
            "assessment.respondent_revoked"} <= actions


def test_it_lists_rounds_per_department(world, version):
    make_assessment(world, version=version, name="Q1 2027")
    make_assessment(world, version=version, name="Spring", department=1)
    html = signed_in(world.acme.viewer).get("/o/acme/assessments/").content.decode()
    assert "Q1 2027" in html and "Spring" in html
    assert "Acme dept 1" in html and "Acme dept 2" in html
    assert 'href="/o/acme/assessments/"' in html  # the navigation entry


def test_it_keeps_a_department_with_rounds_from_being_removed(world, version):
    assessment = make_assessment(world, version=version)
    response = signed_in(world.acme.owner).post(
        f"/o/acme/departments/{assessment.department.public_id}/remove/")
    assert response.status_code in (200, 302)
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    assert world.acme.org.departments.filter(pk=assessment.department.pk).exists()


def test_it_does_not_html_escape_the_subjects_of_respondent_emails(
        world, version, django_capture_on_commit_callbacks, mailoutbox):
    department = world.acme.departments[0]
    department.name = "R&D <Labs>"
    department.save()
    assessment = make_assessment(world, version=version, name="Q1 \"fast\" & 'cheap'")
    access = access_for(world.acme.manager, world.acme.org)
    with django_capture_on_commit_callbacks(execute=True):
        response = services.respondent_invite(by=access, assessment=assessment,
                                              email="guest@example.test", name="Guest")
    with django_capture_on_commit_callbacks(execute=True):
        services.respondent_remind(by=access, response=response)
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert "R&D <Labs>" in message.subject and "Q1 \"fast\" & 'cheap'" in message.subject
        assert "R&D <Labs>" in message.body
        assert "R&amp;D &lt;Labs&gt;" in message.alternatives[0].content
