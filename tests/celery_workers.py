"""A real Celery worker process for tests, on the test's database and broker.

The worker is ``celery -A maturity_site worker --pool=solo`` in a subprocess, on the
same broker as this process (Redis when REDIS_URL is set, as in CI; else the
filesystem transport, in a folder of the test) and a queue of its own, and on the
test's database (use ``transaction=True`` so what the test writes is committed and
visible to the worker). Every wait is bounded, and workers are always killed.
Registered as a pytest plugin in tests/conftest.py: the ``workers`` fixture.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools as kombu_pools

from maturity_site.celery import app as celery_app

BASE_DIR = Path(django_settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")
READY_TIMEOUT = 90
RENDER_TIMEOUT = 150


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    credentials = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{s['NAME']}"


class Workers:
    """Starts workers on this test's database, broker and queue; kills them all."""

    def __init__(self, tmp_path: Path, queue: str, media: Path):
        self.tmp_path = tmp_path
        self.queue = queue
        self.processes: list[subprocess.Popen] = []
        self.env = {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(media),
                    "REPORTS_QUEUE": queue, "PYTHONUNBUFFERED": "1",
                    "DJANGO_SETTINGS_MODULE": "maturity_site.settings"}
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    def start(self) -> subprocess.Popen:
        n = len(self.processes) + 1
        log = self.tmp_path / f"worker-{n}.log"
        process = subprocess.Popen(
            [str(CELERY), "-A", "maturity_site", "worker", "--pool=solo", "-Q", self.queue,
             "-n", f"{self.queue}-{n}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=INFO"],
            cwd=BASE_DIR, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: chromium dies with it
        self.processes.append(process)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log(n)}")
            if " ready." in log.read_text(errors="replace"):
                return process
            time.sleep(0.2)
        raise AssertionError(f"worker not ready in {READY_TIMEOUT} s:\n{self.log(n)}")

    def log(self, n: int) -> str:
        path = self.tmp_path / f"worker-{n}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- worker {n}\n{self.log(n)}"
                         for n in range(1, len(self.processes) + 1))

    @staticmethod
    def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            self.kill(process)


def reset_broker_connections() -> None:
    """Forget pooled broker connections, so the next message uses the current options."""
    kombu_pools.reset()  # closes and forgets kombu's process-wide pools
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def workers(tmp_path, settings):
    queue = f"reports-test-{uuid.uuid4().hex[:10]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_QUEUE = queue
    pool = Workers(tmp_path, queue, settings.MEDIA_ROOT)
    previous = celery_app.conf.broker_transport_options
    if celery_app.conf.broker_url.startswith("filesystem"):
        var = tmp_path / "var"
        broker, control = var / "celery-broker", var / "celery-control"
        broker.mkdir(parents=True)
        control.mkdir(parents=True)
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(broker), "data_folder_out": str(broker),
            "control_folder": str(control)}
        pool.env["VAR_DIR"] = str(var)  # the worker's settings derive the same folders
    reset_broker_connections()
    try:
        yield pool
    finally:
        pool.stop_all()
        celery_app.conf.broker_transport_options = previous
        reset_broker_connections()


def wait_for(predicate, *, timeout: float, workers: Workers, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}\n{workers.logs()}")
