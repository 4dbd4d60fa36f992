"""The task that emails members' invitations after the request that made or renewed
them (``services.invitation_emails_send``).

Thin: the service claims each invitation with a conditional update before its email
goes out, so running the task twice, late, or again after a retry emails nobody twice.
"""

from __future__ import annotations

from celery import shared_task

from . import outbox, services


@shared_task(bind=True, name="organisations.send_invitation_emails", ignore_result=True,
             acks_late=True, max_retries=outbox.MAX_RETRIES)
def send_invitation_emails_task(self, organisation_id: int) -> dict:
    """Email an organisation's pending invitations whose email is owed. What is left
    when the run's time is up goes on in a new run; emails that failed (the mail server
    refused or was away) are tried again, with backoff, by a retry."""
    outcome = services.invitation_emails_send(organisation_id=organisation_id,
                                              until=outbox.deadline())
    return outbox.after_run(self, outcome, requeue=lambda: services.enqueue_invitation_emails(
        organisation_id))
