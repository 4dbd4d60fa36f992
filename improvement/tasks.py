"""Celery tasks of the action plans: thin, each calls a service.

``deliver_webhook_task`` makes one try of one delivery (the service schedules the
next); the periodic ones are in settings' ``CELERY_BEAT_SCHEDULE``.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="improvement.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> str | None:
    return services.deliver(delivery_id)


@shared_task(name="improvement.weekly_digest", ignore_result=True)
def weekly_digest_task() -> int:
    return services.send_weekly_digest()


@shared_task(name="improvement.hourly", ignore_result=True)
def hourly_task() -> dict:
    """Overdue actions become ``action.overdue`` events; lost deliveries are resent."""
    return {"overdue": services.announce_overdue(), "resent": services.resend_lost()}
