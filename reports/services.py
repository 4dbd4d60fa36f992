"""Writes for reports: asking for a PDF, the render itself, and its lifecycle.

A report goes queued → rendering → ready | failed. Every transition is a conditional
``UPDATE`` on the status it expects, so two workers (or a worker and a retry) can
never both render the same report, and a worker that finishes after losing its
claim cannot overwrite the winner. The Celery task (``reports.tasks``) only claims
and calls :func:`render_report`; the ``render_report`` command calls it directly.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import Assessment
from assessments.selectors import results_withheld
from organisations.access import ROLE_RANK, OrgAccess, organisation_access
from organisations.models import Role
from organisations.security import log_security_event
from organisations.services import audit

from . import chart_svg, charts, selectors, signals
from .chart_export import ChartExportError, stop_chart_server, submit_figures
from .models import Report

logger = logging.getLogger(__name__)

# A queued report whose message may have been lost is sent again after this long.
REQUEUE_AFTER = timedelta(minutes=2)
CHART_WIDTH = 720
# The quadrant is exported square and smaller, then shown across the page's width: its
# labels come out larger (about 10 pt) than the other charts' (8 pt).
QUADRANT_WIDTH = 560


class RenderRefused(Exception):
    """The report cannot be rendered as asked (not a transient problem)."""


def worker_id() -> str:
    """Who holds a claim: host, process and a random part unique to this claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def stale_claim_age() -> timedelta:
    """A rendering claim older than the hard time limit belongs to a dead worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


# ------------------------------------------------------------------- asking for one


@dataclass
class Requested:
    report: Report
    reused: bool


def input_hash(access: OrgAccess, assessment: Assessment | None, language: str,
               variant: str = Report.Variant.FULL) -> str:
    return input_hashes(access, assessment, language, [variant])[variant]


def input_hashes(access: OrgAccess, assessment: Assessment | None, language: str,
                 variants=tuple(Report.Variant.values)) -> dict[str, str]:
    """The input hash of each variant (the full report, the one-pager) at once."""
    if assessment is None:
        return selectors.organisation_input_hashes(access, language, variants)
    return selectors.assessment_input_hashes(access, assessment, language, variants)


def report_request(*, by: OrgAccess, assessment: Assessment | None, language: str,
                   variant: str = Report.Variant.FULL,
                   request: HttpRequest | None = None, send: bool = True) -> Requested:
    """A PDF of the assessment (or, with None, of the organisation) in ``language``:
    the full report, or (``variant``) its one-page summary.

    Reuses the live report of the same inputs (ready: its file; queued or rendering:
    its progress); otherwise queues a new one, sent to a worker after commit (unless
    ``send`` is false: the command line renders it itself).

    Needs ``request_reports``; a round of another organisation is a 404, as its page is.
    """
    by.require("request_reports")
    if assessment is not None and assessment.organisation_id != by.organisation.pk:
        raise Http404
    if variant not in Report.Variant.values:
        raise ValueError(f"unknown report variant {variant!r}")
    if assessment is not None:
        hidden = results_withheld(assessment)
        if hidden is not None:  # nothing to render that anyone may see
            raise ValidationError(hidden.message)
    digest = input_hash(by, assessment, language, variant)
    with transaction.atomic():
        report = selectors.live_report(by, digest)
        if report is not None and report.is_ready and not report_file_readable(report):
            report_file_lost(report=report)  # no longer live: a new one is made below
            report = None
        reused = report is not None
        if report is None:
            try:
                with transaction.atomic():
                    report = Report.objects.create(
                        organisation=by.organisation, assessment=assessment,
                        requested_by=by.user if getattr(by.user, "pk", None) else None,
                        requested_role=by.role if by.capped else "",
                        language=language, input_hash=digest, variant=variant,
                        audience=selectors.report_audience(by, assessment))
            except IntegrityError:  # someone asked for the same inputs a moment ago
                report = selectors.live_report(by, digest)
                if report is None:
                    raise
                reused = True
            else:
                if send:
                    transaction.on_commit(lambda: enqueue(report.pk))
        audit(organisation=by.organisation, actor=by.user, action="report.requested",
              target=str(assessment) if assessment else by.organisation.name,
              data={"report": str(report.public_id), "kind": report.kind,
                    "variant": report.variant, "language": language, "reused": reused},
              request=request)
    return Requested(report, reused)


def report_retry(*, by: OrgAccess, report: Report,
                 request: HttpRequest | None = None) -> Report:
    """Queue a failed report again. If the same inputs have a live report by now,
    that one is returned instead. A ready report whose file is lost counts as failed.

    Needs ``request_reports``; a report ``by`` may not open (another organisation's, or
    of another audience: ``selectors.reports``) is a 404, as its page is."""
    by.require("request_reports")
    if not selectors.reports(by).filter(pk=report.pk).exists():
        raise Http404
    if report.is_ready and not report_file_readable(report):
        report_file_lost(report=report)
    with transaction.atomic():
        try:
            with transaction.atomic():
                changed = Report.objects.filter(pk=report.pk, status=Report.Status.FAILED) \
                    .update(status=Report.Status.QUEUED, error="", claimed_at=None,
                            claimed_by="", finished_at=None, updated_at=timezone.now())
        except IntegrityError:
            live = selectors.live_report(by, report.input_hash)
            if live is not None:
                return live
            raise
        report.refresh_from_db()
        if changed:
            audit(organisation=by.organisation, actor=by.user, action="report.retried",
                  target=str(report.public_id), data={"report": str(report.public_id)},
                  request=request)
            transaction.on_commit(lambda: enqueue(report.pk))
    return report


PDF_SIGNATURE = b"%PDF-"


def report_file_readable(report: Report) -> bool:
    """Whether a ready report's file is still there and is a PDF (storage can lose a
    file: a volume replaced, a bucket's lifecycle rule, a partial restore)."""
    if not report.file:
        return False
    try:
        with default_storage.open(report.file.name, "rb") as handle:
            return handle.read(len(PDF_SIGNATURE)) == PDF_SIGNATURE
    except Exception:  # noqa: BLE001 - missing or unreadable: each storage raises its own
        return False


