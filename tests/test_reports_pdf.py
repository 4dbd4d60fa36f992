"""The PDF pipeline: charts as vector SVG, WeasyPrint with a closed fetcher, the
documents' content, and the render_report command."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from assessments.selectors import assessment_results
from organisations.access import OrgAccess
from organisations.models import Department, Role
from reports import services
from reports.models import Report
from reports.pdf import BASE_URL, RefusedURL, ReportURLFetcher, html_to_pdf
from reports.services import _assessment_document
from tests.catalog_factories import make_version
from tests.conftest import access_for
from tests.report_samples import seed_rounds

TRICKY = "Service <b>Desk</b> & Co"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seeded(world, media):
    version = make_version(slug="report-model")
    acme = world.acme
    acme.departments[0].name = TRICKY
    acme.departments[0].save()
    rounds = seed_rounds(organisation=acme.org, version=version, rounds=2, respondents=3)
    # Globex's only rounds are closed; Acme's departments have a round in progress.
    seed_rounds(organisation=world.globex.org, version=version, rounds=1, respondents=3,
                last_open=False)
    latest = sorted((a for a in rounds if a.name.startswith("Round 2")),
                    key=lambda a: a.department.name != TRICKY)
    return {"version": version, "rounds": rounds, "latest": latest}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                             text=True, timeout=60).stdout
    return {key.strip(): value.strip() for key, _, value in
            (line.partition(":") for line in listing.splitlines())}


def raster_images(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                             capture_output=True, text=True, timeout=60).stdout
    return listing.splitlines()[2:]  # after the two header lines


def path_operators(pdf: bytes) -> int:
    """How many path-construction operators (m, l, c, re) the page streams hold."""
    count = 0
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            content = match.group(1)
        count += len(re.findall(rb"(?:^|\s)(?:m|l|c|re)(?=\s)", content))
    return count


def test_it_renders_the_assessment_pdf_with_its_texts_and_vector_charts(world, seeded,
                                                                       tmp_path):
    assessment = seeded["latest"][0]
    pdf = services.build_pdf(access=access_for(world.acme.owner, world.acme.org),
                             assessment=assessment, language="en")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    assert "Acme" in flat and TRICKY in flat and "Round 2" in flat
    level_names = ("Ad hoc", "Controlled", "Proactive", "Strategic")
    assert sum(name in flat for name in level_names) >= 2
    assert "Executive summary" in flat and "Roadmap" in flat and "Contents" in flat
    assert re.search(r"Do (people|customers)\.\d\.1", flat), "a recommendation is missing"
    assert "Appendix" in flat and "People" in flat and "Customers" in flat
    assert re.search(r"Executive summary \.*\s*3", flat), "the table of contents has page numbers"
    assert re.search(r"\b2 ?/ ?\d+\b", flat), "pages are numbered"
    assert raster_images(pdf, tmp_path) == [], "charts must be vector, not images"
    assert path_operators(pdf) > 200
    assert pdf_info(pdf, tmp_path)["Tagged"] == "yes", "screen readers need the structure"


def test_it_renders_the_organisation_pdf_with_every_department(world, seeded, tmp_path):
    pdf = services.build_pdf(access=access_for(world.acme.viewer, world.acme.org),
                             assessment=None, language="en")
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Acme" in flat and TRICKY in flat and "Acme dept 2" in flat
    assert "Where the departments stand" in flat and "Levels against targets" in flat
    assert "Internal" in flat and "Value-driven" in flat  # quadrant poles, as text
    assert "Globex" not in flat
    assert raster_images(pdf, tmp_path) == []


def test_the_organisations_name_is_in_the_footer_not_a_stray_line_on_the_cover(world, seeded,
                                                                            tmp_path):
    pdf = services.build_pdf(access=access_for(world.acme.viewer, world.acme.org),
                             assessment=None, language="en")
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)

    def page(number: int) -> list[str]:
        text = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number),
                               str(path), "-"], check=True, capture_output=True, text=True,
                              timeout=60).stdout
        return [line.strip() for line in text.splitlines() if line.strip()]

    cover, second = page(1), page(2)
    assert cover.count("Acme") == 1  # the title; the footer is not on the cover
    assert second[-1].startswith("Acme") and re.search(r"2 ?/ ?\d+$", second[-1])


def test_it_compares_the_clients_in_a_consultancys_pdf(world, seeded, tmp_path):
    pdf = services.build_pdf(access=access_for(world.northwind.owner, world.northwind.org),
                             assessment=None, language="en")
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Portfolio" in flat and "Acme" in flat and "Globex" in flat
    assert "Globex dept 1" in flat


def test_a_consultancys_pdf_summarises_its_clients(world, seeded, tmp_path):
    """Issue 14: the consultancy has no departments of its own; its PDF had a blank
    summary page and "Departments 0". It summarises its clients' departments' latest
    rounds, with a quadrant of all of them."""
    pdf = services.build_pdf(access=access_for(world.northwind.owner, world.northwind.org),
                             assessment=None, language="en")
    pages = pdf_text(pdf, tmp_path).split("\f")
    cover = " ".join(pages[0].split())
    assert "Departments 0" not in cover
    assert "Clients 2" in cover and "Clients' departments 4" in cover
    summary = next(" ".join(p.split()) for p in pages if "Summary" in p and "Contents" not in p)
    # (The tricky name's last word may wrap in its column: its start is enough.)
    for name in (TRICKY[:18], "Acme dept 2", "Globex dept 1", "Globex dept 2"):
        assert name in summary
    # Acme's rounds still open are named beside their closed rounds' figures.
    assert summary.count("In progress: 3 of 3") == 2
    flat = " ".join(" ".join(pages).split())
    assert "Where the clients' departments stand" in flat
    assert raster_images(pdf, tmp_path) == []


def test_a_consultancys_exports_hold_its_clients_rounds(world, seeded):
    from reports import exports

    access = access_for(world.northwind.owner, world.northwind.org)
    table = exports.organisation_table(access, language="en")
    assert {row[0] for row in table.rows} == {"Acme", "Globex"}
    contract = exports.organisation_contract(access, language="en")
    assert {item["organisation"] for item in contract["assessments"]} == {"acme", "globex"}
    # Not for a member who does not see the portfolio: the same rule as the page.
    manager = access_for(world.northwind.manager, world.northwind.org)
    assert exports.organisation_table(manager, language="en").rows == []


def test_pdf_table_rows_are_not_split_nor_left_alone():
    css = (Path(__file__).resolve().parents[1] / "static/css/report-pdf.css").read_text()
    assert re.search(r"(^|\n)tr \{ break-inside: avoid; \}", css)
    assert "table.grid thead { display: table-header-group; }" in css
    rule = re.search(r"([^{}\n]+)\{ break-before: avoid; \}", css).group(1)
    assert "tr:first-child + tr" in rule and "tr:last-child" in rule


def test_it_renders_in_the_requesters_language(world, seeded, tmp_path):
    pdf = services.build_pdf(access=access_for(world.acme.owner, world.acme.org),
                             assessment=seeded["latest"][0], language="sv")
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Kontrollerad" in flat or "Proaktiv" in flat or "Strategisk" in flat
    assert "Människor" in flat and "Kunder" in flat
    assert re.search(r"Gör (people|customers)\.\d\.1", flat)


def test_its_fetcher_serves_static_files_and_charts_and_refuses_everything_else():
    fetcher = ReportURLFetcher({"radar.svg": b"<svg/>"})
    css = fetcher.fetch(f"{BASE_URL}static/css/report-pdf.css")
    assert b"@page" in css.read()
    assert fetcher.fetch(f"{BASE_URL}charts/radar.svg").read() == b"<svg/>"
    for url in ("http://127.0.0.1/", "https://example.com/static/css/report-pdf.css",
                "file:///etc/passwd", "data:text/css,body{}",
                f"{BASE_URL}static/../../../../etc/passwd",
                f"{BASE_URL}static/%2e%2e/%2e%2e/etc/passwd", f"{BASE_URL}media/x.pdf",
                f"{BASE_URL}charts/other.svg", f"{BASE_URL}static/css/report-pdf.css?x=1"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_it_renders_a_document_whose_external_references_are_refused():
    html = ('<link rel="stylesheet" href="https://example.com/x.css">'
            '<img src="file:///etc/hostname"><p>Still here</p>')
    assert html_to_pdf(html).startswith(b"%PDF")


def test_it_escapes_answers_and_comments_in_the_appendix(world, seeded, tmp_path):
    from assessments.models import Answer

    assessment = seeded["latest"][0]
    Answer.objects.filter(response__assessment=assessment).update(
        comment='<img src="https://evil.test/x.png"> =cmd| ok')
    data = services._assessment_document(access_for(world.acme.owner, world.acme.org),
                                         assessment, "en")[0]
    assert '<img src="https://evil.test' not in data
    assert "&lt;img src=&quot;https://evil.test/x.png&quot;&gt;" in data


def test_the_command_renders_a_pdf_and_reuses_it(world, seeded, tmp_path):
    out = tmp_path / "acme.pdf"
    call_command("render_report", "--organisation", "acme", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert Report.objects.filter(organisation=world.acme.org, status="ready").count() == 1
    second = tmp_path / "again.pdf"
    call_command("render_report", "--organisation", "acme", "--out", str(second))
    assert second.read_bytes() == out.read_bytes()
    assert Report.objects.filter(organisation=world.acme.org).count() == 1

    assessment = seeded["latest"][1]  # Acme dept 2
    one = tmp_path / "one.pdf"
    call_command("render_report", "--organisation", "acme", "--assessment",
                 str(assessment.public_id), "--out", str(one), "--language", "sv")
    assert TRICKY not in pdf_text(one.read_bytes(), tmp_path)
    assert "Acme dept 2" in pdf_text(one.read_bytes(), tmp_path)


def test_the_command_explains_what_is_wrong(world, seeded, tmp_path):
    with pytest.raises(CommandError, match="unknown organisation"):
        call_command("render_report", "--organisation", "nope", "--out", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="must be a UUID"):
        call_command("render_report", "--organisation", "acme", "--assessment", "12",
                     "--out", str(tmp_path / "x"))
    other = Department.objects.filter(organisation=world.globex.org).first()
    globex_round = other.assessments.first()
    with pytest.raises(CommandError, match="no assessment"):
        call_command("render_report", "--organisation", "acme", "--assessment",
                     str(globex_round.public_id), "--out", str(tmp_path / "x"))


def test_a_system_render_sees_what_an_owner_sees(world, seeded):
    access = OrgAccess(user=None, organisation=world.acme.org, role=Role.OWNER)
    assert services.input_hash(access, None, "en") == services.input_hash(
        access_for(world.acme.owner, world.acme.org), None, "en")


def test_it_says_why_each_dimension_is_at_its_level(world, seeded, tmp_path):
    assessment = seeded["latest"][0]
    access = access_for(world.acme.owner, world.acme.org)
    result = assessment_results(assessment)
    below = [d for d in result.dimensions if d.blocked_at is not None]
    with translation.override("sv"):
        html, _figures = _assessment_document(access, assessment, "sv")
    flat = " ".join(html.split())
    assert below, "the seeded round has a dimension below the top level"
    assert flat.count("Varför den här nivån") == len(below)
    blocked = below[0].blocked_at
    assert f"Stannade vid nivå {blocked.level}" in flat
    assert f"Påstående {blocked.short[0].question}" in flat
