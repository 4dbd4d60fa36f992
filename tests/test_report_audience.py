"""A report file has exactly the audience of the page it renders (issue 12, item 6).

Every role × report kind: the organisation report of a consultancy (its portfolio of
clients is shown to its owners and consultants only), the organisation report of a
client, the assessment report, and the exports. The renderer is replaced by one that
writes what the page would show, so that no browser or WeasyPrint is needed.
"""

from __future__ import annotations

import pytest

from organisations.models import Membership, Role
from reports import selectors, services
from reports.models import Report
from tests import test_reports_views
from tests.conftest import signed_in
from tests.test_reports_views import run_worker_task

# The report tests' fixtures: sample rounds, and the ids sent to a worker.
media, seeded, sent = test_reports_views.media, test_reports_views.seeded, test_reports_views.sent

ROLES = ("owner", "consultant", "manager", "viewer")
SEES_PORTFOLIO = {"owner", "consultant"}


@pytest.fixture
def fake_pdf(monkeypatch):
    """A 'PDF' that says what it shows: the portfolio's clients, or none (the full
    report's, or the one-page summary's, from their own selectors)."""
    def build_pdf(*, access, assessment, language, variant=Report.Variant.FULL):
        if assessment is not None:
            return b"%PDF-1.7 assessment " + assessment.name.encode()
        if variant == Report.Variant.SUMMARY:
            rows = selectors.organisation_summary(access, language=language).overview.rows
            clients = sorted({row.result.organisation for row in rows} - {""})
        else:
            data = selectors.organisation_report(access, language=language)
            clients = sorted({row.organisation for row in data.portfolio})
        return b"%PDF-1.7 organisation clients=" + ",".join(clients).encode()

    monkeypatch.setattr(services, "build_pdf", build_pdf)


# Each file of a page has the page's audience: the full report and its one-pager.
KINDS = ("pdf", "summary")
# The clients each file shows to those who see the portfolio: both read each department's
# latest closed round (reports.selectors.latest_results), and Globex's only round is open.
CLIENTS = {"pdf": b"clients=Acme", "summary": b"clients=Acme"}


def ask_and_render(user, url, capture) -> Report:
    with capture(execute=True):
        assert signed_in(user).post(url).status_code == 302
    report = Report.objects.filter(requested_by=user).latest("created_at")
    if report.in_progress:
        assert run_worker_task(report.pk) == "ready"
    report.refresh_from_db()
    return report


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def files(user, slug: str) -> str:
    return signed_in(user).get(f"/o/{slug}/reports/files/").content.decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_the_consultancys_organisation_pdf_opens_only_for_who_sees_its_portfolio(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks, role, kind):
    report = ask_and_render(world.northwind.owner, f"/o/northwind/reports/{kind}/",
                            django_capture_on_commit_callbacks)
    assert b"Acme" in report.file.read() and report.audience == "portfolio"
    user = world.northwind.member(role)
    client = signed_in(user)
    base = f"/o/northwind/reports/files/{report.public_id}/"
    download = client.get(base + "download/")
    listed = str(report.public_id) in files(user, "northwind")
    page = client.get("/o/northwind/reports/").content.decode()
    if role in SEES_PORTFOLIO:
        assert "Globex dept 1" in page  # the page shows the clients' results...
        assert download.status_code == 200 and content(download).endswith(CLIENTS[kind])
        assert listed
        assert client.get(base + "status/").status_code == 200
    else:
        assert "Globex dept 1" not in page  # ...to them only, and so does its file
        assert download.status_code == 404
        assert not listed
        assert client.get(base + "status/").status_code == 404
        assert client.post(base + "retry/").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_organisation_pdf_of_its_own_page(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks, role, kind):
    user = world.northwind.member(role)
    report = ask_and_render(user, f"/o/northwind/reports/{kind}/",
                            django_capture_on_commit_callbacks)
    download = signed_in(user).get(f"/o/northwind/reports/files/{report.public_id}/download/")
    assert download.status_code == 200
    if role in SEES_PORTFOLIO:
        assert content(download).endswith(CLIENTS[kind])
    else:
        assert content(download).endswith(b"clients=")
    # The page shows this report's state to its requester.
    page = signed_in(user).get("/o/northwind/reports/").content.decode()
    assert f"/files/{report.public_id}/download/" in page


