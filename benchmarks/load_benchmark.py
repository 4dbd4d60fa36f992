"""How much traffic the busy pages take under gunicorn on PostgreSQL, against a floor.

    .venv/bin/python benchmarks/load_benchmark.py [--seconds 15] [--scale 1] [--keep]
                                                  [--restart-postgres]

1. Creates a fresh PostgreSQL database (``--database``, default ``maturity_bench``, on
   127.0.0.1:5432 as ``postgres``, trust auth), migrates, loads the shipped catalogue
   and generates ``--scale`` × (200 organisations, 2,000 departments, 20,000
   responses, ~670,000 answers) with ``benchmarks/load_data.py``.
2. Starts gunicorn (2 sync workers, ``benchmarks.wsgi``: the project plus the
   ``/healthz/floor`` page) on a free loopback port, DEBUG off.
3. From a second process (``benchmarks/load_client.py``) drives each page for
   ``--seconds`` after a warm-up: the floor (one query, a small template), the
   questionnaire's autosave (POST with the session and CSRF token; varying
   respondents, questions and options), a questionnaire page, the organisation
   dashboard and, when the reports app serves it, the organisation report; and, for
   reference, the floor signed in (what the session and user lookups cost). The
   floor runs first and last; its mean is the reference. Besides requests/s and
   latency, each page gets the CPU milliseconds per request of gunicorn and of the
   PostgreSQL backends of this database (``/proc``): on a shared machine the
   ``server_cpu_ratio_to_floor`` is steadier than the requests/s.
4. Counts each page's queries in this process (``CaptureQueriesContext``, same
   database), then multiplies one organisation's data by ten (departments, rounds,
   respondents) and counts again: the counts must not change.
5. With ``--restart-postgres``: restarts PostgreSQL during an autosave run and checks
   that every answer a client got a 200 for is in the database, that failed saves got
   a clean error (5xx or a connection error, which questionnaire.js retries), never a
   wrong success, and that the app recovers without restarting gunicorn. A restart
   would break other test runs on the same PostgreSQL: it waits up to
   ``--quiet-wait`` seconds for other databases to have no client connection, and
   skips the check (saying so) otherwise.
6. Stops gunicorn and drops the database (unless ``--keep``); prints JSON.

Targets (requests/s as a share of the floor's): autosave ≥ 50 %, questionnaire page
and dashboard ≥ 25 %; no errors; query counts independent of the amount of data.
The exit status is 1 when a page answered with errors, a query count grew or the
restart check found a lost or wrongly acknowledged save; throughput below target is
reported, not failed (it depends on the machine).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CLIENT = BASE_DIR / "benchmarks" / "load_client.py"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
TARGETS = {"autosave": 0.50, "questionnaire": 0.25, "dashboard": 0.25}
RESERVED_OPTIONS = ("na", "dk")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[load-benchmark] {message}", file=sys.stderr, flush=True)


# --- PostgreSQL ------------------------------------------------------------------------


def pg_connect(dbname: str = "postgres"):
    import psycopg2

    connection = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
    connection.autocommit = True
    return connection


def pg_execute(sql: str, params=(), dbname: str = "postgres"):
    """One statement outside a transaction (``with connection`` would open one)."""
    connection = pg_connect(dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database (sessions and cache of an earlier run)."""
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()


def recreate_database(name: str) -> None:
    pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    for attempt in range(10):  # PostgreSQL may still be starting after a restart
        try:
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except Exception:
            if attempt == 9:
                raise
            time.sleep(1)


