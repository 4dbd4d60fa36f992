"""The executive one-pager (issue 17, part 3): a one-page PDF per round and per
organisation, in the reader's language, with the figures of the full report.

Rendered with WeasyPrint here (the worker's render is tests/test_reports_worker.py);
the audience of each file is tests/test_report_audience.py's, the isolation walk
covers its URLs (tests/test_tenant_isolation.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import formats, translation

from assessments.models import Assessment
from assessments.presentation import weakest_dimensions
from assessments.selectors import assessment_results
from models_catalog.texts import model_texts
from peers import pool
from peers.models import Participation, PoolEntry, Programme, Sector, SizeBand
from reports import selectors, services
from reports.models import Report
from scoring import quick_wins
from tests.catalog_factories import SCALE, make_version
from tests.conftest import access_for, signed_in
from tests.report_samples import seed_rounds

LANGUAGES = ("en", "sv", "nb", "hu")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's words, one space between them (lines joined: a name may wrap)."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    return " ".join(text.split())


def summary_pdf(access, assessment, language: str) -> bytes:
    return services.build_pdf(access=access, assessment=assessment, language=language,
                              variant=Report.Variant.SUMMARY)


def number(value: float, digits: int, language: str) -> str:
    """A figure as the templates show it (``floatformat``) in ``language``."""
    with translation.override(language):
        return formats.number_format(round(value, digits), digits)


# ------------------------------------------------------------ long content, 4 languages


def _long(text: str, language: str, size: int) -> str:
    """``text`` made about ``size`` characters long, in words of ``language``'s length."""
    filler = {"en": " with every team and every supplier of the organisation",
              "sv": " tillsammans med varje team och varje leverantör i organisationen",
              "nb": " sammen med hvert team og hver leverandør i organisasjonen",
              "hu": " a szervezet minden csapatával és minden beszállítójával "
                    "együttműködve, szolgáltatásmenedzsment-folyamatokkal"}[language]
    while len(text) < size:
        text += filler
    return text[:size]


def long_document() -> dict:
    """A five-level model, translated into the four languages, whose every name and
    text is long (Hungarian longest: its words are)."""
    def texts(base: str, size: int) -> dict:
        return {language: _long(f"{base} ({language})", language,
                                int(size * (1.3 if language == "hu" else 1)))
                for language in LANGUAGES}

    dimensions = [f"d{i}" for i in range(6)]
    questions = []
    for d, key in enumerate(dimensions):
        for level in range(2, 6):
            for n in range(3):
                questions.append({
                    "key": f"{key}.{level}.{n}", "dimension": key, "level": level,
                    "weight": 1.0 + (n + d) % 3 / 2,
                    "loadings": {"focus": (n % 3) / 2, "mindset": ((n + 1) % 3) / 2},
                    "statement": texts(f"Statement {key}.{level}.{n}", 320),
                    "recommendation": texts(f"Recommendation {key}.{level}.{n}", 420),
                })
    return {
        "format": "maturity-model/1",
        "model": {"slug": "long-model", "name": texts("Long model", 150),
                  "description": texts("A model", 200), "source": {"en": "The tests"},
                  "default_language": "en", "languages": list(LANGUAGES)},
        "version": {"number": 1, "notes": {"en": "First"}},
        "scoring": {"threshold": 2 / 3, "overall_rule": "weakest_dimension"},
        "levels": [{"number": n, "name": texts(f"Level name {n}", 110),
                    "description": texts(f"Level {n} described", 700)}
                   for n in range(1, 6)],
        "dimensions": [{"key": key, "name": texts(f"Dimension {key}", 90)}
                       for key in dimensions],
        "axes": [{"key": axis, "name": texts(axis.title(), 60),
                  "low_label": texts("Low pole", 50), "high_label": texts("High pole", 50)}
                 for axis in ("focus", "mindset")],
        "scale": [{**option, "label": {language: option["label"]["en"]
                                       for language in LANGUAGES}} for option in SCALE],
        "questions": questions,
    }


