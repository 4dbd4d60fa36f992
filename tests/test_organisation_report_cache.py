"""The organisation report (the executive's main page) is rendered once per change of
what it shows: kept in the cache under the organisation PDF's input hash, which an
answer still in progress does not change and a submission, a renamed department or a
new round does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as assessment_services
from assessments.models import Assessment
from reports.selectors import organisation_input_hash
from tests.assessment_factories import respondents_with_answers
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in
from tests.report_samples import seed_rounds

URL = "/o/acme/reports/"


@pytest.fixture
def rounds(world) -> list[Assessment]:
    """Two rounds per Acme department, the last one open."""
    return seed_rounds(organisation=world.acme.org, version=make_version(slug="report-model"),
                       rounds=2, respondents=3)


def _get(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _body(html: str) -> str:
    """The page below its PDF panel (which carries the reader's CSRF token)."""
    return html[html.index('id="pdf"'):].split("</section>", 1)[1]


def test_it_renders_the_report_once_and_serves_it_until_something_shown_changes(world, rounds):
    owner = signed_in(world.acme.owner)
    first, rendered = _get(owner)
    again, kept = _get(owner)
    assert _body(again) == _body(first)
    # The rounds, their submissions, results and texts are not read again: session, user,
    # access, the input hash (departments, rounds), whether the client takes part in a
    # benchmark (the one-pager's input hash covers the pool it shows), the PDFs' state
    # (the full report's and the one-pager's, in one) and the switcher.
    assert kept <= 8 and kept < rendered - 3
    # A department renamed: shown at once.
    department = world.acme.departments[1]
    department.name = "Field Services"
    department.save()
    renamed, _queries = _get(owner)
    assert "Field Services" in renamed and "Field Services" not in first


def test_an_answer_in_progress_changes_neither_the_report_nor_its_pdf(world, rounds):
    access = access_for(world.acme.owner, world.acme.org)
    latest = next(a for a in rounds if a.status == Assessment.Status.OPEN)
    page, _queries = _get(signed_in(world.acme.owner))
    assert f"In progress: 3 of 3 submitted ({latest.name})" in page
    # A respondent invited: the round in progress is named with how many were invited.
    before = organisation_input_hash(access, "en")
    [response] = respondents_with_answers(latest, 1, submitted=False)
    assert organisation_input_hash(access, "en") != before
    page, _queries = _get(signed_in(world.acme.owner))
    assert f"In progress: 3 of 4 submitted ({latest.name})" in page
    before = organisation_input_hash(access, "en")
    answer = response.answers.first()
    assessment_services.answer_save(response=response, question_key=answer.question.key,
                                    option="na" if answer.option != "na" else "fully")
    assert organisation_input_hash(access, "en") == before
    assessment_services.response_submit(response=response)
    assert organisation_input_hash(access, "en") != before
    after, rendered = _get(signed_in(world.acme.owner))
    assert rendered > 7  # rendered again, with the new submission counted
    assert f"In progress: 4 of 4 submitted ({latest.name})" in after
    # (The figures are the closed round's: the first screen's charts are drawn on the
    # server from the rounds' positions, reports/chart_svg.py.)
    assert 'aria-labelledby="section-1"' in after and "report-svg" in after


def test_what_is_kept_is_the_same_for_every_reader(world, rounds):
    owner = signed_in(world.acme.owner)
    viewer_page, rendered = _get(signed_in(world.acme.viewer))
    owner_page, kept = _get(owner)
    assert kept < rendered - 3  # the viewer's rendering is served to the owner
    assert _body(owner_page) == _body(viewer_page)
    assert "csrfmiddlewaretoken" not in _body(viewer_page)
