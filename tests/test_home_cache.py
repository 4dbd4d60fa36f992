"""An organisation's home page is kept in the cache under the organisation's change stamp
(organisations.changes, organisations.views.home_body): served as kept while nothing
changes, and never after a write of what it shows. Each change below is made as the
product makes it (a service, a save, a queryset update) and committed; the page served
next must differ from the one before and equal a rendering from nothing kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, Response
from improvement import services as improvement_services
from organisations import changes
from organisations import services as org_services
from organisations.models import ChangeStamp, Department, Invitation, Organisation, Role
from organisations.views import _home_body
from reports.models import Report
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import access_for, make_user, signed_in
from tests.test_improvement_actions import make_action


def _home(client, org: str = "acme") -> str:
    response = client.get(f"/o/{org}/")
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<main id="main"'):page.index("</main>")]


def _fresh(client, org: str = "acme") -> str:
    cache.clear()
    return _home(client, org)


def _stamp(org: Organisation) -> str | None:
    return ChangeStamp.objects.filter(organisation=org).values_list("token", flat=True).first()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change and what it leaves for after its commit (the new stamps)."""
    def run(make):
        with django_capture_on_commit_callbacks(execute=True):
            return make()
    return run


def test_the_page_is_kept_until_something_it_shows_changes(world, committed):
    owner = signed_in(world.acme.owner)
    manager = signed_in(world.acme.manager)
    owner_access = access_for(world.acme.owner, world.acme.org)
    manager_access = access_for(world.acme.manager, world.acme.org)
    version = version_with(6)
    state = {}

    def open_round_for_the_manager():
        # Named: the manager alone answers, and closing must show the overview (an
        # anonymous round of one shows no result: test_anonymity.py).
        state["round"] = make_assessment(world, version=version, name="Spring round",
                                         anonymity="named")
        assessment_services.respondents_add_members(
            by=manager_access, assessment=state["round"], users=[world.acme.manager])

    def answer_first_question():
        response = Response.objects.get(assessment=state["round"], user=world.acme.manager)
        assessment_services.answer_save(response=response, question_key=version.questions
                                        .order_by("position").first().key, option="partly")

    def submit():
        response = Response.objects.get(assessment=state["round"], user=world.acme.manager)
        assessment_services.response_submit(response=response)

    def overdue_action():
        action = make_action(world, title="Write the catalogue",
                             owner=str(world.acme.manager.pk))
        state["action"] = action
        from improvement.models import Action
        Action.objects.filter(pk=action.pk).update(
            due_date=timezone.localdate() - timedelta(days=1))

    edits = {
        "a department added": lambda: org_services.department_create(
            by=owner_access, name="Facilities"),
        "a department renamed (queryset update)": lambda: Department.objects.filter(
            organisation=world.acme.org, name="Facilities").update(name="Workplace"),
        "a department deleted": lambda: org_services.department_delete(
            by=owner_access, department=Department.objects.get(name="Workplace")),
        "an invitation sent": lambda: org_services.invitation_create(
            by=owner_access, email="new@acme.test", role=Role.VIEWER, language="en"),
        "the invitation revoked": lambda: org_services.invitation_revoke(
            by=owner_access, invitation=Invitation.objects.get(email="new@acme.test")),
        "a member removed": lambda: org_services.membership_remove(
            by=owner_access, membership=world.acme.org.memberships.get(
                user=world.acme.consultant)),
        "a round opened with the manager as respondent": open_round_for_the_manager,
        "the manager's first answer": answer_first_question,
        "the manager submitted": submit,
        "an overdue action of the manager's": overdue_action,
        "the action done": lambda: improvement_services.action_progress(
            by=manager_access, action=state["action"], status="done"),
        "the round closed": lambda: assessment_services.assessment_close(
            by=manager_access, assessment=state["round"]),
        "a PDF ready (worker's queryset update)": lambda: Report.objects.filter(
            pk=Report.objects.create(
                organisation=world.acme.org, assessment=state["round"],
                status=Report.Status.RENDERING, input_hash="h" * 64, language="en",
                audience=Report.Audience.WITH_NAMES).pk,  # the named round's, for both
        ).update(status=Report.Status.READY),
        "the organisation renamed": lambda: _rename(world.acme.org, "Acme Group"),
        "its consultancy renamed": lambda: _rename(world.northwind.org, "Northwind Advisory"),
    }
    shown = {"owner": _home(owner), "manager": _home(manager)}
    for change, make in edits.items():
        before = _stamp(world.acme.org)
        committed(make)
        assert _stamp(world.acme.org) != before, change
        served = {"owner": _home(owner), "manager": _home(manager)}
        assert served != shown, change
        assert served == {"owner": _fresh(owner), "manager": _fresh(manager)}, change
        shown = served
    assert "Acme Group" in shown["owner"] and "Northwind Advisory" in shown["owner"]


