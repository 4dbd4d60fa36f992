"""A department's latest result is the same on every surface (the tester's report: the
home page said IT Service Desk 3.68 from its closed Q3 round, the organisation report
3.44 from the open, partial Q4 round, and its PDF showed the partial figures unmarked).

The rule (``AssessmentQuerySet.reported``, ``reports.selectors.latest_results``): a
department's latest result is its latest closed round with a submitted response; a round
still open is named beside it as in progress, with how many have submitted, never with
its figures. One set of rounds goes through every surface that shows departments'
results: the home page's overview, the organisation report, the PDF and one-pager it is
rendered to, the consultancy's portfolio and the exports.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import load_workbook

from assessments import services
from assessments.models import Assessment
from assessments.selectors import assessment_results
from organisations.models import Department
from reports import exports
from reports import services as report_services
from reports.selectors import latest_results
from tests.assessment_factories import respondents_with_answers, version_with
from tests.conftest import access_for, signed_in


def _round(access, department, version, name: str, *, days_ago: int, submitted: int,
           waiting: int = 0, close: bool) -> Assessment:
    assessment = services.assessment_create(by=access, department=department,
                                            model_version=version, name=name)
    assessment = services.assessment_open(by=access, assessment=assessment)
    respondents_with_answers(assessment, submitted, seed=days_ago)
    respondents_with_answers(assessment, waiting, submitted=False, seed=days_ago + 1)
    if close:
        assessment = services.assessment_close(by=access, assessment=assessment)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago))
    return assessment


@pytest.fixture
def rounds(world):
    """IT: Q3 closed, Q4 open with 1 of 3 submitted. HR: only Q4, open, 1 of 2
    submitted. Facilities: Q2 and Q3, both closed. Three submitted respondents in each
    closed round: enough to be shown in an anonymous round."""
    access = access_for(world.acme.manager, world.acme.org)
    version = version_with(12)
    it, hr = world.acme.departments
    Department.objects.filter(pk=it.pk).update(name="IT Service Desk")
    Department.objects.filter(pk=hr.pk).update(name="HR Services")
    facilities = Department.objects.create(organisation=world.acme.org, name="Facilities")
    made = {
        "it_q3": _round(access, it, version, "Q3 IT", days_ago=150, submitted=3, close=True),
        "it_q4": _round(access, it, version, "Q4 IT", days_ago=10, submitted=1, waiting=2,
                        close=False),
        "hr_q4": _round(access, hr, version, "Q4 HR", days_ago=12, submitted=1, waiting=1,
                        close=False),
        "fa_q2": _round(access, facilities, version, "Q2 Facilities", days_ago=250,
                        submitted=3, close=True),
        "fa_q3": _round(access, facilities, version, "Q3 Facilities", days_ago=140,
                        submitted=4, close=True),
    }
    cache.clear()
    return {key: Assessment.objects.get(pk=a.pk) for key, a in made.items()}


def _index(assessment: Assessment) -> str:
    """The round's overall index as every page and PDF prints it."""
    return floatformat(assessment_results(assessment).overall.index, 2)


def _flat(html: str) -> str:
    text = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())
    return text.replace("( ", "(").replace(" )", ")")


def _row(html: str, name: str) -> str:
    """The text of the table row (or list item) that names the department."""
    rows = [m.group(0) for m in re.finditer(r"<tr\b.*?</tr>|<li\b.*?</li>", html, re.S)
            if name in m.group(0)]
    assert rows, name
    return _flat(rows[0])


def _between(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin:html.index(end, begin)]


def _assert_rule(html: str, rounds: dict, *, named: bool = True, note: bool = True) -> None:
    """The figures of the latest closed rounds (``named``: with the round's name), the
    rounds in progress named beside them (and HR's, which has no result yet), and no
    figure of a round still open."""
    it = _row(html, "IT Service Desk")
    assert _index(rounds["it_q3"]) in it
    assert "In progress: 1 of 3 submitted (Q4 IT)" in it
    facilities = _row(html, "Facilities")
    assert _index(rounds["fa_q3"]) in facilities and "In progress" not in facilities
    if named:
        assert "Q3 IT" in it and "Q3 Facilities" in facilities
    if _index(rounds["it_q4"]) != _index(rounds["it_q3"]):
        assert _index(rounds["it_q4"]) not in it
    text = _flat(html)
    hr = text[text.index("HR Services"):]
    assert hr.startswith(("HR Services · In progress: 1 of 2 submitted (Q4 HR)",
                          "HR Services In progress: 1 of 2 submitted (Q4 HR)"))
    assert _index(rounds["hr_q4"]) not in hr[:120]
    if note:  # (the home page's overview says "Latest closed round" in its title line)
        assert "A round still open is shown as in progress, without figures, until it " \
            "closes." in text


