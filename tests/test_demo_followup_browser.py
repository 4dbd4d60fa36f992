"""Issue 16's "done when", from the demo data (``seed_demo``, as ``make run`` loads it) in a
real browser: the consultant plans an action from a next step of Oceanic Customer Service's
round on version 1 of the TOPdesk model, starts and schedules the next round on version 2;
the clock moves (the schedule's periodic task with a later "now") and the round opens; a
respondent opens their emailed link and finds their answers from last round marked "From
last round: … Please confirm.", not yet theirs; after they answer, the next round's report
and its PDF (rendered by a real Celery worker, read with pdftotext) say per action
whether its statements moved (before → after). Screenshots in artifacts/e2e/<test>/.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Answer, Assessment, CarriedAnswer
from assessments.selectors import assessment_results
from assessments.tasks import follow_up_tick
from improvement.models import Action
from models_catalog.models import ModelVersion
from tests.celery_workers import RENDER_TIMEOUT
from tests.test_browser_roles import PHONE, at_both_widths, serious_violations

from .browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-journey-password"  # noqa: S105 - test data


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())


def _next_step_to_plan(spring: Assessment, newer: ModelVersion) -> tuple[str, float]:
    """A next step of ``spring`` that has a value and that ``newer`` carries."""
    result = assessment_results(spring, "en")
    carried = {key for keys in newer.questions.values_list("carried_from", flat=True)
               for key in keys}
    return next((step.question, result.questions[step.question].value)
                for step in result.next_steps
                if step.question in carried and result.questions[step.question].value is not None)


def test_from_the_demo_a_consultant_plans_follows_up_and_reads_before_and_after(
        live_server, page, demo, workers):
    workers.start()
    base = live_server.url
    spring = Assessment.objects.get(organisation__slug="oceanic",
                                    department__name="Customer Service", name="Spring 2026")
    v2 = ModelVersion.objects.get(model__slug="topdesk-semm", model__owner=None,
                                  status=ModelVersion.Status.PUBLISHED)
    assert spring.is_closed and spring.model_version.number < v2.number
    key, before = _next_step_to_plan(spring, v2)
    assert before < 1

    # The consultant plans an action from one of the round's next steps.
    sign_in(page, live_server, "consultant@example.com", PASSWORD)
    page.goto(f"{base}/o/oceanic/assessments/{spring.public_id}/")
    page.locator(f'a[href*="statement={key}"]').first.click()
    page.wait_for_url("**/actions/new/**")
    assert "From the next step" in page.inner_text("main")
    assert page.locator(f'input[name=statements][value="{key}"]').is_checked()
    title = page.locator("input[name=title]").input_value()
    page.select_option("select[name=owner]", label="Oceanic Airlines Service Manager")
    page.fill("input[name=due_date]", (timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_url("**/actions/*-*/")
    action = Action.objects.get(assessment=spring)
    assert action.statements == [key] and action.title == title

    # … and starts the next round on the newer version, opening itself in two weeks.
    page.goto(f"{base}/o/oceanic/assessments/{spring.public_id}/")
    page.get_by_role("link", name="Start the next round").click()
    page.wait_for_load_state("networkidle")
    form = page.inner_text("main")
    assert "The same version" not in form  # version 1 is retired
    assert page.locator("input[name=model_choice][value=latest]").is_checked()
    opens = timezone.localdate() + timedelta(days=14)
    page.fill("input[name=name]", "Q1 2027")
    page.fill("input[name=opens_on]", opens.isoformat())
    page.fill("input[name=remind_every_days]", "7")
    page.get_by_role("button", name="Create the next round").click()
    page.wait_for_load_state("networkidle")
    follow_up = Assessment.objects.get(follows=spring)
    assert follow_up.model_version == v2 and follow_up.opens_on == opens
    assert follow_up.is_draft and "Opens itself on" in page.inner_text("main")
    assert page.locator("[data-carried-count]").count() == spring.responses.count()
    page.shots(page, "next-round-scheduled")

    # The clock moves: nothing opens before the day, the round opens on it.
    now = timezone.now()
    assert follow_up_tick(now=(now + timedelta(days=13)).isoformat())["opened"] == 0
    assert follow_up_tick(now=(now + timedelta(days=14, hours=1)).isoformat())["opened"] == 1
    page.reload()
    assert "Open" in page.locator("h1").inner_text()
    follow_up.refresh_from_db()
    assert follow_up.is_open

    # A respondent opens the emailed link: last round's answers wait to be confirmed.
    invitation = next(m for m in mail.outbox if "emma.wilson@oceanic.example" in m.to)
    assert "of your answers from last round are filled in" in invitation.body
    link = base + re.search(r"/r/[\w-]+/", invitation.body).group(0)
    response = follow_up.responses.get(email="emma.wilson@oceanic.example")
    waiting = CarriedAnswer.objects.filter(response=response).count()
    assert waiting > 20
    phone = page.context.browser.new_context(locale="en-GB", viewport=PHONE)
    respondent = phone.new_page()
    respondent.set_default_timeout(15_000)
    respondent.shots = page.shots
    respondent.goto(link)
    assert f"{waiting} of your answers from last round are filled in" in \
        respondent.inner_text("main")
    assert serious_violations(respondent) == []
    dimension = v2.questions.get(key=key).dimension.key
    respondent.goto(f"{link}dimension/{dimension}/")
    carried_here = respondent.locator(".qn-carried").count()
    assert carried_here > 0
    assert respondent.locator(f"#q-{re.escape(key)} .qn-carried-note").inner_text().startswith(
        "From last round:")
    assert not Answer.objects.filter(response=response).exists()  # suggestions, not answers
    at_both_widths(respondent, "carried-answers")
    respondent.click(f'label[for="q-{key}-fully"]')
    respondent.wait_for_selector(f'[data-state-for="{key}"][data-state="saved"]')
    respondent.get_by_role("button",
                           name="Confirm the answers from last round on this page").click()
    respondent.wait_for_load_state("networkidle")
    assert respondent.locator(".qn-carried").count() == 0
    respondent.goto(f"{link}review/")
    assert "are not confirmed" in respondent.inner_text("main")
    respondent.once("dialog", lambda dialog: dialog.accept())
    respondent.get_by_role("button", name="Submit my answers").click()
    respondent.wait_for_load_state("networkidle")
    response.refresh_from_db()
    assert response.submitted_at is not None
    assert Answer.objects.filter(response=response).count() == carried_here
    assert not CarriedAnswer.objects.filter(response=response).exists()  # the rest dropped
    phone.close()

    # The consultant closes the round; its report says whether the statement moved …
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close", exact=True).click()
    page.wait_for_load_state("networkidle")
    follow_up.refresh_from_db()
    assert follow_up.is_closed
    page.goto(f"{base}/o/oceanic/reports/assessments/{follow_up.public_id}/")
    section = page.locator("#action-progress + div, #action-progress ~ div").filter(
        has_text=title).first
    assert "→ 100 % (moved up)" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.shots(page, "before-after-in-the-report")

    # … and so does its PDF.
    page.get_by_role("button", name="Create PDF").click()
    page.wait_for_load_state("networkidle")
    download = page.locator("[data-role=download]:not(.d-none)")
    download.wait_for(timeout=RENDER_TIMEOUT * 1000)
    with page.expect_download() as info:
        download.click()
    text = " ".join(subprocess.run(["pdftotext", info.value.path(), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    progress = text[text.index("Did the actions move their statements?"):]
    assert " ".join(title.split()[:8]) in progress
    assert "→ 100 % (moved up)" in progress
