"""A real Celery worker renders PDFs end to end (the ``workers`` fixture of
tests/celery_workers.py: a worker subprocess on this test's database and broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from organisations.models import Membership, Role
from reports.models import Report
from tests.catalog_factories import make_version
from tests.celery_workers import RENDER_TIMEOUT, wait_for
from tests.conftest import signed_in
from tests.report_samples import seed_rounds

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(world):
    version = make_version(slug="report-model")
    return seed_rounds(organisation=world.acme.org, version=version, rounds=1, respondents=3)


def report_in(*statuses):
    def check():
        report = Report.objects.first()
        return report if report is not None and report.status in statuses else None
    return check


def test_it_renders_a_report_end_to_end_in_a_worker(world, seeded, workers):
    workers.start()
    manager = signed_in(world.acme.manager)
    assessment = seeded[0]
    response = manager.post(f"/o/acme/reports/assessments/{assessment.public_id}/pdf/")
    assert response.status_code == 302
    report = wait_for(report_in("ready", "failed"), timeout=RENDER_TIMEOUT, workers=workers,
                      what="the report")
    assert report.status == "ready", report.error
    status = manager.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["ready"]
    download = signed_in(world.acme.viewer).get(status["download_url"])
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert signed_in(world.outsider).get(status["download_url"]).status_code == 404


def test_killing_the_worker_mid_render_still_ends_with_one_ready_report(world, seeded,
                                                                         workers):
    first = workers.start()
    signed_in(world.acme.owner).post("/o/acme/reports/pdf/")
    wait_for(report_in("rendering"), timeout=RENDER_TIMEOUT, workers=workers,
             what="the first worker to start rendering", step=0.02)
    workers.kill(first)  # SIGKILL, mid-render: no chance to clean up
    report = Report.objects.get()
    assert report.status == "rendering"  # left behind by the dead worker

    workers.start()  # a new worker finds what the dead one left and renders it
    report = wait_for(report_in("ready", "failed"), timeout=RENDER_TIMEOUT, workers=workers,
                      what="the second worker to finish")
    assert report.status == "ready", report.error
    assert Report.objects.count() == 1 and report.attempts == 2
    assert report.file and Path(report.file.path).read_bytes().startswith(b"%PDF")


def test_a_failed_render_ends_as_failed_with_its_reason_and_a_retry_succeeds(world, seeded,
                                                                             workers):
    manager = signed_in(world.acme.manager)
    manager.post("/o/acme/reports/pdf/")  # queued; no worker yet
    membership = Membership.objects.get(user=world.acme.manager, organisation=world.acme.org)
    membership.delete()  # the requester loses access before the render
    workers.start()
    report = wait_for(report_in("failed", "ready"), timeout=RENDER_TIMEOUT, workers=workers,
                      what="the render to fail")
    assert report.status == "failed"
    assert "no longer has access" in report.error

    Membership.objects.create(user=world.acme.manager, organisation=world.acme.org,
                              role=Role.MANAGER)
    response = manager.post(f"/o/acme/reports/files/{report.public_id}/retry/",
                            HTTP_ACCEPT="application/json")
    assert response.json()["status"] == "queued"
    report = wait_for(report_in("ready"), timeout=RENDER_TIMEOUT, workers=workers,
                      what="the retry to succeed")
    assert report.error == "" and report.attempts == 2 and Report.objects.count() == 1


def test_a_worker_renders_the_one_page_summary_in_the_requesters_language(world, seeded,
                                                                         workers, tmp_path):
    import re
    import subprocess

    from organisations.models import User

    User.objects.filter(pk=world.acme.viewer.pk).update(language="hu")
    workers.start()
    viewer = signed_in(world.acme.viewer)
    assessment = seeded[0]
    response = viewer.post(f"/o/acme/reports/assessments/{assessment.public_id}/summary/",
                           HTTP_ACCEPT_LANGUAGE="hu")
    assert response.status_code == 302 and response.url.endswith("#summary-pdf")
    report = wait_for(report_in("ready", "failed"), timeout=RENDER_TIMEOUT, workers=workers,
                      what="the one-pager")
    assert report.status == "ready", report.error
    assert report.variant == "summary" and report.language == "hu"
    download = viewer.get(f"/o/acme/reports/files/{report.public_id}/download/")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(b"".join(download.streaming_content))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "EGYOLDALAS ÖSSZEFOGLALÓ" in text  # the kicker, upper-cased, in Hungarian
    assert signed_in(world.outsider).get(
        f"/o/acme/reports/files/{report.public_id}/download/").status_code == 404
