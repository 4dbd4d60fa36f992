"""The open-loop load generator of ``capacity_benchmark.py``: standard library, asyncio.

    echo '{"port": 8123, "seats": [...], ...}' | python benchmarks/capacity_client.py

Reads one job (JSON) on stdin and prints the figures (JSON) on stdout. Job fields:
``port``; ``seats``: ``{"cookie", "pages", "save", "questions", "options", "member"}``
per respondent; ``save_every`` and ``view_every`` (seconds); ``warmup``, ``seconds``;
``connections`` (the most requests in flight at once); ``seed``.

First every seat opens its first page once (a few at a time), for the CSRF cookie and
token, as the browser does. Then each seat's autosaves are due every ``save_every``
seconds and its page views every ``view_every`` seconds, from a random phase: the
schedule is fixed in advance (open loop). A request is sent when it is due, on a new
connection (gunicorn's sync workers close each one), unless ``connections`` requests
are already in flight; its latency runs from when it was due to its last byte, so a
wait for a free connection counts. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import sys
import time
from collections import Counter
from http.cookies import SimpleCookie

from load_client import save_acknowledged  # this script's folder is on the path

HOST = "127.0.0.1"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 30.0


async def fetch(port: int, method: str, path: str, headers: dict[str, str],
                body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
    """One HTTP/1.1 request on a new connection: (status, headers, body); status 0 for a
    connection error or a timeout."""
    writer = None
    try:
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection(HOST, port)
            lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                     *(f"{k}: {v}" for k, v in headers.items() if v)]
            if body or method == "POST":
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.read()
    except (OSError, TimeoutError):
        return 0, [], b""
    finally:
        if writer is not None:
            writer.close()
    head, _sep, payload = raw.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(head_lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, [], b""
    parsed = [tuple(part.strip() for part in line.split(":", 1))
              for line in head_lines[1:] if ":" in line]
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in parsed):
        payload = _unchunk(payload)
    return status, parsed, payload


def _unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


async def prepare(port: int, seat: dict, limit: asyncio.Semaphore) -> None:
    async with limit:
        status, headers, body = await fetch(port, "GET", seat["pages"][0],
                                            {"Cookie": seat["cookie"]})
    cookie = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookie.load(value)
    found = CSRF_INPUT.search(body)
    if status != 200 or "csrftoken" not in cookie or not found:
        raise RuntimeError(f"GET {seat['pages'][0]} answered {status} without a CSRF token")
    cookies = "; ".join(c for c in (seat["cookie"], f"csrftoken={cookie['csrftoken'].value}")
                        if c)
    seat["get_headers"] = {"Cookie": cookies}
    seat["save_headers"] = {"Cookie": cookies, "Content-Type": "application/json",
                            "Accept": "application/json", "X-CSRFToken": found.group(1).decode(),
                            "X-Requested-With": "XMLHttpRequest"}


def schedule(seats: list[dict], job: dict, start: float, stop: float,
             rng: random.Random) -> list[tuple[float, str, int]]:
    """(due time, kind, seat) of every request, in order of due time."""
    due = []
    for index in range(len(seats)):
        for kind, every in (("autosave", job["save_every"]), ("page", job["view_every"])):
            at = start + rng.uniform(0, every)
            while at < stop:
                due.append((at, kind, index))
                at += every
    due.sort()
    return due


class Tally:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"autosave": [], "page": []}
        self.statuses: dict[str, Counter[str]] = {"autosave": Counter(), "page": Counter()}
        self.errors: Counter[str] = Counter()
        self.due: Counter[str] = Counter()
        self.waited: list[float] = []  # how late requests were sent (no free connection)


async def one(job: dict, seat: dict, kind: str, due: float, measured: bool,
              limit: asyncio.Semaphore, tally: Tally, rng: random.Random) -> None:
    async with limit:
        sent = time.monotonic()
        if kind == "autosave":
            question, option = rng.choice(seat["questions"]), rng.choice(seat["options"])
            status, _headers, body = await fetch(
                job["port"], "POST", seat["save"], seat["save_headers"],
                json.dumps({"question": question, "option": option}).encode())
            ok = save_acknowledged(status, body, question, option)
        else:
            status, _headers, _body = await fetch(
                job["port"], "GET", rng.choice(seat["pages"]), seat["get_headers"])
            ok = status == 200
    ended = time.monotonic()
    if measured:
        tally.latencies[kind].append(ended - due)
        tally.waited.append(sent - due)
        tally.statuses[kind][str(status or "connection")] += 1
        tally.errors[kind] += not ok


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def figures(latencies: list[float], errors: int, due: int, seconds: float) -> dict:
    # A request still unanswered when the client stops (TIMEOUT + 10 s after the last
    # was due) counts as an error: an overloaded server must not look fast.
    unanswered = due - len(latencies)
    return {"due": due, "done": len(latencies), "unanswered": unanswered,
            "per_s": round(len(latencies) / seconds, 1),
            "p50_ms": percentile(latencies, 0.50), "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": round(1000 * max(latencies), 2) if latencies else None,
            "errors": errors + unanswered}


async def run(job: dict) -> dict:
    seats = job["seats"]
    rng = random.Random(job.get("seed", 1))
    opening = asyncio.Semaphore(4)
    began = time.monotonic()
    await asyncio.gather(*(prepare(job["port"], seat, opening) for seat in seats))
    prepared_in = time.monotonic() - began

    start = time.monotonic() + 0.5
    measure_from = start + job["warmup"]
    stop = measure_from + job["seconds"]
    due = schedule(seats, job, start, stop, rng)
    limit = asyncio.Semaphore(job["connections"])
    tally = Tally()
    tasks = set()
    cpu_from = None
    for at, kind, index in due:
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        measured = at >= measure_from
        if measured and cpu_from is None:
            cpu_from = _cpu_seconds()
        if measured:
            tally.due[kind] += 1
        task = asyncio.create_task(one(job, seats[index], kind, at, measured, limit, tally,
                                       rng))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    failures: Counter[str] = Counter()

    def failed(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            failures[repr(task.exception())[:200]] += 1

    if tasks:
        done, _pending = await asyncio.wait(set(tasks), timeout=TIMEOUT + 10)
        for task in done:
            failed(task)
    cpu_used = _cpu_seconds() - (cpu_from or _cpu_seconds())
    seconds = job["seconds"]
    every = [t for values in tally.latencies.values() for t in values]
    return {
        "respondents": len(seats),
        "members": sum(1 for s in seats if s.get("member")),
        "first_pages_opened_in_s": round(prepared_in, 1),
        "overall": figures(every, sum(tally.errors.values()), sum(tally.due.values()),
                           seconds),
        **{kind: {**figures(values, tally.errors[kind], tally.due[kind], seconds),
                  "statuses": dict(sorted(tally.statuses[kind].items()))}
           for kind, values in tally.latencies.items()},
        "sent_late_p95_ms": percentile(tally.waited, 0.95),
        "client_failures": dict(failures),
        "client_cpu_share_of_one_core": round(cpu_used / seconds, 2),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(run(job)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
