"""Opening a round emails its invitations from a Celery task, after the commit: once
each, whatever fails for one respondent, and the page says they are on their way."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessments import emails, services, tasks
from assessments.models import Assessment, Response
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import access_for, signed_in

# The real hand-over to the broker (tests/conftest.py runs the task in process instead).
enqueue_for_real = services.enqueue_respondent_emails


@pytest.fixture
def draft(world):
    """A draft with two invitees and a member waiting for their invitation, and one
    invitee whose link was withdrawn."""
    assessment = make_assessment(world, version=version_with(slug="invitations-model"),
                                 opened=False)
    access = access_for(world.acme.manager, world.acme.org)
    for email in ("ann@example.test", "bob@example.test", "gone@example.test"):
        services.respondent_invite(by=access, assessment=assessment, email=email)
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.consultant])
    Response.objects.filter(email="gone@example.test").update(
        revoked_at=assessment.created_at)
    return assessment


@pytest.fixture
def queued(monkeypatch):
    """The task messages sent to the broker, instead of sending them."""
    messages = []
    monkeypatch.setattr(services, "enqueue_respondent_emails", enqueue_for_real)
    monkeypatch.setattr(tasks.send_respondent_emails_task, "apply_async",
                        lambda args, kwargs, **options: messages.append((args, kwargs)))
    return messages


def _open(world, assessment, capture):
    with capture(execute=True):
        response = signed_in(world.acme.manager).post(reverse("assessments:open", kwargs={
            "org_slug": "acme", "assessment_id": assessment.public_id}))
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def run_task(assessment: Assessment, sender=None) -> dict:
    """What a worker does with the message: the task, in this process."""
    return tasks.send_respondent_emails_task.apply(
        args=[assessment.pk], kwargs={"sender_id": sender.pk if sender else None}).get()


def _recipients(mailoutbox) -> list[str]:
    return sorted(m.to[0] for m in mailoutbox)


WAITING = ["ann@example.test", "bob@example.test", "consultant@acme.test"]


def test_opening_hands_the_invitations_to_a_worker_after_the_commit(
        world, draft, queued, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_open(by=access_for(world.acme.manager, world.acme.org),
                                 assessment=draft)
    assert not queued  # nothing leaves before the commit
    for callback in callbacks:  # the hand-over (and the organisation's new stamp)
        callback()
    [(args, kwargs)] = queued
    assert args == [draft.pk] and kwargs["sender_id"] == world.acme.manager.pk
    owed = set(Response.objects.exclude(email_due="").values_list("email_due", "email_due_at"))
    assert owed == {("invitation", datetime.fromisoformat(kwargs["asked_at"]))}
    assert not mailoutbox  # the request sent nothing itself
    assert not Response.objects.filter(last_emailed_at__isnull=False).exists()
    assert run_task(draft, world.acme.manager) == {"sent": 3, "failed": 0, "left": 0}
    assert _recipients(mailoutbox) == WAITING
    invitee = next(m for m in mailoutbox if m.to == ["ann@example.test"])
    assert "/r/" in invitee.body and world.acme.manager.get_full_name() in invitee.body
    event = AuditEvent.objects.get(action="assessment.invitations_sent")
    assert (event.actor, event.data["count"], event.data["failed"]) == (
        world.acme.manager, 3, 0)


def test_the_page_says_the_invitations_are_on_their_way(
        world, draft, queued, django_capture_on_commit_callbacks):
    assert _open(world, draft, django_capture_on_commit_callbacks) == [
        "The assessment is open. The invitations are being emailed to 3 respondents."]
    assert len(queued) == 1
    empty = make_assessment(world, version=draft.model_version, name="Nobody yet",
                            opened=False)
    assert _open(world, empty, django_capture_on_commit_callbacks) == [
        "The assessment is open. Nobody was waiting for an invitation."]
    assert len(queued) == 1  # no task for nobody


def test_a_second_run_sends_nothing(world, draft, queued, mailoutbox,
                                    django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    assert run_task(draft)["sent"] == 3
    emailed = dict(Response.objects.values_list("pk", "last_emailed_at"))
    assert run_task(draft) == {"sent": 0, "failed": 0, "left": 0}
    assert _recipients(mailoutbox) == WAITING
    assert dict(Response.objects.values_list("pk", "last_emailed_at")) == emailed
    assert AuditEvent.objects.filter(action="assessment.invitations_sent").count() == 1


def test_nobody_who_joins_after_the_opening_gets_an_invitation(
        world, draft, queued, mailoutbox, django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    # A member who starts answering before the worker gets to the round.
    services.member_response(assessment=Assessment.objects.get(pk=draft.pk),
                             user=world.acme.owner)
    run_task(draft)
    assert _recipients(mailoutbox) == WAITING


def test_one_failing_recipient_does_not_stop_the_others_and_is_logged(
        world, draft, queued, mailoutbox, monkeypatch, caplog,
        django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    bob = Response.objects.get(email="bob@example.test")
    send = emails.send_respondent_email

    def refused_for_bob(*, response_id, **kwargs):
        if response_id == bob.pk:
            raise ConnectionRefusedError("the mail server is away")
        return send(response_id=response_id, **kwargs)

    monkeypatch.setattr(emails, "send_respondent_email", refused_for_bob)
    with caplog.at_level(logging.ERROR, logger="assessments.services"):
        outcome = services.respondent_emails_send(assessment_id=draft.pk)
    assert (outcome.sent, outcome.failed, outcome.left) == (2, 1, 0)
    assert _recipients(mailoutbox) == ["ann@example.test", "consultant@acme.test"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert str(bob.pk) in failure.getMessage() and failure.exc_info
    bob.refresh_from_db()
    assert bob.last_emailed_at is None  # given back: the next run tries Bob again
    monkeypatch.setattr(emails, "send_respondent_email", send)
    assert services.respondent_emails_send(assessment_id=draft.pk).sent == 1
    assert _recipients(mailoutbox) == WAITING


def test_the_task_tries_a_failed_email_again(world, draft, queued, mailoutbox, monkeypatch,
                                             django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    send = emails.send_respondent_email
    hiccups = []

    def one_hiccup(**kwargs):
        if not hiccups:
            hiccups.append(kwargs["response_id"])
            raise TimeoutError("the mail server did not answer")
        return send(**kwargs)

    monkeypatch.setattr(emails, "send_respondent_email", one_hiccup)
    run_task(draft)  # in process, the retry runs at once
    assert len(hiccups) == 1 and _recipients(mailoutbox) == WAITING


def test_a_run_out_of_time_leaves_the_rest_unclaimed_for_the_next_run(
        world, draft, queued, mailoutbox, django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    outcome = services.respondent_emails_send(assessment_id=draft.pk, until=time.monotonic())
    assert (outcome.sent, outcome.left) == (0, 3) and not mailoutbox
    assert not Response.objects.filter(last_emailed_at__isnull=False).exists()
    assert services.respondent_emails_send(assessment_id=draft.pk).sent == 3


def test_a_round_closed_before_the_worker_runs_sends_nothing(
        world, draft, queued, mailoutbox, django_capture_on_commit_callbacks):
    _open(world, draft, django_capture_on_commit_callbacks)
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=Assessment.objects.get(pk=draft.pk))
    assert run_task(draft)["sent"] == 0 and not mailoutbox


def test_a_broker_that_cannot_be_reached_still_opens_the_round(
        world, draft, respondent_emails_broker_unreachable, caplog,
        django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="assessments.services"):
        _open(world, draft, django_capture_on_commit_callbacks)
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.OPEN
    assert any("Could not send the emails" in r.getMessage() for r in caplog.records)
