"""Follow-up rounds in a real browser: "Start the next round" on a newer version, the
answers carried from last round marked and confirmed on the questionnaire, and the
trend across versions; each page at 390 and 1280 px without a serious axe-core
violation (screenshots in artifacts/e2e/<test>/)."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Answer, Assessment
from tests.assessment_factories import respondents_with_answers
from tests.catalog_factories import make_version
from tests.conftest import PASSWORD, access_for
from tests.test_browser_roles import at_both_widths, serious_violations
from tests.test_followup_rounds import _v2_document, closed_round  # noqa: F401 - fixture

from .browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_starts_the_next_round_and_confirms_last_rounds_answers(
        world, closed_round, page, live_server):  # noqa: F811 - the fixture
    make_version(slug="fu-model", document=_v2_document("fu-model"))
    sign_in(page, live_server, world.acme.manager.email, PASSWORD)
    page.goto(f"{live_server.url}/o/acme/assessments/{closed_round.public_id}/")
    page.click("text=Start the next round")
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
    at_both_widths(page, "start-next-round")
    page.fill("input[name=name]", "Autumn 2027")
    page.check("input[name=model_choice][value=latest]")
    page.fill("input[name=remind_every_days]", "7")
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    follow_up = Assessment.objects.get(follows=closed_round)
    assert follow_up.model_version.number == 2 and follow_up.remind_every_days == 7
    assert "Follows the round" in page.inner_text("main")
    assert page.get_by_role("link", name=f"“{closed_round.name}”").count() == 1  # back to it
    at_both_widths(page, "next-round-draft")

    services.assessment_open(by=access_for(world.acme.manager, world.acme.org),
                             assessment=follow_up)
    page.goto(f"{live_server.url}/o/acme/assessments/{follow_up.public_id}/answer/"
              "dimension/people/")
    assert page.locator(".qn-carried").count() == 2
    assert "0 of 6 answered" in page.inner_text("#qn-progress-text")
    assert serious_violations(page) == []
    at_both_widths(page, "carried-answers")
    # Answering a carried statement replaces its mark at once.
    page.click('label[for="q-people.3.1-partly"]')
    page.wait_for_selector('[data-state-for="people.3.1"][data-state="saved"]')
    assert page.locator(".qn-carried").count() == 1
    page.click("text=Confirm the answers from last round on this page")
    page.wait_for_load_state("networkidle")
    assert page.locator(".qn-carried").count() == 0
    page.shots(page, "confirmed")
    member = follow_up.responses.get(user=world.acme.manager)
    assert dict(Answer.objects.filter(response=member).values_list("question__key", "option")
                ) == {"people.2.2": "largely", "people.3.1": "partly"}


def test_the_trend_across_versions_is_drawn_per_dimension(world, closed_round, page,  # noqa: F811
                                                          live_server):
    make_version(slug="fu-model", document=_v2_document("fu-model"))
    access = access_for(world.acme.manager, world.acme.org)
    from assessments import followup

    follow_up = followup.assessment_start_next(by=access, assessment=closed_round,
                                               name="On v2", model_choice="latest")
    services.assessment_open(by=access, assessment=follow_up)
    respondents_with_answers(follow_up, 3)
    # A trend draws closed rounds (AssessmentQuerySet.reported).
    services.assessment_close(by=access, assessment=follow_up)
    sign_in(page, live_server, world.acme.owner.email, PASSWORD)
    page.goto(f"{live_server.url}/o/acme/assessments/departments/"
              f"{closed_round.department.public_id}/")
    assert "different versions of the model (1, 2)" in page.inner_text("main")
    assert serious_violations(page) == []
    at_both_widths(page, "department-trend")
    page.goto(f"{live_server.url}/o/acme/reports/")
    page.wait_for_load_state("networkidle")
    assert "different versions of the model (1, 2)" in page.inner_text("main")
    assert serious_violations(page) == []
    at_both_widths(page, "organisation-trend")
