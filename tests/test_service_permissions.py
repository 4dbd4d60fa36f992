"""Services check their permission themselves (issue 13, item 7): a view that forgot a
check, or passed another organisation's object, still cannot change anything."""

import pytest
from django.core.exceptions import PermissionDenied

from organisations import services
from organisations.models import Department, Invitation, Membership
from tests.conftest import access_for


def _viewer(world):
    return access_for(world.acme.viewer, world.acme.org)


def _other_consultant(world):
    return access_for(world.globex.consultant, world.globex.org)


@pytest.mark.parametrize("by", [_viewer, _other_consultant])
def test_organisation_services_refuse_who_may_not(world, by):
    by = by(world)
    department = world.acme.departments[0]
    membership = Membership.objects.get(organisation=world.acme.org, user=world.acme.manager)
    invitation, _token = services.invitation_create(
        by=access_for(world.acme.owner, world.acme.org), email="new@example.test",
        role="viewer", language="en")
    attempts = [
        lambda: services.department_update(by=by, department=department, name="Renamed"),
        lambda: services.department_delete(by=by, department=department),
        lambda: services.membership_change_role(by=by, membership=membership, role="viewer"),
        lambda: services.membership_remove(by=by, membership=membership),
        lambda: services.invitation_resend(by=by, invitation=invitation),
        lambda: services.invitation_revoke(by=by, invitation=invitation),
    ]
    if by.organisation == world.acme.org:  # these act in the caller's own organisation
        attempts += [
            lambda: services.department_create(by=by, name="Sneaky"),
            lambda: services.invitation_create(by=by, email="x@example.test", role="viewer",
                                               language="en"),
        ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    department.refresh_from_db()
    membership.refresh_from_db()
    assert department.name != "Renamed" and membership.role == "manager"
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert not Department.objects.filter(name="Sneaky").exists()


def test_a_client_is_created_only_in_the_callers_own_consultancy(world):
    with pytest.raises(PermissionDenied):
        services.client_create(consultancy=world.northwind.org, name="Initech", slug="initech",
                               by=access_for(world.acme.owner, world.acme.org))


@pytest.mark.parametrize("role", ["consultant", "manager", "viewer"])
def test_single_sign_on_services_refuse_who_may_not_manage_it(world, role):
    from django.utils import timezone

    from organisations.models import AuditEvent
    from sso import services as sso
    from sso.models import EmailDomain, IdentityProvider

    by = access_for(world.acme.member(role), world.acme.org)
    verified = EmailDomain.objects.create(organisation=world.acme.org, domain="acme.test",
                                          verified_at=timezone.now())
    waiting = EmailDomain.objects.create(organisation=world.acme.org, domain="acme.example")
    provider = IdentityProvider.objects.create(
        organisation=world.acme.org, issuer="https://id.acme.test", client_id="app",
        client_secret="secret", join_role="viewer", enabled=False)
    attempts = [
        lambda: sso.save_provider(by=by, issuer="https://evil.test", client_id="x",
                                  client_secret="y", join_role="viewer", enabled=True,
                                  sso_only=True),
        lambda: sso.test_provider(by=by, provider=provider),
        lambda: sso.add_domain(by=by, value="sneaky.test"),
        lambda: sso.verify_domain(by=by, claim=waiting),
        lambda: sso.remove_domain(by=by, claim=verified),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    provider.refresh_from_db()
    assert (provider.issuer, provider.enabled) == ("https://id.acme.test", False)
    assert sorted((d.domain, d.is_verified) for d in EmailDomain.objects.all()) == [
        ("acme.example", False), ("acme.test", True)]
    assert not AuditEvent.objects.filter(action__startswith="sso.").exists()


def test_single_sign_on_services_do_not_reach_another_organisations_domain(world):
    from django.http import Http404

    from sso import services as sso
    from sso.models import EmailDomain, IdentityProvider

    owner = access_for(world.globex.owner, world.globex.org)
    claim = EmailDomain.objects.create(organisation=world.acme.org, domain="acme.test")
    provider = IdentityProvider.objects.create(
        organisation=world.acme.org, issuer="https://id.acme.test", client_id="app",
        client_secret="secret", join_role="viewer")
    for attempt in (lambda: sso.verify_domain(by=owner, claim=claim),
                    lambda: sso.remove_domain(by=owner, claim=claim),
                    lambda: sso.test_provider(by=owner, provider=provider)):
        with pytest.raises(Http404):
            attempt()
    assert EmailDomain.objects.filter(pk=claim.pk, verified_at__isnull=True).exists()


def test_joining_by_single_sign_on_needs_the_organisations_verified_domain(world):
    from django.utils import timezone

    from sso import services as sso
    from sso.models import EmailDomain, IdentityProvider

    provider = IdentityProvider.objects.create(
        organisation=world.acme.org, issuer="https://id.acme.test", client_id="app",
        client_secret="secret", join_role="viewer", enabled=True)
    EmailDomain.objects.create(organisation=world.acme.org, domain="acme.example",
                               verified_at=timezone.now())
    with pytest.raises(PermissionDenied):  # globex's own domain: acme cannot vouch for it
        sso.join(provider=provider, user=world.globex.viewer)
    assert not Membership.objects.filter(user=world.globex.viewer,
                                         organisation=world.acme.org).exists()


@pytest.fixture
def not_sent(monkeypatch):
    """No broker: the ids of the reports that would go to a worker."""
    from reports import services as reports

    ids: list[int] = []
    monkeypatch.setattr(reports, "enqueue", lambda report_id, **kw: ids.append(report_id))
    return ids


def _failed_report(by):
    from reports import services as reports
    from reports.models import Report

    report = reports.report_request(by=by, assessment=None, language="en").report
    Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, error="broken")
    report.refresh_from_db()
    return report


def test_report_services_check_request_reports_by_name(world, not_sent, monkeypatch):
    """Every role may ask for a PDF today; the services still ask the capability, so
    that a role without it could not (the capability's one home is CAPABILITIES)."""
    from organisations.access import CAPABILITIES
    from reports import services as reports
    from reports.models import Report

    report = _failed_report(access_for(world.acme.owner, world.acme.org))
    viewer = access_for(world.acme.viewer, world.acme.org)
    monkeypatch.setitem(CAPABILITIES, "request_reports",
                        CAPABILITIES["request_reports"] - {"viewer"})
    with pytest.raises(PermissionDenied):
        reports.report_request(by=viewer, assessment=None, language="sv")
    with pytest.raises(PermissionDenied):
        reports.report_retry(by=viewer, report=report)
    assert list(Report.objects.values_list("status", "language")) == [("failed", "en")]


def test_a_report_of_another_organisation_is_not_found_by_the_report_services(
        world, not_sent):
    from django.http import Http404

    from organisations.models import AuditEvent
    from reports import services as reports
    from reports.models import Report
    from tests.assessment_factories import make_assessment

    report = _failed_report(access_for(world.acme.owner, world.acme.org))
    acme_round = make_assessment(world)
    stranger = access_for(world.globex.owner, world.globex.org)
    with pytest.raises(Http404):
        reports.report_retry(by=stranger, report=report)
    with pytest.raises(Http404):
        reports.report_request(by=stranger, assessment=acme_round, language="en")
    assert list(Report.objects.values_list("pk", "status")) == [(report.pk, "failed")]
    assert not AuditEvent.objects.filter(organisation=world.globex.org,
                                         action__startswith="report.").exists()


def test_a_report_of_another_audience_is_not_found_by_report_retry(world, not_sent):
    """A consultancy's report shows its clients to its owners and consultants only: its
    viewer may not retry it (nor open it), as for its page."""
    from django.http import Http404

    from reports import services as reports
    from reports.models import Report

    report = _failed_report(access_for(world.northwind.owner, world.northwind.org))
    assert report.audience == Report.Audience.PORTFOLIO
    with pytest.raises(Http404):
        reports.report_retry(by=access_for(world.northwind.viewer, world.northwind.org),
                             report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    retried = reports.report_retry(by=access_for(world.northwind.consultant,
                                                 world.northwind.org), report=report)
    assert retried.status == Report.Status.QUEUED
