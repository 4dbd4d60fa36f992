"""Capacity in the figure users understand: N respondents answering at once.

    .venv/bin/python benchmarks/capacity_benchmark.py            # fresh data, 1,000 respondents
    .venv/bin/python benchmarks/capacity_benchmark.py --reuse --database maturity_bench
    .venv/bin/python benchmarks/capacity_benchmark.py --respondents 500 --seconds 30

An **open-loop** load at a fixed arrival rate, not a closed loop: every respondent
autosaves one answer every ``--save-every`` seconds (5) and opens a questionnaire page
every ``--view-every`` seconds (30), each at a random phase, whether or not the server
has answered the last request. 1,000 respondents are 200 autosaves and 33 page views a
second. A closed loop (``load_benchmark.py``) slows its clients down when the server
slows down and so hides queueing; here a slow server makes requests pile up, as real
respondents' would. Latency is measured from the moment a request was due, so a request
the client could not send in time (no free connection) counts its wait too.

1. The data: a fresh database (``--database``, default ``maturity_bench``) with
   ``load_data.generate(--scale)``, as ``load_benchmark.py`` makes it, or the one a
   ``--keep`` run left (``--reuse``).
2. The respondents: the unsubmitted responses of open rounds, most of them invited by
   email (a personal link, no account: ``/r/<token>/``), the rest members signed in
   with their own session (one per organisation in the data). Each link respondent is
   given a known link here (in the benchmark's own database), as an invitation email
   would carry it. Before measuring, each respondent opens its first questionnaire page
   once, as the browser does, for its CSRF cookie and token.
3. The server, as the Dockerfile runs it: gunicorn with ``maturity_site.wsgi``,
   ``--workers 3`` (``--workers``), sync workers, access log on (to a file), DEBUG off,
   PostgreSQL, Redis for the cache and sessions (``--redis-url``; flushed first).
4. The load: ``capacity_client.py`` in a separate process (asyncio, standard library)
   for ``--warmup`` + ``--seconds``; only the last ``--seconds`` count.
5. Output (JSON on stdout, progress on stderr): per kind (autosave, page) and overall,
   the requests due and done, the achieved rate, p50/p95/p99 latency, errors and
   statuses; the CPU of gunicorn, of this database's PostgreSQL backends and of the
   client; the machine's load average before and after. Exit status 1 on errors.

Target (issue 13): 1,000 respondents with p95 under 50 ms and no errors, on a 2-core
machine. The client and PostgreSQL share the machine with the server.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import load_benchmark as bench  # noqa: E402

CLIENT = Path(__file__).resolve().parent / "capacity_client.py"
TARGET_P95_MS = 50
MEMBER_SHARE = 0.1  # of the respondents, members signed in (the rest answer by link)


def log(message: str) -> None:
    print(f"[capacity] {message}", file=sys.stderr, flush=True)


def respondents(count: int) -> list[dict]:
    """``count`` respondents with an open questionnaire: their first page, the other
    pages, the save URL, question and option keys, and a cookie for members."""
    from django.db import transaction
    from django.urls import reverse

    from assessments.models import Response
    from assessments.services import link_token_for_secret
    from models_catalog.selectors import version_structure
    from organisations.models import hash_token

    open_unsubmitted = (Response.objects.filter(
        submitted_at__isnull=True, assessment__status="open", revoked_at__isnull=True)
        .select_related("user", "assessment__organisation", "assessment__model_version__model")
        .order_by("id"))
    members = list(open_unsubmitted.filter(user__isnull=False)[:int(count * MEMBER_SHARE)])
    links = list(open_unsubmitted.filter(user__isnull=True)[:count - len(members)])
    if len(members) + len(links) < count:
        raise SystemExit(f"only {len(members) + len(links)} open questionnaires in the "
                         f"data; use a larger --scale or fewer --respondents")
    tokens = {}
    with transaction.atomic():
        for response in links:
            response.link_secret = secrets.token_urlsafe(32)
            tokens[response.pk] = link_token_for_secret(response.link_secret)
            response.token_hash = hash_token(tokens[response.pk])
        Response.objects.bulk_update(links, ["link_secret", "token_hash"], batch_size=500)
    seats = []
    for response in members + links:
        content = version_structure(response.assessment.model_version)
        dimensions = [d.key for d in content.dimensions]
        if response.user_id:
            kwargs = {"org_slug": response.assessment.organisation.slug,
                      "assessment_id": response.assessment.public_id}
            pages = [reverse("assessments:answer_dimension",
                             kwargs={**kwargs, "dimension_key": key}) for key in dimensions]
            save = reverse("assessments:answer_save", kwargs=kwargs)
            cookie = bench.session_cookie(response.user)
        else:
            token = tokens[response.pk]
            pages = [reverse("respondent:dimension", kwargs={"token": token,
                                                             "dimension_key": key})
                     for key in dimensions]
            save = reverse("respondent:save", kwargs={"token": token})
            cookie = ""
        seats.append({"cookie": cookie, "pages": pages, "save": save,
                      "questions": [q.key for q in content.questions],
                      "options": [o.key for o in content.options] + ["na", "dk"],
                      "member": response.user_id is not None})
    return seats


def run_client(port: int, seats: list[dict], args) -> dict:
    job = {"port": port, "seats": seats, "save_every": args.save_every,
           "view_every": args.view_every, "seconds": args.seconds, "warmup": args.warmup,
           "connections": args.connections, "seed": args.seed}
    process = subprocess.Popen([sys.executable, str(CLIENT)], stdin=subprocess.PIPE,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(json.dumps(job), timeout=args.seconds + args.warmup + 900)
    try:
        return json.loads(out)
    except ValueError as error:
        raise RuntimeError(f"the capacity client failed: {err[-2000:]}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--save-every", type=float, default=5.0,
                        help="seconds between one respondent's autosaves")
    parser.add_argument("--view-every", type=float, default=30.0,
                        help="seconds between one respondent's page views")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured seconds first")
    parser.add_argument("--workers", type=int, default=3,
                        help="gunicorn workers (the Dockerfile's: 3)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's --worker-class")
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn's --threads (for --worker-class gthread)")
    parser.add_argument("--connections", type=int, default=64,
                        help="most requests the client has in flight at once")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", default="maturity_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a --keep run left (and keep it)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="the server's REDIS_URL; its database is flushed first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    if not args.database.replace("_", "").isalnum():
        parser.error("--database: letters, digits and underscores only")

    machine = {"cpus": os.cpu_count(),
               "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    output: dict = {"benchmark": "capacity", "note": args.note, "machine": machine,
                    "load": {"respondents": args.respondents, "save_every_s": args.save_every,
                             "view_every_s": args.view_every,
                             "autosaves_per_s": round(args.respondents / args.save_every, 1),
                             "page_views_per_s": round(args.respondents / args.view_every, 1),
                             "seconds": args.seconds, "warmup": args.warmup}}
    workdir = Path(tempfile.mkdtemp(prefix="capacity-bench-"))
    database_url = f"postgres://{bench.PG['user']}@{bench.PG['host']}:{bench.PG['port']}/" \
                   f"{args.database}"
    if args.reuse:
        args.keep = True
    else:
        bench.recreate_database(args.database)
    if args.redis_url:
        bench.flush_redis(args.redis_url)
    server = None
    try:
        env = bench.setup_django(database_url, workdir, args.redis_url)
        output["data"] = ({"reused": args.database} if args.reuse
                          else bench.prepare_data(args.scale))
        log(f"picking {args.respondents} respondents…")
        seats = respondents(args.respondents)
        server = bench.Gunicorn(env, workdir, workers=args.workers,
                                worker_class=args.worker_class, threads=args.threads,
                                app="maturity_site.wsgi:application",
                                extra=["--access-logfile", str(workdir / "access.log")])
        server.wait_ready(path="/healthz")
        output["server"] = {"gunicorn_workers": args.workers,
                            "worker_class": args.worker_class, "threads": args.threads,
                            "app": "maturity_site.wsgi", "access_log": True, "debug": False,
                            "database": "postgresql",
                            "cache": "redis" if args.redis_url else "local memory"}
        log(f"driving {args.respondents} respondents for {args.warmup:g}+{args.seconds:g} s…")
        cpu_before = bench.cpu_snapshot(server, args.database)
        began = time.monotonic()
        result = run_client(server.port, seats, args)
        elapsed = time.monotonic() - began
        cpu_after = bench.cpu_snapshot(server, args.database)
        output["results"] = result
        output["server_cpu_share_of_one_core"] = {
            part: round(sum(max(0.0, used - cpu_before[part].get(pid, 0.0))
                            for pid, used in cpu_after[part].items()) / elapsed, 2)
            for part in ("app", "database")}
        machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        overall = result["overall"]
        output["target"] = {"p95_ms": TARGET_P95_MS, "errors": 0,
                            "met": overall["errors"] == 0
                            and overall["p95_ms"] is not None
                            and overall["p95_ms"] < TARGET_P95_MS}
        log(f"overall: p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, "
            f"p99 {overall['p99_ms']} ms, errors {overall['errors']}")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            bench.drop_database(args.database)
        else:
            log(f"kept the database {args.database}")
    json.dump(output, sys.stdout, indent=2)
    print()
    return 1 if output.get("results", {}).get("overall", {}).get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
