"""Report pages, the PDF lifecycle through the views (the task run in-process), the
access-checked download, and the exports."""

from __future__ import annotations

import csv
import io
import json
import logging
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Assessment
from assessments.services import assessment_close
from maturity_site.spreadsheets import xlsx_cell as neutralise
from models_catalog.snapshot import snapshot
from organisations.models import AuditEvent
from reports import selectors, services, tasks
from reports.chart_export import ChartExportError
from reports.models import Report
from tests.assessment_factories import make_assessment, respondents_with_answers
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in
from tests.report_samples import seed_rounds
from tests.test_translations import compiled_locale, translated  # noqa: F401 - fixtures

FORMULA = "=HYPERLINK(\"https://evil.test\",\"x\")"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seeded(world, media):
    version = make_version(slug="report-model")
    dept = world.acme.departments[0]
    dept.name = FORMULA
    dept.save()
    rounds = seed_rounds(organisation=world.acme.org, version=version, rounds=2, respondents=3)
    seed_rounds(organisation=world.globex.org, version=version, rounds=1, respondents=3)
    return {"version": version, "rounds": rounds,
            "latest": [a for a in rounds if a.name.startswith("Round 2")][0]}


@pytest.fixture
def sent(monkeypatch):
    """Instead of the broker: the ids of the reports sent to a worker."""
    ids: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda report_id, **kw: ids.append(report_id))
    return ids


def run_worker_task(report_id: int) -> str:
    """What a worker does with the message: the task, in this process."""
    return tasks.render_report_task.apply(args=[report_id]).get()


def ask(client, url, capture):
    with capture(execute=True):
        return client.post(url)


def assessment_url(world, assessment, suffix=""):
    return f"/o/acme/reports/assessments/{assessment.public_id}/{suffix}"


# ---------------------------------------------------------------------- pages


def test_it_shows_the_assessment_report_with_charts_as_json_data(world, seeded):
    response = signed_in(world.acme.viewer).get(assessment_url(world, seeded["latest"]))
    assert response.status_code == 200
    html = response.content.decode()
    # The first screen's charts are drawn on the server, the others by plotly.js.
    assert 'data-svg-chart="radar"' in html and 'data-svg-chart="quadrant"' in html
    for chart in ("chart-disagreement", "chart-staircase-0"):
        block = re.search(rf'<script type="application/json" id="{chart}">(.*?)</script>',
                          html, re.S)
        assert block, chart
        assert json.loads(block.group(1))["data"] is not None
    # No inline script: every <script> loads a file or is a JSON data block.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/plotly/plotly.min.js" in html and "js/reports.js" in html
    assert "Next steps" in html and "Towards level" in html
    assert "Create PDF" in html  # executives ask for the PDF they hand to their board


def test_the_disagreement_section_is_named_once_by_its_h2(world, seeded):
    html = signed_in(world.acme.viewer).get(assessment_url(world, seeded["latest"])) \
        .content.decode()
    assert html.count("Where respondents disagree") == 1
    assert re.search(r"<h2[^>]*>Where respondents disagree</h2>", html)
    # Drawn on the page, the chart carries no second title above its bars.
    block = re.search(r'<script type="application/json" id="chart-disagreement">(.*?)</script>',
                      html, re.S)
    assert "title" not in json.loads(block.group(1))["layout"]
    assert 'aria-label="Spread of answers per dimension and per statement"' in html