@pytest.fixture
def long_rounds(world, media):
    """Acme with 10 departments of 200-character names, three rounds each on the long
    model (two closed), and a 200-character organisation name."""
    from organisations.models import Department

    org = world.acme.org
    org.name = _long("Acme Corporation International", "en", 200)
    org.save()
    version = make_version(slug="long-model", document=long_document())
    departments = [Department.objects.create(
        organisation=org, name=_long(f"Department {i} of customer service", "en", 200))
        for i in range(10)]
    rounds = seed_rounds(organisation=org, version=version, rounds=3, respondents=3,
                         departments=departments)
    for assessment in rounds:
        Assessment.objects.filter(pk=assessment.pk).update(
            name=_long(f"{assessment.name} autumn review", "en", 200))
    latest = Assessment.objects.filter(department=departments[0]).order_by("-created_at")
    return {"version": version, "latest": latest[1]}  # the latest closed round


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_round_one_pager_is_one_page_with_the_full_reports_figures(
        world, long_rounds, tmp_path, language):
    access = access_for(world.acme.owner, world.acme.org)
    assessment = long_rounds["latest"]
    pdf = summary_pdf(access, assessment, language)
    assert pdf_pages(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    data = selectors.assessment_report(access, assessment, language=language)
    result = data.result
    # The figures of the full report, rounded as it rounds them (floatformat:2).
    assert f"{number(result.overall.index, 2, language)} / 5" in text
    delta = data.delta()
    assert delta is not None
    assert number(abs(delta.index), 2, language) in text
    summary = selectors.assessment_summary(access, assessment, language=language)
    assert len(summary.weakest) == 3
    for item in summary.weakest:
        assert number(item["index"], 2, language) in text
    # The quick wins: the presenter's (scoring.quick_wins), each recommendation's start.
    assert [s["question"] for s in summary.quick_wins] == [
        s.question for s in quick_wins(result)]
    assert summary.quick_wins
    for step in summary.quick_wins:
        assert step["recommendation"][:40] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organisation_one_pager_is_one_page(world, long_rounds, tmp_path, language):
    access = access_for(world.acme.viewer, world.acme.org)
    pdf = summary_pdf(access, None, language)
    assert pdf_pages(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    data = selectors.organisation_summary(access, language=language)
    assert len(data.overview.rows) == 10 and data.more == 2  # eight listed
    [model] = data.models
    assert number(model["index"], 2, language) in text
    for row in data.rows:
        assert number(row.result.index, 2, language) in text
    assert len(data.weakest) == 3 and len(data.overview.steps) == 3
    # One per department while there are enough departments.
    assert len({item["department"] for item in data.weakest}) == 3


# ------------------------------------------------------------------ what it shows


@pytest.fixture
def seeded(world, media):
    version = make_version(slug="report-model")
    rounds = seed_rounds(organisation=world.acme.org, version=version, rounds=3,
                         respondents=3)
    closed = [a for a in rounds if a.status == Assessment.Status.CLOSED]
    return {"version": version, "rounds": rounds,
            "latest": max(closed, key=lambda a: (a.department.name, a.created_at))}


def test_its_figures_are_the_full_reports(world, seeded, tmp_path):
    """The one-pager and the full PDF of the same round, as the worker renders them:
    the same level, index, change and why-this-level figures, rounded alike."""
    access = access_for(world.acme.manager, world.acme.org)
    assessment = seeded["latest"]
    one = pdf_text(summary_pdf(access, assessment, "en"), tmp_path)
    full = pdf_text(services.build_pdf(access=access, assessment=assessment,
                                       language="en"), tmp_path)
    data = selectors.assessment_report(access, assessment, language="en")
    level = data.overall_level
    index = f"{data.result.overall.index:.2f} / {data.result.levels}"
    delta = data.delta()
    change = ("+" if delta.index > 0 else "−") + f"{abs(delta.index):.2f} since "
    for text in (one, full):
        assert level.name in text and index in text and change in text
    for item in selectors.assessment_summary(access, assessment, language="en").weakest:
        line = f"Level {item['level']} · {item['level_name']} (index {item['index']:.2f})"
        assert line in one and line in full
        why = item["why"]
        stopped = f"Stopped at level {why['level']} ({why['level_name']})"
        assert stopped in one and stopped in full
        if why["percent"] is not None:
            assert f"in place: {why['percent']} %" in one


def test_the_weakest_dimensions_are_the_lowest_indexes_below_the_top(world, seeded):
    assessment = seeded["latest"]
    result = assessment_results(assessment)
    texts = model_texts(assessment.model_version, "en")
    weakest = weakest_dimensions(result, texts, count=5)
    below_top = [d for d in result.dimensions if d.level < result.levels]
    assert [w["key"] for w in weakest] == [d.key for d in sorted(
        below_top, key=lambda d: (d.index, [x.key for x in result.dimensions].index(d.key)))]
    for item in weakest:
        assert item["why"]["level"] == item["level"] + 1


def test_the_presenters_quick_wins_are_the_scoring_rules(world, seeded):
    from assessments.presentation import present

    for assessment in seeded["rounds"]:
        result = assessment_results(assessment)
        presented = present(result, model_texts(assessment.model_version, "en"),
                            target_is_default=True)
        assert [s["question"] for s in presented["quick_wins"]] == [
            s.question for s in quick_wins(result)]
        # Each one is a next step, as the roadmap shows it.
        assert all(s in presented["next_steps"] for s in presented["quick_wins"])


def test_a_round_with_nothing_left_to_do_says_so(world, seeded, tmp_path):
    assessment = seeded["latest"]
    result = assessment_results(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(target_level=result.overall.level)
    assessment.refresh_from_db()
    access = access_for(world.acme.owner, world.acme.org)
    summary = selectors.assessment_summary(access, assessment, language="en")
    if any(d.level < result.overall.level for d in result.dimensions):
        pytest.skip("a dimension below the overall level keeps next steps")
    assert summary.quick_wins == []
    text = pdf_text(summary_pdf(access, assessment, "en"), tmp_path)
    assert "Nothing is left to do towards the target level." in text


def test_an_organisation_without_a_closed_round_says_so(world, media, tmp_path):
    access = access_for(world.globex.owner, world.globex.org)
    pdf = summary_pdf(access, None, "sv")
    assert pdf_pages(pdf, tmp_path) == 1
    assert "Ingen omgång är avslutad ännu" in pdf_text(pdf, tmp_path)


def test_the_quadrant_is_drawn_in_the_pdf_without_a_browser(world, seeded, tmp_path,
                                                          monkeypatch):
    """The server-drawn SVG of the report pages, inline: the chart browser is never
    asked for anything (a one-pager renders where no Chromium runs)."""
    from reports import chart_export

    def no_browser(*args, **kwargs):
        raise AssertionError("the one-pager asked the chart browser for a figure")

    monkeypatch.setattr(chart_export, "submit_figures", no_browser)
    monkeypatch.setattr(services, "submit_figures", no_browser)
    access = access_for(world.acme.owner, world.acme.org)
    pdf = summary_pdf(access, seeded["latest"], "hu")
    text = pdf_text(pdf, tmp_path)
    assert "Belső" in text or "Internal" in text  # a pole of the quadrant, as text
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True,
                             timeout=60).stdout.decode().splitlines()[2:]
    assert listing == []  # vector, not an image


# ------------------------------------------------------------------- the benchmark


@pytest.fixture
def pool_of(world, seeded):
    """Acme takes part in Northwind's benchmark; ``pool_of(n)`` makes n other clients
    with a pool entry on Acme's model."""
    Programme.objects.create(consultancy=world.northwind.org, enabled=True)
    Participation.objects.create(organisation=world.acme.org, opted_in=True)
    from organisations.models import Organisation

    def make(n: int) -> list:
        made = []
        for i in range(n):
            client = Organisation.objects.create(name=f"Peer {i}", slug=f"peer-{i}",
                                                 parent=world.northwind.org)
            Participation.objects.create(organisation=client, opted_in=True,
                                         sector=Sector.IT, size_band=SizeBand.SMALL)
            made.append(PoolEntry.objects.create(
                consultancy=world.northwind.org, organisation=client,
                model=seeded["version"].model, levels=4, sector=Sector.IT,
                size_band=SizeBand.SMALL, index=1.4 + i * 0.45,
                dimensions={"people": 1.5 + i * 0.3, "customers": 2.0 + i * 0.2},
                rounds=1))
        return made

    return make


def test_the_benchmark_shows_when_the_pool_allows_it(world, seeded, pool_of, tmp_path):
    pool_of(6)
    access = access_for(world.acme.viewer, world.acme.org)
    assessment = seeded["latest"]
    comparison = pool.comparison(assessment, assessment_results(assessment))
    assert isinstance(comparison, pool.Comparison)
    text = pdf_text(summary_pdf(access, assessment, "en"), tmp_path)
    p = comparison.overall
    assert (f"Percentile {p.percentile} among 6 other client organisations on this model: "
            f"median {p.median:.1f}, quartiles {p.q1:.1f} to {p.q3:.1f}.") in text
    for item in selectors.assessment_summary(access, assessment, language="en").weakest:
        position = comparison.dimensions[item["key"]]
        assert (f"Percentile {position.percentile} among peers (median "
                f"{position.median:.1f})") in text
    # The organisation's one-pager: its mean over its departments' latest closed rounds.
    summary = selectors.organisation_summary(access, language="en")
    [model] = summary.models
    assert isinstance(model["comparison"], pool.Comparison)
    assert model["comparison"].overall.value == round(model["index"], 2)
    assert f"Percentile {model['comparison'].overall.percentile} among 6" in pdf_text(
        summary_pdf(access, None, "en"), tmp_path)


def test_a_pool_below_k_shows_a_neutral_line_and_no_figure(world, seeded, pool_of,
                                                           tmp_path):
    entries = pool_of(5)
    entries[0].organisation.benchmark_participation.delete()  # one opts out: 4 left
    access = access_for(world.acme.owner, world.acme.org)
    for assessment in (seeded["latest"], None):
        text = pdf_text(summary_pdf(access, assessment, "en"), tmp_path)
        assert "Not enough clients to compare with" in text
        assert "Percentile" not in text and "median" not in text and "quartile" not in text


def test_no_benchmark_line_for_a_client_that_does_not_take_part(world, seeded, pool_of,
                                                                tmp_path):
    pool_of(6)
    Participation.objects.filter(organisation=world.acme.org).update(opted_in=False)
    access = access_for(world.acme.owner, world.acme.org)
    for assessment in (seeded["latest"], None):
        text = pdf_text(summary_pdf(access, assessment, "en"), tmp_path)
        assert "Percentile" not in text and "compare" not in text


def test_a_change_of_the_pool_makes_a_new_one_pager_but_keeps_the_full_report(
        world, seeded, pool_of):
    """A ready one-pager is reused only while its pool is as it was: an opt-out that
    hides the comparison must not leave an old file with its figures in use."""
    entries = pool_of(5)
    access = access_for(world.acme.owner, world.acme.org)
    assessment = seeded["latest"]
    before = services.input_hashes(access, assessment, "en")
    assert before[Report.Variant.FULL] != before[Report.Variant.SUMMARY]
    Participation.objects.filter(organisation=entries[0].organisation).update(
        opted_in=False)
    entries[0].delete()  # as peers.services.set_participation does on opting out
    after = services.input_hashes(access, assessment, "en")
    assert after[Report.Variant.FULL] == before[Report.Variant.FULL]
    assert after[Report.Variant.SUMMARY] != before[Report.Variant.SUMMARY]
    organisation = services.input_hashes(access, None, "en")
    PoolEntry.objects.filter(pk=entries[1].pk).update(index=3.9)  # refreshed: a new figure
    assert services.input_hashes(access, None, "en")[Report.Variant.SUMMARY] != \
        organisation[Report.Variant.SUMMARY]


# ----------------------------------------------------------------------- the pages


def assessment_url(assessment, tail: str = "") -> str:
    return f"/o/acme/reports/assessments/{assessment.public_id}/{tail}"


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda report_id, **kw: ids.append(report_id))
    return ids


def test_the_round_page_offers_the_one_pager_beside_the_full_pdf(world, seeded, sent,
                                                                 django_capture_on_commit_callbacks):
    viewer = signed_in(world.acme.viewer)
    assessment = seeded["latest"]
    page = viewer.get(assessment_url(assessment)).content.decode()
    panel = page[page.index('id="pdf"'):page.index("</section>", page.index('id="pdf"'))]
    assert "PDF report" in panel and "One-page summary (PDF)" in panel
    assert f'action="{assessment_url(assessment, "summary/")}"' in panel
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.post(assessment_url(assessment, "summary/"))
    assert response.status_code == 302
    assert response.url == assessment_url(assessment) + "#summary-pdf"
    report = Report.objects.get()
    assert report.variant == "summary" and report.assessment == assessment
    assert sent == [report.pk]
    # Asking again reuses it; the full PDF is another file.
    with django_capture_on_commit_callbacks(execute=True):
        viewer.post(assessment_url(assessment, "summary/"))
        viewer.post(assessment_url(assessment, "pdf/"))
    assert Report.objects.filter(variant="summary").count() == 1
    assert Report.objects.filter(variant="full").count() == 1
    page = viewer.get(assessment_url(assessment)).content.decode()
    row = page[page.index('id="summary-pdf"'):]
    assert f"/o/acme/reports/files/{report.public_id}/status/" in row
    status = viewer.get(f"/o/acme/reports/files/{report.public_id}/status/").json()
    assert status["variant"] == "summary" and status["status"] == "queued"


def test_a_ready_one_pager_downloads_with_its_own_name(world, seeded, sent, tmp_path,
                                                      django_capture_on_commit_callbacks):
    from tests.test_reports_views import run_worker_task

    owner = signed_in(world.acme.owner)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post("/o/acme/reports/summary/")
    report = Report.objects.get()
    assert run_worker_task(report.pk) == "ready"
    response = owner.get(f"/o/acme/reports/files/{report.public_id}/download/")
    assert response.status_code == 200
    assert 'filename="maturity-summary-acme-en.pdf"' in response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert pdf_pages(pdf, tmp_path) == 1
    listing = owner.get("/o/acme/reports/files/").content.decode()
    assert 'data-variant="summary"' in listing and "One-page summary" in listing
    assert signed_in(world.globex.owner).get(
        f"/o/acme/reports/files/{report.public_id}/download/").status_code == 404


def test_the_organisation_pages_offer_the_one_pager(world, seeded):
    viewer = signed_in(world.acme.viewer)
    report_page = viewer.get("/o/acme/reports/").content.decode()
    assert 'action="/o/acme/reports/summary/"' in report_page
    listing = viewer.get("/o/acme/reports/files/").content.decode()
    assert 'action="/o/acme/reports/summary/"' in listing
    home = viewer.get("/o/acme/").content.decode()
    overview = home[home.index("data-overview"):]
    assert "data-summary-pdf" in overview and "One-page summary (PDF)" in overview


def test_render_long_for_a_look(world, long_rounds, tmp_path):
    """(Kept out of the suite: writes the long one-pagers for a person to look at.)"""
    import os

    out = os.environ.get("ONEPAGER_SHOTS")
    if not out:
        pytest.skip("set ONEPAGER_SHOTS to a folder to write the PDFs")
    access = access_for(world.acme.owner, world.acme.org)
    for language in LANGUAGES:
        Path(out, f"long-round-{language}.pdf").write_bytes(
            summary_pdf(access, long_rounds["latest"], language))
        Path(out, f"long-org-{language}.pdf").write_bytes(summary_pdf(access, None, language))


def test_the_api_asks_for_the_one_pager_and_says_which_variant_each_report_is(
        world, seeded, sent, django_capture_on_commit_callbacks):
    from tests.api_helpers import token_client

    client = token_client(world.acme)
    with django_capture_on_commit_callbacks(execute=True):
        summary = client.post("/organisations/acme/reports",
                              {"round": str(seeded["latest"].public_id), "variant": "summary"})
        full = client.post("/organisations/acme/reports",
                           {"round": str(seeded["latest"].public_id)})
    assert summary.status_code == full.status_code == 202, summary.content
    assert summary.json()["variant"] == "summary" and full.json()["variant"] == "full"
    listed = client.get("/organisations/acme/reports").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert sorted(item["variant"] for item in items) == ["full", "summary"]
    assert client.post("/organisations/acme/reports",
                       {"variant": "poster"}).status_code in (400, 422)
