"""The PDF render task: takes a report id, claims the report, calls the service.

Safe to run twice (the claim is a conditional UPDATE), acknowledged only when done
(``acks_late``) and given back to the broker if the worker dies mid-render
(``reject_on_worker_lost``). Transient errors (a chart browser that crashed, a lost
database connection) are retried with exponential backoff; anything else, or the
last retry, ends the report as failed with a reason the page shows.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from . import services
from .chart_export import ChartExportError, stop_chart_server

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
TRANSIENT = (ChartExportError, OperationalError, InterfaceError, ConnectionError, TimeoutError)


class TransientRenderError(Exception):
    """A render failed for a reason that may pass; the task is retried."""


@shared_task(
    bind=True,
    name="reports.render_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientRenderError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def render_report_task(self, report_id: int) -> str:
    report = services.claim_report(report_id, worker=services.worker_id())
    if report is None:
        return "skipped"
    # The reason is stored on the report and shown to everyone who reads it: write it
    # in the language the report was asked in (the requester's), not the worker's.
    with translation.override(report.language):
        try:
            services.render_report(report)
        except services.RenderRefused as exc:
            services.fail_report(report, reason=str(exc))
            return "failed"
        except SoftTimeLimitExceeded:
            services.fail_report(report, reason=_(
                "Rendering took longer than %(seconds)s seconds and was stopped.")
                % {"seconds": settings.CELERY_TASK_SOFT_TIME_LIMIT})
            return "failed"
        except TRANSIENT as exc:
            reason = _("Rendering failed for a passing reason (%(error)s).") % {
                "error": short_error(exc)}
            if self.request.retries >= self.max_retries:
                services.fail_report(report, reason=reason)
                return "failed"
            logger.warning("Report %s: transient failure, retrying: %s", report_id, exc)
            services.release_report(report, reason=reason)
            raise TransientRenderError(str(exc)) from exc
        except Exception as exc:
            logger.exception("Report %s failed", report_id)
            services.fail_report(report, reason=_("Rendering failed: %(error)s") % {
                "error": short_error(exc)})
            return "failed"
    return "ready"


def short_error(exc: BaseException) -> str:
    """The exception's type and first line, for a failure reason."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


@worker_ready.connect
def _recover_left_behind(sender=None, **kwargs) -> None:
    """A worker that starts sends again what a dead one left behind."""
    try:
        services.recover_reports()
    except Exception:  # noqa: BLE001 - a worker must start even if this fails
        logger.exception("Could not recover left-behind reports")


@worker_shutdown.connect
def _stop_chart_browser(sender=None, **kwargs) -> None:
    stop_chart_server()
