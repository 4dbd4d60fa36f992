"""Reminders, renewed links and respondents added to an open round are emailed by the
same Celery task as a round's invitations, after the commit: the request only marks who
is owed an email (``Response.email_due``), the page says the emails are on their way,
and the task sends each of them once, whatever fails for one respondent."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse

from assessments import emails, services, tasks
from assessments.models import Assessment, Response
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import access_for, signed_in

# The real hand-over to the broker (tests/conftest.py runs the task in process instead).
enqueue_for_real = services.enqueue_respondent_emails

OWED = ["ann@example.test", "bob@example.test", "consultant@acme.test"]


@pytest.fixture
def open_round(world, sent, mailoutbox):
    """An open round whose invitations went out: Ann, Bob and a member are still
    awaited; one invitee's link was withdrawn and one invitee has submitted."""
    assessment = make_assessment(world, version=version_with(slug="reminders-model"),
                                 opened=False, anonymity=Assessment.Anonymity.NAMED)
    access = access_for(world.acme.manager, world.acme.org)
    for email, name in (("ann@example.test", "Ann"), ("bob@example.test", "Bob"),
                        ("gone@example.test", "Gone"), ("done@example.test", "Done")):
        services.respondent_invite(by=access, assessment=assessment, email=email, name=name)
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.consultant])
    sent(services.assessment_open, by=access, assessment=assessment)
    assert len(mailoutbox) == 5
    services.respondent_revoke(by=access, response=Response.objects.get(
        email="gone@example.test"))
    services.response_submit(response=Response.objects.get(email="done@example.test"))
    mailoutbox.clear()
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def queued(monkeypatch):
    """The task messages sent to the broker, instead of sending them."""
    messages = []
    monkeypatch.setattr(services, "enqueue_respondent_emails", enqueue_for_real)
    monkeypatch.setattr(tasks.send_respondent_emails_task, "apply_async",
                        lambda args, kwargs, **options: messages.append((args, kwargs)))
    return messages


def run(message) -> dict:
    """What a worker does with a message: the task, in this process."""
    args, kwargs = message
    return tasks.send_respondent_emails_task.apply(args=args, kwargs=kwargs).get()


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={
        "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id,
        **kwargs})


def _post(client, url, data=None, *, capture, execute=False):
    with capture(execute=execute):
        response = client.post(url, data or {})
    assert response.status_code == 302, response.status_code
    return [str(m) for m in get_messages(response.wsgi_request)]


def _recipients(mailoutbox) -> list[str]:
    return sorted(m.to[0] for m in mailoutbox)


def _owed() -> dict[str, str]:
    return {r.contact_email: r.email_due for r in
            Response.objects.exclude(email_due="").select_related("user")}


# --- The request marks, the worker sends ----------------------------------------------------


