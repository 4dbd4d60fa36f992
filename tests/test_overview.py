"""The executive overview at the top of an organisation's home: each department's
latest closed round with the change since the one before, the quadrant, the most
important next steps and the newest PDF, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from organisations import changes
from organisations.models import Department, Organisation
from reports.models import Report
from reports.selectors import report_audience
from tests.assessment_factories import respondents_with_answers, version_with
from tests.conftest import access_for, signed_in
from tests.test_query_counts import KEPT_HOME_QUERIES, VIEWER_HOME_QUERIES

# An executive's home page rendered afresh as tests/test_query_counts.py counts it (which
# includes the overview's fingerprint, its closed rounds), then the newest PDF; the
# overview itself is kept in the cache (rendered: the closed rounds, the submitted
# responses of the rounds, the key of their cached results; the model's texts come from
# the cache). The home page kept whole until the organisation's stamp changes:
# KEPT_HOME_QUERIES.
OVERVIEW_HOME_QUERIES = VIEWER_HOME_QUERIES + 1
# Rendered afresh with the rounds' results in the cache: the closed rounds and their
# submitted responses besides.
RENDERED_OVERVIEW_QUERIES = OVERVIEW_HOME_QUERIES + 2


def _closed_rounds(world, departments, version, *, rounds=2, cast=None):
    cast = cast or world.acme
    access = access_for(cast.manager, cast.org)
    made = []
    for d, department in enumerate(departments):
        for r in range(rounds):
            assessment = services.assessment_create(
                by=access, department=department, model_version=version,
                name=f"Round {r + 1}")
            assessment = services.assessment_open(by=access, assessment=assessment)
            # Three: an anonymous round with fewer shows no result (test_anonymity.py).
            respondents_with_answers(assessment, 3, seed=d + 3 * r)
            services.assessment_close(by=access, assessment=assessment)
            Assessment.objects.filter(pk=assessment.pk).update(
                created_at=timezone.now() - timedelta(days=100 * (rounds - r)))
            made.append(assessment)
    return made


def _count(client, url: str, *, warm: bool = True) -> tuple[int, str]:
    """The home page's queries rendered afresh (its organisation's stamp replaced, as
    a change would), with the overview kept if ``warm``. The writes before it are taken
    as committed."""
    organisation = list(Organisation.objects.filter(slug=url.split("/")[2]).values_list(
        "pk", flat=True))
    if warm:
        changes.replace(organisation)
        client.get(url)  # warm the caches (round results, the overview among them)
    changes.replace(organisation)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _rendered_count(client, department: Department) -> int:
    """The home page's queries when the overview is rendered again (a department was
    renamed) with the rounds' results still in the cache."""
    Department.objects.filter(pk=department.pk).update(name=Concat("name", Value(".")))
    return _count(client, "/o/acme/", warm=False)[0]


def test_the_overview_costs_the_same_with_2_and_20_departments(world):
    version = version_with(12)
    _closed_rounds(world, world.acme.departments, version)
    viewer = signed_in(world.acme.viewer)
    small, page = _count(viewer, "/o/acme/")
    assert "data-overview" in page
    small_rendered = _rendered_count(viewer, world.acme.departments[0])
    more = [Department.objects.create(organisation=world.acme.org, name=f"More {i}")
            for i in range(18)]
    _closed_rounds(world, more, version)
    large, page = _count(viewer, "/o/acme/")
    assert page.count('scope="row" class="fw-normal"><a href="/o/acme/reports/') == 20
    assert large == small == OVERVIEW_HOME_QUERIES
    large_rendered = _rendered_count(viewer, world.acme.departments[0])
    assert large_rendered == small_rendered == RENDERED_OVERVIEW_QUERIES


def _open_rounds(world, departments, version):
    access = access_for(world.acme.manager, world.acme.org)
    for d, department in enumerate(departments):
        assessment = services.assessment_open(by=access, assessment=services.assessment_create(
            by=access, department=department, model_version=version, name="In progress"))
        respondents_with_answers(assessment, 1, seed=d)
        respondents_with_answers(assessment, 1, submitted=False, seed=d)


