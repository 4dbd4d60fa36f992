"""The demo action plan (improvement/demo.py): actions planned from Acme IT Service Desk's
Q1 2026 next steps, in every status, owned by members and by a name and address, one
overdue for the service manager; Q3 2026's report says per action whether its statements
moved."""

from __future__ import annotations

from django.core import mail
from django.core.management import call_command

from improvement import services
from improvement.models import Action, ActionNote
from organisations.models import User
from tests.conftest import signed_in


def test_the_demo_plan_reaches_the_home_page_the_digest_and_the_next_report(db):
    call_command("seed_demo", verbosity=0)
    actions = list(Action.objects.select_related("assessment", "owner"))
    assert {a.assessment.name for a in actions} == {"Q1 2026"}
    assert {a.status for a in actions} == set(Action.Status.values)
    assert any(a.owner_id is None and a.owner_name and a.owner_email for a in actions)
    assert any(len(a.statements) > 1 for a in actions)
    done = [a for a in actions if a.status == Action.Status.DONE]
    assert all(a.notes.filter(status=Action.Status.DONE).exists() for a in done)
    assert ActionNote.objects.exclude(text="").count() >= len(actions)  # dated notes
    manager = User.objects.get(email="manager@acme.example")
    overdue = [a for a in actions if a.is_overdue]
    assert [a.owner for a in overdue] == [manager]

    home = signed_in(manager).get("/o/acme/").content.decode()
    assert "Your overdue actions" in home and overdue[0].title in home
    assert services.send_weekly_digest() == 1
    assert mail.outbox[-1].to == ["manager@acme.example"]

    report = next(a for a in actions).assessment.department.assessments.get(name="Q3 2026")
    page = signed_in(User.objects.get(email="consultant@example.com")).get(
        f"/o/acme/reports/assessments/{report.public_id}/").content.decode()
    assert "Did the actions move their statements?" in page
    assert page.count("(moved up)") >= len(done) and "(moved down)" in page

    call_command("seed_demo", verbosity=0)
    assert Action.objects.count() == len(actions)