def test_remind_all_hands_the_reminders_to_a_worker_after_the_commit(
        world, open_round, queued, mailoutbox, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager.post(_url(open_round, "remind_all"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Reminders are being emailed to 3 respondents."]
    assert not queued and not mailoutbox  # nothing leaves before the commit
    assert _owed() == dict.fromkeys(OWED, "reminder")
    for callback in callbacks:
        callback()
    [message] = queued
    assert message[0] == [open_round.pk]
    assert message[1]["sender_id"] == world.acme.manager.pk
    asked_at = datetime.fromisoformat(message[1]["asked_at"])
    assert run(message) == {"sent": 3, "failed": 0, "left": 0}
    assert _recipients(mailoutbox) == OWED
    assert all(m.subject.startswith("Reminder:") for m in mailoutbox)
    assert not _owed()
    assert set(Response.objects.filter(email__in=OWED[:2]).values_list(
        "last_emailed_at", flat=True)) == {asked_at}
    asked = AuditEvent.objects.get(action="assessment.reminder_sent")
    emailed = AuditEvent.objects.get(action="assessment.reminders_emailed")
    assert (asked.actor, asked.data["count"]) == (world.acme.manager, 3)
    assert (emailed.actor, emailed.data["count"], emailed.data["failed"]) == (
        world.acme.manager, 3, 0)


def test_remind_all_twice_says_the_second_time_that_the_emails_are_on_their_way(
        world, open_round, queued, mailoutbox, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    url = _url(open_round, "remind_all")
    assert _post(manager, url, capture=django_capture_on_commit_callbacks, execute=True)[-1:] == [
        "Reminders are being emailed to 3 respondents."]
    assert _post(manager, url, capture=django_capture_on_commit_callbacks, execute=True)[-1:] == [
        "Emails to the 3 respondents waiting for a reminder are already on their way; "
        "nobody is emailed twice."]
    for message in queued:
        run(message)
    assert _recipients(mailoutbox) == OWED  # one batch
    # Once they are sent, a reminder is a new one again.
    assert _post(manager, url, capture=django_capture_on_commit_callbacks)[-1:] == [
        "Reminders are being emailed to 3 respondents."]
    events = AuditEvent.objects.filter(action="assessment.reminder_sent").order_by("pk")
    assert [e.data["already_owed"] for e in events] == [0, 3, 0]


def test_remind_all_says_whose_email_was_on_its_way_already(
        world, open_round, queued, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    _post(manager, _url(open_round, "remind", response_id=Response.objects.get(
        email="ann@example.test").public_id), capture=django_capture_on_commit_callbacks)
    assert _post(manager, _url(open_round, "remind_all"),
                 capture=django_capture_on_commit_callbacks)[-1:] == [
        "Reminders are being emailed to 2 respondents; emails to the others waiting (1) "
        "were already on their way."]
    assert _owed() == dict.fromkeys(OWED, "reminder")


def test_remind_says_the_reminder_is_on_its_way(world, open_round, queued, mailoutbox,
                                                django_capture_on_commit_callbacks):
    ann = Response.objects.get(email="ann@example.test")
    assert _post(signed_in(world.acme.manager),
                 _url(open_round, "remind", response_id=ann.public_id),
                 capture=django_capture_on_commit_callbacks, execute=True) == [
        "A reminder is being emailed to Ann."]
    assert not mailoutbox and _owed() == {"ann@example.test": "reminder"}
    [message] = queued
    run(message)
    assert _recipients(mailoutbox) == ["ann@example.test"]
    assert "same personal link" in mailoutbox[0].body


def test_remind_all_with_nobody_waiting_says_so(world, open_round, queued,
                                                django_capture_on_commit_callbacks):
    for response in Response.objects.filter(Response.awaiting()):
        services.response_submit(response=response)
    assert _post(signed_in(world.acme.manager), _url(open_round, "remind_all"),
                 capture=django_capture_on_commit_callbacks, execute=True) == [
        "Nobody is waiting for a reminder: everyone has submitted, or their link is "
        "withdrawn."]
    assert not queued and not AuditEvent.objects.filter(
        action="assessment.reminder_sent").exists()


def _remind_all(world, assessment):
    services.respondents_remind_all(by=access_for(world.acme.manager, world.acme.org),
                                    assessment=assessment)


def _remind_ann(world, assessment):
    services.respondent_remind(by=access_for(world.acme.manager, world.acme.org),
                               response=Response.objects.get(email="ann@example.test"))


def _renew_ann(world, assessment):
    services.respondent_renew_link(by=access_for(world.acme.manager, world.acme.org),
                                   response=Response.objects.get(email="ann@example.test"))


def _add_owner(world, assessment):
    services.respondents_add_members(by=access_for(world.acme.manager, world.acme.org),
                                     assessment=assessment, users=[world.acme.owner])


def _invite_cy(world, assessment):
    services.respondent_invite(by=access_for(world.acme.manager, world.acme.org),
                               assessment=assessment, email="cy@example.test")


@pytest.mark.parametrize("action", [_remind_all, _remind_ann, _renew_ann, _add_owner,
                                    _invite_cy])
def test_nothing_is_owed_or_sent_when_the_request_rolls_back(
        world, open_round, queued, mailoutbox, django_capture_on_commit_callbacks, action):
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        action(world, open_round)
        assert _owed()  # marked inside the transaction...
        raise RuntimeError("the request failed after the service")
    assert not _owed() and not queued and not mailoutbox  # ...and gone with it


@pytest.mark.parametrize("action", [_remind_all, _remind_ann, _renew_ann, _add_owner,
                                    _invite_cy])
def test_no_request_sends_an_email_itself(world, open_round, mailoutbox,
                                          django_capture_on_commit_callbacks, action):
    """The autouse fixture runs the task when it is handed over: without the commit's
    callbacks, nothing is handed over and nothing is sent."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        action(world, open_round)
    assert not mailoutbox and _owed()
    for callback in callbacks:
        callback()
    assert mailoutbox and not _owed()


# --- Once each, whatever fails ---------------------------------------------------------------


def test_a_retried_or_redelivered_task_emails_each_respondent_once(
        world, open_round, queued, mailoutbox, monkeypatch, sent):
    sent(services.respondents_remind_all, by=access_for(world.acme.manager, world.acme.org),
         assessment=open_round)
    [message] = queued
    send = emails.send_respondent_email
    hiccups = []

    def one_hiccup(**kwargs):
        if not hiccups and kwargs["response_id"] == Response.objects.get(
                email="bob@example.test").pk:
            hiccups.append(kwargs["response_id"])
            raise TimeoutError("the mail server did not answer")
        return send(**kwargs)

    monkeypatch.setattr(emails, "send_respondent_email", one_hiccup)
    run(message)  # Bob fails, the retry (in process: at once) sends him alone
    assert hiccups and _recipients(mailoutbox) == OWED
    assert run(message) == {"sent": 0, "failed": 0, "left": 0}  # delivered twice
    assert _recipients(mailoutbox) == OWED
    assert AuditEvent.objects.filter(action="assessment.reminders_emailed").count() == 2


def test_one_refused_reminder_does_not_stop_the_others_and_stays_owed(
        world, open_round, queued, mailoutbox, monkeypatch, caplog, sent):
    bob = Response.objects.get(email="bob@example.test")
    invited_at = bob.last_emailed_at
    sent(services.respondents_remind_all, by=access_for(world.acme.manager, world.acme.org),
         assessment=open_round)
    [message] = queued
    send = emails.send_respondent_email

    def refused_for_bob(*, response_id, **kwargs):
        if response_id == bob.pk:
            raise ConnectionRefusedError("the mail server is away")
        return send(response_id=response_id, **kwargs)

    monkeypatch.setattr(emails, "send_respondent_email", refused_for_bob)
    asked_at = datetime.fromisoformat(message[1]["asked_at"])
    with caplog.at_level(logging.ERROR, logger="assessments.services"):
        outcome = services.respondent_emails_send(assessment_id=open_round.pk,
                                                  asked_at=asked_at)
    assert (outcome.sent, outcome.failed, outcome.left) == (2, 1, 0)
    assert _recipients(mailoutbox) == ["ann@example.test", "consultant@acme.test"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert str(bob.pk) in failure.getMessage() and failure.exc_info
    bob.refresh_from_db()
    assert (bob.email_due, bob.last_emailed_at) == ("reminder", invited_at)  # given back
    event = AuditEvent.objects.get(action="assessment.reminders_emailed")
    assert (event.data["count"], event.data["failed"]) == (2, 1)
    # The page says whose email has not gone out.
    html = signed_in(world.acme.manager).get(_url(open_round, "detail")).content.decode()
    assert html.count("email not sent yet") == 1
    assert html.index("email not sent yet") > html.index("bob@example.test")
    # A later "Remind" takes Bob along in its own batch, and sends him one email.
    monkeypatch.setattr(emails, "send_respondent_email", send)
    mailoutbox.clear()
    sent(services.respondent_remind, by=access_for(world.acme.owner, world.acme.org),
         response=bob)
    run(queued[-1])
    assert _recipients(mailoutbox) == ["bob@example.test"]
    assert run(message)["sent"] == 0  # the first batch's retry finds him taken


def test_who_submits_or_is_withdrawn_before_the_worker_runs_gets_nothing(
        world, open_round, queued, mailoutbox, sent):
    sent(services.respondents_remind_all, by=access_for(world.acme.manager, world.acme.org),
         assessment=open_round)
    services.response_submit(response=Response.objects.get(email="ann@example.test"))
    services.respondent_revoke(by=access_for(world.acme.manager, world.acme.org),
                               response=Response.objects.get(email="bob@example.test"))
    assert run(queued[0])["sent"] == 1
    assert _recipients(mailoutbox) == ["consultant@acme.test"]


def test_a_round_closed_before_the_worker_runs_sends_no_reminder(
        world, open_round, queued, mailoutbox, sent):
    access = access_for(world.acme.manager, world.acme.org)
    sent(services.respondents_remind_all, by=access, assessment=open_round)
    services.assessment_close(by=access, assessment=open_round)
    assert run(queued[0])["sent"] == 0 and not mailoutbox


def test_a_reminder_does_not_double_an_invitation_still_on_its_way(
        world, open_round, queued, mailoutbox, sent):
    access = access_for(world.acme.manager, world.acme.org)
    sent(services.respondents_add_members, by=access, assessment=open_round,
         users=[world.acme.owner])
    sent(services.respondents_remind_all, by=access, assessment=open_round)
    assert _owed()[world.acme.owner.email] == "invitation"
    for message in queued:
        run(message)
    owner_mail = [m for m in mailoutbox if m.to == [world.acme.owner.email]]
    assert len(owner_mail) == 1 and not owner_mail[0].subject.startswith("Reminder:")
    assert _recipients(mailoutbox) == sorted([*OWED, world.acme.owner.email])


def test_a_broker_that_cannot_be_reached_keeps_the_reminders_owed(
        world, open_round, respondent_emails_broker_unreachable, caplog,
        django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="assessments.services"):
        _post(signed_in(world.acme.manager), _url(open_round, "remind_all"),
              capture=django_capture_on_commit_callbacks, execute=True)
    assert any("Could not send the emails" in r.getMessage() for r in caplog.records)
    assert _owed() == dict.fromkeys(OWED, "reminder")


# --- New respondents of an open round are on the page at once -------------------------------


def test_members_added_to_an_open_round_are_listed_at_once_and_emailed_by_the_worker(
        world, open_round, mailoutbox, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager.post(_url(open_round, "add_members"),
                                {"users": [world.acme.owner.pk]})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 respondent added. The invitation is being emailed."]
    html = manager.get(_url(open_round, "detail")).content.decode()
    owner = world.acme.owner.get_full_name()
    assert owner in html and html.count("email not sent yet") == 1
    assert not mailoutbox
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [[world.acme.owner.email]]
    assert "email not sent yet" not in manager.get(_url(open_round, "detail")).content.decode()
    event = AuditEvent.objects.get(action="assessment.invitations_sent",
                                   data__count=1)
    assert event.actor == world.acme.manager


def test_an_invitee_of_an_open_round_has_their_link_before_the_email(
        world, open_round, mailoutbox, django_capture_on_commit_callbacks):
    manager = signed_in(world.acme.manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager.post(_url(open_round, "invite"),
                                {"email": "cy@example.test", "name": "Cy", "language": "en"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "cy@example.test is invited. The invitation is being emailed."]
    cy = Response.objects.get(email="cy@example.test")
    token = services.link_token(cy)
    assert cy.link_state == "active" and token
    html = manager.get(_url(open_round, "detail")).content.decode()
    assert token in html  # a named round offers the link for copying at once
    assert "email not sent yet" in html and not mailoutbox
    for callback in callbacks:
        callback()
    [email] = mailoutbox
    assert f"/r/{token}/" in email.body


def test_a_renewed_link_stops_the_old_one_at_once_and_the_worker_emails_the_new_one(
        world, open_round, queued, mailoutbox, django_capture_on_commit_callbacks):
    ann = Response.objects.get(email="ann@example.test")
    old = services.link_token(ann)
    assert _post(signed_in(world.acme.manager),
                 _url(open_round, "renew_link", response_id=ann.public_id),
                 capture=django_capture_on_commit_callbacks, execute=True) == [
        "A new link is being emailed to Ann; the previous link no longer works."]
    assert signed_in(world.outsider).get(
        reverse("respondent:start", kwargs={"token": old})).status_code == 410
    ann.refresh_from_db()
    new = services.link_token(ann)
    assert new != old and not mailoutbox and _owed() == {"ann@example.test": "renewal"}
    run(queued[0])
    [email] = mailoutbox
    assert f"/r/{new}/" in email.body and "earlier links no longer work" in email.body


# --- Tenants ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["remind_all", "remind", "add_members", "renew_link"])
def test_another_organisations_round_is_a_404_and_nothing_is_owed(
        world, open_round, queued, mailoutbox, django_capture_on_commit_callbacks, name):
    ann = Response.objects.get(email="ann@example.test")
    extra = {"response_id": ann.public_id} if name in ("remind", "renew_link") else {}
    globex = signed_in(world.globex.manager)
    urls = [_url(open_round, name, **extra),  # Acme's URL
            reverse(f"assessments:{name}", kwargs={  # Acme's round under Globex
                "org_slug": "globex", "assessment_id": open_round.public_id, **extra})]
    with django_capture_on_commit_callbacks(execute=True):
        for url in urls:
            assert globex.post(url, {"users": [world.globex.owner.pk]}).status_code == 404
    assert not _owed() and not queued and not mailoutbox
