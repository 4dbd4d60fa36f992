"""Main-thread blocking of a page as a phone loads it, measured in the browser itself.

Lighthouse's mobile score *simulates* a slow phone from one observed load, and on a
busy machine its total blocking time (TBT) swings by seconds from run to run. This
script measures what it models, directly: Debian's chromium through Playwright, a
412 × 823 viewport, the CPU slowed 4× (as Lighthouse's mobile profile), the page
loaded and left alone for 8 s, every long task (> 50 ms) recorded with the browser's
own PerformanceObserver. It prints, per page and server, the long tasks, the sum of
their time over 50 ms (the TBT of the load, without simulation) and how many charts
were drawn; with `--compare-url` it alternates two servers (say, main and a branch)
run by run, so that both see the same load on the machine.

    .venv/bin/python benchmarks/long_tasks.py --base-url http://127.0.0.1:8732 \\
        --compare-url http://127.0.0.1:8733 --runs 3

It signs in as `--email` (the demo executive) and measures the organisation report
and its first assessment report (or the paths given).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics

RECORD = ("window.__long = []; new PerformanceObserver(list => list.getEntries().forEach("
          "e => window.__long.push([Math.round(e.startTime), Math.round(e.duration)])))"
          ".observe({type: 'longtask', buffered: true});")


def measure(browser, base: str, path: str | None, args) -> tuple[int, int, list]:
    context = browser.new_context(viewport={"width": 412, "height": 823})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", args.email)
    page.fill("input[name=password]", args.password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    if path is None:  # the organisation report's first assessment report
        page.goto(f"{base}/o/{args.org}/reports/")
        path = re.search(rf'href="(/o/{args.org}/reports/assessments/[0-9a-f-]+/)"',
                         page.content()).group(1)
    page.add_init_script(RECORD)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.goto(base + path)
    page.wait_for_timeout(8000)
    tasks = page.evaluate("window.__long")
    drawn = page.evaluate("document.querySelectorAll('[data-chart] svg.main-svg').length")
    context.close()
    return sum(max(0, duration - 50) for _, duration in tasks), drawn, tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--compare-url", help="a second server, measured alternately")
    parser.add_argument("--email", default="exec@acme.example")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"))
    parser.add_argument("--org", default="acme")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("pages", nargs="*", help="paths (default: the report pages)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    servers = [args.base_url.rstrip("/")] + ([args.compare_url.rstrip("/")]
                                             if args.compare_url else [])
    pages = args.pages or [f"/o/{args.org}/reports/", None]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox"])
        for path in pages:
            blocking: dict[str, list[int]] = {server: [] for server in servers}
            for _run in range(args.runs):
                for server in servers:
                    total, drawn, tasks = measure(browser, server, path, args)
                    blocking[server].append(total)
                    print(f"{server} {path or 'assessment report'}: blocking {total} ms, "
                          f"{drawn} charts drawn, long tasks {tasks}", flush=True)
            for server, values in blocking.items():
                print(f"median {server} {path or 'assessment report'}: "
                      f"{statistics.median(values):.0f} ms", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
