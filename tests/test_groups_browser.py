"""Respondent groups and shared links in a real browser, on the demo data: the grouped
round's results and report (axe-clean, 390 and 1280 px), a shared link created, copied
with its button, and opened on another device that resumes its own questionnaire."""

from __future__ import annotations

import pytest
from django.conf import settings

from assessments import demo as assessments_demo
from assessments.models import Assessment, Response

from . import test_browser_roles as roles
from .browser import sign_in
from .test_browser_roles import (
    PASSWORD,
    _open_round,
    _page,
    at_both_widths,
    check_pages,
    serious_violations,
)

# The demo data and the browser context of the role tests.
demo = roles.demo
context = roles.context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _grouped_round() -> Assessment:
    slug, department, name = assessments_demo.GROUPED_ROUND
    return Assessment.objects.get(organisation__slug=slug, department__name=department,
                                  name=name)


def test_the_groups_show_beside_the_whole_round_and_small_ones_never(
        live_server, context, request, demo):
    page = _page(context, request)
    sign_in(page, live_server, "exec@acme.example", PASSWORD)
    grouped = _grouped_round()
    page.goto(f"{live_server.url}/o/acme/assessments/{grouped.public_id}/")
    groups = page.locator("#groups")
    text = groups.inner_text()
    assert "Service desk agents" in text and "Other respondents" in text
    assert "Groups differ" in text and "not shown on their own" in text
    assert "IT management" not in text
    groups.scroll_into_view_if_needed()
    at_both_widths(page, "round-groups")
    page.goto(f"{live_server.url}/o/acme/reports/assessments/{grouped.public_id}/")
    page.locator("#groups").scroll_into_view_if_needed()
    assert "IT management" not in page.inner_text("main")
    at_both_widths(page, "report-groups")
    assert check_pages(page, live_server, [
        f"/o/acme/assessments/{grouped.public_id}/",
        f"/o/acme/reports/assessments/{grouped.public_id}/"]) == []


def test_a_shared_link_is_created_copied_and_resumed_on_its_device(
        live_server, browser, context, request, demo):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = _page(context, request)
    sign_in(page, live_server, "consultant@example.com", PASSWORD)
    current = _open_round("acme")
    base = f"/o/acme/assessments/{current.public_id}/"
    page.goto(f"{live_server.url}{base}respondents/groups/")
    at_both_widths(page, "groups-form")
    page.goto(f"{live_server.url}{base}links/new/")
    page.fill("input[name=label]", "Newsletter")
    page.fill("input[name=group]", "Customers / business")
    page.fill("input[name=cap]", "0")
    page.click("main form button[type=submit]")
    assert "greater than or equal to 1" in page.inner_text("main form")  # a clear form error
    at_both_widths(page, "shared-link-form-error")
    page.fill("input[name=cap]", "25")
    page.click("main form button[type=submit]")
    page.wait_for_url("**#links")
    links = page.locator("#links")
    button = links.get_by_role("button", name="Copy link")
    button.click()
    page.wait_for_function(
        "() => document.querySelector('#links button[data-copy]').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(settings.SITE_URL + "/r/shared/")  # absolute, as in emails
    url = live_server.url + copied.removeprefix(settings.SITE_URL)
    links.scroll_into_view_if_needed()
    at_both_widths(page, "round-links")
    assert serious_violations(page) == []

    device = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844})
    try:
        visitor = device.new_page()
        visitor.shots = page.shots
        visitor.goto(url)
        at_both_widths(visitor, "shared-start")
        assert serious_violations(visitor) == []
        visitor.get_by_role("button", name="Start the questionnaire").click()
        visitor.wait_for_url("**/r/*/")
        questionnaire = visitor.url
        visitor.goto(url)  # the same device comes back to its own questionnaire
        visitor.wait_for_url(questionnaire)
        assert Response.objects.filter(shared_link__label="Newsletter").count() == 1
    finally:
        device.close()