def test_it_shows_the_organisation_report_and_the_consultancys_portfolio(world, seeded):
    html = signed_in(world.acme.manager).get("/o/acme/reports/").content.decode()
    assert 'data-svg-chart="quadrant"' in html and "chart-s0-heatmap" in html
    assert "chart-s0-targets" in html
    assert "Acme dept 2" in html and "Globex" not in html
    assert "&lt;" not in FORMULA and "=HYPERLINK" in html
    # Each department's latest closed round, its round still open named beside it: one
    # closed round each so far, too few for a trend.
    assert len(re.findall(r"In progress: 3 of 3 submitted \(Round 2 · \d{4}\)", html)) == 2
    assert "chart-s0-trend" not in html
    html = signed_in(world.northwind.consultant).get("/o/northwind/reports/").content.decode()
    assert 'data-svg-chart="portfolio"' in html and "Globex dept 1" in html
    # Globex's departments have no closed round: named as in progress, without a bar.
    assert "No closed round yet:" in html
    bars = html[html.index('data-svg-chart="portfolio"'):]
    assert "Globex dept 1" not in bars[:bars.index("</figure>")]
    # Once the rounds in progress close, they are the results, and the trend has two.
    Assessment.objects.filter(organisation=world.acme.org, status="open").update(
        status="closed", closed_at=timezone.now())
    html = signed_in(world.acme.manager).get("/o/acme/reports/").content.decode()
    assert "chart-s0-trend" in html and "In progress" not in html


def test_it_escapes_user_text_in_the_page_and_its_chart_data(world, seeded):
    dept = world.acme.departments[1]
    dept.name = "</script><script>alert(1)</script>"
    dept.save()
    html = signed_in(world.acme.owner).get("/o/acme/reports/").content.decode()
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("who", ["outsider", "globex_owner", "northwind_manager"])
def test_it_hides_reports_from_outsiders(world, seeded, who):
    user = {"outsider": world.outsider, "globex_owner": world.globex.owner,
            "northwind_manager": world.northwind.manager}[who]
    client = signed_in(user)
    assert client.get("/o/acme/reports/").status_code == 404
    assert client.get(assessment_url(world, seeded["latest"])).status_code == 404


def test_it_gives_404_for_another_organisations_assessment(world, seeded):
    globex_round = world.globex.departments[0].assessments.first()
    client = signed_in(world.acme.owner)
    assert client.get(assessment_url(world, globex_round)).status_code == 404


# ------------------------------------------------------------------- PDF lifecycle


