"""Action plans: created from a round's next steps or any statement, owned, dated,
moved through their statuses with dated notes; listed per department and for the
organisation; in the round's report (with before → after in the next round), on the
owner's home page and in the weekly digest; kept, unassigned, when their owner leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import Answer
from improvement import services
from improvement.models import Action, ActionNote
from organisations import services as org_services
from organisations.models import AuditEvent, Membership
from tests.assessment_factories import version_with
from tests.conftest import access_for, signed_in
from tests.improvement_factories import answered_round, make_action


@pytest.fixture
def version(db):
    return version_with(slug="improve-model")


def test_it_prefills_an_action_from_a_next_step_and_creates_it(world, version):
    round_ = answered_round(world, version, option="partly", name="Spring")
    manager = signed_in(world.acme.manager)
    detail = manager.get(f"/o/acme/assessments/{round_.public_id}/")
    assert "Plan an action" in detail.content.decode()
    url = f"/o/acme/actions/new/?round={round_.public_id}&statement=people.2.1"
    page = manager.get(url)
    assert page.status_code == 200
    assert 'value="Do people.2.1"' in page.content.decode()  # the recommendation
    response = manager.post(url, {
        "department": str(world.acme.departments[0].public_id), "round": str(round_.public_id),
        "title": "Do people.2.1", "statements": ["people.2.1", "people.3.1"],
        "owner": str(world.acme.manager.pk), "due_date": "", "done_when": "A catalogue"})
    action = Action.objects.get()
    assert response.status_code == 302 and str(action.public_id) in response["Location"]
    assert action.assessment == round_ and action.model_version == version
    assert action.statements == ["people.2.1", "people.3.1"]
    assert action.owner == world.acme.manager and action.status == Action.Status.PLANNED
    assert AuditEvent.objects.filter(action="action.created").count() == 1
    page = manager.get(f"/o/acme/actions/{action.public_id}/").content.decode()
    assert "Statement people.3.1" in page and "A catalogue" in page


def test_the_next_steps_statement_is_first_in_the_list_checked(world, version):
    round_ = answered_round(world, version, option="partly", name="Spring")
    page = signed_in(world.acme.manager).get(
        f"/o/acme/actions/new/?round={round_.public_id}&statement=customers.2.1"
    ).content.decode()
    assert "From the next step" in page
    assert page.index('value="customers.2.1"') < page.index('value="people.2.1"')
    assert page.count('value="customers.2.1"') == 1


def test_it_offers_every_statement_of_the_departments_latest_round(world, version):
    answered_round(world, version, option="fully", name="Spring")
    page = signed_in(world.acme.manager).get(
        f"/o/acme/actions/new/?department={world.acme.departments[0].public_id}")
    text = page.content.decode()
    for question in version.questions.all():
        assert f'value="{question.key}"' in text


def test_it_takes_an_owner_without_an_account(world):
    action = make_action(world, owner_name="Kim Extern", owner_email="Kim@Example.test")
    assert action.owner is None and action.owner_label == "Kim Extern"
    assert action.owner_address == "kim@example.test"


@pytest.mark.parametrize("fields, field", [
    ({"title": "  "}, "title"),
    ({"owner_email": "kim@example.test"}, "owner_name"),
    ({"owner_name": "Kim", "owner_email": "not-an-address"}, "owner_email"),
    ({"due_date": timezone.localdate() - timedelta(days=1)}, "due_date"),
])
def test_it_refuses_bad_input_with_the_field(world, fields, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_action(world, **{"title": "A title", **fields})
    assert field in error.value.message_dict
    assert not Action.objects.exists()


def test_it_refuses_an_owner_of_another_organisation_on_the_form(world):
    page = signed_in(world.acme.manager).post(
        f"/o/acme/actions/new/?department={world.acme.departments[0].public_id}",
        {"title": "X", "owner": str(world.globex.manager.pk)})
    assert page.status_code == 200 and not Action.objects.exists()
    assert "Select a valid choice" in page.content.decode()


def test_it_refuses_statements_of_no_round_and_unknown_keys(world, version):
    from django.core.exceptions import ValidationError

    round_ = answered_round(world, version, option="partly", name="Spring")
    with pytest.raises(ValidationError) as error:
        make_action(world, statements=["people.2.1"])
    assert "statements" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_action(world, assessment=round_, statements=["nope.9.9"])
    assert "nope.9.9" in str(error.value)


def test_it_refuses_a_round_of_another_organisation(world, version):
    from django.core.exceptions import ValidationError

    from tests.assessment_factories import make_assessment

    theirs = make_assessment(world, org="globex", version=version)
    with pytest.raises(ValidationError):
        make_action(world, assessment=theirs)
    page = signed_in(world.acme.manager).get(f"/o/acme/actions/new/?round={theirs.public_id}")
    assert page.status_code == 200
    assert f'name="round" value="{theirs.public_id}"' not in page.content.decode()
    assert "Globex" not in page.content.decode()


@pytest.mark.parametrize("role", ["owner", "consultant", "manager"])
def test_it_lets_owners_consultants_and_managers_plan(world, role):
    response = signed_in(getattr(world.acme, role)).post(
        f"/o/acme/actions/new/?department={world.acme.departments[0].public_id}",
        {"title": f"By {role}"})
    assert response.status_code == 302
    assert Action.objects.filter(title=f"By {role}").exists()


def test_it_lets_a_viewer_read_but_not_plan(world):
    action = make_action(world)
    viewer = signed_in(world.acme.viewer)
    assert viewer.get(f"/o/acme/actions/{action.public_id}/").status_code == 200
    assert viewer.get("/o/acme/actions/").status_code == 200
    assert viewer.post(f"/o/acme/actions/{action.public_id}/progress/",
                       {"status": "done"}).status_code == 403
    assert viewer.get("/o/acme/actions/new/").status_code == 403
    action.refresh_from_db()
    assert action.status == Action.Status.PLANNED
    assert "Progress" not in viewer.get(f"/o/acme/actions/{action.public_id}/").content.decode()


def test_it_keeps_dated_notes_of_every_status_change(world):
    action = make_action(world)
    client = signed_in(world.acme.manager)
    client.post(f"/o/acme/actions/{action.public_id}/progress/",
                {"status": "in_progress", "note": "Kick-off held"})
    client.post(f"/o/acme/actions/{action.public_id}/progress/",
                {"status": "in_progress", "note": "Half way"})
    client.post(f"/o/acme/actions/{action.public_id}/progress/", {"status": "done"})
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    notes = list(ActionNote.objects.filter(action=action).order_by("created_at", "id")
                 .values_list("status", "text"))
    assert notes == [("planned", ""), ("in_progress", "Kick-off held"), ("", "Half way"),
                     ("done", "")]
    page = client.get(f"/o/acme/actions/{action.public_id}/").content.decode()
    assert "Kick-off held" in page and "Half way" in page


def test_it_asks_for_a_note_or_a_new_status(world):
    action = make_action(world)
    response = signed_in(world.acme.manager).post(
        f"/o/acme/actions/{action.public_id}/progress/", {"status": "planned", "note": ""},
        follow=True)
    assert "Write a note or choose another status." in response.content.decode()
    assert action.notes.count() == 1


def test_it_refuses_an_unknown_status_without_a_500(world):
    action = make_action(world)
    response = signed_in(world.acme.manager).post(
        f"/o/acme/actions/{action.public_id}/progress/", {"status": "finished"}, follow=True)
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == Action.Status.PLANNED


def test_deleting_an_action_never_touches_answers(world, version):
    round_ = answered_round(world, version, option="largely", name="Spring")
    action = make_action(world, assessment=round_, statements=["people.2.1"])
    answers = sorted(Answer.objects.values_list("pk", "option", "updated_at"))
    client = signed_in(world.acme.manager)
    assert client.get(f"/o/acme/actions/{action.public_id}/delete/").status_code == 200
    response = client.post(f"/o/acme/actions/{action.public_id}/delete/")
    assert response.status_code == 302
    assert not Action.objects.exists() and not ActionNote.objects.exists()
    assert sorted(Answer.objects.values_list("pk", "option", "updated_at")) == answers
    round_.refresh_from_db()
    assert round_.is_closed


def test_the_organisation_view_filters_by_status_owner_and_overdue(world, time_machine=None):
    today = timezone.localdate()
    mine = make_action(world, title="Mine soon", owner=str(world.acme.manager.pk),
                       due_date=today)
    theirs = make_action(world, title="Theirs", owner=str(world.acme.owner.pk), department=1)
    late = make_action(world, title="Late one", owner=str(world.acme.manager.pk))
    Action.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=3))
    services.action_progress(by=access_for(world.acme.owner, world.acme.org), action=theirs,
                             status="done")
    client = signed_in(world.acme.manager)

    def titles(query):
        page = client.get(f"/o/acme/actions/?{query}").content.decode()
        return {t for t in ("Mine soon", "Theirs", "Late one") if t in page}

    assert titles("") == {"Mine soon", "Theirs", "Late one"}
    assert titles("status=done") == {"Theirs"}
    assert titles("owner=me") == {"Mine soon", "Late one"}
    assert titles(f"owner={world.acme.owner.pk}") == {"Theirs"}
    assert titles("overdue=1") == {"Late one"}
    assert titles(f"department={world.acme.departments[1].public_id}") == {"Theirs"}
    assert titles("status=bogus&owner=zz&department=not-a-uuid") == {
        "Mine soon", "Theirs", "Late one"}
    assert mine.title in client.get(
        f"/o/acme/actions/departments/{world.acme.departments[0].public_id}/").content.decode()


def test_overdue_actions_show_on_their_owners_home_only(
        world, django_capture_on_commit_callbacks):
    action = make_action(world, title="Overdue for the manager",
                         owner=str(world.acme.manager.pk))
    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - timedelta(1))
    assert "Overdue for the manager" in signed_in(world.acme.manager).get(
        "/o/acme/").content.decode()
    assert "Overdue for the manager" not in signed_in(world.acme.owner).get(
        "/o/acme/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # as when it commits
        services.action_progress(by=access_for(world.acme.manager, world.acme.org),
                                 action=action, status="done")
    assert "Overdue for the manager" not in signed_in(world.acme.manager).get(
        "/o/acme/").content.decode()


def test_an_owner_who_leaves_keeps_the_actions_unassigned_and_managers_are_told(
        world, django_capture_on_commit_callbacks):
    action = make_action(world, title="Owned by the consultant",
                         owner=str(world.acme.consultant.pk))
    membership = Membership.objects.get(user=world.acme.consultant, organisation=world.acme.org)
    world.acme.manager.language = "sv"
    world.acme.manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        org_services.membership_remove(by=access_for(world.acme.owner, world.acme.org),
                                       membership=membership)
    action.refresh_from_db()
    assert action.owner is None and action.is_unassigned
    assert "left the organisation" in action.notes.first().text
    assert [m.to for m in mail.outbox] == [[world.acme.manager.email]]
    assert "Owned by the consultant" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Content-Language"] == "sv"
    page = signed_in(world.acme.owner).get("/o/acme/actions/?owner=none").content.decode()
    assert "Owned by the consultant" in page


def test_the_weekly_digest_goes_to_each_owner_once_a_week_in_their_language(world):
    today = timezone.localdate()
    world.acme.manager.language = "hu"
    world.acme.manager.save()
    for title in ("First late", "Second late"):
        action = make_action(world, title=title, owner=str(world.acme.manager.pk))
        Action.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=2))
    external = make_action(world, title="External late", owner_name="Kim",
                           owner_email="kim@example.test")
    Action.objects.filter(pk=external.pk).update(due_date=today - timedelta(days=1))
    make_action(world, title="Not late", owner=str(world.acme.manager.pk), due_date=today)
    assert services.send_weekly_digest(today=today) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    manager_mail = by_address[world.acme.manager.email]
    assert "First late" in manager_mail.body and "Second late" in manager_mail.body
    assert "Not late" not in manager_mail.body
    assert manager_mail.extra_headers["Content-Language"] == "hu"
    assert "/o/acme/actions/" in manager_mail.body
    assert "External late" in by_address["kim@example.test"].body
    assert "/o/acme/" not in by_address["kim@example.test"].body
    assert services.send_weekly_digest(today=today) == 0
    assert services.send_weekly_digest(today=today + timedelta(days=7)) == 2


def test_the_report_shows_the_plan_and_before_after_in_the_next_round(world, version):
    spring = answered_round(world, version, option="partly", name="Spring")
    action = make_action(world, assessment=spring, statements=["people.2.1"],
                         title="Raise people.2.1", owner=str(world.acme.manager.pk))
    services.action_progress(by=access_for(world.acme.manager, world.acme.org),
                             action=action, status="done")
    autumn = answered_round(world, version, option="fully", name="Autumn")
    client = signed_in(world.acme.manager)
    page = client.get(f"/o/acme/reports/assessments/{autumn.public_id}/").content.decode()
    assert "Did the actions move their statements?" in page
    assert "Raise people.2.1" in page and "planned after Spring" in page
    assert "33 % → 100 % (moved up)" in page
    # The earlier round's own report lists the plan, without a comparison.
    page = client.get(f"/o/acme/reports/assessments/{spring.public_id}/").content.decode()
    assert "Raise people.2.1" in page and "moved up" not in page
    action_page = client.get(f"/o/acme/actions/{action.public_id}/").content.decode()
    assert "Autumn" in action_page


def test_before_after_on_a_newer_version_follows_its_carried_from_mapping(world):
    """Version 2 asks people.2.1's practice as people.2.2 (carried_from) and reuses the key
    people.4.1 without a mapping: the next round compares the first, not the second."""
    from tests.catalog_factories import make_version
    from tests.test_followup_rounds import _v2_document

    spring = answered_round(world, make_version(slug="map-model"), option="partly",
                            name="Spring")
    make_action(world, assessment=spring, statements=["people.2.1", "people.4.1"],
                title="Raise people")
    v2 = make_version(slug="map-model", document=_v2_document("map-model"))
    autumn = answered_round(world, v2, option="fully", name="Autumn")
    page = signed_in(world.acme.manager).get(
        f"/o/acme/reports/assessments/{autumn.public_id}/").content.decode()
    section = page[page.index('id="action-progress"'):]
    assert section.count("33 % → 100 % (moved up)") == 1
    assert "33 % → not asked in this version of the model" in section
    assert "no answer to compare" not in section


def test_the_pdf_roadmap_lists_the_actions_with_their_status(world, version):
    from reports import services as report_services

    spring = answered_round(world, version, option="partly", name="Spring")
    make_action(world, assessment=spring, statements=["people.2.1"], title="Raise people.2.1")
    autumn = answered_round(world, version, option="fully", name="Autumn")
    access = access_for(world.acme.manager, world.acme.org)
    html, _figures = report_services._assessment_document(access, autumn, "en")
    roadmap = html[html.index('id="roadmap"'):html.index('id="appendix"')]
    assert "Raise people.2.1" in roadmap and "Planned" in roadmap
    assert "33 % → 100 % (moved up)" in roadmap


def test_a_changed_action_changes_the_pdfs_inputs(world, version):
    from reports import selectors as report_selectors

    spring = answered_round(world, version, option="partly", name="Spring")
    access = access_for(world.acme.manager, world.acme.org)
    before = report_selectors.assessment_input_hash(access, spring, "en")
    action = make_action(world, assessment=spring, statements=["people.2.1"])
    after_create = report_selectors.assessment_input_hash(access, spring, "en")
    services.action_progress(by=access, action=action, status="done")
    after_done = report_selectors.assessment_input_hash(access, spring, "en")
    assert len({before, after_create, after_done}) == 3


def test_the_rendered_pdf_reads_the_actions_and_their_progress(world, version, tmp_path):
    import subprocess

    from reports import services as report_services

    spring = answered_round(world, version, option="partly", name="Spring")
    make_action(world, assessment=spring, statements=["people.2.1"], title="Raise people.2.1",
                owner_name="Kim Extern", owner_email="kim@example.test")
    autumn = answered_round(world, version, option="fully", name="Autumn")
    pdf = report_services.build_pdf(access=access_for(world.acme.manager, world.acme.org),
                                    assessment=autumn, language="en")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                   capture_output=True, text=True, timeout=60).stdout.split())
    assert "Raise people.2.1" in text and "Kim Extern" in text and "Planned" in text
    assert "33 % → 100 % (moved up)" in text
