"""Members' invitations are emailed by a Celery worker after the request that made or
renewed them: the request only records that the email is owed
(``Invitation.email_due_at``), the page says it is being sent and the list marks it
"email not sent yet", and the task (``organisations.send_invitation_emails``) sends each
invitation's email once, whatever fails for another one."""

from __future__ import annotations

import logging
import re
import time

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse

from organisations import emails, outbox, services, tasks
from organisations.models import AuditEvent, Invitation, Role
from tests.celery_workers import wait_for
from tests.conftest import access_for, signed_in
from tests.smtp_receiver import SMTPReceiver

# The real hand-over to the broker (tests/conftest.py runs the task in process instead).
enqueue_for_real = services.enqueue_invitation_emails

NOT_SENT = "email not sent yet"


@pytest.fixture
def queued(monkeypatch):
    """The task messages sent to the broker, instead of sending them."""
    messages = []
    monkeypatch.setattr(services, "enqueue_invitation_emails", enqueue_for_real)
    monkeypatch.setattr(tasks.send_invitation_emails_task, "apply_async",
                        lambda args, kwargs, **options: messages.append((args, options)))
    return messages


def run(message) -> dict:
    """What a worker does with a message: the task, in this process."""
    args, _options = message
    return tasks.send_invitation_emails_task.apply(args=args).get()


def _invite(world, email="new@acme.test", *, capture, execute=True):
    with capture(execute=execute):
        return services.invitation_create(by=access_for(world.acme.owner, world.acme.org),
                                          email=email, role=Role.MANAGER, language="en")


def _post(client, url, data=None, *, capture, execute=True):
    with capture(execute=execute):
        response = client.post(url, data or {})
    assert response.status_code == 302, response.status_code
    return [str(m) for m in get_messages(response.wsgi_request)]


def _list(world) -> str:
    return signed_in(world.acme.owner).get("/o/acme/invitations/").content.decode()


def _owed() -> list[str]:
    return sorted(Invitation.objects.filter(email_due_at__isnull=False)
                  .values_list("email", flat=True))


def _link(message) -> str:
    return re.search(r"/accounts/invitations/(\S+)/", message.body).group(1)


# --- The request records, the worker sends --------------------------------------------------