def test_the_home_pages_overview(world, rounds):
    page = signed_in(world.acme.viewer).get("/o/acme/").content.decode()
    overview = _between(page, "data-overview", "</section>")
    _assert_rule(overview, rounds, note=False)
    assert "Latest closed round of each department" in overview
    assert "No closed round yet" in _row(overview, "HR Services")
    # The change is since the department's closed round before: Facilities' Q2.
    assert overview.count("data-delta") >= 1
    assert "first round" in _row(overview, "IT Service Desk")


def test_the_organisation_report_page(world, rounds):
    page = signed_in(world.acme.viewer).get("/o/acme/reports/").content.decode()
    body = page[page.index("Maturity of"):page.index('id="rounds-heading"')]
    _assert_rule(body, rounds)
    assert "No closed round yet: HR Services · In progress: 1 of 2 submitted (Q4 HR)" \
        in _flat(body)
    # The rounds themselves are all listed, with their status.
    listing = _flat(page[page.index('id="rounds-heading"'):])
    assert "IT Service Desk · Q4 IT Open" in listing


def test_the_organisation_pdf_and_its_one_pager(world, rounds, tmp_path):
    access = access_for(world.acme.viewer, world.acme.org)
    html, _figures = report_services._organisation_document(access, "en")
    summary = html[html.index('id="summary"'):html.index("</section>",
                                                           html.index('id="summary"'))]
    _assert_rule(summary, rounds)
    # The trend draws the closed rounds only: Facilities' two, IT's one.
    template, context = report_services._organisation_summary(access, "en")
    one_pager = render_to_string(template, {**context, "organisation": world.acme.org,
                                            "generated_at": timezone.now()})
    _assert_rule(one_pager, rounds, named=False)  # the one-pager names no round
    # The PDF itself, as the worker renders it: the mark is in its text.
    pdf = report_services.build_pdf(access=access, assessment=None, language="en")
    path = tmp_path / "organisation.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                   capture_output=True, text=True, timeout=60).stdout.split())
    assert "In progress: 1 of 3 submitted (Q4 IT)" in text
    assert "In progress: 1 of 2 submitted (Q4 HR)" in text
    assert _index(rounds["it_q3"]) in text


def test_the_consultancys_portfolio(world, rounds):
    page = signed_in(world.northwind.consultant).get("/o/northwind/reports/").content.decode()
    portfolio = page[page.index('id="portfolio-heading"'):]
    bars = _between(portfolio, 'data-svg-chart="portfolio"', "</figure>")
    it = _row(bars, "IT Service Desk")
    assert "Q3 IT" in it and "In progress: 1 of 3 submitted (Q4 IT)" in it
    assert "Q3 Facilities" in _row(bars, "Facilities")
    assert "HR Services" not in bars  # no closed round: no bar
    assert "No closed round yet: Acme · HR Services · In progress: 1 of 2 submitted (Q4 HR)" \
        in _flat(portfolio)
    # The selector the bars come from: the latest closed rounds, one in progress.
    found = latest_results(Assessment.objects.filter(organisation=world.acme.org),
                           own=world.northwind.org.pk)
    assert {a.name for a in found.latest.values()} == {"Q3 IT", "Q3 Facilities"}
    assert {p.name for p in found.waiting()} == {"Acme · HR Services"}


def test_the_exports(world, rounds):
    client = signed_in(world.acme.viewer)
    closed = {str(rounds[key].public_id): key for key in ("it_q3", "fa_q2", "fa_q3")}
    text = client.get("/o/acme/reports/export.csv").content.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["scope"] == "overall"]
    assert {r["assessment_id"] for r in rows} == set(closed)
    for row in rows:
        assert floatformat(float(row["index"]), 2) == _index(rounds[closed[row["assessment_id"]]])
    sheet = load_workbook(io.BytesIO(client.get("/o/acme/reports/export.xlsx").content)).active
    values = list(sheet.values)
    column = values[0].index("assessment_id")
    assert {row[column] for row in values[1:]} == set(closed)
    document = client.get("/o/acme/reports/export.json").json()
    assert {item["assessment"]["id"] for item in document["assessments"]} == set(closed)
    assert {(item["department"], item["assessment"]["name"], item["submitted"],
             item["invited"]) for item in document["in_progress"]} == {
        ("IT Service Desk", "Q4 IT", 1, 3), ("HR Services", "Q4 HR", 1, 2)}
    # The same as the organisation's exports through the selectors.
    access = access_for(world.acme.viewer, world.acme.org)
    assert len(exports.organisation_table(access, language="en").rows) == len(
        [r for r in csv.DictReader(io.StringIO(text))])


def test_closing_the_round_makes_it_the_result_everywhere(world, rounds):
    # The two waiting submit first: an anonymous round shows results from three.
    for response in rounds["it_q4"].responses.filter(submitted_at__isnull=True):
        services.response_submit(response=response)
    services.assessment_close(by=access_for(world.acme.owner, world.acme.org),
                              assessment=rounds["it_q4"])
    for url in ("/o/acme/", "/o/acme/reports/"):
        page = signed_in(world.acme.viewer).get(url).content.decode()
        it = _row(page, "IT Service Desk")
        assert "Q4 IT" in it and _index(rounds["it_q4"]) in it and "In progress" not in it