def test_rounds_in_progress_cost_one_query_more_whatever_their_number(world):
    """Named beside the results with how many submitted: the overview's fingerprint reads
    their respondents (one query), and so does the overview when rendered."""
    version = version_with(12)
    _closed_rounds(world, world.acme.departments, version)
    _open_rounds(world, world.acme.departments, version)
    viewer = signed_in(world.acme.viewer)
    small, page = _count(viewer, "/o/acme/")
    assert page.count("In progress: 1 of 2 submitted (In progress)") == 2
    small_rendered = _rendered_count(viewer, world.acme.departments[0])
    more = [Department.objects.create(organisation=world.acme.org, name=f"More {i}")
            for i in range(18)]
    _closed_rounds(world, more, version)
    _open_rounds(world, more, version)
    large, page = _count(viewer, "/o/acme/")
    assert page.count("In progress: 1 of 2 submitted (In progress)") == 20
    assert large == small == OVERVIEW_HOME_QUERIES + 1
    large_rendered = _rendered_count(viewer, world.acme.departments[0])
    assert large_rendered == small_rendered == RENDERED_OVERVIEW_QUERIES + 2


def test_it_shows_levels_indexes_changes_steps_and_the_latest_pdf(world):
    version = version_with(12)
    rounds = _closed_rounds(world, world.acme.departments[:1], version)
    # An open round later is no result yet: named as in progress, the figures are the
    # latest closed round's.
    access = access_for(world.acme.manager, world.acme.org)
    services.assessment_open(by=access, assessment=services.assessment_create(
        by=access, department=world.acme.departments[0], model_version=version,
        name="Still open"))
    viewer_access = access_for(world.acme.viewer, world.acme.org)
    report = Report.objects.create(organisation=world.acme.org, assessment=rounds[-1],
                                   status=Report.Status.READY, input_hash="x" * 64,
                                   language="en",
                                   audience=report_audience(viewer_access, rounds[-1]))
    page = signed_in(world.acme.viewer).get("/o/acme/").content.decode()
    section = page[page.index("data-overview"):page.index("</section>",
                                                            page.index("data-overview"))]
    assert world.acme.departments[0].name in section
    assert "Round 2" in section and "In progress: 0 of 0 submitted (Still open)" in section
    assert "data-delta" in section  # change since Round 1
    assert reverse("reports:download", args=["acme", report.public_id]) in section
    assert 'data-svg-chart="quadrant"' in section  # drawn on the server: no plotly.js
    assert reverse("reports:assessment", args=["acme", rounds[-1].public_id]) in section


def test_there_is_no_overview_before_a_round_is_closed(world):
    page = signed_in(world.acme.viewer).get("/o/acme/").content.decode()
    assert "data-overview" not in page


def test_there_is_none_while_no_closed_round_has_a_submission(world):
    access = access_for(world.acme.manager, world.acme.org)
    unanswered = services.assessment_open(by=access, assessment=services.assessment_create(
        by=access, department=world.acme.departments[0], model_version=version_with(12),
        name="Nobody answered"))
    services.assessment_close(by=access, assessment=unanswered)
    viewer = signed_in(world.acme.viewer)
    for _twice in range(2):  # rendered (empty), then kept
        assert "data-overview" not in viewer.get("/o/acme/").content.decode()


def test_a_drop_of_one_level_reads_in_the_singular():
    from django.template.loader import render_to_string

    html = render_to_string("reports/_overview_delta.html", {"delta": -0.54, "level": -1})
    assert "−1 level<" in html and "levels" not in html
    html = render_to_string("reports/_overview_delta.html", {"delta": 1.2, "level": 2})
    assert "+2 levels" in html