def other_clients(own_database: str) -> int:
    """Client connections to other databases (other engineers' test runs)."""
    return pg_execute(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND pid <> pg_backend_pid() AND datname IS DISTINCT FROM %s", [own_database])[0][0]


def restart_postgres() -> tuple[float, float]:
    clusters = sorted(os.listdir("/etc/postgresql"))
    began = time.monotonic()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "restart"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603, S607
    return began, time.monotonic()


# --- Django in this process -------------------------------------------------------------


def setup_django(database_url: str, workdir: Path, redis_url: str = "") -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "maturity_site.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "false",  # no query log in the server: it would skew the figures
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # As deployed (README, "Deploy"): Redis for the cache and the sessions' reads.
        "REDIS_URL": redis_url,
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = "benchmarks.urls"
    django.setup()
    return env


def prepare_data(scale: float) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.load_data import generate

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_catalog", verbosity=0, stdout=io.StringIO())  # stdout is for the JSON
    setup_seconds = time.perf_counter() - began
    log(f"migrated and loaded the catalogue in {setup_seconds:.1f} s; generating data…")
    summary = generate(scale=scale)
    log(f"generated {summary.counts()}")
    # Fresh statistics, as autovacuum keeps them in production: without them the
    # planner guesses after the bulk load and scans whole tables (the results' answers
    # query took 165 ms instead of 2 ms at scale 1).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {**summary.counts(), "migrate_and_catalogue_seconds": round(setup_seconds, 1)}


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def pick_fixtures(count: int) -> dict:
    """Respondents with an open questionnaire, spread over ``count`` organisations, and
    the owners of those organisations (dashboard, report)."""
    from django.urls import NoReverseMatch, reverse

    from assessments.models import Response
    from models_catalog.models import Dimension, Question, ScaleOption
    from organisations.models import Membership, Role

    candidates = list(Response.objects.filter(
        user__isnull=False, submitted_at__isnull=True, assessment__status="open",
        assessment__organisation__parent__isnull=False,
    ).select_related("user", "assessment__organisation", "assessment__model_version")
        .order_by("assessment__organisation__slug", "id"))
    by_org: dict[int, object] = {}
    for response in candidates:
        by_org.setdefault(response.assessment.organisation_id, response)
    chosen = list(by_org.values())
    step = max(1, len(chosen) // count)
    chosen = chosen[::step][:count]
    version_ids = {r.assessment.model_version_id for r in chosen}
    questions: dict[int, list[str]] = {v: [] for v in version_ids}
    for version_id, key in Question.objects.filter(version_id__in=version_ids).values_list(
            "version_id", "key"):
        questions[version_id].append(key)
    options: dict[int, list[str]] = {v: list(RESERVED_OPTIONS) for v in version_ids}
    for version_id, key in ScaleOption.objects.filter(version_id__in=version_ids).values_list(
            "version_id", "key"):
        options[version_id].append(key)
    dimensions: dict[int, list[str]] = {v: [] for v in version_ids}
    for version_id, key in Dimension.objects.filter(version_id__in=version_ids).values_list(
            "version_id", "key"):
        dimensions[version_id].append(key)

    seats, owners = [], []
    for response in chosen:
        assessment = response.assessment
        org = assessment.organisation.slug
        kwargs = {"org_slug": org, "assessment_id": assessment.public_id}
        pages = [reverse("assessments:answer_dimension", kwargs={**kwargs, "dimension_key": key})
                 for key in dimensions[assessment.model_version_id]]
        seats.append({
            "response": response, "cookie": session_cookie(response.user), "pages": pages,
            "save": reverse("assessments:answer_save", kwargs=kwargs),
            "questions": questions[assessment.model_version_id],
            "options": options[assessment.model_version_id],
        })
        owner = Membership.objects.select_related("user").get(
            organisation_id=assessment.organisation_id, role=Role.OWNER).user
        owners.append({"org": org, "user": owner, "cookie": session_cookie(owner)})
    try:
        report = reverse("reports:organisation", kwargs={"org_slug": owners[0]["org"]})
        report = report.replace(owners[0]["org"], "{org}", 1)
    except NoReverseMatch:
        report = None
    return {"seats": seats, "owners": owners, "report": report}


def page_jobs(fixtures: dict) -> dict[str, dict]:
    seats, owners = fixtures["seats"], fixtures["owners"]
    jobs = {
        "floor": {"kind": "get", "targets": [{"cookie": "", "paths": ["/healthz/floor"]}]},
        # For reference: what being signed in costs (session and user: two queries).
        "floor_signed_in": {"kind": "get", "targets": [
            {"cookie": s["cookie"], "paths": ["/healthz/floor"]} for s in seats]},
        "autosave": {"kind": "autosave", "targets": [
            {"cookie": s["cookie"], "page": s["pages"][0], "save": s["save"],
             "questions": s["questions"], "options": s["options"]} for s in seats]},
        "questionnaire": {"kind": "get", "targets": [
            {"cookie": s["cookie"], "paths": s["pages"]} for s in seats]},
        "dashboard": {"kind": "get", "targets": [
            {"cookie": o["cookie"], "paths": [f"/o/{o['org']}/"]} for o in owners]},
    }
    if fixtures["report"]:
        jobs["organisation_report"] = {"kind": "get", "targets": [
            {"cookie": o["cookie"], "paths": [fixtures["report"].format(org=o["org"])]}
            for o in owners]}
    return jobs


def count_queries(fixtures: dict, pages: list[str]) -> dict[str, int | str]:
    """Each page's queries, measured in this process after one warm-up request. The
    dashboard is kept in the cache until its organisation changes
    (``organisations.changes``): it is counted rendered afresh (``dashboard``: its stamp
    replaced, as a write would) and then as kept (``dashboard_kept``)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from organisations import changes
    from organisations.models import Organisation

    seat, owner = fixtures["seats"][0], fixtures["owners"][0]
    member, boss, anonymous = Client(), Client(), Client()
    member.force_login(seat["response"].user)
    boss.force_login(owner["user"])
    payload = {"question": seat["questions"][0], "option": seat["options"][-1]}
    requests = {
        "floor": lambda: anonymous.get("/healthz/floor"),
        "floor_signed_in": lambda: member.get("/healthz/floor"),
        "autosave": lambda: member.post(seat["save"], json.dumps(payload),
                                        content_type="application/json"),
        "questionnaire": lambda: member.get(seat["pages"][0]),
        "dashboard": lambda: boss.get(f"/o/{owner['org']}/"),
    }
    if fixtures["report"]:
        requests["organisation_report"] = lambda: boss.get(
            fixtures["report"].format(org=owner["org"]))
    counts: dict[str, int | str] = {}
    for name in pages:
        try:
            requests[name]()  # warm up per-process caches (content types, templates…)
            if name == "dashboard":
                changes.replace(Organisation.objects.filter(slug=owner["org"])
                                .values_list("pk", flat=True))
            with CaptureQueriesContext(connection) as queries:
                response = requests[name]()
            counts[name] = (len(queries) if response.status_code == 200
                            else f"HTTP {response.status_code}")
            if name == "dashboard":
                with CaptureQueriesContext(connection) as queries:
                    requests[name]()
                counts["dashboard_kept"] = len(queries)
        except Exception as error:  # noqa: BLE001 - a broken page is reported, not fatal
            counts[name] = f"{type(error).__name__}: {error}"[:300]
    return counts


# --- gunicorn and the load client ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict[str, str], workdir: Path, workers: int = 2,
                 worker_class: str = "sync", threads: int = 1,
                 app: str = "benchmarks.wsgi:application", extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.log_path = workdir / "gunicorn.log"
        command = [str(Path(sys.executable).parent / "gunicorn"), app, *extra,
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--chdir", str(BASE_DIR), "--log-level", "warning",
                   "--graceful-timeout", "5", "--worker-class", worker_class,
                   "--threads", str(threads)]
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(command, env={**os.environ, **env}, cwd=BASE_DIR,  # noqa: S603
                                        stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60, path: str = "/healthz/floor") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log_file.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group we started
                self.process.wait(timeout=5)
        self.log_file.close()


def start_client(port: int, job: dict, *, seconds: float, warmup: float, threads: int,
                 record: bool = False) -> subprocess.Popen:
    spec = {**job, "port": port, "seconds": seconds, "warmup": warmup, "threads": threads,
            "record": record}
    process = subprocess.Popen([sys.executable, str(CLIENT)], stdin=subprocess.PIPE,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdin.write(json.dumps(spec))
    process.stdin.close()
    return process


def finish_client(process: subprocess.Popen, timeout: float) -> dict:
    try:
        out = process.stdout.read()
        err = process.stderr.read()
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    try:
        return json.loads(out)
    except ValueError as error:
        raise RuntimeError(f"the load client failed: {err[-2000:]}") from error


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_snapshot(server: Gunicorn, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by gunicorn (master and workers) and by the PostgreSQL
    backends serving our database (not other engineers' test runs)."""
    app = [server.process.pid, *_children(server.process.pid)]
    backends = [pid for (pid,) in pg_execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [database])]
    return {"app": {pid: cpu_seconds(pid) for pid in app},
            "database": {pid: cpu_seconds(pid) for pid in backends}}


def run_page(server: Gunicorn, job: dict, *, seconds: float, warmup: float, threads: int,
             database: str) -> dict:
    """Drive one page; add the server's CPU milliseconds per measured request."""
    process = start_client(server.port, job, seconds=seconds, warmup=warmup, threads=threads)
    time.sleep(warmup + 0.1)  # the client needs a moment to start
    before = cpu_snapshot(server, database)
    time.sleep(seconds)
    after = cpu_snapshot(server, database)
    result = finish_client(process, timeout=seconds + warmup + 120)
    if result["requests"]:
        result["cpu_ms_per_request"] = {
            side: round(1000 * sum(after[side][pid] - before[side].get(pid, 0.0)
                                   for pid in after[side]) / result["requests"], 2)
            for side in ("app", "database")}
        result["cpu_ms_per_request"]["client"] = round(
            1000 * result.pop("client_cpu_seconds") / result["requests"], 2)
    return result


# --- the restart check ---------------------------------------------------------------------


def restart_check(server: Gunicorn, job: dict, fixtures: dict, *, database: str,
                  seconds: float, threads: int, quiet_wait: float) -> dict:
    """Restart PostgreSQL during an autosave run; check every acknowledged save."""
    from django.db import connections

    from assessments.models import Answer

    deadline = time.monotonic() + quiet_wait
    busy = other_clients(database)
    while busy and time.monotonic() < deadline:
        time.sleep(2)
        busy = other_clients(database)
    if busy:
        return {"skipped": f"PostgreSQL served {busy} connection(s) to other databases for "
                           f"{quiet_wait:.0f} s (other engineers' test runs); not restarted."}
    connections.close_all()  # ours would die with the restart anyway
    process = start_client(server.port, job, seconds=seconds, warmup=0, threads=threads,
                           record=True)
    time.sleep(seconds / 3)
    busy = other_clients(database)
    restarted = None
    if not busy:
        log("restarting PostgreSQL…")
        restarted = restart_postgres()
        log(f"PostgreSQL restarted in {restarted[1] - restarted[0]:.1f} s")
    result = finish_client(process, timeout=seconds + 120)
    if restarted is None:
        return {"skipped": f"{busy} connection(s) to other databases appeared; not restarted."}
    began, ended = restarted

    saves = sorted(result["saves"], key=lambda s: s[5])
    seats = fixtures["seats"]
    for attempt in range(30):
        try:
            stored = {(r, k): (o, c) for r, k, o, c in Answer.objects.filter(
                response_id__in=[s["response"].pk for s in seats]).values_list(
                "response_id", "question__key", "option", "comment")}
            break
        except Exception:
            connections.close_all()
            if attempt == 29:
                raise
            time.sleep(1)

    labels: dict[str, int] = {}
    last_ok: dict[tuple[int, str], int] = {}
    order: dict[str, int] = {}
    for position, (index, question, _option, comment, label, _at) in enumerate(saves):
        labels[label] = labels.get(label, 0) + 1
        order[comment] = position
        if label == "200":
            last_ok[(index, question)] = position
    confirmed = superseded = lost = 0
    lost_examples = []
    for (index, question), position in last_ok.items():
        option, comment = stored.get((seats[index]["response"].pk, question), (None, None))
        later = order.get(comment, -1)
        if later == position and option == saves[position][2]:
            confirmed += 1
        elif later > position and saves[later][0] == index and option == saves[later][2]:
            superseded += 1  # a later save reached the database though its answer was lost
        else:
            lost += 1
            lost_examples.append({"seat": index, "question": question,
                                  "acknowledged": saves[position][3], "stored": comment})
    clean = {"200"} | {k for k in labels if k == "connection" or k.startswith("5")}
    wrong = {k: v for k, v in labels.items() if k not in clean}
    failures = [s for s in saves if s[4] != "200"]
    after = [s for s in saves if s[5] > ended and s[4] == "200"]
    recovered = next((s[5] for s in saves if s[5] > began and s[4] == "200"
                      and any(f[5] < s[5] for f in failures)), None)
    return {
        "postgres_restart_seconds": round(ended - began, 2),
        "saves_sent": len(saves),
        "outcomes": dict(sorted(labels.items())),
        "acknowledged_answers_checked": len(last_ok),
        "acknowledged_and_stored": confirmed,
        "stored_newer_unacknowledged_save": superseded,
        "acknowledged_but_missing": lost,
        "lost_examples": lost_examples[:5],
        "wrong_answers_to_failed_saves": wrong,
        "failed_saves": len(failures),
        "failed_saves_first_to_last_s": (round(failures[-1][5] - failures[0][5], 2)
                                         if failures else 0),
        "successful_saves_after_restart": len(after),
        "first_success_after_failures_s_from_restart": (round(recovered - began, 2)
                                                        if recovered else None),
        "gunicorn_restarted": False,
        "gunicorn_master_pid_unchanged": server.process.poll() is None,
        "ok": lost == 0 and not wrong and len(after) > 0,
    }


def _server_cpu(runs: list[dict]) -> float | None:
    """Mean application + database CPU milliseconds per request over ``runs``."""
    costs = [r["cpu_ms_per_request"]["app"] + r["cpu_ms_per_request"]["database"]
             for r in runs if "cpu_ms_per_request" in r]
    return sum(costs) / len(costs) if costs else None


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per page")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds per page")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="data size: 1 = 200 organisations, 2,000 departments, 20,000 "
                             "responses; 0.1 for a quick run")
    parser.add_argument("--threads", type=int, default=4, help="client threads per page")
    parser.add_argument("--respondents", type=int, default=16,
                        help="respondents (one per organisation) the load is spread over")
    parser.add_argument("--database", default="maturity_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a --keep run left as it is (no new data; "
                             "its first organisation may have grown tenfold) and keep it")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="REDIS_URL of the server, as deployed ('' for none: local-memory "
                             "cache, sessions read from the database); the database number "
                             "is flushed first")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's --worker-class")
    parser.add_argument("--worker-threads", type=int, default=1, help="gunicorn's --threads")
    parser.add_argument("--pages", default="floor_signed_in,autosave,questionnaire,dashboard,"
                                             "organisation_report",
                        help="comma-separated pages to drive (the floor always runs)")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="also restart PostgreSQL during an autosave run and check the saves")
    parser.add_argument("--restart-seconds", type=float, default=24)
    parser.add_argument("--quiet-wait", type=float, default=300,
                        help="how long to wait for other databases' connections to end before "
                             "restarting PostgreSQL (it would break other test runs)")
    parser.add_argument("--note", default="", help="a note for the output (e.g. the machine)")
    args = parser.parse_args(argv)
    if not args.database.replace("_", "").isalnum():
        parser.error("--database: letters, digits and underscores only")

    cpus = os.cpu_count()
    machine = {"cpus": cpus, "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    database_url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{args.database}"
    server = None
    output: dict = {"benchmark": "load", "scale": args.scale, "machine": machine}
    failed = False
    if args.reuse:
        args.keep = True
    else:
        recreate_database(args.database)
    if args.redis_url:
        flush_redis(args.redis_url)
    try:
        env = setup_django(database_url, workdir, args.redis_url)
        output["data"] = {"reused": args.database} if args.reuse else prepare_data(args.scale)
        fixtures = pick_fixtures(args.respondents)
        jobs = page_jobs(fixtures)
        wanted = [p for p in args.pages.split(",") if p and p in jobs]

        server = Gunicorn(env, workdir, worker_class=args.worker_class,
                          threads=args.worker_threads)
        server.wait_ready()
        output["server"] = {"gunicorn_workers": 2, "worker_class": args.worker_class,
                            "threads": args.worker_threads, "debug": False,
                            "database": "postgresql",
                            "cache": "redis" if args.redis_url else "local memory",
                            "sessions": "cached_db" if args.redis_url else "db"}
        output["client"] = {"threads": args.threads, "seconds": args.seconds,
                            "warmup": args.warmup, "respondents": len(fixtures["seats"])}
        pages: dict[str, dict] = {}
        runs = {"seconds": args.seconds, "warmup": args.warmup, "threads": args.threads}
        floors = []
        for name in ["floor", *wanted, "floor"]:
            log(f"driving {name} for {args.warmup:g}+{args.seconds:g} s…")
            result = run_page(server, jobs[name], **runs, database=args.database)
            log(f"{name}: {result['requests_per_s']} req/s, p95 {result['p95_ms']} ms, "
                f"errors {result['errors']}")
            if name == "floor":
                floors.append(result)
                continue
            pages[name] = result
        floor_rps = sum(f["requests_per_s"] for f in floors) / len(floors)
        output["pages"] = {"floor": {
            **floors[0], "requests_per_s": round(floor_rps, 1),
            "requests_per_s_runs": [f["requests_per_s"] for f in floors],
            "p50_ms_runs": [f["p50_ms"] for f in floors],
            "cpu_ms_per_request_runs": [f.get("cpu_ms_per_request") for f in floors],
            "errors": sum(f["errors"] for f in floors)}}
        floor_cpu = _server_cpu(floors)
        for name, result in pages.items():
            ratio = result["requests_per_s"] / floor_rps if floor_rps else 0
            entry = {**result, "ratio_to_floor": round(ratio, 3)}
            page_cpu = _server_cpu([result])
            if floor_cpu and page_cpu:
                entry["server_cpu_ratio_to_floor"] = round(floor_cpu / page_cpu, 3)
            if name in TARGETS:
                entry["target_ratio"] = TARGETS[name]
                entry["meets_target"] = ratio >= TARGETS[name] and result["errors"] == 0
            output["pages"][name] = entry
        failed |= any(p["errors"] for p in output["pages"].values())

        if args.restart_postgres:
            log("restart check: autosave under load while PostgreSQL restarts…")
            output["restart_check"] = restart_check(
                server, jobs["autosave"], fixtures, database=args.database,
                seconds=args.restart_seconds, threads=args.threads,
                quiet_wait=args.quiet_wait)
            log(f"restart check: {output['restart_check']}")
            failed |= output["restart_check"].get("ok") is False
        server.stop()

        from django.db import connections

        from benchmarks.load_data import grow_organisation

        connections.close_all()
        measured = ["floor", *wanted]
        base = count_queries(fixtures, measured)
        if args.reuse:  # that data grew tenfold already in the run that made it
            output["query_counts"] = {"base": base, "ten_times_the_data": "not measured "
                                      "with --reuse"}
        else:
            grown = grow_organisation(fixtures["owners"][0]["org"], factor=10,
                                      assessment=fixtures["seats"][0]["response"].assessment)
            tenfold = count_queries(fixtures, measured)
            output["query_counts"] = {
                "organisation": fixtures["owners"][0]["org"],
                "grown_by": grown.counts(),
                "base": base, "ten_times_the_data": tenfold,
                "unchanged": base == tenfold and all(isinstance(v, int) for v in base.values()),
            }
            failed |= not output["query_counts"]["unchanged"]
        output["targets_met"] = all(p.get("meets_target", True)
                                    for p in output["pages"].values())
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass
        if args.keep:
            log(f"kept the database {args.database}")
        else:
            drop_database(args.database)
        shutil.rmtree(workdir, ignore_errors=True)
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    busy = machine["load_average_before"][0]  # before: others' load (after includes ours)
    notes = [args.note] if args.note else []
    if cpus and busy > 0.5 * cpus:
        notes.append(f"shared machine: load average {busy:.1f} on {cpus} cores from other "
                     "processes; the client and PostgreSQL share the cores too. Figures are "
                     "indicative; rerun on a quiet machine.")
    output["note"] = " ".join(notes)
    print(json.dumps(output, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
