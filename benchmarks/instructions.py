"""How many CPU instructions one request of a busy page costs, counted by callgrind: a
figure that does not move with the machine's speed or its neighbours' load.

    .venv/bin/python benchmarks/load_benchmark.py --keep        # once: the data
    .venv/bin/python benchmarks/instructions.py [floor questionnaire …] [--requests 100]

The load benchmark's requests/s drift by a third within one run on a shared virtual
machine (benchmarks/README.md); a change of a few per cent cannot be seen there. This
counts instructions instead, which are the same from run to run for the same code and
data. For each page it runs ``valgrind --tool=callgrind`` twice over a child process
that sets up Django against the kept database (as ``profile_page.py`` does, DEBUG off,
Redis) and makes 20 warm-up requests: once with no further request and once with
``--requests`` more. The difference, divided by ``--requests``, is the page's
instructions per request in this process: Django's handler with every middleware, the
view and its templates, the database driver's side, but not gunicorn nor the database
server. Prints JSON with each page's ratio to the floor's count (lower is more work than
the floor; compare with the load benchmark's ``server_cpu_ratio_to_floor``).

Needs valgrind (on every machine here; ``apt-get install valgrind`` elsewhere). A page
takes a minute or two: the set-up runs about fifty times slower under callgrind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import load_benchmark as bench  # noqa: E402
from benchmarks import profile_page  # noqa: E402

WARMUP = 20
COLLECTED = re.compile(r"Collected : (\d+)")


def child(page: str, requests: int, database: str, organisation: int, redis_url: str) -> None:
    """The measured process: set up, warm up, then ``requests`` requests of ``page``."""
    database_url = f"postgres://{bench.PG['user']}@{bench.PG['host']}:{bench.PG['port']}/" \
                   f"{database}"
    bench.setup_django(database_url, Path(tempfile.mkdtemp(prefix="instructions-")),
                       redis_url)
    request = profile_page.page_requests(organisation)[page]
    for _ in range(WARMUP):
        assert request().status_code == 200
    for _ in range(requests):
        request()


def count(page: str, requests: int, args: argparse.Namespace) -> int:
    """Instructions of the whole child process (set-up, warm-up, ``requests``)."""
    with tempfile.TemporaryDirectory() as out:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.out",
                   sys.executable, __file__, "--child", page, "--requests", str(requests),
                   "--database", args.database, "--organisation", str(args.organisation),
                   "--redis-url", args.redis_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603
                              env={**os.environ, "PYTHONHASHSEED": "0"})
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run of {page} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", metavar="page",
                        help=f"of {', '.join(profile_page.PAGES)} (default: questionnaire)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", default="maturity_bench")
    parser.add_argument("--organisation", type=int, default=0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.requests, args.database, args.organisation, args.redis_url)
        return 0
    unknown = set(args.pages) - set(profile_page.PAGES)
    if unknown:
        parser.error(f"unknown page(s) {', '.join(sorted(unknown))}: "
                     f"{', '.join(profile_page.PAGES)}")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    pages = list(dict.fromkeys(["floor", *(args.pages or ["questionnaire"])]))
    per_request = {}
    for page in pages:
        total = count(page, args.requests, args) - count(page, 0, args)
        per_request[page] = total / args.requests
        print(f"[instructions] {page}: {per_request[page] / 1e6:.2f} M a request",
              file=sys.stderr, flush=True)
    floor = per_request["floor"]
    print(json.dumps({
        "benchmark": "instructions", "requests": args.requests,
        "organisation": args.organisation,
        "pages": {page: {"instructions_per_request": round(value),
                         "ratio_to_floor": round(floor / value, 3)}
                  for page, value in per_request.items()},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