def test_departments_of_different_models_are_averaged_apart_and_share_the_quadrant(world):
    first, second = version_with(12, slug="model-a"), version_with(12, slug="model-b")
    _closed_rounds(world, world.acme.departments[:1], first, rounds=1)
    _closed_rounds(world, world.acme.departments[1:2], second, rounds=1)
    page = signed_in(world.acme.viewer).get("/o/acme/").content.decode()
    section = page[page.index("data-overview"):page.index("</section>",
                                                            page.index("data-overview"))]
    overall = section[section.index("data-overall"):section.index("</ul>",
                                                                  section.index("data-overall"))]
    assert "Average maturity index per model" in section
    assert overall.count("<li>") == 2 and overall.count("(1 department)") == 2
    # One quadrant with both departments, whichever model they use.
    quadrant = section[section.index('data-svg-chart="quadrant"'):]
    for department in world.acme.departments[:2]:
        assert department.name in quadrant


def _overview(client, org: str = "acme") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/o/{org}/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index("data-overview")
    return page[start:page.index("</section>", start)], len(queries)


def _fresh(client, org: str = "acme") -> str:
    """The overview rendered from nothing kept: what the kept one must equal."""
    cache.clear()
    return _overview(client, org)[0]


def test_the_overview_is_kept_until_what_it_shows_changes(
        world, django_capture_on_commit_callbacks):
    version = version_with(12)
    rounds = _closed_rounds(world, world.acme.departments[:1], version)
    changes.replace([world.acme.org.pk])  # as the commits of those writes would
    viewer = signed_in(world.acme.viewer)
    first, rendered = _overview(viewer)
    again, kept = _overview(viewer)
    assert again == first
    assert kept == KEPT_HOME_QUERIES < rendered

    edits = {
        "a department renamed": lambda: Department.objects.filter(
            pk=world.acme.departments[0].pk).update(name="Field Services"),
        "another department's round closed": lambda: _closed_rounds(
            world, world.acme.departments[1:2], version, rounds=1),
        "the latest round reopened": lambda: services.assessment_reopen(
            by=access_for(world.acme.owner, world.acme.org), assessment=rounds[-1]),
        "answered again and closed": lambda: (
            respondents_with_answers(rounds[-1], 3, seed=1),
            services.assessment_close(by=access_for(world.acme.owner, world.acme.org),
                                      assessment=rounds[-1])),
        "a new PDF": lambda: Report.objects.create(
            organisation=world.acme.org, assessment=rounds[-1], status=Report.Status.READY,
            input_hash="y" * 64, language="en",
            audience=report_audience(access_for(world.acme.viewer, world.acme.org),
                                     rounds[-1])),
    }
    shown = first
    for change, make in edits.items():
        with django_capture_on_commit_callbacks(execute=True):  # as when it commits
            make()
        served, _queries = _overview(viewer)
        assert served != shown, change
        assert served == _fresh(viewer), change
        shown = served
    assert "Field Services" in shown and world.acme.departments[1].name in shown
    assert "data-latest-pdf" in shown and "data-latest-pdf" not in first


def test_each_reader_sees_the_newest_pdf_of_their_own_audience(world):
    [named] = _closed_rounds(world, world.acme.departments[:1], version_with(12), rounds=1)
    Assessment.objects.filter(pk=named.pk).update(anonymity=Assessment.Anonymity.NAMED)
    with_names = Report.objects.create(
        organisation=world.acme.org, assessment=named, status=Report.Status.READY,
        input_hash="z" * 64, language="en", audience=Report.Audience.WITH_NAMES)
    link = reverse("reports:download", args=["acme", with_names.public_id])
    owner_section, _queries = _overview(signed_in(world.acme.owner))
    viewer_section, _queries = _overview(signed_in(world.acme.viewer))  # executive
    assert link in owner_section
    assert link not in viewer_section and "data-latest-pdf" not in viewer_section


def test_an_organisations_overview_is_its_own(world):
    version = version_with(12)
    _closed_rounds(world, world.acme.departments, version, rounds=1)
    _closed_rounds(world, world.globex.departments, version, rounds=1, cast=world.globex)
    acme, _queries = _overview(signed_in(world.acme.viewer))
    globex, _queries = _overview(signed_in(world.globex.viewer), "globex")
    for department in world.acme.departments:
        assert department.name in acme and department.name not in globex
    for department in world.globex.departments:
        assert department.name in globex and department.name not in acme
    assert "/o/acme/" not in globex