def _rename(org: Organisation, name: str) -> None:
    org = Organisation.objects.get(pk=org.pk)
    org.name = name
    org.save()


def test_a_kept_page_is_served_while_nothing_changes(world, committed):
    changes.replace([world.acme.org.pk])  # as its creation's commit gave it
    owner = signed_in(world.acme.owner)
    first = _home(owner)
    Department.objects.filter(pk=world.acme.departments[0].pk).update(name="Not committed")
    # Inside the writer's transaction nothing is replaced yet (a reader elsewhere still
    # reads the committed data under the old stamp).
    assert _home(owner) == first
    committed(lambda: changes.changed(world.acme.org.pk))
    assert "Not committed" in _home(owner)


def test_a_rolled_back_write_leaves_the_stamp(world, committed):
    changes.replace([world.acme.org.pk])
    before = _stamp(world.acme.org)

    def write_then_fail():
        with transaction.atomic():
            Department.objects.create(organisation=world.acme.org, name="Rolled back")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        committed(write_then_fail)
    assert _stamp(world.acme.org) == before


def test_a_queryset_update_replaces_the_stamps_of_every_organisation_it_touches(
        world, committed):
    stamps = changes.replace([world.acme.org.pk, world.globex.org.pk, world.northwind.org.pk])
    committed(lambda: Department.objects.filter(
        organisation__in=[world.acme.org, world.globex.org]).update(description="x"))
    assert _stamp(world.acme.org).hex != stamps[world.acme.org.pk]
    assert _stamp(world.globex.org).hex != stamps[world.globex.org.pk]
    assert _stamp(world.northwind.org).hex == stamps[world.northwind.org.pk]


def test_a_consultancy_renamed_by_a_queryset_update_shows_on_its_clients_pages(
        world, committed):
    owner = signed_in(world.acme.owner)
    assert "client of Northwind" in _home(owner)
    committed(lambda: Organisation.objects.filter(pk=world.northwind.org.pk).update(
        name="Northwind Advisory"))
    assert "client of Northwind Advisory" in _home(owner)


def test_each_reader_gets_their_own_page(world, committed):
    """The page is kept per reader: one member's questionnaires are not another's."""
    manager_access = access_for(world.acme.manager, world.acme.org)
    committed(lambda: assessment_services.respondents_add_members(
        by=manager_access, assessment=make_assessment(world, name="Only mine"),
        users=[world.acme.manager]))
    assert "data-waiting" in _home(signed_in(world.acme.manager))
    assert "data-waiting" not in _home(signed_in(world.acme.owner))
    assert "data-waiting" in _home(signed_in(world.acme.manager))


