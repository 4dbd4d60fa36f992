"""Every hand-written statement (organisations/sql.py, assessments/sql.py) gives what
its ORM twin gives, on the database the suite runs on (SQLite locally, PostgreSQL in
CI); and each rule the statements rely on has one home that the ORM paths share."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments import sql as assessment_sql
from assessments.models import Answer, Response
from assessments.selectors import assessing_members
from organisations import selectors
from organisations import sql as organisation_sql
from organisations.access import carries_into_clients, inherited_role
from organisations.models import Invitation, Membership, Organisation, Role, hash_token
from tests.assessment_factories import invitee, make_assessment
from tests.conftest import access_for, make_user
from tests.test_organisation_home import _invitation


def _fields(obj) -> list:
    """Every column of a model instance, as the ORM would compare them."""
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def _everyone(world) -> list:
    return [world.outsider] + [cast.member(role) for cast in (world.northwind, world.acme,
                                                              world.globex)
                               for role in ("owner", "consultant", "manager", "viewer")]


def test_the_user_statement_reads_what_the_orm_reads(world):
    world.acme.manager.last_login = timezone.now()
    world.acme.manager.save()
    for user in _everyone(world):
        sql_user = organisation_sql.user_row(user.pk)
        assert _fields(sql_user) == _fields(organisation_sql.user_row_orm(user.pk))
        assert sql_user.get_deferred_fields() == set()  # complete: nothing loads later
    assert organisation_sql.user_row(10**9) is organisation_sql.user_row_orm(10**9) is None


def test_the_access_statement_reads_what_the_orm_reads(world):
    # A client of a plain organisation (the parent-kind rule decides, not the statement).
    plain = Organisation.objects.create(name="Plain", slug="plain")
    Organisation.objects.create(name="Odd client", slug="odd", parent=plain)
    Membership.objects.create(user=world.acme.owner, organisation=plain, role=Role.OWNER)
    Membership.objects.create(user=world.northwind.consultant, organisation=world.acme.org,
                              role=Role.VIEWER)  # a direct role beside the inherited one
    for user, slug in product(_everyone(world),
                              ("northwind", "acme", "globex", "plain", "odd", "none")):
        row = organisation_sql.access_row(user.pk, slug)
        twin = organisation_sql.access_row_orm(user.pk, slug)
        if twin is None:
            assert row is None
            continue
        assert (row.own_role, row.parent_role) == (twin.own_role, twin.parent_role)
        assert _fields(row.organisation) == _fields(twin.organisation)
        if twin.organisation.parent_id:
            assert _fields(row.organisation.parent) == _fields(twin.organisation.parent)
            assert row.organisation.parent.get_deferred_fields() == set()


def _sorted(rows) -> list:
    return sorted(rows, key=lambda r: (r.pk, r.parent_role or "", r.own_role or ""))


def test_the_switcher_statement_reads_what_the_orm_reads(world):
    plain = Organisation.objects.create(name="Plain", slug="plain")
    Organisation.objects.create(name="Odd client", slug="odd", parent=plain)
    Membership.objects.create(user=world.acme.owner, organisation=plain, role=Role.OWNER)
    Membership.objects.create(user=world.northwind.consultant, organisation=world.acme.org,
                              role=Role.VIEWER)
    for user in _everyone(world):
        rows = organisation_sql.switcher_rows(user.pk)
        assert _sorted(rows) == _sorted(organisation_sql.switcher_rows_orm(user.pk))
    assert organisation_sql.switcher_rows(world.outsider.pk) == []


def test_the_member_response_statement_reads_what_the_orm_reads(world):
    assessment = make_assessment(world)
    user = world.acme.manager
    services.member_response(assessment=assessment, user=user)
    org_id = world.acme.org.pk
    for public_id, org, who in ((assessment.public_id, org_id, user),
                                (assessment.public_id, world.globex.org.pk, user),
                                (assessment.public_id, org_id, world.acme.viewer)):
        row = assessment_sql.member_response(public_id, org, who.pk)
        twin = assessment_sql.member_response_orm(public_id, org, who.pk)
        if twin is None:
            assert row is None
            continue
        for name in ("response", "assessment", "department", "version"):
            assert _fields(getattr(row, name)) == _fields(getattr(twin, name)), name
            assert getattr(row, name).get_deferred_fields() == set()


def test_the_link_response_statement_reads_what_the_orm_reads(world):
    assessment = make_assessment(world)
    response, token = invitee(assessment)
    member = services.member_response(assessment=assessment, user=world.acme.manager)
    for token_hash in (response.token_hash, hash_token(token + "x"), ""):
        row = assessment_sql.link_response(token_hash)
        twin = assessment_sql.link_response_orm(token_hash)
        if twin is None:
            assert row is None
            continue
        for name in ("response", "assessment", "organisation", "department", "version"):
            assert _fields(getattr(row, name)) == _fields(getattr(twin, name)), name
            assert getattr(row, name).get_deferred_fields() == set()
    assert member.token_hash is None  # a member's response has no link to find it by


def _answers(response) -> list:
    return list(Answer.objects.filter(response=response).order_by("question_id")
                .values_list("question_id", "option", "comment"))


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the one-statement save is PostgreSQL's (CI runs it)")
def test_the_one_statement_save_does_what_the_locked_way_does(world):
    """Same answers, same counts, field by field, as the ORM's locked save."""
    assessment = make_assessment(world)
    fast = services.member_response(assessment=assessment, user=world.acme.manager)
    slow = services.member_response(assessment=assessment, user=world.acme.owner)
    question_ids = sorted(assessment.model_version.questions.values_list("pk", flat=True))
    now = timezone.now()
    steps = [(question_ids[0], "fully", None), (question_ids[1], None, "later"),
             (question_ids[1], "na", None), (question_ids[0], None, "why"),
             (question_ids[0], "", None), (question_ids[2], "dk", "no idea")]
    for response in (fast, slow):  # started, with the assessment as a request reads it
        services.answer_save(response=response, question_key="people.2.1", option="partly")
        response.refresh_from_db()
        response.assessment = assessment
    for question_id, option, comment in steps:
        given = {"question_id": question_id, "option": option, "comment": comment, "now": now}
        counted = assessment_sql.save_answer_if_unchanged(response=fast, **given)
        assert counted is not None  # the one statement ran: nothing changed
        assert counted == services._save_locked(slow, dict(given))
        assert [a[1:] for a in _answers(fast)] == [a[1:] for a in _answers(slow)]
        assert counted == Answer.objects.filter(Answer.answered(), response=fast).count()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the one-statement save is PostgreSQL's (CI runs it)")