def test_members_who_see_the_same_page_share_one_file(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks):
    viewer = ask_and_render(world.northwind.viewer, "/o/northwind/reports/pdf/",
                            django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.northwind.manager).post("/o/northwind/reports/pdf/")
    owner = ask_and_render(world.northwind.owner, "/o/northwind/reports/pdf/",
                           django_capture_on_commit_callbacks)
    assert Report.objects.count() == 2 and owner.pk != viewer.pk
    assert len(sent) == 2  # the manager's request reused the viewer's file


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_a_clients_organisation_pdf_opens_for_every_role(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks, role, kind):
    report = ask_and_render(world.acme.owner, f"/o/acme/reports/{kind}/",
                            django_capture_on_commit_callbacks)
    client = signed_in(world.acme.member(role))
    assert client.get(f"/o/acme/reports/files/{report.public_id}/download/").status_code == 200
    assert str(report.public_id) in files(world.acme.member(role), "acme")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_an_assessment_pdf_opens_for_every_role_who_sees_its_page(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks, role, kind):
    latest = seeded["latest"]
    report = ask_and_render(
        world.acme.manager, f"/o/acme/reports/assessments/{latest.public_id}/{kind}/",
        django_capture_on_commit_callbacks)
    assert report.variant == ("summary" if kind == "summary" else "full")
    for user in (world.acme.member(role), world.northwind.member(role)):
        client = signed_in(user)
        page = client.get(f"/o/acme/reports/assessments/{latest.public_id}/")
        download = client.get(f"/o/acme/reports/files/{report.public_id}/download/")
        # Same audience as the page: the consultancy's owners and consultants act in
        # the client, its managers and executives do not (404 for both).
        assert download.status_code == page.status_code
        assert (str(report.public_id) in files(user, "acme")) == (page.status_code == 200)


@pytest.mark.parametrize("role", ROLES)
def test_exports_show_what_the_page_shows(world, seeded, role):
    latest = seeded["latest"]
    client = signed_in(world.northwind.member(role))
    for fmt in ("csv", "json"):
        response = client.get(f"/o/northwind/reports/export.{fmt}")
        assert response.status_code == 200
        # The clients' rounds, for those who see the portfolio on the page (issue 14).
        shows_clients = role in SEES_PORTFOLIO
        assert (b"Acme" in response.content) == shows_clients
        if fmt == "json":  # Globex's round still open: named as in progress, no result
            assert (b"Globex" in response.content) == shows_clients
        else:
            assert b"Globex" not in response.content
    assert client.get("/o/northwind/reports/export.xlsx").status_code == 200
    client = signed_in(world.acme.member(role))
    for fmt in ("csv", "json"):
        response = client.get(f"/o/acme/reports/assessments/{latest.public_id}/export.{fmt}")
        assert response.status_code == 200 and str(latest.public_id).encode() in response.content
    # Every answer with its comment: for those who run assessments, not executives.
    answers = client.get(f"/o/acme/assessments/{latest.public_id}/export/answers.csv")
    assert answers.status_code == (403 if role == "viewer" else 200)


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_is_not_rendered_for_an_audience_its_requester_left(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks, kind):
    """Asked for by an executive, who is made an owner before it renders: the file is
    still listed for the executives, so it must not show the portfolio."""
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.northwind.viewer).post(f"/o/northwind/reports/{kind}/")
    report = Report.objects.get()
    Membership.objects.filter(user=world.northwind.viewer).update(role=Role.OWNER)
    assert run_worker_task(report.pk) == "failed"
    report.refresh_from_db()
    assert "changed" in report.error and not report.file


@pytest.mark.django_db(transaction=True)
def test_files_made_before_audiences_existed_keep_a_safe_audience():
    """reports/0002: a consultancy's organisation report may list its clients, so it
    is for the portfolio's audience only; other organisation reports stay open."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    # Back to the latest migration afterwards, whatever it is: a schema left behind would
    # be every later test's.
    before, after = [("reports", "0001_initial")], executor.loader.graph.leaf_nodes("reports")
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        Organisation = apps.get_model("organisations", "Organisation")
        OldReport = apps.get_model("reports", "Report")
        consultancy = Organisation.objects.create(name="C", slug="c", kind="consultancy")
        client = Organisation.objects.create(name="K", slug="k", parent=consultancy)
        for org in (consultancy, client):
            OldReport.objects.create(organisation=org, input_hash="old", status="ready")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    audiences = dict(Report.objects.values_list("organisation__slug", "audience"))
    assert audiences == {"c": "portfolio", "k": "organisation"}


def test_a_read_tokens_pdf_is_rendered_for_an_executives_audience(
        world, seeded, sent, fake_pdf, django_capture_on_commit_callbacks):
    """An owner's read token acts as an executive: its PDF of the consultancy shows no
    portfolio, and renders (with the role it was asked with, not the owner's)."""
    from tests.api_helpers import token_client

    client = token_client(world.northwind)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/organisations/northwind/reports", {"language": "en"})
    assert response.status_code == 202, response.content
    report = Report.objects.get(public_id=response.json()["id"])
    assert report.audience == Report.Audience.ORGANISATION
    assert run_worker_task(report.pk) == "ready"
    download = client.get(f"/organisations/northwind/reports/{report.public_id}/pdf")
    assert content(download) == b"%PDF-1.7 organisation clients="
    # The owner's own page shows the portfolio: a file of its own.
    owner_file = ask_and_render(world.northwind.owner, "/o/northwind/reports/pdf/",
                                django_capture_on_commit_callbacks)
    assert owner_file.pk != report.pk and b"clients=Acme" in owner_file.file.read()
