"""PDF reports: ask for one (rendered by a Celery worker), follow it, download it.

The same services as the report pages: asking twice for the same inputs reuses the
report, and a file is opened only by the audience of the page it renders
(``reports.selectors``)."""


from uuid import UUID

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from reports import selectors, services
from reports.models import Report
from reports.views import pdf_response

from .. import problems
from ..auth import REPORTS
from ..schemas import ReportIn, ReportOut
from .common import ORG, Mapped, access_of, answers

router = Router(tags=["reports"])

REPORT = f"{ORG}/reports/{{uuid:report_id}}"


def report_out(report: Report) -> dict:
    download = None
    if report.is_ready:
        download = reverse("api-v1:download_report",
                           args=[report.organisation.slug, report.public_id])
    return {
        "id": report.public_id, "kind": report.kind, "variant": report.variant,
        "round": report.assessment.public_id if report.assessment_id else None,
        "language": report.language, "status": report.status,
        "error": report.error if report.is_failed else "",
        "created_at": report.created_at, "updated_at": report.updated_at,
        "download": download,
    }


def _language(requested: str | None) -> str:
    if requested:
        return requested
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


@router.post(f"{ORG}/reports", response={**answers(202, ReportOut, conflict=True),
                                         200: ReportOut},
             auth=REPORTS,
             summary="Ask for a PDF of a round, or of the organisation (or its one-page "
                     "summary): 202 while it is made, 200 when a ready one of the same "
                     "inputs is reused; 409 for a round whose results nobody may see yet")
def request_report(request, org_slug: str, payload: ReportIn):
    access = access_of(request)
    assessment = None
    if payload.round is not None:
        assessment = selectors.get_assessment(access, payload.round)
    requested = services.report_request(by=access, assessment=assessment,
                                        language=_language(payload.language),
                                        variant=payload.variant, request=request)
    report = requested.report
    report.organisation = access.organisation
    return Status(200 if report.is_ready else 202, report_out(report))


@router.get(f"{ORG}/reports", response=answers(200, list[ReportOut]),
            summary="The reports this token may open, newest first")
@paginate
def list_reports(request, org_slug: str):
    access = access_of(request)
    return Mapped(selectors.reports(access).select_related("organisation"), report_out)


@router.get(REPORT, response=answers(200, ReportOut), summary="One report: poll its status")
def get_report(request, org_slug: str, report_id: UUID):
    access = access_of(request)
    report = selectors.get_report(access, report_id)
    if report.in_progress and services.report_nudge(report):
        report.refresh_from_db()
    return report_out(report)


PDF = {"responses": {200: {"description": "The PDF.",
                           "content": {"application/pdf": {
                               "schema": {"type": "string", "format": "binary"}}}}}}


@router.get(f"{REPORT}/pdf", response=answers(200, None, conflict=True), openapi_extra=PDF,
            url_name="download_report", summary="Download a ready report's PDF")
def download_report(request, org_slug: str, report_id: UUID):
    access = access_of(request)
    report = selectors.get_report(access, report_id)
    if not report.is_ready or not report.file:
        return problems.problem(request, 409, _("This report is not ready: poll it until its "
                                                "status is “ready”."))
    handle = services.report_file_open(report)
    if handle is None:
        return problems.problem(request, 409, _("The PDF file of this report could not be "
                                                "read. Ask for the report again."))
    return pdf_response(request, access, report, handle)
