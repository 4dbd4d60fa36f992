"""Navigation that follows the work: every tenant page has breadcrumbs, a round leads
to its report and PDF, a department to its rounds, a submitted questionnaire to the
results its respondent may see."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Response
from tests.assessment_factories import invitee, make_assessment, respondents_with_answers
from tests.conftest import signed_in
from tests.tenant_params import ParamResolver, load_params
from tests.tenant_params._urls import tenant_routes

BREADCRUMB = re.compile(r'<nav aria-label="Breadcrumb">\s*<ol class="breadcrumb')


def test_it_shows_breadcrumbs_on_every_tenant_page(world):
    resolver = ParamResolver(world, load_params())
    client = signed_in(world.acme.owner)
    missing, seen = [], 0
    for route in tenant_routes():
        values = {k: resolver[k] for k in route.kwargs if k != "org_slug"}
        response = client.get(route.url({"org_slug": "acme", **values}))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        if not BREADCRUMB.search(response.content.decode()):
            missing.append(route.name)
    assert seen > 20
    assert not missing, f"pages without breadcrumbs: {missing}"


def _navbar(page: str) -> str:
    return page[page.index('id="nav-main"'):page.index("</nav>")]


def test_owners_find_the_set_up_under_more_and_others_see_every_section_on_the_bar(world):
    """templates/organisations/_org_nav.html: the daily work stays on the bar, the set-up
    goes under "More" for those who may do it, so that the bar holds one line at 1280 px;
    the page's section is marked there too."""
    owner = _navbar(signed_in(world.acme.owner).get(
        reverse("organisations:audit_log", args=["acme"])).content.decode())
    more = owner[owner.index('id="nav-more"'):]
    assert re.search(r'class="nav-link dropdown-toggle active" id="nav-more"', owner)
    for name in ("department_list", "member_list", "invitation_list", "audit_log"):
        assert reverse(f"organisations:{name}", args=["acme"]) in more, name
    assert reverse("models_catalog:catalogue", args=["acme"]) in more
    assert re.search(r'class="dropdown-item active" aria-current="page" href="'
                     + reverse("organisations:audit_log", args=["acme"]), more)
    for name in ("assessments:index", "reports:organisation", "improvement:index"):
        assert reverse(name, args=["acme"]) in owner[:owner.index('id="nav-more"')], name

    viewer = _navbar(signed_in(world.acme.viewer).get(
        reverse("organisations:department_list", args=["acme"])).content.decode())
    assert 'id="nav-more"' not in viewer
    assert reverse("organisations:member_list", args=["acme"]) not in viewer
    assert re.search(r'class="nav-link active" aria-current="page" href="'
                     + reverse("organisations:department_list", args=["acme"]), viewer)
    assert reverse("models_catalog:catalogue", args=["acme"]) in viewer


def test_the_round_page_links_to_its_report_and_pdf(world):
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 3)  # anonymous: fewer show no result
    page = signed_in(world.acme.viewer).get(
        reverse("assessments:detail", args=["acme", assessment.public_id])).content.decode()
    report = reverse("reports:assessment", args=["acme", assessment.public_id])
    assert f'href="{report}"' in page
    assert f'href="{report}#pdf"' in page


def test_a_round_without_submitted_answers_has_no_report_link_yet(world):
    assessment = make_assessment(world)
    page = signed_in(world.acme.viewer).get(
        reverse("assessments:detail", args=["acme", assessment.public_id])).content.decode()
    assert reverse("reports:assessment", args=["acme", assessment.public_id]) not in page


def test_the_department_page_links_to_its_rounds_and_trend(world):
    department = world.acme.departments[0]
    page = signed_in(world.acme.viewer).get(
        reverse("organisations:department_detail", args=["acme", department.public_id]))
    assert reverse("assessments:department", args=["acme", department.public_id]) \
        in page.content.decode()


def test_a_member_who_submitted_is_led_to_the_results(world):
    assessment = make_assessment(world)
    client = signed_in(world.acme.manager)
    response = Response.objects.create(assessment=assessment, user=world.acme.manager)
    Answer.objects.bulk_create(Answer(response=response, question=q, option="partly")
                               for q in assessment.model_version.questions.all())
    services.response_submit(response=response)
    page = client.get(reverse("assessments:answer", args=["acme", assessment.public_id]),
                      follow=True).content.decode()
    assert reverse("assessments:detail", args=["acme", assessment.public_id]) in page
    assert reverse("reports:assessment", args=["acme", assessment.public_id]) in page
    assert 'data-next="member"' in page


def _submitted_through_a_link(world):
    assessment = make_assessment(world)
    response, token = invitee(assessment)
    Answer.objects.bulk_create(Answer(response=response, question=q, option="fully")
                               for q in assessment.model_version.questions.all())
    services.response_submit(response=response)
    # An afternoon time: English writes it "3:52 p.m.", which once ended in "p.m.. Thank".
    Response.objects.filter(pk=response.pk).update(
        submitted_at=datetime(2026, 12, 2, 15, 52, tzinfo=UTC))
    return token


@pytest.mark.parametrize("language", ["en", "sv", "hu", "nb"])
def test_a_respondent_through_a_link_is_thanked_and_told_what_happens_next(world, language):
    token = _submitted_through_a_link(world)
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(
        reverse("respondent:start", args=[token])).content.decode()
    assert f'lang="{language}"' in page
    assert 'data-next="respondent"' in page
    assert "/o/acme/" not in page  # none of the tenant's pages
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert not re.search(r"\.\s*\.", text.replace("…", "")), "a doubled full stop"


def test_a_members_home_offers_the_questionnaires_waiting_for_their_answers(world):
    waiting = make_assessment(world, name="Waiting round")
    done = make_assessment(world, name="Done round", department=1)
    Response.objects.create(assessment=waiting, user=world.acme.manager)
    submitted = Response.objects.create(assessment=done, user=world.acme.manager)
    Answer.objects.bulk_create(Answer(response=submitted, question=q, option="partly")
                               for q in done.model_version.questions.all())
    services.response_submit(response=submitted)
    page = signed_in(world.acme.manager).get("/o/acme/").content.decode()
    assert "data-waiting" in page and "Waiting round" in page and "Done round" not in page
    assert reverse("assessments:answer", args=["acme", waiting.public_id]) in page
    # Someone with nothing to answer sees no such panel.
    assert "data-waiting" not in signed_in(world.acme.viewer).get("/o/acme/").content.decode()
