"""The load generator of ``load_benchmark.py``: a separate process, standard library only.

    echo '{"port": 8123, "kind": "get", "targets": [...]}' | python benchmarks/load_client.py

It reads one job (JSON) on stdin, runs it, and prints the figures (JSON) on stdout.
Each of ``threads`` threads has its own HTTP/1.1 connection (reopened whenever the
server closes it; gunicorn's sync workers close after every response) and its own
share of the targets, so a respondent's autosaves are sequential, as in the browser.
Requests stop by themselves after ``warmup`` + ``seconds``; only the last
``seconds`` are measured. Loopback only.

Job fields: ``port``; ``kind`` ``get`` or ``autosave``; ``targets``: for ``get``
``{"cookie": …, "paths": [...]}``, for ``autosave`` ``{"cookie": …, "page": …,
"save": …, "questions": [...], "options": [...]}`` (the page is read once for the
CSRF token, as the browser does); ``threads`` (4), ``seconds`` (10), ``warmup``
(2), ``record`` (autosave: send a unique comment with every save and report every
outcome, for the restart check), ``pause_after_error`` (0.05 s), ``seed``.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import resource
import sys
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie

HOST = "127.0.0.1"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Worker(threading.Thread):
    def __init__(self, job: dict, number: int, targets: list[dict], measure_from: float,
                 stop_at: float):
        super().__init__(daemon=True)
        self.job = job
        self.number = number
        self.targets = targets
        self.measure_from = measure_from
        self.stop_at = stop_at
        self.rng = random.Random(f"{job.get('seed', 1)}/{number}")
        self.conn = http.client.HTTPConnection(HOST, job["port"], timeout=30)
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.errors = 0
        self.saves: list[list] = []
        self.failure: str | None = None

    # -- HTTP ---------------------------------------------------------------------------

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        """(status, headers, body); status 0 for a connection error."""
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.will_close:
                self.conn.close()
            return response.status, response, data
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0, None, b""

    def prepare(self) -> None:
        """For an autosave: read the questionnaire page once, as the browser does, for
        the CSRF cookie and token."""
        for target in self.targets:
            status, response, body = self.request("GET", target["page"],
                                                  {"Cookie": target["cookie"]})
            if status != 200:
                raise RuntimeError(f"GET {target['page']} answered {status}")
            cookie = SimpleCookie()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie.load(value)
            found = CSRF_INPUT.search(body.decode())
            if "csrftoken" not in cookie or not found:
                raise RuntimeError(f"no CSRF cookie or token on {target['page']}")
            target["headers"] = {
                "Cookie": f"{target['cookie']}; csrftoken={cookie['csrftoken'].value}",
                "Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": found.group(1), "X-Requested-With": "XMLHttpRequest",
            }

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            if self.job["kind"] == "autosave":
                self.prepare()
            sequence = 0
            while time.monotonic() < self.stop_at:
                target = self.targets[sequence % len(self.targets)]
                sequence += 1
                began = time.monotonic()
                if self.job["kind"] == "autosave":
                    ok, label = self.autosave(target, sequence)
                else:
                    status, _response, _body = self.request(
                        "GET", self.rng.choice(target["paths"]), {"Cookie": target["cookie"]})
                    ok, label = status == 200, str(status or "connection")
                ended = time.monotonic()
                if began >= self.measure_from:
                    self.latencies.append(ended - began)
                    self.statuses[label] += 1
                    self.errors += not ok
                if not ok:
                    time.sleep(self.job.get("pause_after_error", 0.05))
        except Exception as error:  # noqa: BLE001 - reported to the orchestrator
            self.failure = f"{type(error).__name__}: {error}"

    def autosave(self, target: dict, sequence: int) -> tuple[bool, str]:
        question = self.rng.choice(target["questions"])
        option = self.rng.choice(target["options"])
        payload = {"question": question, "option": option}
        comment = None
        if self.job.get("record"):
            comment = f"bench {target['index']}-{self.number}-{sequence}"
            payload["comment"] = comment
        status, _response, body = self.request("POST", target["save"], target["headers"],
                                               json.dumps(payload).encode())
        label = str(status or "connection")
        ok = save_acknowledged(status, body, question, option)
        if status == 200 and not ok:
            label = "200-unexpected-body"
        if self.job.get("record"):
            self.saves.append([target["index"], question, option, comment, label,
                               time.monotonic()])
        return ok, label


def save_acknowledged(status: int, body: bytes, question: str, option: str) -> bool:
    """Whether the autosave's reply says it saved this answer."""
    if status != 200:
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return (data.get("ok") is True and data.get("question") == question
            and data.get("option") == option)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    return round(1000 * values[min(len(values) - 1, int(share * len(values)))], 2)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    job = json.load(sys.stdin)
    threads = max(1, int(job.get("threads", 4)))
    targets = job["targets"]
    for index, target in enumerate(targets):
        target["index"] = index
    threads = min(threads, len(targets)) if job["kind"] == "autosave" else threads
    now = time.monotonic()
    measure_from = now + float(job.get("warmup", 2))
    stop_at = measure_from + float(job.get("seconds", 10))
    workers = [Worker(job, n, targets[n::threads] if job["kind"] == "autosave" else targets,
                      measure_from, stop_at) for n in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    cpu_from = _cpu_seconds()
    time.sleep(max(0.0, stop_at - time.monotonic()))
    cpu_used = _cpu_seconds() - cpu_from
    for worker in workers:
        worker.join(timeout=float(job.get("seconds", 10)) + float(job.get("warmup", 2)) + 60)
    latencies = sorted(t for w in workers for t in w.latencies)
    statuses: Counter[str] = Counter()
    for worker in workers:
        statuses.update(worker.statuses)
    seconds = float(job.get("seconds", 10))
    result = {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "errors": sum(w.errors for w in workers),
        "statuses": dict(sorted(statuses.items())),
        "threads": threads,
        "failures": [w.failure for w in workers if w.failure],
        "client_cpu_seconds": cpu_used,
    }
    if job.get("record"):
        result["saves"] = [save for w in workers for save in w.saves]
        result["measure_from"] = measure_from
    json.dump(result, sys.stdout)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
