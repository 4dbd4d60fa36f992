"""The audit trail: written by membership and invitation changes, shown to owners."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from django.urls import reverse
from django.utils import translation

from organisations import services
from organisations.audit import ACTION_LABELS, action_label
from organisations.models import AuditEvent, Membership, Role
from tests.conftest import access_for, signed_in


def test_it_shows_owners_the_trail_newest_first_in_utc(world):
    old = services.audit(organisation=world.acme.org, actor=world.acme.owner,
                         action="department.created", target="Old one")
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC))
    services.audit(organisation=world.acme.org, actor=world.acme.consultant,
                   action="invitation.sent", target="new@acme.test")
    services.audit(organisation=world.globex.org, actor=world.globex.owner,
                   action="invitation.sent", target="secret@globex.test")
    html = signed_in(world.acme.owner).get("/o/acme/audit/").content.decode()
    assert "2020-01-02 03:04:05" in html and "UTC" in html
    assert html.index("new@acme.test") < html.index("Old one")
    assert "consultant@acme.test" in html and "Invitation created" in html
    assert "secret@globex.test" not in html


def test_it_paginates_the_trail(world):
    AuditEvent.objects.bulk_create(
        AuditEvent(organisation=world.acme.org, actor_label="bot", action="x.y",
                   target=f"event {i:03}") for i in range(60))
    client = signed_in(world.acme.owner)
    first = client.get("/o/acme/audit/").content.decode()
    second = client.get("/o/acme/audit/?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert client.get("/o/acme/audit/?page=99").status_code == 200


def test_it_keeps_the_trail_to_owners(world):
    for role in ("consultant", "manager", "viewer"):
        assert signed_in(world.acme.member(role)).get("/o/acme/audit/").status_code == 403
    assert signed_in(world.northwind.owner).get("/o/acme/audit/").status_code == 200


def test_it_records_membership_and_invitation_changes(world, django_capture_on_commit_callbacks):
    access = access_for(world.acme.owner, world.acme.org)
    manager = Membership.objects.get(user=world.acme.manager, organisation=world.acme.org)
    services.membership_change_role(by=access, membership=manager, role=Role.VIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = services.invitation_create(by=access, email="a@acme.test",
                                                   role=Role.VIEWER, language="en")
    services.invitation_revoke(by=access, invitation=invitation)
    services.membership_remove(by=access, membership=manager)
    actions = list(AuditEvent.objects.filter(organisation=world.acme.org)
                   .order_by("id").values_list("action", "actor__email"))
    assert actions == [
        ("membership.role_changed", "owner@acme.test"),
        ("invitation.sent", "owner@acme.test"),
        ("invitation.emailed", "owner@acme.test"),  # by the worker, for the inviter
        ("invitation.revoked", "owner@acme.test"),
        ("membership.removed", "owner@acme.test"),
    ]
    assert all(e.created_at.utcoffset().total_seconds() == 0
               for e in AuditEvent.objects.all())


# Where the code records audit rows: audit(..., action="x.y") and the catalogue's
# _audit(version, by, "model.x", …); an action passed on by a variable is named where
# the variable is set (action="assessment.opened" in a call).
_AUDITED = re.compile(r'(?:\baudit\(|\b_audit\([^"]*|\baction=)\s*"([a-z]+\.[a-z_]+)"')


def _recorded_actions() -> set[str]:
    root = Path(__file__).resolve().parent.parent
    found = set()
    for app in ("organisations", "assessments", "reports", "models_catalog"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            found |= set(_AUDITED.findall(path.read_text()))
    return found


def test_every_audited_action_has_words():
    actions = _recorded_actions()
    assert {"report.requested", "model.published", "assessment.opened",
            "department.created"} <= actions
    assert not actions - set(ACTION_LABELS), "audit actions without a label"


def test_it_shows_audit_actions_in_words_in_the_readers_language(world):
    AuditEvent.objects.create(organisation=world.acme.org, actor=world.acme.owner,
                              action="report.requested", target="Q1")
    client = signed_in(world.acme.owner)
    client.cookies["django_language"] = "sv"
    page = client.get(reverse("organisations:audit_log", args=["acme"])).content.decode()
    assert "report.requested</" not in page and ">report.requested" not in page
    with translation.override("sv"):
        label = str(action_label("report.requested"))
    assert label != "PDF report requested"  # translated
    assert label in page
