"""Outbound webhooks, tested against a real HTTP receiver on this machine (a thread
running ``http.server``): signed deliveries, retries with backoff at most five times
over about an hour, then the endpoint marked failing; a request never waits for an
endpoint; a delivery log and a "send test" button."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from improvement import services
from improvement.models import Webhook, WebhookDelivery
from maturity_site.celery import app as celery_app
from reports.models import Report
from reports.signals import report_ready
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import access_for, signed_in
from tests.improvement_factories import make_action


class Receiver:
    """An HTTP endpoint in a thread: records each request; answers ``status`` after
    ``delay`` seconds."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status, self.delay, self.requests = status, delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": self.headers,
                                          "body": body})
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):  # the sender gave up
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def start(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield start
    for r in made:
        r.close()


@pytest.fixture
def eager():
    """Tasks run in this process when sent (the Celery worker is the boundary here;
    tests/test_improvement_worker.py runs a real one)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _webhook(world, url, events=None):
    return services.webhook_create(by=access_for(world.acme.owner, world.acme.org), url=url,
                                   events=events or list(Webhook.Event.values))


def test_it_delivers_a_signed_event_when_an_action_is_created(
        world, receiver, eager, django_capture_on_commit_callbacks):
    endpoint = receiver()
    hook = _webhook(world, endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        action = make_action(world, title="Ticket me", owner_name="Kim",
                             owner_email="kim@example.test")
    [request] = endpoint.requests
    body = request["body"]
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-MaturityDesk-Signature"] == expected
    assert request["headers"]["X-MaturityDesk-Event"] == "action.created"
    payload = json.loads(body)
    assert payload["event"] == "action.created"
    assert payload["organisation"]["slug"] == "acme"
    assert payload["data"]["action"]["id"] == str(action.public_id)
    assert payload["data"]["action"]["title"] == "Ticket me"
    assert payload["data"]["action"]["owner"] == {"name": "Kim", "email": "kim@example.test"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.response_code == 200


def test_it_sends_only_the_chosen_events_of_the_organisation(
        world, receiver, eager, django_capture_on_commit_callbacks):
    endpoint, other = receiver(), receiver()
    _webhook(world, endpoint.url, events=["action.changed"])
    services.webhook_create(by=access_for(world.globex.owner, world.globex.org), url=other.url,
                            events=list(Webhook.Event.values))
    with django_capture_on_commit_callbacks(execute=True):
        action = make_action(world)
        services.action_progress(by=access_for(world.acme.manager, world.acme.org),
                                 action=action, status="in_progress", note="Started")
    assert [json.loads(r["body"])["event"] for r in endpoint.requests] == ["action.changed"]
    assert json.loads(endpoint.requests[0]["body"])["data"]["note"] == "Started"
    assert other.requests == []


def test_it_reports_rounds_opened_and_closed_and_reports_ready(
        world, receiver, eager, django_capture_on_commit_callbacks):
    endpoint = receiver()
    _webhook(world, endpoint.url)
    access = access_for(world.acme.manager, world.acme.org)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = make_assessment(world, version=version_with(), name="Hooked round")
        assessment_services.assessment_close(by=access, assessment=assessment)
        report = Report.objects.create(organisation=world.acme.org, assessment=assessment,
                                       language="en", status=Report.Status.READY,
                                       input_hash="hooked")
        report_ready.send(sender=Report, report=report)
    events = [json.loads(r["body"]) for r in endpoint.requests]
    assert [e["event"] for e in events] == ["round.opened", "round.closed", "report.ready"]
    assert events[0]["data"]["round"]["name"] == "Hooked round"
    assert events[2]["data"]["report"]["id"] == str(report.public_id)


def _due_now(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.mark.parametrize("answer", ["500", "timeout"])
def test_a_failing_endpoint_is_tried_five_times_over_an_hour_then_marked_failing(
        world, receiver, settings, answer):
    settings.WEBHOOK_TIMEOUT = 0.5
    endpoint = receiver(status=500) if answer == "500" else receiver(delay=1.5)
    hook = _webhook(world, endpoint.url)
    delivery = services.webhook_send_test(by=access_for(world.acme.owner, world.acme.org),
                                          webhook=hook)
    waits = []
    for attempt in range(1, 6):
        started = timezone.now()
        outcome = services.deliver(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt < 5:
            assert outcome == "retrying" and delivery.status == "retrying"
            waits.append((delivery.next_attempt_at - started).total_seconds())
            assert services.deliver(delivery.pk) is None  # not due yet: nothing is sent
            _due_now(delivery)
    assert outcome == "failed" and delivery.status == "failed"
    assert len(endpoint.requests) == 5
    assert "500" in delivery.error if answer == "500" else "timed out" in delivery.error
    assert [round(w / 60) for w in waits] == [1, 4, 10, 45]
    assert 55 * 60 <= sum(waits) <= 65 * 60  # about an hour from the first try to the last
    hook.refresh_from_db()
    assert hook.failing_since is not None
    assert services.deliver(delivery.pk) is None and len(endpoint.requests) == 5
    page = signed_in(world.acme.owner).get(f"/o/acme/actions/webhooks/{hook.public_id}/")
    text = page.content.decode()
    assert "Failing since" in text and "5 / 5" in text


def test_a_success_after_failures_clears_failing(world, receiver):
    endpoint = receiver(status=503)
    hook = _webhook(world, endpoint.url)
    Webhook.objects.filter(pk=hook.pk).update(failing_since=timezone.now())
    delivery = services.webhook_send_test(by=access_for(world.acme.owner, world.acme.org),
                                          webhook=hook)
    assert services.deliver(delivery.pk) == "retrying"
    endpoint.status = 204
    _due_now(delivery)
    assert services.deliver(delivery.pk) == "delivered"
    hook.refresh_from_db()
    assert hook.failing_since is None


def test_a_request_never_waits_for_the_endpoint(world, receiver):
    endpoint = receiver(delay=5)
    _webhook(world, endpoint.url)
    client = signed_in(world.acme.manager)
    started = time.monotonic()
    response = client.post(
        f"/o/acme/actions/new/?department={world.acme.departments[0].public_id}",
        {"title": "Quick"})
    assert response.status_code == 302
    assert time.monotonic() - started < 2
    assert endpoint.requests == []  # queued for a worker, not sent by the request
    assert WebhookDelivery.objects.get().status == "pending"


def test_the_send_test_button_and_the_delivery_log(
        world, receiver, eager, django_capture_on_commit_callbacks):
    endpoint = receiver()
    hook = _webhook(world, endpoint.url)
    owner = signed_in(world.acme.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(f"/o/acme/actions/webhooks/{hook.public_id}/test/")
    assert response.status_code == 302
    [request] = endpoint.requests
    assert json.loads(request["body"])["event"] == "ping"
    page = owner.get(f"/o/acme/actions/webhooks/{hook.public_id}/").content.decode()
    assert "ping" in page and "Delivered" in page and "HTTP 200" in page
    assert hook.secret in page


def test_only_owners_and_consultants_manage_webhooks(world):
    for role in ("manager", "viewer"):
        client = signed_in(getattr(world.acme, role))
        assert client.get("/o/acme/actions/webhooks/").status_code == 403
    response = signed_in(world.acme.consultant).post("/o/acme/actions/webhooks/", {
        "url": "https://tickets.example.test/in", "events": ["action.created"]})
    assert response.status_code == 302
    assert Webhook.objects.get().events == ["action.created"]


@pytest.mark.parametrize("data, message", [
    ({"url": "ftp://example.test/x", "events": ["action.created"]}, "Enter an http:// or"),
    ({"url": "javascript:alert(1)", "events": ["action.created"]}, "Enter a valid URL"),
    ({"url": "https://example.test/x", "events": []}, "This field is required"),
    ({"url": "https://example.test/x", "events": ["nope"]}, "Select a valid choice"),
])
def test_it_refuses_bad_webhooks_with_the_field(world, data, message):
    response = signed_in(world.acme.owner).post("/o/acme/actions/webhooks/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Webhook.objects.exists()


def test_it_refuses_a_private_address_outside_development(world, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    endpoint = receiver()
    hook = _webhook(world, endpoint.url)
    delivery = services.webhook_send_test(by=access_for(world.acme.owner, world.acme.org),
                                          webhook=hook)
    assert services.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "not public" in delivery.error and delivery.attempts == 1
    assert endpoint.requests == []


def test_a_redirect_is_not_followed(world, receiver):
    endpoint = receiver(status=302)
    hook = _webhook(world, endpoint.url)
    delivery = services.webhook_send_test(by=access_for(world.acme.owner, world.acme.org),
                                          webhook=hook)
    assert services.deliver(delivery.pk) == "retrying"
    assert WebhookDelivery.objects.get().response_code == 302


def test_overdue_actions_are_announced_once_per_due_date(world, receiver, eager,
                                                         django_capture_on_commit_callbacks):
    endpoint = receiver()
    _webhook(world, endpoint.url, events=["action.overdue"])
    action = make_action(world, title="Late")
    from improvement.models import Action

    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_overdue() == 1
        assert services.announce_overdue() == 0
    assert [json.loads(r["body"])["event"] for r in endpoint.requests] == ["action.overdue"]


def test_the_sweep_sends_lost_deliveries_again(world, receiver, eager):
    endpoint = receiver()
    hook = _webhook(world, endpoint.url)
    delivery = services.webhook_send_test(by=access_for(world.acme.owner, world.acme.org),
                                          webhook=hook)
    # Its message was lost (the test never ran the on-commit send); an hour later:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1))
    assert services.resend_lost() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(endpoint.requests) == 1
