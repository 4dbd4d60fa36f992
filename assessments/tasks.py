"""The follow-up schedule's periodic task, run by Celery beat (``CELERY_BEAT_SCHEDULE``),
and the task that emails respondents their invitations and reminders after the request
that asked for them.

Thin: they call the services of ``assessments.followup`` and ``assessments.services``,
which claim their work with conditional updates, so running one twice, late or from
two beats by mistake opens no round and sends no email twice.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from organisations import outbox

from . import followup, services


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


@shared_task(bind=True, name="assessments.send_respondent_emails", ignore_result=True,
             acks_late=True, max_retries=outbox.MAX_RETRIES)
def send_respondent_emails_task(self, assessment_id: int, sender_id: int | None = None,
                                asked_at: str | None = None) -> dict:
    """Email a round's respondents the invitations and reminders they are owed
    (``services.respondent_emails_send``): the batch asked for at ``asked_at`` (ISO
    8601), or everything owed.

    Safe to run twice: each respondent is claimed before their email goes out. What is
    left when the run's time is up goes on in a new run at once, as long as emails go
    out; emails that failed (the mail server refused or was away) are tried again, with
    backoff, by a retry (``outbox.after_run``)."""
    outcome = services.respondent_emails_send(
        assessment_id=assessment_id, sender_id=sender_id,
        asked_at=datetime.fromisoformat(asked_at) if asked_at else None,
        until=outbox.deadline())
    return outbox.after_run(self, outcome, requeue=lambda: services.enqueue_respondent_emails(
        assessment_id, sender_id=sender_id, asked_at=asked_at))


@shared_task(name="assessments.send_invitations", ignore_result=True)
def send_invitations_task(assessment_id: int, sender_id: int | None = None) -> None:
    """The name the task had when it sent only a round's invitations: a message queued
    under it before an upgrade still sends them (migration 0009 marked them owed)."""
    services.enqueue_respondent_emails(assessment_id, sender_id=sender_id)
