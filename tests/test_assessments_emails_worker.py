"""Respondents' invitations and reminders sent by a real Celery worker process
(tests/celery_workers.py) to a real SMTP server in this process: slow for every email
and refusing one recipient, which neither the request nor the other respondents notice."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Response
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment
from tests.celery_workers import wait_for
from tests.conftest import access_for, signed_in
from tests.smtp_receiver import SMTPReceiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The real hand-over to the broker (tests/conftest.py runs the task in process instead).
enqueue_for_real = services.enqueue_respondent_emails


@pytest.fixture
def smtp():
    receiver = SMTPReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def email_workers(workers, settings, smtp, monkeypatch):
    settings.EMAILS_QUEUE = workers.queue
    workers.env.update({"EMAILS_QUEUE": workers.queue, "EMAIL_HOST": "127.0.0.1",
                        "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "false",
                        "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""})
    monkeypatch.setattr(services, "enqueue_respondent_emails", enqueue_for_real)
    return workers


def test_a_worker_reminds_each_respondent_once_while_the_request_waits_for_no_email(
        world, email_workers, smtp):
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world, opened=False)
    for email in ("ann@example.test", "bob@example.test"):
        services.respondent_invite(by=access, assessment=assessment, email=email)
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.consultant])
    people = ["ann@example.test", "bob@example.test", "consultant@acme.test"]
    email_workers.start()
    services.assessment_open(by=access, assessment=assessment)  # handed over on commit
    wait_for(lambda: len(smtp.messages) == 3, timeout=60, workers=email_workers,
             what="the invitations to be delivered")

    # A slow mail server that refuses Bob: the request neither waits nor fails.
    smtp.delay, smtp.refused = 3.0, {"bob@example.test"}
    started = time.monotonic()
    response = signed_in(world.acme.manager).post(reverse("assessments:remind_all", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id}))
    assert response.status_code == 302
    assert time.monotonic() - started < smtp.delay  # two emails would take twice that
    emailed = wait_for(lambda: AuditEvent.objects.filter(
        action="assessment.reminders_emailed").first(), timeout=60, workers=email_workers,
        what="the reminders to be sent")
    assert (emailed.data["count"], emailed.data["failed"]) == (2, 1)
    assert smtp.received() == {"ann@example.test": 2, "consultant@acme.test": 2,
                               "bob@example.test": 1}
    assert Response.objects.get(email="bob@example.test").email_due == "reminder"

    # The task tries Bob again (after 30 s); he gets one reminder, the others no more.
    smtp.delay, smtp.refused = 0.0, set()
    wait_for(lambda: not Response.objects.get(email="bob@example.test").email_due,
             timeout=90, workers=email_workers, what="Bob's reminder to be retried")
    wait_for(lambda: AuditEvent.objects.filter(action="assessment.reminders_emailed")
             .count() == 2, timeout=30, workers=email_workers, what="the retry's audit")
    assert smtp.received() == dict.fromkeys(people, 2)
    assert not Response.objects.exclude(email_due="").exists()
