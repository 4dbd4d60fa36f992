"""Every role in a real browser, on the demo data: each reaches what they came for in
at most two clicks from their home page, every page type has no serious or critical
axe-core violation, the navbar never overflows, and the busy pages are photographed at
390 and 1280 px (artifacts/e2e/<test>/).

One browser for the session (tests/browser.py); per test one signed-in context and the
demo data built once (the demo's seed, as ``make run`` loads it).
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from assessments import demo as assessments_demo
from assessments import services as assessment_services
from assessments.models import Assessment, Response
from models_catalog import services as catalog_services
from models_catalog.models import ModelVersion
from organisations.access import organisation_access
from organisations.demo import seed_organisations
from organisations.models import Organisation, User

from .browser import Shots, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-password"  # noqa: S105 - test data
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
AXE = Axe()


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("load_catalog", verbosity=0)
    orgs = seed_organisations()
    assessments_demo.seed(orgs)
    return orgs


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="en-GB", viewport=LAPTOP, accept_downloads=True)
    yield context
    context.close()


def _page(context, request):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.shots = Shots(request.node.name)
    return page


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    results = AXE.run(page)
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


# What sticks out furthest to the right, to say why a page overflows.
WIDEST = """[...document.querySelectorAll('body *')].map(e => [e.getBoundingClientRect().right,
  e.tagName + '.' + e.className]).sort((a, b) => b[0] - a[0]).slice(0, 3)"""


def overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def check_pages(page, live_server, paths: list[str], *, expect_status=200) -> list[str]:
    """Open each page and collect what is wrong: status, axe, horizontal overflow."""
    problems = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if response.status != expect_status:
            problems.append(f"{path}: status {response.status}")
            continue
        problems += serious_violations(page)
        if overflows(page):
            problems.append(f"{path}: wider than the window")
    return problems


def at_both_widths(page, name: str) -> None:
    """Screenshots of the current page at phone and laptop width (and no overflow)."""
    for label, viewport in (("390", PHONE), ("1280", LAPTOP)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)  # the charts redraw on resize
        page.shots(page, f"{name}-{label}")
        assert not overflows(page), f"{page.url} overflows at {label} px"
    page.set_viewport_size(LAPTOP)


def _open_round(slug: str, department: str = "IT Service Desk") -> Assessment:
    return Assessment.objects.get(organisation__slug=slug, department__name=department,
                                  status=Assessment.Status.OPEN)


def _closed_round(slug: str, department: str = "IT Service Desk") -> Assessment:
    return (Assessment.objects.filter(organisation__slug=slug, department__name=department,
                                      status=Assessment.Status.CLOSED)
            .order_by("-created_at").first())


# ------------------------------------------------------------------- the roles


def test_the_executive_reaches_the_numbers_and_a_departments_report_in_one_click(
        live_server, context, request, demo):
    page = _page(context, request)
    sign_in(page, live_server, "exec@acme.example", PASSWORD)
    page.wait_for_url("**/o/acme/")
    overview = page.locator("[data-overview]")
    overview.wait_for()
    # One laptop screen: the overview ends above the fold, without scrolling.
    box = overview.bounding_box()
    assert box["y"] + box["height"] <= LAPTOP["height"], box
    assert "IT Service Desk" in overview.inner_text()
    # The quadrant is drawn on the server: there at once, no plotly.js on the home page.
    assert overview.locator("svg[data-svg-chart=quadrant] [data-point]").count() == 3
    assert page.evaluate("window.Plotly === undefined")
    at_both_widths(page, "executive-home")
    overview.get_by_role("link", name="IT Service Desk").click()  # click 1
    page.wait_for_url("**/reports/assessments/**")
    assert "IT Service Desk" in page.inner_text("main")
    at_both_widths(page, "executive-report")

    closed = _closed_round("acme")
    problems = check_pages(page, live_server, [
        "/o/acme/", "/o/acme/departments/",
        f"/o/acme/departments/{closed.department.public_id}/",
        "/o/acme/assessments/", f"/o/acme/assessments/departments/{closed.department.public_id}/",
        f"/o/acme/assessments/{closed.public_id}/",
        f"/o/acme/reports/assessments/{closed.public_id}/", "/o/acme/reports/",
        "/o/acme/reports/files/", "/o/acme/models/", "/accounts/profile/",
    ])
    problems += check_pages(page, live_server, ["/o/acme/members/", "/o/acme/audit/"],
                            expect_status=403)
    problems += check_pages(page, live_server, ["/o/acme/no-such-page/"], expect_status=404)
    assert not problems, "\n".join(problems)


def test_the_manager_reaches_the_questionnaire_in_one_click_and_the_round_in_two(
        live_server, context, request, demo):
    page = _page(context, request)
    sign_in(page, live_server, "manager@acme.example", PASSWORD)
    page.wait_for_url("**/o/acme/")
    at_both_widths(page, "manager-home")
    # What they came to do is on their home page: one click to their questionnaire.
    page.locator("[data-waiting] a").first.click()
    page.wait_for_url("**/answer/")
    page.go_back()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assessments").click()
    page.wait_for_url("**/o/acme/assessments/")  # click 1
    page.get_by_role("link", name="Q4 2026").first.click()  # click 2
    page.wait_for_url("**/o/acme/assessments/*/")
    heading = page.inner_text("h1")
    assert "Q4 2026" in heading
    assert page.get_by_role("link", name="Full report").count() == 1
    assert page.get_by_role("link", name=re.compile("Continue answering|Answer the "
                                                    "questionnaire|My answers")).count() == 1
    at_both_widths(page, "manager-results")

    page.get_by_role("link", name=re.compile("Continue answering|Answer the questionnaire|"
                                             "My answers")).click()
    page.wait_for_url("**/answer/")
    at_both_widths(page, "manager-questionnaire-start")
    page.locator(".qn a[href*='/answer/dimension/']").first.click()
    page.wait_for_url("**/answer/dimension/**")
    at_both_widths(page, "manager-questionnaire")
    questionnaire = page.url.removeprefix(live_server.url)

    open_round = _open_round("acme")
    problems = check_pages(page, live_server, [
        "/o/acme/", f"/o/acme/assessments/{open_round.public_id}/", questionnaire,
        f"/o/acme/assessments/{open_round.public_id}/answer/review/",
        f"/o/acme/reports/assessments/{open_round.public_id}/",
        f"/o/acme/assessments/{open_round.public_id}/offline/",
        "/o/acme/models/", "/accounts/profile/",
    ])
    assert not problems, "\n".join(problems)


def test_the_consultant_reaches_a_clients_report_in_two_clicks(
        live_server, context, request, demo):
    # Long names: the navbar must still fit at 1200 and 1280 px.
    Organisation.objects.filter(slug="northwind").update(
        name="Northwind Consulting International Service Management Partners")
    Organisation.objects.filter(slug="acme").update(
        name="Acme Corporation Shared Services and Facilities Management Europe")
    User.objects.filter(email="consultant@example.com").update(
        full_name="Nora Konstantinopolitanska-Hohenzollern Consultant")
    page = _page(context, request)
    sign_in(page, live_server, "consultant@example.com", PASSWORD)
    page.goto(f"{live_server.url}/")
    page.shots(page, "consultant-home")
    page.get_by_role("link", name=re.compile("^Acme Corporation")).first.click()  # click 1
    page.wait_for_url("**/o/acme/")
    page.locator("[data-overview]").get_by_role("link", name="IT Service Desk").click()  # 2
    page.wait_for_url("**/reports/assessments/**")
    assert "IT Service Desk" in page.inner_text("main")

    for width in (1200, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/o/northwind/", "/o/northwind/portfolio/", "/o/acme/"):
            page.goto(f"{live_server.url}{path}")
            assert not overflows(page), f"{path} overflows at {width} px"
            # Nothing of the navbar is cut off: the user menu is inside the window.
            menu = page.locator(".user-menu > .btn").bounding_box()
            assert menu["x"] + menu["width"] <= width, (path, width, menu)
            select = page.locator("#language-select").bounding_box()
            assert select["width"] >= 90, (path, width, select)
            # One line: the sections do not wrap (the switcher's name is shortened first).
            tops = page.evaluate("[...document.querySelectorAll('#nav-main .navbar-nav > li')]"
                                 ".map(li => Math.round(li.getBoundingClientRect().top))")
            assert len(set(tops)) == 1, (path, width, tops)
        page.shots(page, f"consultant-navbar-{width}")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/o/acme/")
    page.shots(page, "consultant-home-390")
    assert not overflows(page), page.evaluate(WIDEST)
    page.get_by_role("button", name="Toggle navigation").click()
    page.wait_for_selector("#nav-main.show")
    page.shots(page, "consultant-navbar-390-open")
    assert not overflows(page), page.evaluate(WIDEST)
    page.set_viewport_size(LAPTOP)

    draft = _acme_draft()
    closed = _closed_round("acme")
    # A long word (a German round name, a Hungarian compound) must wrap on a phone.
    Assessment.objects.filter(department=closed.department).update(
        name="Q3 Serviceüberprüfungsverfahrensbeschreibungsdokumentationsrunde")
    paths = [
        "/o/northwind/", "/o/northwind/portfolio/", "/o/acme/", "/o/acme/departments/",
        f"/o/acme/departments/{closed.department.public_id}/",
        "/o/acme/assessments/", f"/o/acme/assessments/{closed.public_id}/",
        f"/o/acme/reports/assessments/{closed.public_id}/", "/o/acme/reports/",
        "/o/northwind/reports/", "/o/acme/models/",
        f"/o/acme/models/{draft.model.slug}/",
        f"/o/acme/models/{draft.model.slug}/v{draft.number}/",
        f"/o/acme/models/{draft.model.slug}/v{draft.number}/edit/",
        "/o/acme/members/", "/o/acme/invitations/", "/o/northwind/audit/",
        "/accounts/profile/", f"/o/acme/actions/departments/{closed.department.public_id}/",
    ]
    problems = check_pages(page, live_server, paths)
    # On a phone too (a wide table scrolls inside its own box, never the page).
    page.set_viewport_size(PHONE)
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        if overflows(page):
            problems.append(f"{path}: wider than a phone: {page.evaluate(WIDEST)}")
    assert not problems, "\n".join(problems)
    # "Sign out" in the user menu submits the page's sign-out form (with its CSRF token).
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/o/acme/")
    page.locator(".user-menu > .btn").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{live_server.url}/o/acme/")
    page.wait_for_url("**/accounts/login/**")  # signed out: the tenant page asks again


def _acme_draft() -> ModelVersion:
    consultant = User.objects.get(email="consultant@example.com")
    shipped = ModelVersion.objects.filter(model__slug="topdesk-semm",
                                          status=ModelVersion.Status.PUBLISHED).first()
    return catalog_services.model_copy(version=shipped,
                                       by=organisation_access(consultant, "acme"),
                                       slug="acme-semm")


def test_a_respondent_through_a_link_answers_in_one_click_and_is_told_what_happens_next(
        live_server, context, request, demo):
    response = Response.objects.filter(assessment=_open_round("acme"), user__isnull=True,
                                       submitted_at__isnull=True).first()
    token = assessment_services.issue_link(response=response)
    page = _page(context, request)
    page.goto(f"{live_server.url}/r/{token}/")  # the link in the email: their home page
    at_both_widths(page, "respondent-start")
    problems = serious_violations(page)
    page.locator(".qn a[href*='/dimension/']").first.click()  # click 1
    page.wait_for_url("**/dimension/**")
    assert page.locator(".qn-question, [data-question]").count() >= 1
    at_both_widths(page, "respondent-questionnaire")
    problems += serious_violations(page)

    # Answered and submitted: thanked, told what happens next, shown no tenant page.
    response.refresh_from_db()
    from assessments.models import Answer
    Answer.objects.bulk_create(
        [Answer(response=response, question=q, option="largely")
         for q in response.assessment.model_version.questions.all()],
        ignore_conflicts=True)
    assessment_services.response_submit(response=response)
    page.goto(f"{live_server.url}/r/{token}/")
    assert page.locator("[data-next=respondent]").is_visible()
    page.shots(page, "respondent-thanked")
    problems += serious_violations(page)
    assert not problems, "\n".join(problems)


@pytest.mark.urls("tests.test_error_pages")  # the project's URLs and /test-fails/ (a 500)
def test_anonymous_visitors_get_the_landing_page_and_accessible_sign_in_and_errors(
        live_server, context, request, db):
    page = _page(context, request)
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("link", name="Sign up").count() >= 1
    at_both_widths(page, "landing")
    problems = check_pages(page, live_server, ["/", "/accounts/login/", "/accounts/signup/",
                                               "/accounts/password-reset/"])
    problems += check_pages(page, live_server, ["/no-such-page/"], expect_status=404)
    problems += check_pages(page, live_server, ["/test-fails/"], expect_status=500)
    at_both_widths(page, "server-error")
    assert not problems, "\n".join(problems)