def test_each_language_is_kept_apart(world):
    owner = signed_in(world.acme.owner)
    english = _home(owner)
    owner.cookies["django_language"] = "sv"
    swedish = owner.get("/o/acme/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'lang="sv"' in swedish and "Avdelningar" in swedish
    assert "Departments" in english


def test_a_pending_invitation_keeps_the_page_only_until_it_expires(world):
    owner_access = access_for(world.acme.owner, world.acme.org)
    _body, seconds = _home_body(owner_access)
    assert seconds == 600  # nothing expires: the longest
    Invitation.objects.create(organisation=world.acme.org, email="soon@acme.test",
                              role=Role.VIEWER, token_hash="t" * 64,
                              expires_at=timezone.now() + timedelta(seconds=30))
    _body, seconds = _home_body(owner_access)
    assert 1 <= seconds <= 30


def test_a_new_organisation_gets_its_stamp_when_it_is_created(db, committed):
    owner = make_user("founder@new.test")
    org = committed(lambda: org_services.organisation_create(
        name="New Co", slug="new-co", kind=Organisation.Kind.ORGANISATION, owner=owner))
    assert _stamp(org) is not None


def test_without_a_stamp_the_page_is_rendered_afresh_and_nothing_is_written(world):
    ChangeStamp.objects.filter(organisation=world.acme.org).delete()
    owner = signed_in(world.acme.owner)
    assert "Departments" in _home(owner)
    Department.objects.filter(pk=world.acme.departments[0].pk).update(name="Renamed")
    assert "Renamed" in _home(owner)  # no stamp yet (nothing committed): never kept
    assert _stamp(world.acme.org) is None


def test_the_stamps_of_a_deleted_organisation_are_not_needed(world):
    org = Organisation.objects.create(name="Short-lived", slug="short-lived")
    assert changes.replace([org.pk, world.acme.org.pk]).keys() == {org.pk, world.acme.org.pk}
    pk = org.pk
    Organisation.objects.filter(pk=pk).delete()
    assert changes.replace([pk, world.acme.org.pk]).keys() == {world.acme.org.pk}
    assert not Assessment.objects.filter(organisation_id=pk).exists()


def test_the_overview_follows_a_round_in_progress_until_it_closes(world, committed):
    """The overview's figures are the latest closed round's, the round still open named
    beside them with how many have submitted: an invitation, a submission and the round's
    closing each change what the home page shows (reports.selectors.overview_fingerprint),
    and each time it equals a rendering from nothing kept."""
    from tests.assessment_factories import respondents_with_answers

    manager_access = access_for(world.acme.manager, world.acme.org)
    version = version_with(6)
    first = committed(lambda: make_assessment(world, version=version, name="Spring round"))
    committed(lambda: respondents_with_answers(first, 3))
    committed(lambda: assessment_services.assessment_close(by=manager_access,
                                                           assessment=first))
    viewer = signed_in(world.acme.viewer)
    state = {}

    def open_next():
        state["round"] = make_assessment(world, version=version, name="Autumn round",
                                         anonymity="named")  # one submitted: results
        state["responses"] = respondents_with_answers(state["round"], 2, submitted=False)

    shown = _home(viewer)
    assert "Spring round" in shown and "In progress" not in shown
    edits = {
        "the next round opened, two invited": (
            open_next, "In progress: 0 of 2 submitted (Autumn round)"),
        "a third invited": (lambda: respondents_with_answers(state["round"], 1,
                                                             submitted=False),
                            "In progress: 0 of 3 submitted (Autumn round)"),
        "one submitted": (lambda: assessment_services.response_submit(
            response=state["responses"][0]), "In progress: 1 of 3 submitted (Autumn round)"),
        "a link withdrawn": (lambda: Response.objects.filter(
            pk=state["responses"][1].pk).update(revoked_at=timezone.now()),
            "In progress: 1 of 2 submitted (Autumn round)"),
        "the round closed": (lambda: assessment_services.assessment_close(
            by=manager_access, assessment=state["round"]), None),
    }
    for change, (make, expected) in edits.items():
        committed(make)
        served = _home(viewer)
        assert served != shown, change
        assert served == _fresh(viewer), change
        overview = served[served.index("data-overview"):]
        if expected:
            assert expected in overview and "Spring round" in overview, change
        else:  # closed: its figures are the result, the change since Spring's shown
            assert "In progress" not in overview and "Autumn round" in overview
            assert "data-delta" in overview
        shown = served