def test_inviting_hands_the_email_to_a_worker_after_the_commit(
        world, client, queued, mailoutbox, django_capture_on_commit_callbacks):
    owner = signed_in(world.acme.owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post("/o/acme/invitations/new/", {
            "email": "new@acme.test", "role": "viewer", "language": "sv"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "new@acme.test is invited. The invitation is being emailed."]
    assert not queued and not mailoutbox  # nothing leaves before the commit
    assert _owed() == ["new@acme.test"]
    page = _list(world)
    assert page.count(NOT_SENT) == 1 and page.index(NOT_SENT) > page.index("new@acme.test")
    for callback in callbacks:
        callback()
    [message] = queued
    assert message[0] == [world.acme.org.pk]
    assert message[1]["queue"] == outbox.emails_queue()
    assert run(message) == {"sent": 1, "failed": 0, "left": 0}
    [email] = mailoutbox
    assert email.to == ["new@acme.test"] and email.extra_headers["Content-Language"] == "sv"
    assert client.get(f"/accounts/invitations/{_link(email)}/").status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.email_due_at is None and invitation.emailed_at is not None
    assert NOT_SENT not in _list(world)
    emailed = AuditEvent.objects.get(action="invitation.emailed")
    assert (emailed.organisation, emailed.actor, emailed.target) == (
        world.acme.org, world.acme.owner, "new@acme.test")
    assert emailed.data == {"invitation": str(invitation.public_id)}


def test_the_token_the_service_returns_is_the_one_the_worker_emails(
        world, mailoutbox, django_capture_on_commit_callbacks):
    _invitation, token = _invite(world, capture=django_capture_on_commit_callbacks)
    [email] = mailoutbox
    assert _link(email) == token
    assert token not in repr(Invitation.objects.values().get())  # a secret, not the token


def test_the_worker_makes_a_new_link_if_the_secret_key_changed_meanwhile(
        world, client, settings, queued, mailoutbox, django_capture_on_commit_callbacks):
    _invitation, token = _invite(world, capture=django_capture_on_commit_callbacks)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    run(queued[0])
    [email] = mailoutbox
    assert _link(email) != token
    assert client.get(f"/accounts/invitations/{_link(email)}/").status_code == 200
    assert client.get(f"/accounts/invitations/{token}/").status_code == 404


def _create(world):
    services.invitation_create(by=access_for(world.acme.owner, world.acme.org),
                               email="new@acme.test", role=Role.VIEWER, language="en")


def _resend(world):
    services.invitation_resend(by=access_for(world.acme.owner, world.acme.org),
                               invitation=Invitation.objects.get(email="old@acme.test"))


@pytest.mark.parametrize("action", [_create, _resend])
def test_nothing_is_owed_or_sent_when_the_request_rolls_back(
        world, queued, mailoutbox, django_capture_on_commit_callbacks, action):
    old = _invite(world, "old@acme.test", capture=django_capture_on_commit_callbacks)[0]
    run(queued.pop())
    mailoutbox.clear()
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        action(world)
        assert _owed()  # recorded inside the transaction...
        raise RuntimeError("the request failed after the service")
    assert not _owed() and not queued and not mailoutbox  # ...and gone with it
    assert list(Invitation.objects.values_list("email", flat=True)) == ["old@acme.test"]
    assert Invitation.objects.get().token_hash == old.token_hash


@pytest.mark.parametrize("action", [_create, _resend])
def test_no_request_sends_an_email_itself(world, mailoutbox,
                                          django_capture_on_commit_callbacks, action):
    """The autouse fixture runs the task when it is handed over: without the commit's
    callbacks, nothing is handed over and nothing is sent."""
    _invite(world, "old@acme.test", capture=django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        action(world)
    assert not mailoutbox and _owed()
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1 and not _owed()


# --- Once each, whatever fails ---------------------------------------------------------------


def test_a_task_run_twice_or_retried_emails_each_invitation_once(
        world, queued, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    for email in ("ann@acme.test", "bob@acme.test"):
        _invite(world, email, capture=django_capture_on_commit_callbacks)
    send = emails.send_invitation_email
    hiccups = []

    def one_hiccup(*, invitation, token):
        if not hiccups and invitation.email == "bob@acme.test":
            hiccups.append(invitation.pk)
            raise TimeoutError("the mail server did not answer")
        return send(invitation=invitation, token=token)

    monkeypatch.setattr(emails, "send_invitation_email", one_hiccup)
    run(queued[0])  # Bob fails, the retry (in process: at once) sends him alone
    assert hiccups and sorted(m.to[0] for m in mailoutbox) == ["ann@acme.test",
                                                               "bob@acme.test"]
    for message in queued:  # the second invitation's own message, and the first again
        assert run(message) == {"sent": 0, "failed": 0, "left": 0}
    assert len(mailoutbox) == 2 and not _owed()
    assert AuditEvent.objects.filter(action="invitation.emailed").count() == 2


def test_one_refused_email_does_not_stop_the_others_and_stays_owed(
        world, queued, mailoutbox, monkeypatch, caplog, django_capture_on_commit_callbacks):
    for email in ("ann@acme.test", "bob@acme.test", "cy@acme.test"):
        _invite(world, email, capture=django_capture_on_commit_callbacks)
    bob = Invitation.objects.get(email="bob@acme.test")
    send = emails.send_invitation_email

    def refused_for_bob(*, invitation, token):
        if invitation.pk == bob.pk:
            raise ConnectionRefusedError("the mail server is away")
        return send(invitation=invitation, token=token)

    monkeypatch.setattr(emails, "send_invitation_email", refused_for_bob)
    with caplog.at_level(logging.ERROR):
        outcome = services.invitation_emails_send(organisation_id=world.acme.org.pk)
    assert (outcome.sent, outcome.failed, outcome.left) == (2, 1, 0)
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@acme.test", "cy@acme.test"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert f"invitation {bob.pk}" in failure.getMessage() and failure.exc_info
    due_at = bob.email_due_at
    bob.refresh_from_db()
    assert (bob.email_due_at, bob.emailed_at) == (due_at, None)  # given back
    assert _owed() == ["bob@acme.test"]
    page = _list(world)
    assert page.count(NOT_SENT) == 1 and page.index(NOT_SENT) > page.index("bob@acme.test")
    assert list(AuditEvent.objects.filter(action="invitation.emailed").order_by("target")
                .values_list("target", flat=True)) == ["ann@acme.test", "cy@acme.test"]
    # The next run sends Bob's, once.
    monkeypatch.setattr(emails, "send_invitation_email", send)
    assert services.invitation_emails_send(organisation_id=world.acme.org.pk).sent == 1
    assert services.invitation_emails_send(organisation_id=world.acme.org.pk).sent == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@acme.test", "bob@acme.test",
                                                   "cy@acme.test"]


def test_a_run_out_of_time_leaves_the_rest_owed_for_the_next_run(
        world, queued, mailoutbox, django_capture_on_commit_callbacks):
    for email in ("ann@acme.test", "bob@acme.test"):
        _invite(world, email, capture=django_capture_on_commit_callbacks)
    outcome = services.invitation_emails_send(organisation_id=world.acme.org.pk,
                                              until=time.monotonic())
    assert (outcome.sent, outcome.left) == (0, 2) and not mailoutbox
    assert _owed() == ["ann@acme.test", "bob@acme.test"]
    assert services.invitation_emails_send(organisation_id=world.acme.org.pk).sent == 2


def test_an_invitation_revoked_or_accepted_before_the_worker_runs_is_not_emailed(
        world, queued, mailoutbox, django_capture_on_commit_callbacks):
    access = access_for(world.acme.owner, world.acme.org)
    revoked, _ = _invite(world, "revoked@acme.test", capture=django_capture_on_commit_callbacks)
    accepted, _ = _invite(world, world.globex.owner.email,
                          capture=django_capture_on_commit_callbacks)
    services.invitation_revoke(by=access, invitation=revoked)
    services.invitation_accept(invitation=accepted, user=world.globex.owner)
    for message in queued:
        assert run(message)["sent"] == 0
    assert not mailoutbox
    assert NOT_SENT not in _list(world)


def test_a_broker_that_cannot_be_reached_keeps_the_email_owed(
        world, monkeypatch, mailoutbox, caplog, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "enqueue_invitation_emails", enqueue_for_real)

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(tasks.send_invitation_emails_task, "apply_async", unreachable)
    with caplog.at_level(logging.ERROR):
        messages = _post(signed_in(world.acme.owner), "/o/acme/invitations/new/",
                         {"email": "new@acme.test", "role": "viewer", "language": "en"},
                         capture=django_capture_on_commit_callbacks)
    assert messages == ["new@acme.test is invited. The invitation is being emailed."]
    assert any("Could not send the emails" in r.getMessage() for r in caplog.records)
    assert _owed() == ["new@acme.test"] and not mailoutbox
    assert NOT_SENT in _list(world)
    # Once the broker is back, the organisation's next invitation takes it along.
    monkeypatch.setattr(services, "enqueue_invitation_emails", lambda organisation_id:
                        tasks.send_invitation_emails_task.apply(args=[organisation_id]))
    _invite(world, "later@acme.test", capture=django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mailoutbox) == ["later@acme.test", "new@acme.test"]
    assert not _owed()


# --- Resend: the same path --------------------------------------------------------------------


def test_resend_kills_the_old_link_at_once_and_the_worker_emails_the_new_one(
        world, client, queued, mailoutbox, django_capture_on_commit_callbacks):
    invitation, old = _invite(world, capture=django_capture_on_commit_callbacks,
                              execute=False)  # its first email is still owed
    messages = _post(signed_in(world.acme.consultant),
                     f"/o/acme/invitations/{invitation.public_id}/resend/",
                     capture=django_capture_on_commit_callbacks)
    assert messages == [
        "A new link is being emailed to new@acme.test; the previous link no longer works."]
    assert client.get(f"/accounts/invitations/{old}/").status_code == 404
    assert not mailoutbox and _owed() == ["new@acme.test"] and NOT_SENT in _list(world)
    for message in queued:
        run(message)
    [email] = mailoutbox  # one email, with the new link; none for the old one
    assert _link(email) != old
    assert client.get(f"/accounts/invitations/{_link(email)}/").status_code == 200
    emailed = AuditEvent.objects.get(action="invitation.emailed")
    assert emailed.actor == world.acme.consultant  # who asked for this email


# --- Tenants ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["invitation_resend", "invitation_revoke"])
def test_another_organisations_invitation_is_a_404_and_nothing_is_owed(
        world, queued, mailoutbox, django_capture_on_commit_callbacks, name):
    invitation, _ = _invite(world, capture=django_capture_on_commit_callbacks)
    run(queued.pop())
    mailoutbox.clear()
    globex = signed_in(world.globex.owner)
    urls = [reverse(f"organisations:{name}", args=[slug, invitation.public_id])
            for slug in ("acme", "globex")]  # Acme's URL, and Acme's invitation in Globex
    with django_capture_on_commit_callbacks(execute=True):
        for url in urls:
            assert globex.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not _owed() and not queued and not mailoutbox
    assert NOT_SENT not in signed_in(world.globex.owner).get(
        "/o/globex/invitations/").content.decode()


# --- A real worker --------------------------------------------------------------------------


@pytest.fixture
def smtp():
    receiver = SMTPReceiver()
    yield receiver
    receiver.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_emails_the_invitation_while_the_request_waits_for_no_smtp(
        world, workers, settings, smtp, monkeypatch):
    settings.EMAILS_QUEUE = workers.queue
    workers.env.update({"EMAILS_QUEUE": workers.queue, "EMAIL_HOST": "127.0.0.1",
                        "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "false",
                        "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""})
    monkeypatch.setattr(services, "enqueue_invitation_emails", enqueue_for_real)
    workers.start()
    smtp.delay = 3.0  # a slow mail server
    owner = signed_in(world.acme.owner)
    started = time.monotonic()
    response = owner.post("/o/acme/invitations/new/", {
        "email": "new@acme.test", "role": "viewer", "language": "en"})
    assert response.status_code == 302
    assert time.monotonic() - started < smtp.delay
    wait_for(lambda: AuditEvent.objects.filter(action="invitation.emailed").exists(),
             timeout=60, workers=workers, what="the invitation to be emailed")
    assert smtp.received() == {"new@acme.test": 1}
    assert NOT_SENT not in _list(world)
