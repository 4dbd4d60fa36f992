"""Webhook deliveries sent by a real Celery worker process (tests/celery_workers.py) to
a real HTTP receiver in this process."""

from __future__ import annotations

import json

import pytest

from improvement import services
from improvement.models import Webhook, WebhookDelivery
from tests.celery_workers import wait_for
from tests.conftest import access_for
from tests.improvement_factories import make_action
from tests.test_improvement_webhooks import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def webhook_workers(workers, settings):
    settings.WEBHOOKS_QUEUE = workers.queue
    workers.env["WEBHOOKS_QUEUE"] = workers.queue  # the worker sends its retries there too
    return workers


def test_a_worker_delivers_and_schedules_the_retry_of_a_failing_endpoint(world,
                                                                         webhook_workers):
    good, bad = Receiver(), Receiver(status=500)
    try:
        owner = access_for(world.acme.owner, world.acme.org)
        for url in (good.url, bad.url):
            services.webhook_create(by=owner, url=url, events=[Webhook.Event.ACTION_CREATED])
        webhook_workers.start()
        action = make_action(world, title="Sent by a worker")  # delivered after commit
        wait_for(lambda: good.requests and bad.requests, timeout=60,
                 workers=webhook_workers, what="both endpoints to be called")
        assert json.loads(good.requests[0]["body"])["data"]["action"]["id"] == str(
            action.public_id)
        delivered = wait_for(lambda: WebhookDelivery.objects.filter(
            webhook__url=good.url, status="delivered").first(), timeout=30,
            workers=webhook_workers, what="the delivery to be recorded")
        assert delivered.attempts == 1
        retrying = wait_for(lambda: WebhookDelivery.objects.filter(
            webhook__url=bad.url, status="retrying").first(), timeout=30,
            workers=webhook_workers, what="the failed try to be recorded")
        assert retrying.attempts == 1 and retrying.response_code == 500
        assert len(bad.requests) == 1  # the next try waits a minute, not sent at once
    finally:
        good.close()
        bad.close()