def report_file_open(report: Report):
    """A ready report's PDF, open at its start, for a download; None when the file is
    missing or unreadable, and then the report becomes failed (:func:`report_file_lost`)
    so that asking for it again makes it anew."""
    handle = None
    try:
        handle = default_storage.open(report.file.name, "rb")
        readable = handle.read(len(PDF_SIGNATURE)) == PDF_SIGNATURE
        handle.seek(0)
    except Exception:  # noqa: BLE001 - missing or unreadable: each storage raises its own
        readable = False
    if readable:
        return handle
    if handle is not None:
        handle.close()
    report_file_lost(report=report)
    return None


def report_file_lost(*, report: Report) -> bool:
    """A ready report whose file is missing or unreadable becomes failed, with the reason,
    so that asking again or "Try again" renders it anew (a ready report would otherwise
    be reused for its inputs for ever). A conditional update: done once."""
    now = timezone.now()
    with translation.override(report.language):
        reason = _("The PDF file of this report could no longer be read, so it has to be "
                   "made again.")
    changed = Report.objects.filter(pk=report.pk, status=Report.Status.READY).update(
        status=Report.Status.FAILED, error=reason, finished_at=now, updated_at=now)
    if changed:
        logger.warning("Report %s: its file %s is missing or unreadable; marked failed",
                       report.pk, report.file.name)
    report.refresh_from_db()
    return bool(changed)


def reports_queue() -> str | None:
    """The Celery queue for PDF renders (None: the default queue). Lets a deployment
    give PDFs workers of their own, and the worker tests a queue of their own."""
    return getattr(settings, "REPORTS_QUEUE", None) or os.environ.get("REPORTS_QUEUE") or None


def enqueue(report_id: int, *, countdown: float | None = None) -> bool:
    """Send the report to a worker. A broker that cannot be reached is logged, not
    raised: the report stays queued, and the status endpoint or the next worker to
    start sends it again (see :func:`report_nudge`, :func:`recover_reports`)."""
    from .tasks import render_report_task

    try:
        render_report_task.apply_async(args=[report_id], countdown=countdown,
                                       queue=reports_queue())
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the report is not lost
        logger.exception("Could not send report %s to a worker; it stays queued", report_id)
        return False
    Report.objects.filter(pk=report_id).update(enqueued_at=timezone.now())
    return True


def log_download(*, report: Report, by: OrgAccess, request: HttpRequest | None) -> None:
    """A download goes to the security log (organisation, user, action, UTC time,
    address), like sign-ins and denied access."""
    log_security_event("report.downloaded", request=request, user=by.user,
                       organisation=by.organisation, report=report.public_id,
                       kind=report.kind)


