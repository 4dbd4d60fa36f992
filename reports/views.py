"""Report pages, PDF requests and downloads, exports. Thin: data comes from
``selectors``, writes go through ``services``, and every view is a ``tenant_view``.

Every role may read reports and download PDFs (executives do); asking for a PDF or
retrying one is a write, for the roles that may edit (a viewer changes nothing).
``tenant_view`` is the outer decorator, so that an outsider gets a 404 whatever the
method, and a member a 405 for a method the view does not take.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from assessments.anonymity import MIN_GROUP_SIZE, withheld_download
from assessments.selectors import results_withheld
from organisations.access import OrgAccess, tenant_view
from peers import pool as peer_pool
from peers.forms import FilterForm as PeerFilterForm

from . import chart_svg, charts, exports, selectors, services
from .models import Report


def current_language() -> str:
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


_JSON_SCRIPT_ESCAPES = [(chr(code), escaped) for code, escaped in _json_script_escapes.items()]


def chart_json(figure) -> str:
    """A figure as JSON safe inside <script type="application/json">: ``<``, ``>`` and
    ``&`` are escaped as JSON unicode escapes (as Django's ``json_script`` does)."""
    text = json.dumps(figure, separators=(",", ":"))
    # str.replace, not str.translate(_json_script_escapes): the same result, a
    # hundredth of the time (benchmarks/README.md)
    for char, escaped in _JSON_SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308


def _chart(key: str, figure, *, caption: str = "") -> dict:
    return {"id": f"chart-{key}", "json": chart_json(figure), "caption": caption}


def _svg(kind: str, geometry: dict, title: str, *, caption: str = "") -> dict:
    """A chart drawn on the server (reports/chart_svg.py): no plotly.js for it."""
    return {"svg": geometry, "template": f"reports/_svg_{kind}.html", "title": title,
            "caption": caption}


def _quadrant(key: str, rows, texts, *, title: str) -> dict:
    """The quadrant as SVG; as plotly's figure (which says why it is empty) for a
    model without the two axes."""
    geometry = chart_svg.quadrant(rows, texts)
    if geometry is None:
        return _chart(key, charts.quadrant(rows, texts, title=title))
    return _svg("quadrant", geometry, title)


def _render(request, access: OrgAccess, template: str, context: dict, *, status: int = 200):
    return render(request, template, {"organisation": access.organisation, "access": access,
                                      "section": "reports", **context}, status=status)


def _pdf_panel(access: OrgAccess, assessment, language: str, digests: dict[str, str]) -> dict:
    """The page's PDF panel: the full report and its one-page summary, each with the
    PDF of the current inputs if one was asked for, else the latest one, and where to
    ask for it (templates/reports/_pdf_panel.html)."""
    slug = access.organisation.slug
    if assessment is None:
        urls = {Report.Variant.FULL: reverse("reports:organisation_pdf", args=[slug]),
                Report.Variant.SUMMARY: reverse("reports:organisation_summary_pdf",
                                                args=[slug])}
    else:
        args = [slug, assessment.public_id]
        urls = {Report.Variant.FULL: reverse("reports:assessment_pdf", args=args),
                Report.Variant.SUMMARY: reverse("reports:assessment_summary_pdf", args=args)}
    shown = selectors.shown_reports(access, digests, assessment=assessment, language=language)
    states = {variant: {"report": report,
                        "current": report is not None and report.input_hash == digests[variant]}
              for variant, report in shown.items()}
    return {
        "pdf": states[Report.Variant.FULL], "pdf_request_url": urls[Report.Variant.FULL],
        "summary_pdf": states[Report.Variant.SUMMARY],
        "summary_request_url": urls[Report.Variant.SUMMARY],
    }


# ------------------------------------------------------------------------- pages


# How long a rendered organisation report (or home page overview) is kept. Its key
# changes with anything it shows, so the timeout only bounds what an edit outside the
# services (a database console) could leave behind.
ORGANISATION_REPORT_CACHE_SECONDS = 24 * 60 * 60


@tenant_view("view")
@require_safe
def organisation_report(request, access):
    language = current_language()
    digests = services.input_hashes(access, None, language)
    digest = digests[Report.Variant.FULL]
    # Everything but the PDF's state depends only on what the organisation PDF's input
    # hash covers (every round with its submissions, the departments, the language, the
    # audience): kept in the cache under it, it is rendered once per change.
    key = f"organisation-report:{access.organisation.pk}:{digest}"
    body = cache.get(key)
    if body is None:
        # No request: nothing of the reader (their session, their CSRF token) goes in.
        body = render_to_string("reports/_organisation_body.html",
                                _organisation_body(access, language))
        cache.set(key, body, ORGANISATION_REPORT_CACHE_SECONDS)
    return _render(request, access, "reports/organisation.html", {
        "body": mark_safe(body),  # noqa: S308 - rendered from a template just above
        **_pdf_panel(access, None, language, digests),
    })


def _organisation_body(access: OrgAccess, language: str) -> dict:
    data = selectors.organisation_report(access, language=language)
    sections = []
    for i, section in enumerate(data.sections):
        sections.append({"section": section, "charts": [
            _quadrant(f"s{i}-quadrant", section.rows, section.texts,
                      title=_("Where the departments stand")),
            _chart(f"s{i}-heatmap", charts.heatmap(section.rows, section.texts)),
            _chart(f"s{i}-targets", charts.levels_vs_targets(section.rows, section.texts)),
        ]})
        if charts.trend_rounds(section.trend) >= 2:
            sections[-1]["charts"].append(
                _chart(f"s{i}-trend", charts.trend(section.trend, section.texts)))
            sections[-1]["trend_note"] = charts.trend_note(section.trend)
        else:  # a trend needs two rounds: say so, rather than draw one point
            sections[-1]["trend_message"] = charts.trend_needs_two()
    portfolio_chart = _svg("portfolio", chart_svg.portfolio(data.portfolio,
                                                            top=data.portfolio_top),
                           _("Portfolio: clients' departments")) if data.portfolio else None
    # A consultancy's portfolio: where all its clients' departments stand, per model.
    portfolio_quadrants = [
        {"section": section, "chart": _quadrant(
            f"p{i}-quadrant", section.rows, section.texts,
            title=_("Where the clients' departments stand"))}
        for i, section in enumerate(data.portfolio_sections)]
    # The list of rounds reads a few columns, not their versions' and models' texts.
    rounds = list(selectors.scoped_assessments(access).counted()
                  .select_related(None).select_related("department")
                  .only("public_id", "name", "status", "department__name")
                  .order_by("department__name", "-created_at"))
    return {"organisation": access.organisation, "report": data, "sections": sections,
            "portfolio_chart": portfolio_chart, "portfolio_quadrants": portfolio_quadrants,
            "rounds": rounds, "min_group_size": MIN_GROUP_SIZE}


def _radar(data) -> dict:
    geometry = chart_svg.radar(data.result, data.texts)
    if geometry is None:  # no dimensions: plotly's figure says why
        return _chart("radar", charts.radar(data.result, data.texts))
    return _svg("radar", geometry, _("Maturity per dimension"))


@tenant_view("view")
@require_safe
def assessment_report(request, access, assessment_id):
    language = current_language()
    assessment = selectors.get_assessment(access, assessment_id)
    data = selectors.assessment_report(access, assessment, language=language)
    if data.withheld is not None:  # no figure, chart, export or PDF: why instead
        return _render(request, access, "reports/assessment.html", {
            "assessment": assessment, "report": data})
    staircases = [
        _chart(f"staircase-{i}", charts.staircase(d, data.texts,
                                                  threshold=data.result.threshold))
        for i, d in enumerate(data.result.dimensions)
    ]
    return _render(request, access, "reports/assessment.html", {
        **_peer_comparison(request, assessment, data),
        "assessment": assessment, "report": data,
        "radar": _radar(data),
        "quadrant": _quadrant("quadrant", [data.point()], data.texts,
                              title=_("Position on the two axes")),
        # With fewer than two respondents the page says so, without drawing a chart.
        # The page's h2 names the section: the chart carries no title of its own.
        "disagreement": _chart("disagreement",
                               charts.disagreement(data.result, data.texts, title=""))
        if any(v is not None for v in charts.dimension_spreads(data.result).values())
        else None,
        "staircases": staircases,
        **_pdf_panel(access, assessment, language,
                     services.input_hashes(access, assessment, language)),
    })


def _peer_comparison(request, assessment, data) -> dict:
    """The round against its consultancy's benchmark pool (peers.pool), for the page."""
    filters = PeerFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    comparison = peer_pool.comparison(assessment, data.result,
                                      sector=chosen.get("sector", ""),
                                      size_band=chosen.get("size_band", ""))
    rows = []
    if isinstance(comparison, peer_pool.Comparison):
        rows = [{"name": data.texts.dimension_name(d.key), **asdict(comparison.dimensions[d.key])}
                for d in data.result.dimensions if d.key in comparison.dimensions]
    return {"comparison": comparison, "comparison_rows": rows,
            "filter_form": filters if filters.is_bound else PeerFilterForm(),
            # A client whose consultancy runs a benchmark it does not take part in.
            "benchmark_offer": comparison is None and peer_pool.programme_on(
                assessment.organisation)}


@tenant_view("view")
@require_safe
def report_list(request, access):
    return _render(request, access, "reports/report_list.html", {
        "reports": selectors.reports(access)[:100],
    })


# -------------------------------------------------------------------- PDF files


def _after_request(request, access, requested: services.Requested, back: str):
    if requested.report.is_ready:
        messages.info(request, _("This report is ready: nothing changed since it was made."))
    elif requested.reused:
        messages.info(request, _("This report is already being prepared."))
    else:
        messages.success(request, _("Your PDF is being prepared. This page shows when it "
                                    "is ready."))
    return redirect(f"{back}#{_anchor(requested.report)}")


def _anchor(report: Report) -> str:
    """Where a report's state is on its page (templates/reports/_pdf_panel.html)."""
    return "summary-pdf" if report.is_summary else "pdf"


def _organisation_pdf(variant: str):
    @tenant_view("view", write="request_reports")
    @require_POST
    def view(request, access):
        requested = services.report_request(by=access, assessment=None, variant=variant,
                                            language=current_language(), request=request)
        return _after_request(request, access, requested,
                              reverse("reports:organisation", args=[access.organisation.slug]))

    view.__name__ = f"organisation_{variant}_pdf"
    return view


def _assessment_pdf(variant: str):
    @tenant_view("view", write="request_reports")
    @require_POST
    def view(request, access, assessment_id):
        assessment = selectors.get_assessment(access, assessment_id)
        page = reverse("reports:assessment", args=[access.organisation.slug,
                                                    assessment.public_id])
        try:
            requested = services.report_request(by=access, assessment=assessment,
                                                variant=variant,
                                                language=current_language(), request=request)
        except ValidationError as refused:  # results withheld (anonymity.withheld)
            messages.error(request, " ".join(refused.messages))
            return redirect(page)
        return _after_request(request, access, requested, page)

    view.__name__ = f"assessment_{variant}_pdf"
    return view


organisation_pdf = _organisation_pdf(Report.Variant.FULL)
organisation_summary_pdf = _organisation_pdf(Report.Variant.SUMMARY)
assessment_pdf = _assessment_pdf(Report.Variant.FULL)
assessment_summary_pdf = _assessment_pdf(Report.Variant.SUMMARY)


def status_payload(access: OrgAccess, report: Report) -> dict:
    slug = access.organisation.slug
    return {
        "id": str(report.public_id),
        "status": report.status,
        "label": report.get_status_display(),
        "error": report.error if report.is_failed else "",
        "ready": report.is_ready,
        "done": report.status in (Report.Status.READY, Report.Status.FAILED),
        "download_url": reverse("reports:download", args=[slug, report.public_id])
        if report.is_ready else None,
        "retry_url": reverse("reports:retry", args=[slug, report.public_id])
        if report.is_failed else None,
        "variant": report.variant,
        "updated_at": report.updated_at.isoformat(),
    }


@tenant_view("view")
@never_cache
@require_safe
def report_status(request, access, report_id):
    report = selectors.get_report(access, report_id)
    if report.in_progress and services.report_nudge(report):
        report.refresh_from_db()
    return JsonResponse(status_payload(access, report))


@tenant_view("view")
@never_cache
@require_safe
def report_download(request, access, report_id):
    report = selectors.get_report(access, report_id)
    if not report.is_ready or not report.file:
        raise Http404
    handle = services.report_file_open(report)
    if handle is None:
        # Not a dead end: the report became failed, and the page offers to make it again.
        messages.error(request, _("The PDF file of this report could not be read. Create "
                                  "the PDF again (or ask someone who may) to download it."))
        return redirect(f"{_report_page(access, report)}#{_anchor(report)}")
    return pdf_response(request, access, report, handle)


def pdf_response(request, access: OrgAccess, report: Report, handle) -> FileResponse:
    """A ready report's open file as its download, logged (the page's and the API's)."""
    services.log_download(report=report, by=access, request=request)
    response = FileResponse(handle, as_attachment=True,
                            filename=services.download_name(report),
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_view("view", write="request_reports")
@require_POST
def report_retry(request, access, report_id):
    report = selectors.get_report(access, report_id)
    report = services.report_retry(by=access, report=report, request=request)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(status_payload(access, report))
    messages.success(request, _("The report is queued again."))
    return redirect(f"{_report_page(access, report)}#{_anchor(report)}")


def _report_page(access: OrgAccess, report: Report) -> str:
    if report.assessment_id:
        return reverse("reports:assessment", args=[access.organisation.slug,
                                                   report.assessment.public_id])
    return reverse("reports:organisation", args=[access.organisation.slug])


# ---------------------------------------------------------------------- exports


def _export_response(content: bytes | str, *, filename: str, content_type: str):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _export(access, assessment, fmt: str):
    language = current_language()
    if assessment is not None and (hidden := results_withheld(assessment)) is not None:
        return withheld_download(hidden)
    if assessment is None:
        table = exports.organisation_table(access, language=language)
        contract = exports.organisation_contract(access, language=language)
    else:
        table = exports.assessment_table(access, assessment, language=language)
        contract = exports.assessment_contract(access, assessment, language=language)
    stem = exports.file_stem(access, assessment)
    if fmt == "csv":
        return _export_response(exports.to_csv(table), filename=f"{stem}.csv",
                                content_type="text/csv; charset=utf-8")
    if fmt == "xlsx":
        return _export_response(
            exports.to_xlsx(table), filename=f"{stem}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _export_response(exports.to_json(contract), filename=f"{stem}.json",
                            content_type="application/json")


def _org_export(fmt: str):
    @tenant_view("view")
    @require_safe
    def view(request, access):
        return _export(access, None, fmt)

    view.__name__ = f"organisation_export_{fmt}"
    return view


def _assessment_export(fmt: str):
    @tenant_view("view")
    @require_safe
    def view(request, access, assessment_id):
        return _export(access, selectors.get_assessment(access, assessment_id), fmt)

    view.__name__ = f"assessment_export_{fmt}"
    return view


organisation_export_csv = _org_export("csv")
organisation_export_xlsx = _org_export("xlsx")
organisation_export_json = _org_export("json")
assessment_export_csv = _assessment_export("csv")
assessment_export_xlsx = _assessment_export("xlsx")
assessment_export_json = _assessment_export("json")


# ------------------------------------------------------- the organisation home's overview


def overview_panel(access: OrgAccess) -> dict | None:
    """The executive overview at the top of an organisation's home page (a dashboard
    panel, registered in ``ReportsConfig.ready``): None until a round with a submitted
    response is closed.

    Rendered once per change of what it shows and kept in the cache (as the
    organisation report is): its key is the overview's fingerprint (the rounds that
    count and those in progress with their counts, ``selectors.overview_fingerprint``),
    the newest PDF this member may open, the language and the templates' version.
    Nothing else in it depends on who reads it."""
    language = current_language()
    fingerprint = selectors.overview_fingerprint(access)
    if not fingerprint:
        return None
    pdf = selectors.latest_pdf(access, language)
    key = selectors.overview_key(access, fingerprint, pdf=pdf, language=language)
    body = cache.get(key)
    if body is None:
        body = _overview_body(access, language, pdf)
        cache.set(key, body, ORGANISATION_REPORT_CACHE_SECONDS)
    # Empty: no result any more (a round reopened between the fingerprint and now).
    return {"body": mark_safe(body)} if body else None  # noqa: S308 - from a template


def _overview_body(access: OrgAccess, language: str, pdf: dict | None) -> str:
    overview = selectors.executive_overview(access, language=language)
    if not overview.rows:
        return ""
    quadrant = None
    if overview.quadrant_texts is not None:
        # Every department, whatever its model: the shipped models share the two axes,
        # each position lies in [-1, 1]; a level's colour is its share of its model's.
        geometry = chart_svg.quadrant([r.result for r in overview.rows],
                                      overview.quadrant_texts)
        if geometry is not None:
            quadrant = _svg("quadrant", geometry, "")
    # No request: nothing of the reader (their session, their CSRF token) goes in.
    return render_to_string("reports/_overview.html", {
        "organisation": access.organisation, "overview": overview, "quadrant": quadrant,
        "models": selectors.overview_models(overview.rows, language), "latest_pdf": pdf})

