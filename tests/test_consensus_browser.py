"""A consensus session in real browsers, on the demo data (issue 15): the consultant
records an agreed answer on the projector view, and a second device (the service
manager's phone, where each statement is folded to its text and whether it is agreed)
shows it within seconds, without reloading. Screenshots of both go to
artifacts/e2e/<test>/; the page has no serious axe-core violation and fits a phone."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from assessments import demo as assessments_demo
from assessments.models import Assessment, ConsensusAnswer
from organisations.demo import seed_organisations

from .browser import Shots, sign_in
from .test_browser_roles import LAPTOP, PHONE, overflows, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-password"  # noqa: S105 - test data


def test_a_facilitator_records_on_the_projector_and_a_second_device_follows(
        browser, live_server, monkeypatch, request):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("load_catalog", verbosity=0)
    assessments_demo.seed(seed_organisations())
    assessment = Assessment.objects.get(organisation__slug="acme",
                                        department__name="IT Service Desk", name="Q3 2026")
    url = f"{live_server.url}/o/acme/assessments/{assessment.public_id}/session/"
    folder = Shots(request.node.name).folder

    def shots(page, step: str) -> None:
        # The viewport only: the whole page of 65 statements is too tall for one picture.
        page.screenshot(path=str(folder / f"{step}.png"))

    projector_context = browser.new_context(locale="en-GB", viewport=LAPTOP)
    phone_context = browser.new_context(locale="en-GB", viewport=PHONE)
    try:
        projector = projector_context.new_page()
        phone = phone_context.new_page()
        for page, email in ((projector, "consultant@example.com"),
                            (phone, "manager@acme.example")):
            page.set_default_timeout(15_000)
            sign_in(page, live_server, email, PASSWORD)
            page.goto(url)
            page.wait_for_load_state("networkidle")
        assert serious_violations(projector) == []
        assert not overflows(phone)
        # The projector shows every statement open; the phone folds each to its text and
        # whether it is agreed (static/js/session.js), so the page is a few screens long.
        assert projector.locator("details[data-session-details]:not([open])").count() == 0
        statements = phone.locator(".session-statement").count()
        assert phone.locator("details[data-session-details][open]").count() == 0
        assert phone.evaluate("document.documentElement.scrollHeight") < 300 * statements
        assert serious_violations(phone) == []
        shots(projector, "projector-before")
        shots(phone, "phone-before")
        # The phone's page must not reload: a reload would forget this mark.
        phone.evaluate("window.sessionMark = 'still here'")

        # The most disputed statement not agreed yet: the first card without an answer.
        card = projector.locator(".session-statement", has=projector.locator(
            ".session-pending")).first
        anchor = card.get_attribute("id")
        card.locator("label", has_text=re.compile(r"^Fully")).click()
        card.locator("textarea[name=note]").fill("We saw it in the ticket log together.")
        card.get_by_role("button", name="Record the agreed answer").click()
        state = projector.locator(f"#{anchor}-state")
        state.get_by_text("Agreed: Fully").wait_for()
        shots(projector, "projector-recorded")

        # Folded on the phone, the statement says it is agreed; a tap unfolds the rest.
        phone.locator(f"#{anchor}-status").get_by_text("Agreed: Fully").wait_for(
            timeout=10_000)
        followed = phone.locator(f"#{anchor}-state")
        assert not followed.is_visible()
        phone.locator(f"#{anchor} summary").click()
        followed.get_by_text("Agreed: Fully").wait_for()
        assert "We saw it in the ticket log together." in followed.inner_text()
        assert phone.evaluate("window.sessionMark") == "still here"
        phone.locator(f"#{anchor}").scroll_into_view_if_needed()
        shots(phone, "phone-followed")
        assert not overflows(phone)

        # The phone keeps following: a second answer, taken back on the projector.
        projector.locator(f"#{anchor}-state").get_by_role(
            "button", name="Remove the agreed answer").click()
        projector.locator(f"#{anchor}-state").get_by_text("Not agreed yet.").wait_for()
        followed.get_by_text("Not agreed yet.").wait_for(timeout=10_000)
        assert phone.evaluate("window.sessionMark") == "still here"
        assert not ConsensusAnswer.objects.filter(
            assessment=assessment, note="We saw it in the ticket log together.").exists()
        card.locator("label", has_text=re.compile(r"^Fully")).click()
        card.get_by_role("button", name="Record the agreed answer").click()
        followed.get_by_text("Agreed: Fully").wait_for(timeout=10_000)

        stored = ConsensusAnswer.objects.get(assessment=assessment,
                                             note="We saw it in the ticket log together.")
        assert stored.option == "fully" and stored.recorded_by.email == "consultant@example.com"
    finally:
        projector_context.close()
        phone_context.close()