def test_the_one_statement_save_writes_nothing_once_the_response_changed(world):
    assessment = make_assessment(world)
    response = services.member_response(assessment=assessment, user=world.acme.manager)
    services.answer_save(response=response, question_key="people.2.1", option="partly")
    response.refresh_from_db()
    response.assessment = assessment
    Response.objects.filter(pk=response.pk).update(submitted_at=timezone.now())
    question_id = assessment.model_version.questions.get(key="people.3.1").pk
    assert assessment_sql.save_answer_if_unchanged(
        response=response, question_id=question_id, option="fully", comment=None,
        now=timezone.now()) is None
    assert [a[1] for a in _answers(response)] == ["partly"]


def test_the_inheritance_rule_reads_the_same_as_a_filter_and_for_one_row(world):
    """``inherited_role`` (for a row read) and ``carries_into_clients`` (a filter) agree
    for every kind of parent and every role."""
    user = make_user("rule@example.test")
    for kind, role in product(Organisation.Kind.values, Role.values):
        org = Organisation.objects.create(name=f"{kind} {role}", slug=f"{kind}-{role}",
                                          kind=kind)
        membership = Membership.objects.create(user=user, organisation=org, role=role)
        matches = Membership.objects.filter(carries_into_clients(), pk=membership.pk).exists()
        assert matches == (inherited_role(parent_kind=kind, role=role) is not None)
        assert matches == (kind == "consultancy" and role in ("owner", "consultant"))


def test_no_role_carries_through_a_parent_that_is_no_consultancy(world):
    """Every path applies the parent-kind check, the ORM's too (the member list and the
    respondents that can be added)."""
    plain = Organisation.objects.create(name="Plain", slug="plain")
    odd = Organisation.objects.create(name="Odd client", slug="odd", parent=plain)
    boss = make_user("boss@plain.test")
    Membership.objects.create(user=boss, organisation=plain, role=Role.OWNER)
    here = make_user("here@odd.test")
    Membership.objects.create(user=here, organisation=odd, role=Role.OWNER)
    access = access_for(here, odd)
    assert list(selectors.inherited_memberships(access)) == []
    assert boss.pk not in services._assessing_user_ids(
        type("Round", (), {"organisation": odd})())
    # Through a consultancy, the same roles do carry.
    consultant_access = access_for(world.acme.owner, world.acme.org)
    assert {m.user for m in selectors.inherited_memberships(consultant_access)} == {
        world.northwind.owner, world.northwind.consultant}
    assessment = make_assessment(world)
    assert {world.northwind.owner, world.northwind.consultant} <= set(
        assessing_members(consultant_access, assessment))


def test_pending_invitations_are_those_whose_status_says_so(world):
    now = timezone.now()
    invitations = [
        _invitation(world.acme.org, "pending@acme.test"),
        _invitation(world.acme.org, "accepted@acme.test", accepted_at=now),
        _invitation(world.acme.org, "revoked@acme.test", revoked_at=now),
        _invitation(world.acme.org, "expired@acme.test", expires_at=now - timedelta(seconds=1)),
    ]
    pending = set(Invitation.objects.filter(Invitation.pending()).values_list("pk", flat=True))
    assert pending == {i.pk for i in invitations if i.status == "pending"}
    assert pending == {invitations[0].pk}