def download_name(report: Report) -> str:
    """``maturity-report-acme-it-service-desk-q1-2027.pdf`` (``maturity-summary-…`` for
    the one-pager): ASCII, no path parts."""
    prefix = "maturity-summary" if report.is_summary else "maturity-report"
    parts = [report.organisation.slug]
    if report.assessment_id:
        parts += [report.assessment.department.name, report.assessment.name]
    stem = slugify("-".join([prefix, *parts]))[:120].strip("-")
    return f"{stem or prefix}-{report.language}.pdf"


# ----------------------------------------------------------------- the lifecycle


def claim_report(report_id: int, *, worker: str) -> Report | None:
    """Take the report for rendering, or None if it is not ours to render (already
    taken by a live worker, ready, failed, or gone)."""
    now = timezone.now()
    claimed = Report.objects.filter(pk=report_id).filter(
        Q(status=Report.Status.QUEUED)
        | Q(status=Report.Status.RENDERING, claimed_at__lt=now - stale_claim_age())
    ).update(status=Report.Status.RENDERING, claimed_at=now, claimed_by=worker,
             attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None
    return Report.objects.select_related("organisation", "assessment__department",
                                         "requested_by").get(pk=report_id)


def release_report(report: Report, *, reason: str) -> bool:
    """Give a claimed report back to the queue (a transient error; a retry follows)."""
    return bool(Report.objects.filter(
        pk=report.pk, status=Report.Status.RENDERING, claimed_by=report.claimed_by,
    ).update(status=Report.Status.QUEUED, error=reason[:2000], claimed_at=None,
             claimed_by="", updated_at=timezone.now()))


def fail_report(report: Report, *, reason: str) -> bool:
    now = timezone.now()
    return bool(Report.objects.filter(
        pk=report.pk, status=Report.Status.RENDERING, claimed_by=report.claimed_by,
    ).update(status=Report.Status.FAILED, error=reason[:2000], finished_at=now,
             updated_at=now))


def recover_reports(*, host: str | None = None) -> list[int]:
    """Send again the reports a dead worker left behind; returns their ids.

    Run when a worker starts. A rendering claim is given back when its worker process
    is gone (same host, pid no longer alive) or when it is older than the hard time
    limit; a queued report whose message may be lost is sent again after a while.
    Sending one twice is harmless: only one claim succeeds.
    """
    host = host or socket.gethostname()
    now = timezone.now()
    requeue: list[int] = []
    for pk, claimed_by, claimed_at in Report.objects.filter(
            status=Report.Status.RENDERING).values_list("pk", "claimed_by", "claimed_at"):
        dead = _claim_is_dead(claimed_by, host) or (
            claimed_at is not None and claimed_at < now - stale_claim_age())
        if dead and Report.objects.filter(
                pk=pk, status=Report.Status.RENDERING, claimed_by=claimed_by).update(
                status=Report.Status.QUEUED, claimed_at=None, claimed_by="", updated_at=now):
            requeue.append(pk)
    requeue += list(Report.objects.filter(status=Report.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    ).exclude(pk__in=requeue).values_list("pk", flat=True))
    for pk in requeue:
        logger.warning("Report %s was left behind by a worker; sending it again", pk)
        enqueue(pk)
    return requeue


def report_nudge(report: Report) -> bool:
    """For the status endpoint: a report stuck in the queue is sent again."""
    now = timezone.now()
    if report.status == Report.Status.QUEUED and (
            report.enqueued_at is None or report.enqueued_at < now - REQUEUE_AFTER):
        enqueue(report.pk)
        return True
    if report.status == Report.Status.RENDERING and report.claimed_at and \
            report.claimed_at < now - stale_claim_age():
        recover_reports()
        return True
    return False


def _claim_is_dead(claimed_by: str, host: str) -> bool:
    parts = claimed_by.split(":")
    if len(parts) < 3:
        return False
    claim_host, pid = ":".join(parts[:-2]), parts[-2]
    if claim_host != host or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# -------------------------------------------------------------------- the render


def _access_for(report: Report) -> OrgAccess:
    """Render with the requester's access as it is now (capped by the role they asked
    with, for an API token): someone who lost access to the organisation gets no
    report. Without a requester (the command line) the report is rendered as an owner
    would see it."""
    organisation = report.organisation
    if report.requested_by_id is None:
        access = OrgAccess(user=None, organisation=organisation, role=Role.OWNER)
    else:
        try:
            access = organisation_access(report.requested_by, organisation.slug)
        except Http404 as exc:
            raise RenderRefused(_("The person who asked for this report no longer has "
                                  "access to %(organisation)s.")
                                % {"organisation": organisation.name}) from exc
    if report.requested_role and ROLE_RANK[access.role] > ROLE_RANK[report.requested_role]:
        access = replace(access, role=report.requested_role, capped=True)
    # The file is opened by the report's audience only: it must show what that
    # audience's page shows, not what the requester's new role would.
    if selectors.report_audience(access, report.assessment) != report.audience:
        raise RenderRefused(_("The role of the person who asked for this report changed "
                              "since; ask for it again."))
    return access


def render_report(report: Report) -> Report:
    """Render a claimed report to PDF, store the file and mark it ready.

    Raises on failure (the caller decides between a retry and ``failed``). If the
    claim was lost meanwhile, the file is discarded and the report left alone.
    """
    access = _access_for(report)
    pdf = build_pdf(access=access, assessment=report.assessment, language=report.language,
                    variant=report.variant)
    name = default_storage.save(report.file.field.generate_filename(report, "report.pdf"),
                                ContentFile(pdf))
    now = timezone.now()
    done = Report.objects.filter(pk=report.pk, status=Report.Status.RENDERING,
                                 claimed_by=report.claimed_by).update(
        status=Report.Status.READY, file=name, error="", finished_at=now, updated_at=now)
    if not done:
        default_storage.delete(name)
        logger.warning("Report %s was claimed by another worker; dropped this render",
                       report.pk)
    report.refresh_from_db()
    if done:
        signals.report_ready.send(sender=Report, report=report)
    return report


def build_pdf(*, access: OrgAccess, assessment: Assessment | None, language: str,
              variant: str = Report.Variant.FULL) -> bytes:
    """The PDF of an assessment (or, with None, of the organisation) in ``language``:
    the full report or (``variant``) the one-page summary."""
    from .pdf import ChartMissing, html_to_pdf  # WeasyPrint: imported only where needed

    if variant == Report.Variant.SUMMARY:
        return build_summary(access=access, assessment=assessment, language=language)
    with translation.override(language):
        if assessment is None:
            html, figures = _organisation_document(access, language)
        else:
            html, figures = _assessment_document(access, assessment, language)
        # The browser draws the charts while WeasyPrint lays out the text; the fetcher
        # waits for each chart when the layout reaches it.
        futures = submit_figures([(fig, width, None) for _name, fig, width in figures])
        try:
            return html_to_pdf(html, charts={f"{name}.svg": future for (name, _f, _w), future
                                             in zip(figures, futures, strict=True)})
        except ChartMissing as exc:
            stop_chart_server()  # the next attempt starts a fresh browser
            raise ChartExportError(str(exc)) from exc
        finally:
            for future in futures:
                future.cancel()


def _assessment_document(access: OrgAccess, assessment: Assessment, language: str):
    data = selectors.assessment_report(access, assessment, language=language,
                                       with_appendix=True)
    if data.withheld is not None:
        return _withheld_document(access, data, language), []
    figures = [
        ("radar", charts.radar(data.result, data.texts), CHART_WIDTH),
        ("quadrant", charts.quadrant([data.point()], data.texts, title="",
                                     height=QUADRANT_WIDTH), QUADRANT_WIDTH),
        ("disagreement", charts.disagreement(data.result, data.texts, title=""), CHART_WIDTH),
    ]
    figures += [(f"staircase-{i}", charts.staircase(d, data.texts,
                                                      threshold=data.result.threshold,
                                                      title=""), CHART_WIDTH)
                for i, d in enumerate(data.result.dimensions)]
    html = render_to_string("reports/pdf/assessment.html", {
        "report": data, "organisation": access.organisation, "language": language,
        "generated_at": timezone.now(),
        "dimensions": [{**row, "chart": f"staircase-{i}"}
                       for i, row in enumerate(data.dimensions())],
    })
    return html, figures


def _withheld_document(access: OrgAccess, data, language: str) -> str:
    """A round's PDF while nobody may see its results (``anonymity.withheld``): the
    cover and why, no figure. Asking for one is refused (:func:`report_request`); this
    is for a render asked for otherwise (``render_report``)."""
    return render_to_string("reports/pdf/withheld.html", {
        "report": data, "organisation": access.organisation, "language": language,
        "generated_at": timezone.now()})


def _organisation_document(access: OrgAccess, language: str):
    data = selectors.organisation_report(access, language=language)
    figures = []
    sections = []
    for i, section in enumerate(data.sections):
        names = {kind: f"s{i}-{kind}" for kind in ("quadrant", "heatmap", "targets", "trend")}
        # The PDF has a heading above each chart: the charts go without titles.
        figures += [
            (names["quadrant"], charts.quadrant(section.rows, section.texts, title="",
                                                height=QUADRANT_WIDTH), QUADRANT_WIDTH),
            (names["heatmap"], charts.heatmap(section.rows, section.texts, title=""),
             CHART_WIDTH),
            (names["targets"], charts.levels_vs_targets(section.rows, section.texts, title=""),
             CHART_WIDTH),
        ]
        if charts.trend_rounds(section.trend) >= 2:
            figures.append((names["trend"], charts.trend(section.trend, section.texts,
                                                         title=""), CHART_WIDTH))
            trend_message = ""
            trend_note = charts.trend_note(section.trend)
        else:  # a trend needs two rounds: the PDF says so instead of drawing one point
            trend_message, trend_note = charts.trend_needs_two(), ""
        sections.append({"section": section, "charts": names, "trend_message": trend_message,
                         "trend_note": trend_note})
    if data.portfolio:
        figures.append(("portfolio", charts.portfolio(data.portfolio, top=data.portfolio_top,
                                                      title=""), CHART_WIDTH))
    for i, section in enumerate(data.portfolio_sections):
        figures.append((f"p{i}-quadrant", charts.quadrant(
            section.rows, section.texts, title="", height=QUADRANT_WIDTH), QUADRANT_WIDTH))
    html = render_to_string("reports/pdf/organisation.html", {
        "report": data, "organisation": access.organisation, "language": language,
        "generated_at": timezone.now(), "sections": sections,
    })
    return html, figures


# ---------------------------------------------------------- the executive one-pager


def build_summary(*, access: OrgAccess, assessment: Assessment | None,
                  language: str) -> bytes:
    """The one-page summary of an assessment (or, with None, of the organisation).

    Its quadrant is the server-drawn SVG of the report pages (``chart_svg``), inline:
    no browser is started. The template caps every list and text so that the page
    holds; should a name still push it onto a second page, it is laid out again
    tighter (``compact``), and that failing, the extra page is logged, not hidden.
    """
    from .pdf import render_document, write_pdf

    with translation.override(language):
        if assessment is None:
            template, context = _organisation_summary(access, language)
        else:
            template, context = _assessment_summary(access, assessment, language)
        context.update({"organisation": access.organisation, "language": language,
                        "generated_at": timezone.now()})
        document = render_document(render_to_string(template, context))
        if len(document.pages) > 1:
            document = render_document(render_to_string(template, {**context,
                                                                   "compact": True}))
            if len(document.pages) > 1:
                logger.warning("The one-page summary of %s holds %s pages",
                               assessment or access.organisation, len(document.pages))
        return write_pdf(document)


def _summary_quadrant(rows, texts) -> dict | None:
    return chart_svg.quadrant(rows, texts) if texts is not None else None


def _assessment_summary(access: OrgAccess, assessment: Assessment, language: str):
    data = selectors.assessment_summary(access, assessment, language=language)
    if data.report.withheld is not None:
        return "reports/pdf/withheld.html", {"report": data.report}
    return "reports/pdf/summary_assessment.html", {
        "summary": data, "report": data.report, "steps": data.quick_wins,
        "quadrant": _summary_quadrant([data.report.point()], data.report.texts),
        "quadrant_label": _("Position on the two axes")}


def _organisation_summary(access: OrgAccess, language: str):
    data = selectors.organisation_summary(access, language=language)
    overview = data.overview
    return "reports/pdf/summary_organisation.html", {
        "summary": data, "steps": overview.steps, "empty": not overview.rows,
        # Every department, whatever its model, as on the organisation's home.
        "quadrant": _summary_quadrant([r.result for r in overview.rows],
                                      overview.quadrant_texts),
        "quadrant_label": _("Where the departments stand on the two axes")}
