"""Where one busy page spends its time: cProfile over repeated requests, in-process.

    .venv/bin/python benchmarks/load_benchmark.py --keep        # once: the data
    .venv/bin/python benchmarks/profile_page.py autosave [--requests 500] [--sort tottime]

Runs against the database ``load_benchmark.py --keep`` left (``--database``,
default ``maturity_bench``) with the same settings as its gunicorn (DEBUG off,
``REDIS_URL`` as there), through Django's request handler (the test client's,
which runs the whole middleware chain but not gunicorn). Prints the requests/s of
this loop with the CPU a request costs here and in its PostgreSQL backend (steadier than
time on a shared machine), the queries of one request and the top functions. Pages: floor,
floor_signed_in, autosave, questionnaire, dashboard, organisation_report.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import load_benchmark as bench  # noqa: E402

PAGES = ("floor", "floor_signed_in", "autosave", "questionnaire", "dashboard",
         "organisation_report")


def page_requests(organisation: int) -> dict[str, Callable[[], object]]:
    """One request of each page (``PAGES``), as the load benchmark's clients make them,
    for the benchmark's ``organisation`` (0..3); Django set up (``bench.setup_django``)."""
    from django.test import Client

    fixtures = bench.pick_fixtures(4)
    seat, owner = fixtures["seats"][organisation], fixtures["owners"][organisation]
    member, boss, anonymous = Client(), Client(), Client()
    member.force_login(seat["response"].user)
    boss.force_login(owner["user"])
    counter = iter(range(10**9))

    def autosave():
        n = next(counter)
        payload = {"question": seat["questions"][n % len(seat["questions"])],
                   "option": seat["options"][n % len(seat["options"])]}
        return member.post(seat["save"], json.dumps(payload), content_type="application/json")

    return {
        "floor": lambda: anonymous.get("/healthz/floor"),
        "floor_signed_in": lambda: member.get("/healthz/floor"),
        "autosave": autosave,
        "questionnaire": lambda: member.get(seat["pages"][0]),
        "dashboard": lambda: boss.get(f"/o/{owner['org']}/"),
        "organisation_report": lambda: boss.get(fixtures["report"].format(org=owner["org"])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database", default="maturity_bench")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=45, help="0: time only, no profile")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--organisation", type=int, default=0,
                        help="which of the benchmark's organisations (0..3; a --keep run grew "
                             "the first one tenfold)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="profile-page-"))
    database_url = f"postgres://{bench.PG['user']}@{bench.PG['host']}:{bench.PG['port']}/" \
                   f"{args.database}"
    bench.setup_django(database_url, workdir, args.redis_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    requests = page_requests(args.organisation)
    request = requests[args.page]
    for _ in range(20):
        assert request().status_code == 200
    with CaptureQueriesContext(connection) as queries:
        request()
    print(f"{len(queries)} queries:")
    for query in queries:
        print("  ", query["sql"][:160])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [backend] = cursor.fetchone()
    began, cpu, database = time.perf_counter(), time.process_time(), bench.cpu_seconds(backend)
    for _ in range(args.requests):
        request()
    elapsed = time.perf_counter() - began
    cpu, database = time.process_time() - cpu, bench.cpu_seconds(backend) - database
    print(f"{args.requests / elapsed:.1f} requests/s in this loop, "
          f"{1000 * elapsed / args.requests:.2f} ms a request (not profiled); CPU a "
          f"request: {1000 * cpu / args.requests:.2f} ms here (the test client's too) + "
          f"{1000 * database / args.requests:.2f} ms of its PostgreSQL backend")
    if args.top == 0:
        return 0
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    for _ in range(args.requests):
        request()
    profile.disable()
    elapsed = time.perf_counter() - began
    print(f"{args.requests / elapsed:.1f} requests/s in this loop (profiled)")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
