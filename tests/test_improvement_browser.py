"""The action plan in a real browser, on the demo data: a consultant plans an action
from a round's next steps, moves it along, and every page of the action plans is free
of serious axe-core violations and fits 390 and 1280 px (screenshots in
artifacts/e2e/<test>/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from improvement.models import Action, Webhook

from . import test_browser_roles as roles
from .browser import sign_in
from .test_browser_roles import _closed_round, _page, at_both_widths, check_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo data and a browser context, as the role tests make them.
demo = roles.demo
context = roles.context


def test_a_consultant_plans_an_action_from_next_steps(live_server, context, request, demo):
    page = _page(context, request)
    sign_in(page, live_server, "consultant@example.com", roles.PASSWORD)
    closed = _closed_round("acme")
    page.goto(f"{live_server.url}/o/acme/assessments/{closed.public_id}/")
    page.get_by_role("link", name="Plan an action").first.click()
    page.wait_for_url("**/actions/new/**")
    title = page.locator("input[name=title]").input_value()
    assert title  # prefilled from the recommendation
    assert page.locator("input[name=statements]:checked").count() == 1
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    page.fill("input[name=due_date]", due)
    page.fill("textarea[name=done_when]", "The catalogue is published on the intranet.")
    at_both_widths(page, "new-action")
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_url("**/actions/*-*/")
    action = Action.objects.get()
    assert action.assessment == closed and action.due_date.isoformat() == due
    page.select_option("select[name=status]", "in_progress")
    page.fill("textarea[name=note]", "Kick-off with the team")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "Kick-off with the team" in page.inner_text("main")
    at_both_widths(page, "action")
    action.refresh_from_db()
    assert action.status == "in_progress"

    page.get_by_role("link", name="Actions", exact=True).first.click()
    page.wait_for_url("**/o/acme/actions/")
    assert action.title in page.inner_text("main")
    at_both_widths(page, "action-plan")

    webhook = Webhook.objects.create(organisation=closed.organisation,
                                     url="https://tickets.example.test/hook",
                                     secret="0" * 64, events=["action.created"])
    problems = check_pages(page, live_server, [
        "/o/acme/actions/", f"/o/acme/actions/departments/{closed.department.public_id}/",
        f"/o/acme/actions/{action.public_id}/", f"/o/acme/actions/{action.public_id}/edit/",
        f"/o/acme/actions/{action.public_id}/delete/", "/o/acme/actions/calendar/",
        "/o/acme/actions/webhooks/", f"/o/acme/actions/webhooks/{webhook.public_id}/",
        f"/o/acme/reports/assessments/{closed.public_id}/",
    ])
    assert not problems, "\n".join(problems)
    for path, name in (("/o/acme/actions/webhooks/", "webhooks"),
                       (f"/o/acme/actions/webhooks/{webhook.public_id}/", "webhook"),
                       ("/o/acme/actions/calendar/", "calendar")):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        at_both_widths(page, name)