def test_it_renders_a_requested_pdf_and_downloads_it_as_an_attachment(
        world, seeded, sent, django_capture_on_commit_callbacks, caplog):
    manager = signed_in(world.acme.manager)
    url = assessment_url(world, seeded["latest"], "pdf/")
    response = ask(manager, url, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    report = Report.objects.get()
    assert sent == [report.pk] and report.status == "queued"
    assert report.requested_by == world.acme.manager and report.language == "en"
    assert AuditEvent.objects.filter(action="report.requested",
                                     organisation=world.acme.org).count() == 1

    status = manager.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["status"] == "queued" and not status["done"]

    assert run_worker_task(report.pk) == "ready"
    report.refresh_from_db()
    assert report.status == "ready" and report.file and report.attempts == 1
    status = manager.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["ready"] and status["download_url"].endswith("/download/")

    with caplog.at_level(logging.INFO, logger="maturity.security"):
        download = signed_in(world.acme.viewer).get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="maturity-report-acme-[a-z0-9-]+-en\.pdf"', disposition)
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    record = next(r for r in caplog.records if r.name == "maturity.security"
                  and "report.downloaded" in r.getMessage())
    message = record.getMessage()
    assert "report.downloaded" in message and "organisation=acme" in message
    assert "viewer@acme.test" in message and "address=127.0.0.1" in message
    assert re.search(r"time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", message)
    # Never under a public URL.
    assert "/media/" not in status["download_url"]
    assert not report.file.name.startswith(("/", "static"))


def test_it_gives_an_outsider_404_for_a_ready_pdf(world, seeded, sent,
                                                  django_capture_on_commit_callbacks):
    ask(signed_in(world.acme.manager), assessment_url(world, seeded["latest"], "pdf/"),
        django_capture_on_commit_callbacks)
    report = Report.objects.get()
    run_worker_task(report.pk)
    for user in (world.outsider, world.globex.owner, world.northwind.manager):
        client = signed_in(user)
        for path in ("download/", "status/"):
            assert client.get(f"/o/acme/reports/files/{report.public_id}/{path}") \
                .status_code == 404
        # Not through their own organisation's URL either.
        assert client.get(f"/o/globex/reports/files/{report.public_id}/download/") \
            .status_code == 404


def test_asking_twice_reuses_the_report_and_its_file(world, seeded, sent,
                                                     django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    url = assessment_url(world, seeded["latest"], "pdf/")
    ask(manager, url, django_capture_on_commit_callbacks)
    ask(signed_in(world.acme.owner), url, django_capture_on_commit_callbacks)
    report = Report.objects.get()  # one report, sent once
    assert len(sent) == 1
    run_worker_task(report.pk)
    report.refresh_from_db()
    name = report.file.name
    ask(manager, url, django_capture_on_commit_callbacks)
    assert Report.objects.count() == 1 and len(sent) == 1
    report.refresh_from_db()
    assert report.file.name == name
    assert run_worker_task(report.pk) == "skipped"  # a duplicate message changes nothing
    events = AuditEvent.objects.filter(action="report.requested").order_by("pk")
    assert [e.data["reused"] for e in events] == [False, True, True]


def test_changed_answers_or_another_language_make_a_new_report(
        world, seeded, sent, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    url = assessment_url(world, seeded["latest"], "pdf/")
    ask(manager, url, django_capture_on_commit_callbacks)
    run_worker_task(Report.objects.get().pk)
    respondents_with_answers(seeded["latest"], 1, seed=5)  # another respondent submits
    ask(manager, url, django_capture_on_commit_callbacks)
    assert Report.objects.count() == 2
    manager.post("/i18n/setlang/", {"language": "sv"})
    ask(manager, url, django_capture_on_commit_callbacks)
    assert Report.objects.filter(language="sv").count() == 1


def test_a_failed_render_says_why_and_a_retry_succeeds(world, seeded, sent, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    ask(manager, "/o/acme/reports/pdf/", django_capture_on_commit_callbacks)
    report = Report.objects.get()
    real = services.build_pdf

    def broken(**kwargs):
        raise ValueError("the template exploded")

    monkeypatch.setattr(services, "build_pdf", broken)
    assert run_worker_task(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "the template exploded" in report.error
    status = manager.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["status"] == "failed" and "exploded" in status["error"]
    assert status["retry_url"]
    page = manager.get("/o/acme/reports/").content.decode()
    assert "the template exploded" in page and "Try again" in page

    assert signed_in(world.globex.owner).post(
        status["retry_url"]).status_code == 404
    monkeypatch.setattr(services, "build_pdf", real)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(status["retry_url"], HTTP_ACCEPT="application/json")
    assert response.json()["status"] == "queued"
    assert sent == [report.pk, report.pk]
    assert run_worker_task(report.pk) == "ready"
    report.refresh_from_db()
    assert report.status == "ready" and report.error == "" and report.attempts == 2


def test_a_transient_failure_is_retried_and_then_fails(world, seeded, sent, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    ask(signed_in(world.acme.manager), "/o/acme/reports/pdf/",
        django_capture_on_commit_callbacks)
    report = Report.objects.get()

    def no_browser(**kwargs):
        raise ChartExportError("the chart browser could not start")

    monkeypatch.setattr(services, "build_pdf", no_browser)
    result = tasks.render_report_task.apply(args=[report.pk])
    # Eagerly, Celery runs the retries in a row; the last one gives up with a reason.
    assert result.get() == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "chart browser" in report.error
    assert report.attempts == tasks.MAX_RETRIES + 1


def test_a_render_refused_for_a_requester_who_lost_access(world, seeded, sent,
                                                          django_capture_on_commit_callbacks):
    ask(signed_in(world.acme.manager), "/o/acme/reports/pdf/",
        django_capture_on_commit_callbacks)
    report = Report.objects.get()
    world.acme.manager.memberships.all().delete()
    assert run_worker_task(report.pk) == "failed"
    report.refresh_from_db()
    assert "no longer has access" in report.error


def test_a_failure_reason_is_written_in_the_requesters_language(
        world, seeded, sent, monkeypatch, translated,  # noqa: F811
        django_capture_on_commit_callbacks):
    """The worker runs in English; the reason is stored for the requester to read."""
    manager = signed_in(world.acme.manager)
    ask(manager, "/o/acme/reports/pdf/", django_capture_on_commit_callbacks)
    report = Report.objects.get()
    Report.objects.filter(pk=report.pk).update(language="sv")

    def broken(**kwargs):
        raise ValueError("the template exploded")

    monkeypatch.setattr(services, "build_pdf", broken)
    assert run_worker_task(report.pk) == "failed"
    report.refresh_from_db()
    assert report.error == "Rapporten kunde inte skapas: ValueError: the template exploded"


def test_only_one_worker_can_claim_a_report(world, seeded):
    report = Report.objects.create(organisation=world.acme.org, input_hash="x")
    first = services.claim_report(report.pk, worker="host:1:a")
    assert first is not None and first.status == "rendering"
    assert services.claim_report(report.pk, worker="host:2:b") is None
    # A claim older than the hard time limit belongs to a dead worker.
    Report.objects.filter(pk=report.pk).update(
        claimed_at=timezone.now() - services.stale_claim_age() - timezone.timedelta(seconds=1))
    second = services.claim_report(report.pk, worker="host:2:b")
    assert second is not None and second.attempts == 2
    # The first worker finishing late cannot overwrite the second's claim.
    assert not services.fail_report(first, reason="late")
    default_storage.save("reports/x.pdf", ContentFile(b"%PDF"))
    second.refresh_from_db()
    assert second.status == "rendering" and second.claimed_by == "host:2:b"


def test_a_worker_that_starts_sends_again_what_a_dead_worker_left(world, seeded, sent,
                                                                  monkeypatch):
    import socket

    dead = Report.objects.create(organisation=world.acme.org, input_hash="a",
                                 status="rendering", claimed_at=timezone.now(),
                                 claimed_by=f"{socket.gethostname()}:999999999:dead")
    alive = Report.objects.create(organisation=world.acme.org, input_hash="b",
                                  status="rendering", claimed_at=timezone.now(),
                                  claimed_by=f"{socket.gethostname()}:1:init")
    lost = Report.objects.create(organisation=world.acme.org, input_hash="c",
                                 enqueued_at=timezone.now() - services.REQUEUE_AFTER * 2)
    fresh = Report.objects.create(organisation=world.acme.org, input_hash="d",
                                  enqueued_at=timezone.now())
    assert sorted(services.recover_reports()) == sorted([dead.pk, lost.pk])
    assert sorted(sent) == sorted([dead.pk, lost.pk])
    dead.refresh_from_db()
    alive.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.status == "queued" and alive.status == "rendering" and fresh.status == "queued"


def test_an_executive_asks_for_a_pdf_and_nobody_outside_can(world, seeded, sent):
    assert signed_in(world.globex.owner).post("/o/acme/reports/pdf/").status_code == 404
    assert Report.objects.count() == 0
    viewer = signed_in(world.acme.viewer)
    assert viewer.post("/o/acme/reports/pdf/").status_code == 302
    assert Report.objects.filter(organisation=world.acme.org,
                                 requested_by=world.acme.viewer).count() == 1


def test_it_lists_the_pdfs(world, seeded):
    Report.objects.create(organisation=world.acme.org, input_hash="x", status="failed",
                          error="Because.")
    html = signed_in(world.acme.viewer).get("/o/acme/reports/files/").content.decode()
    assert "Because." in html and "Organisation report" in html


# ------------------------------------------------------------------------ exports


def test_it_exports_an_assessments_results_as_csv_xlsx_and_json(world, seeded):
    client = signed_in(world.acme.viewer)
    latest = seeded["latest"]
    response = client.get(assessment_url(world, latest, "export.csv"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith(
        "attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    scopes = [r["scope"] for r in rows]
    assert scopes.count("overall") == 1 and scopes.count("dimension") == 2
    assert scopes.count("axis") == 2
    overall = rows[0]
    assert overall["department"].startswith("'=") or "Acme dept" in overall["department"]
    assert 1 <= int(overall["level"]) <= 4 and overall["fulfilment_2"] != ""

    xlsx = client.get(assessment_url(world, latest, "export.xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("organisation", "department", "assessment")
    assert isinstance(values[1][values[0].index("index")], float)

    document = client.get(assessment_url(world, latest, "export.json")).json()
    contract = document["result"]
    assert set(contract) >= {"model", "version", "levels", "threshold", "overall",
                             "dimensions", "axes", "completeness", "next_steps"}
    assert contract["model"] == "report-model" and document["assessment"]["id"] == str(
        latest.public_id)


def test_it_exports_the_organisations_results_and_neutralises_formulas(world, seeded):
    client = signed_in(world.acme.owner)
    text = client.get("/o/acme/reports/export.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    # Two departments, the closed round of each: the open ones are not results yet.
    closed = {str(a.public_id) for a in seeded["rounds"] if a.name.startswith("Round 1")}
    assert {r["assessment_id"] for r in rows} == closed
    assert all(not r["department"].startswith("=") for r in rows)
    assert any(r["department"] == "'" + FORMULA for r in rows)
    sheet = load_workbook(io.BytesIO(client.get("/o/acme/reports/export.xlsx").content)).active
    departments = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "'" + FORMULA in departments
    document = client.get("/o/acme/reports/export.json").json()
    assert len(document["assessments"]) == 2 and document["organisation"] == "acme"
    assert {item["assessment"]["id"] for item in document["in_progress"]} == {
        str(a.public_id) for a in seeded["rounds"] if a.name.startswith("Round 2")}
    assert {(item["submitted"], item["invited"]) for item in document["in_progress"]} == {
        (3, 3)}
    assert "Globex" not in text


def test_it_neutralises_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text).startswith("'")
    assert neutralise("plain") == "plain" and neutralise(-0.5) == -0.5


def test_a_broker_that_cannot_be_reached_leaves_the_report_queued_and_it_is_sent_later(
        world, seeded, monkeypatch, django_capture_on_commit_callbacks):
    calls = []

    def unreachable(*args, **kwargs):
        calls.append(kwargs)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.render_report_task, "apply_async", unreachable)
    manager = signed_in(world.acme.manager)
    response = ask(manager, "/o/acme/reports/pdf/", django_capture_on_commit_callbacks)
    assert response.status_code == 302  # the request does not fail
    report = Report.objects.get()
    assert report.status == "queued" and report.enqueued_at is None

    sent = []
    monkeypatch.setattr(tasks.render_report_task, "apply_async",
                        lambda *args, **kwargs: sent.append(kwargs["args"]))
    manager.get(f"/o/acme/reports/files/{report.public_id}/status/")  # the page polls
    assert sent == [[report.pk]]
    report.refresh_from_db()
    assert report.enqueued_at is not None
    manager.get(f"/o/acme/reports/files/{report.public_id}/status/")
    assert len(sent) == 1  # not again while the message is fresh


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_report_pages_query_count_does_not_grow_with_the_data(world, seeded):
    from organisations.models import Department

    client = signed_in(world.acme.owner)
    latest = seeded["latest"]
    _queries(client, "/o/acme/reports/")  # warm up per-process caches (the texts)
    _queries(client, assessment_url(world, latest))
    org_before = _queries(client, "/o/acme/reports/")
    one_before = _queries(client, assessment_url(world, latest))
    extra = Department.objects.create(organisation=world.acme.org, name="Facilities")
    seed_rounds(organisation=world.acme.org, version=seeded["version"], rounds=3,
                respondents=5, seed=1, departments=[extra, *world.acme.departments])
    _queries(client, "/o/acme/reports/")  # the new rounds' results are scored once
    assert _queries(client, "/o/acme/reports/") == org_before
    assert _queries(client, assessment_url(world, latest)) == one_before


# ------------------------------------------------- a ready report whose file is lost


@pytest.fixture
def quick_pdf(monkeypatch):
    """A render that makes a small, valid-looking PDF at once."""
    monkeypatch.setattr(services, "build_pdf", lambda **kwargs: b"%PDF-1.7\n% quick\n%%EOF\n")


def _ready_report(world, seeded, client, capture) -> Report:
    ask(client, assessment_url(world, seeded["latest"], "pdf/"), capture)
    report = Report.objects.get()
    assert run_worker_task(report.pk) == "ready"
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("damage", ["missing", "empty", "not_a_pdf"])
def test_asking_again_for_a_report_whose_file_is_lost_renders_it_again(
        world, seeded, sent, quick_pdf, django_capture_on_commit_callbacks, damage):
    manager = signed_in(world.acme.manager)
    report = _ready_report(world, seeded, manager, django_capture_on_commit_callbacks)
    default_storage.delete(report.file.name)
    if damage != "missing":
        default_storage.save(report.file.name,
                             ContentFile(b"" if damage == "empty" else b"<html>oops"))
    response = ask(manager, assessment_url(world, seeded["latest"], "pdf/"),
                   django_capture_on_commit_callbacks)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "failed" and report.error
    fresh = Report.objects.exclude(pk=report.pk).get()
    assert fresh.status == "queued" and sent[-1] == fresh.pk
    assert run_worker_task(fresh.pk) == "ready"
    download = manager.get(f"/o/acme/reports/files/{fresh.public_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_downloading_a_report_whose_file_is_lost_says_so_and_offers_a_retry(
        world, seeded, sent, quick_pdf, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    report = _ready_report(world, seeded, manager, django_capture_on_commit_callbacks)
    default_storage.delete(report.file.name)
    response = manager.get(f"/o/acme/reports/files/{report.public_id}/download/",
                           follow=True)
    assert response.status_code == 200
    assert "The PDF file of this report could not be read" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "failed"
    status = manager.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["retry_url"] and not status["download_url"]
    with django_capture_on_commit_callbacks(execute=True):
        retried = manager.post(status["retry_url"], HTTP_ACCEPT="application/json")
    assert retried.json()["status"] == "queued"
    assert run_worker_task(report.pk) == "ready"
    assert manager.get(f"/o/acme/reports/files/{report.public_id}/download/") \
        .status_code == 200


def test_a_round_with_one_respondent_says_disagreement_needs_two_without_a_chart(world):
    version = make_version(slug="lone-model")
    rounds = seed_rounds(organisation=world.acme.org, version=version, rounds=1,
                         respondents=1, departments=[world.acme.departments[0]],
                         anonymity="named")  # an anonymous round of one shows no result
    html = signed_in(world.acme.viewer).get(assessment_url(world, rounds[-1])) \
        .content.decode()
    assert "Disagreement needs at least two respondents." in html
    assert "chart-disagreement" not in html


def test_a_trend_of_one_round_is_a_sentence_not_a_chart(world):
    version = make_version(slug="one-round-model")
    seed_rounds(organisation=world.acme.org, version=version, rounds=1, respondents=3,
                last_open=False)
    html = signed_in(world.acme.manager).get("/o/acme/reports/").content.decode()
    assert "A trend needs at least two rounds of a department." in html
    assert "chart-s0-trend" not in html and 'data-svg-chart="quadrant"' in html


def test_the_organisation_report_and_overview_read_texts_from_the_snapshot(world):
    """No cache of their own: ``model_texts`` keeps a version's texts per language."""
    access = access_for(world.acme.owner, world.acme.org)
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 3)  # anonymous: fewer show no result
    assessment_close(by=access, assessment=assessment)
    kept = snapshot(assessment.model_version).texts("sv")
    (section,) = selectors.organisation_report(access, language="sv").sections
    assert section.texts is kept
    assert selectors.executive_overview(access, language="sv").quadrant_texts is kept
