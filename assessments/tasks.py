"""The follow-up schedule's periodic task, run by Celery beat (``CELERY_BEAT_SCHEDULE``).

Thin: it calls the services of ``assessments.followup``, which claim their work with
conditional updates, so running it twice, late or from two beats by mistake opens no
round and sends no reminder twice.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from . import followup


@shared_task(name="assessments.follow_up_tick", ignore_result=True)
def follow_up_tick(now: str | None = None) -> dict[str, int]:
    """Open the rounds whose day has come and send the reminders that are due.

    ``now`` (ISO 8601, for tests and for catching up by hand): the moment to act as of;
    default the current time."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return {"opened": followup.open_scheduled_rounds(now=moment),
            "reminded": followup.send_scheduled_reminders(now=moment)}
