"""The whole product in a real browser, as its three kinds of user meet it.

A consultant signs in, creates a client, a department and an assessment, and invites
a respondent; the respondent opens the emailed link and answers every statement with
autosave, reloading in the middle, and submits; the client's service manager opens
the report and its charts are drawn; the executive asks for the PDF, which a real
Celery worker renders, and downloads it. Screenshots of every step are kept in
artifacts/e2e/.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from assessments.models import Answer, Assessment
from models_catalog.documents import import_document
from organisations.models import Membership, Organisation, Role
from reports.models import Report
from tests.browser import sign_in
from tests.catalog_factories import build_document
from tests.celery_workers import RENDER_TIMEOUT
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consultancy():
    northwind = Organisation.objects.create(name="Northwind Consulting", slug="northwind",
                                            kind=Organisation.Kind.CONSULTANCY)
    consultant = make_user("nora@northwind.test", full_name="Nora Consultant")
    Membership.objects.create(user=consultant, organisation=northwind, role=Role.OWNER)
    import_document(build_document(slug="desk-model"))  # a small shipped model, published
    return consultant


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answer_page(page, choice_for_index) -> int:
    """Answer every statement on the current questionnaire page; returns how many."""
    fieldsets = page.locator("fieldset[data-question]")
    count = fieldsets.count()
    for i in range(count):
        key = fieldsets.nth(i).get_attribute("data-question")
        page.click(f'label[for="q-{key}-{choice_for_index(i)}"]')
        page.wait_for_selector(f'[data-state-for="{key}"][data-state="saved"]')
    return count


def test_a_consultant_a_respondent_a_manager_and_an_executive_use_the_product(
        live_server, page, consultancy, workers):
    base = live_server.url
    shots = page.shots
    workers.start()

    # The consultant creates a client, a department and an assessment round.
    sign_in(page, live_server, "nora@northwind.test", PASSWORD)
    page.goto(f"{base}/o/northwind/portfolio/new/")
    page.fill("input[name=name]", "Initech")
    page.fill("input[name=slug]", "initech")
    shots(page, "new-client")
    page.get_by_role("button", name="Create client").click()
    page.wait_for_load_state("networkidle")
    client = Organisation.objects.get(slug="initech")
    assert client.parent.slug == "northwind"

    page.goto(f"{base}/o/initech/departments/new/")
    page.fill("input[name=name]", "IT Service Desk")
    page.get_by_role("button", name="Add department").click()
    page.wait_for_load_state("networkidle")
    shots(page, "department-added")

    page.goto(f"{base}/o/initech/assessments/new/")
    page.fill("input[name=name]", "Q1 2027")
    # Named: one respondent answers, and an anonymous round shows no result before three
    # have submitted (tests/test_anonymity.py).
    page.check("input[name=anonymity][value=named]")
    shots(page, "new-assessment")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assessment = Assessment.objects.get(organisation=client, name="Q1 2027")
    assert assessment.anonymity == "named"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Open for answers").click()
    page.wait_for_load_state("networkidle")
    assessment.refresh_from_db()
    assert assessment.status == "open"

    page.get_by_role("link", name="Invite by email").click()
    page.fill("input[name=email]", "rita@initech.test")
    page.fill("input[name=name]", "Rita Respondent")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state("networkidle")
    shots(page, "respondent-invited")
    invitation = next(m for m in mail.outbox if "rita@initech.test" in m.to)
    link = re.search(r"https?://\S+/r/[\w-]+/", invitation.body).group(0)
    link = base + link[link.index("/r/"):]

    # The respondent answers every statement; a reload in the middle loses nothing.
    respondent = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    phone = respondent.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(link)
    shots(phone, "respondent-start")
    phone.get_by_role("link", name=re.compile("^(Start|Continue)$")).click()
    phone.wait_for_load_state("networkidle")
    options = ["fully", "largely", "fully", "partly", "na", "dk"]
    first_page = phone.url
    answered = answer_page(phone, lambda i: options[i % len(options)])
    phone.reload()
    checked = phone.locator("fieldset[data-question] input:checked").count()
    assert checked == answered > 0
    shots(phone, "respondent-after-reload")
    while phone.locator("a[rel=next]").count():
        phone.click("a[rel=next]")
        phone.wait_for_load_state("networkidle")
        answered += answer_page(phone, lambda i: options[(i + 1) % len(options)])
    response = assessment.responses.get(email="rita@initech.test")
    assert Answer.objects.filter(response=response).count() == answered
    assert phone.url != first_page
    phone.get_by_role("link", name=re.compile("Review and submit")).first.click()
    phone.wait_for_load_state("networkidle")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_load_state("networkidle")
    shots(phone, "respondent-submitted")
    response.refresh_from_db()
    assert response.submitted_at is not None
    respondent.close()

    # The client's service manager opens the report: the charts are drawn.
    manager = make_user("mike@initech.test", full_name="Mike Manager")
    Membership.objects.create(user=manager, organisation=client, role=Role.MANAGER)
    executive = make_user("eve@initech.test", full_name="Eve Executive")
    Membership.objects.create(user=executive, organisation=client, role=Role.VIEWER)
    page.context.clear_cookies()
    sign_in(page, live_server, "mike@initech.test", PASSWORD)
    page.goto(f"{base}/o/initech/reports/assessments/{assessment.public_id}/")
    # The first screen's charts are drawn on the server (reports/chart_svg.py); the
    # others by plotly.js as they scroll into view: scroll through the whole report.
    page.wait_for_selector("svg.report-svg")
    for chart in page.locator("[data-chart]").all():
        chart.scroll_into_view_if_needed()
    # Polled from here: wait_for_function's string would be eval'd in the page, which
    # the Content Security Policy forbids.
    expect(page.locator(".js-plotly-plot")).to_have_count(page.locator("[data-chart]").count())
    assert page.locator(".js-plotly-plot").count() >= 1
    assert page.locator("svg.report-svg").count() >= 2  # the radar and the quadrant
    shots(page, "manager-report")
    # The manager closes the round: its figures become the department's result, which
    # the organisation report shows (a round still open is named there as in progress).
    page.goto(f"{base}/o/initech/assessments/{assessment.public_id}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close", exact=True).click()
    page.wait_for_load_state("networkidle")
    assessment.refresh_from_db()
    assert assessment.is_closed

    # The executive asks for the PDF, watches it become ready, and downloads it.
    page.context.clear_cookies()
    sign_in(page, live_server, "eve@initech.test", PASSWORD)
    page.goto(f"{base}/o/initech/reports/")
    page.wait_for_selector("svg.report-svg")
    shots(page, "executive-organisation-report")
    page.get_by_role("button", name="Create PDF").click()
    page.wait_for_load_state("networkidle")
    download_link = page.locator("[data-role=download]:not(.d-none)")
    download_link.wait_for(timeout=RENDER_TIMEOUT * 1000)
    shots(page, "executive-pdf-ready")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    wait_until(lambda: Report.objects.filter(status="ready").count() == 1, 10, "one report")
