"""The action plans in the REST API (api/resources/actions.py): listed and filtered by
status, owner, overdue and department; one action with its statements and dated notes;
planned and moved along with a write token, through the pages' services (audited, the
same refusals); a read token reads only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken
from improvement import services
from improvement.models import Action
from organisations.models import AuditEvent
from tests.api_helpers import token_client
from tests.assessment_factories import version_with
from tests.conftest import access_for
from tests.improvement_factories import answered_round, make_action

PROBLEM = "application/problem+json"


@pytest.fixture
def plan(world):
    """A round of acme's first department and three actions: one overdue for the manager,
    one done by someone without an account, one of the second department unassigned."""
    round_ = answered_round(world, version_with(slug="api-actions"), option="partly",
                            name="Spring")
    overdue = make_action(world, assessment=round_, statements=["people.2.1", "people.3.1"],
                          title="Write the catalogue", owner=str(world.acme.manager.pk),
                          due_date=timezone.localdate() + timedelta(days=1))
    Action.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - timedelta(days=3))
    done = make_action(world, assessment=round_, statements=["customers.2.1"],
                       title="Ask the customers", owner_name="Kim Extern",
                       owner_email="kim@example.test")
    services.action_progress(by=access_for(world.acme.manager, world.acme.org), action=done,
                             status=Action.Status.DONE, note="Survey sent")
    other = make_action(world, department=1, title="Tidy the shared mailbox")
    return round_, overdue, done, other


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_it_lists_the_plan_and_filters_it(world, plan):
    round_, overdue, done, other = plan
    api = token_client(world.acme)
    everything = api.get("/organisations/acme/actions")
    assert sorted(_titles(everything)) == sorted([overdue.title, done.title, other.title])
    item = next(i for i in everything.json()["items"] if i["title"] == overdue.title)
    assert item["overdue"] is True and item["status"] == "planned"
    assert item["owner"] == {"name": world.acme.manager.get_full_name(),
                             "email": world.acme.manager.email, "member": True}
    assert item["round"] == {"id": str(round_.public_id), "name": "Spring"}
    assert item["model"]["slug"] == "api-actions"
    assert item["statements"] == ["people.2.1", "people.3.1"]
    assert _titles(api.get("/organisations/acme/actions", {"status": "done"})) == [done.title]
    assert _titles(api.get("/organisations/acme/actions", {"overdue": "true"})) == \
        [overdue.title]
    assert _titles(api.get("/organisations/acme/actions",
                           {"owner": world.acme.manager.email.upper()})) == [overdue.title]
    assert _titles(api.get("/organisations/acme/actions", {"owner": "KIM@example.test"})) == \
        [done.title]
    assert _titles(api.get("/organisations/acme/actions", {"owner": "none"})) == [other.title]
    department = world.acme.departments[1].public_id
    assert _titles(api.get("/organisations/acme/actions", {"department": department})) == \
        [other.title]
    bad = api.get("/organisations/acme/actions", {"owner": "Kim"})
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM
    assert api.get("/organisations/acme/actions",
                   {"department": world.globex.departments[0].public_id}).status_code == 404


def test_one_action_has_its_statements_and_dated_notes(world, plan):
    _round, _overdue, done, _other = plan
    body = token_client(world.acme).get(f"/organisations/acme/actions/{done.public_id}").json()
    assert body["status"] == "done" and body["owner"]["member"] is False
    assert body["statement_texts"] == [{"key": "customers.2.1",
                                        "statement": "Statement customers.2.1"}]
    assert [(n["status"], n["text"]) for n in body["notes"]] == [
        ("done", "Survey sent"), ("planned", "")]
    assert all(n["at"] for n in body["notes"])


def test_a_write_token_plans_an_action_and_records_progress(world, plan):
    round_, *_ = plan
    api = token_client(world.acme, ApiToken.Scope.WRITE)
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    created = api.post("/organisations/acme/actions", {
        "department": str(round_.department.public_id), "round": str(round_.public_id),
        "title": "  Train the new agents  ", "statements": ["people.2.1"],
        "owner": {"email": world.acme.manager.email.upper()}, "due_date": due,
        "done_when": "Everyone trained"})
    assert created.status_code == 201, created.content
    body = created.json()
    action = Action.objects.get(public_id=body["id"])
    assert (action.title, action.owner, action.assessment, action.statements) == (
        "Train the new agents", world.acme.manager, round_, ["people.2.1"])
    assert body["due_date"] == due and body["owner"]["member"] is True
    outsider = api.post("/organisations/acme/actions", {
        "department": str(round_.department.public_id), "title": "Call the vendor",
        "owner": {"email": "vendor@example.test", "name": "Vera Vendor"}})
    assert outsider.json()["owner"] == {"name": "Vera Vendor", "email": "vendor@example.test",
                                        "member": False}

    moved = api.post(f"/organisations/acme/actions/{action.public_id}/progress",
                     {"status": "in_progress", "note": "Kick-off held"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "in_progress"
    assert moved.json()["notes"][0]["text"] == "Kick-off held"
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS
    events = AuditEvent.objects.filter(data__action=str(action.public_id))
    assert sorted(events.values_list("action", flat=True)) == ["action.created",
                                                               "action.status_changed"]
    assert all(e.actor == world.acme.owner and "API token" in str(e) for e in events)


def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(world, plan):
    round_, overdue, *_ = plan
    api = token_client(world.acme, ApiToken.Scope.WRITE)
    before = Action.objects.count()
    department = str(round_.department.public_id)
    cases = [
        ({"department": department, "title": "x", "owner": {"email": "nobody@example.test"}},
         "#/owner"),
        ({"department": department, "title": "x", "statements": ["people.2.1"]},
         "#/statements"),
        ({"department": department, "title": "x", "round": str(round_.public_id),
          "statements": ["no.such.key"]}, "#/statements"),
        ({"department": str(world.acme.departments[1].public_id), "title": "x",
          "round": str(round_.public_id)}, "#/round"),
        ({"department": department, "title": "x", "due_date": "2000-01-01"}, "#/due_date"),
        ({"department": department, "title": "   "}, "#/title"),
        ({"department": department, "title": "x", "colour": "red"}, "#/colour"),
    ]
    for body, pointer in cases:
        response = api.post("/organisations/acme/actions", body)
        assert response.status_code == 400, (body, response.content)
        assert pointer in [e.get("pointer") for e in response.json()["errors"]], (
            body, response.json())
    nothing = api.post(f"/organisations/acme/actions/{overdue.public_id}/progress", {})
    assert nothing.status_code == 400
    assert api.post(f"/organisations/acme/actions/{overdue.public_id}/progress",
                    {"status": "finished"}).status_code == 400
    assert Action.objects.count() == before
    assert Action.objects.get(pk=overdue.pk).notes.count() == 1


def test_a_read_token_reads_the_plan_but_cannot_change_it(world, plan):
    round_, overdue, *_ = plan
    api = token_client(world.acme, ApiToken.Scope.READ)
    assert api.get(f"/organisations/acme/actions/{overdue.public_id}").status_code == 200
    assert api.post("/organisations/acme/actions", {
        "department": str(round_.department.public_id), "title": "x"}).status_code == 403
    assert api.post(f"/organisations/acme/actions/{overdue.public_id}/progress",
                    {"status": "done"}).status_code == 403
    overdue.refresh_from_db()
    assert overdue.status == Action.Status.PLANNED
