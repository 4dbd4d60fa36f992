"""The questionnaire's autosave in a real browser (static/js/questionnaire.js):
saved the moment an answer is given, retried until saved, kept across a reload,
refused once submitted — and usable with the keyboard alone."""

from __future__ import annotations

import re

import pytest

from assessments import services
from assessments.models import Answer, Response
from tests.assessment_factories import invitee, make_assessment
from tests.conftest import access_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link(world, live_server):
    assessment = make_assessment(world)
    response, token = invitee(assessment, name="Browser Bea")
    return response, f"{live_server.url}/r/{token}/dimension/people/"


def _answers(response):
    return {a.question.key: (a.option, a.comment)
            for a in Answer.objects.filter(response=response).select_related("question")}


def _state(browser_page, key):
    return browser_page.locator(f'[data-state-for="{key}"]')


def test_it_saves_each_answer_and_comment_as_it_is_given(link, page):
    response, url = link
    page.goto(url)
    page.shots(page, "questionnaire")
    page.click('label[for="q-people.2.1-largely"]')
    page.wait_for_selector('[data-state-for="people.2.1"][data-state="saved"]')
    assert "1 of 6 answered" in page.inner_text("#qn-progress-text")
    page.click("#q-people\\.3\\.1 summary")
    page.fill("#c-people\\.3\\.1", "Our runbook, page 4")
    page.wait_for_selector('[data-state-for="people.3.1"][data-state="saved"]')
    page.shots(page, "saved")
    assert _answers(response) == {"people.2.1": ("largely", ""),
                                  "people.3.1": ("", "Our runbook, page 4")}
    page.reload()
    assert page.is_checked("#q-people\\.2\\.1-largely")
    assert page.input_value("#c-people\\.3\\.1") == "Our runbook, page 4"


def test_it_retries_until_saved_and_loses_nothing_on_a_reload(link, page):
    response, url = link
    page.goto(url)
    page.route("**/save/", lambda route: route.abort())  # the connection is gone
    page.click('label[for="q-people.2.1-fully"]')
    page.wait_for_selector("#qn-warning:not([hidden])")
    assert _state(page, "people.2.1").get_attribute("data-state") == "retrying"
    page.shots(page, "offline-warning")
    assert _answers(response) == {}

    page.reload()  # still offline: the answer comes back from localStorage
    assert page.is_checked("#q-people\\.2\\.1-fully")
    page.wait_for_selector("#qn-warning:not([hidden])")
    page.unroute("**/save/")
    page.click("#qn-warning [data-retry]")
    page.wait_for_selector('[data-state-for="people.2.1"][data-state="saved"]')
    page.wait_for_selector("#qn-warning", state="hidden")
    assert _answers(response) == {"people.2.1": ("fully", "")}
    assert page.evaluate("Object.keys(localStorage).length") == 0


def test_it_locks_the_page_once_the_answers_are_submitted_elsewhere(link, page):
    response, url = link
    page.goto(url)
    services.response_submit(response=Response.objects.get(pk=response.pk))
    page.click('label[for="q-people.2.1-partly"]')
    page.wait_for_selector("#qn-warning:not([hidden])")
    assert "submitted" in page.inner_text("#qn-warning")
    assert page.is_disabled("#q-people\\.2\\.1-fully")
    assert not page.is_checked("#q-people\\.2\\.1-partly")  # the refused answer is undone
    assert "0 of 6 answered" in page.inner_text("#qn-progress-text")
    page.shots(page, "locked")
    assert _answers(response) == {}


def test_it_works_with_the_keyboard_alone(link, page):
    response, url = link
    page.goto(url)
    page.focus("#q-people\\.2\\.1-not_in_place")
    page.keyboard.press("ArrowRight")  # moves to and selects "partly"
    page.wait_for_selector('[data-state-for="people.2.1"][data-state="saved"]')
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('label[for=\"q-people.2.1-partly\"]'))"
        ".outlineStyle")
    assert outline == "solid"  # the focus is visible
    page.shots(page, "keyboard")
    assert _answers(response) == {"people.2.1": ("partly", "")}


def test_it_fits_a_phone(link, page):
    _response, url = link
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(url)
    page.shots(page, "phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    box = page.locator('label[for="q-people.2.1-fully"]').bounding_box()
    assert box["height"] >= 44 and box["width"] > 250  # large, stacked targets


def test_an_answer_given_after_the_link_was_renewed_is_kept_and_saved_with_the_new_link(
        world, live_server, page, mailoutbox):
    """The open tab of a renewed link keeps what it could not save, says why in the
    page's language (Swedish here), and the new link saves it in the same browser."""
    assessment = make_assessment(world)
    response, old = invitee(assessment, name="Sara", language="sv")
    page.goto(f"{live_server.url}/r/{old}/dimension/people/")
    services.respondent_renew_link(by=access_for(world.acme.manager, world.acme.org),
                                   response=Response.objects.get(pk=response.pk))
    new = re.search(r"/r/([A-Za-z0-9_\-]+)/", mailoutbox[-1].body).group(1)
    assert new != old
    page.click('label[for="q-people.2.1-largely"]')
    page.wait_for_selector("#qn-warning:not([hidden])")
    assert "ersatts av en ny" in page.inner_text("#qn-warning")
    assert _state(page, "people.2.1").get_attribute("data-state") == "kept"
    assert page.is_checked("#q-people\\.2\\.1-largely")  # still shown, not undone
    page.shots(page, "renewed")
    assert _answers(response) == {}
    assert "largely" in page.evaluate("JSON.stringify(localStorage)")

    page.goto(f"{live_server.url}/r/{new}/dimension/people/")
    page.wait_for_selector('[data-state-for="people.2.1"][data-state="saved"]')
    page.shots(page, "saved-with-the-new-link")
    assert _answers(response) == {"people.2.1": ("largely", "")}
    assert page.evaluate("Object.keys(localStorage).length") == 0
