"""How fast PDF reports render, in one process, as a worker renders them.

    .venv/bin/python benchmarks/pdf_benchmark.py [--runs 5] [--database-url URL]

By default it builds a fresh SQLite database in a temporary folder (migrate, the
shipped catalogue, the demo data of ``make run``), so it never touches var/. It then
renders, after one warm-up each, the demo client organisation's PDF and one of its
assessments' PDFs ``--runs`` times, and exports a chart to SVG ``--chart-runs``
times, and prints JSON: median seconds per assessment PDF, per organisation PDF,
per chart export (warm: the chart browser is already running, as in a worker), and
the peak resident memory of this process (the worker), and the memory of its chart
browser (PSS: shared pages counted once; the sum of its processes' peak RSS counts
Chromium's shared libraries once per process and overstates it).

Targets on the 2-core reference machine: chart ≤ 0.25 s, assessment PDF ≤ 2 s,
organisation PDF ≤ 5 s, peak memory ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS = {"chart_export_s": 0.25, "assessment_pdf_s": 2.0, "organisation_pdf_s": 5.0,
           "peak_rss_mb": 400.0}


def _setup(database_url: str | None, workdir: Path) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maturity_site.settings")
    os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")
    if database_url is None:
        os.environ["VAR_DIR"] = str(workdir)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'benchmark.sqlite3'}"
    else:
        os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    if database_url is None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_catalog", verbosity=0)
        call_command("seed_demo", verbosity=0)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages counted once across the browser's processes."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


def _time(function, runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds per run; ``cpu`` collects this process's CPU seconds (all its
    threads), which a busy machine inflates much less than the wall clock."""
    samples = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - started_cpu)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chart-runs", type=int, default=20)
    parser.add_argument("--database-url", help="use this database (with demo data) instead "
                                               "of a fresh temporary one")
    parser.add_argument("--organisation", default="acme", help="the demo organisation")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pdf-benchmark-") as tmp:
        _setup(args.database_url, Path(tmp))

        from assessments.selectors import response_counts, results_by_assessment
        from models_catalog.texts import model_texts
        from organisations.access import OrgAccess
        from organisations.models import Organisation, Role
        from reports import chart_export, charts, selectors, services

        organisation = Organisation.objects.get(slug=args.organisation)
        access = OrgAccess(user=None, organisation=organisation, role=Role.OWNER)
        rounds = selectors.reported_rounds(selectors.scoped_assessments(access))
        if not rounds:
            print(json.dumps({"error": f"{args.organisation} has no assessment results"}))
            return 2
        # The largest latest round: the heaviest assessment PDF of the demo.
        counts = response_counts([a.pk for a in rounds])
        assessment = max(reversed(rounds), key=lambda a: counts[a.pk]["submitted"])

        def assessment_pdf():
            return services.build_pdf(access=access, assessment=assessment, language="en")

        def organisation_pdf():
            return services.build_pdf(access=access, assessment=None, language="en")

        started = time.perf_counter()
        first = assessment_pdf()  # starts the chart browser, as a worker's first render
        cold_s = time.perf_counter() - started
        organisation_pdf()

        result = results_by_assessment([assessment], "en")[assessment.pk]
        texts = model_texts(assessment.model_version, "en")
        figures = [charts.radar(result, texts), charts.disagreement(result, texts),
                   charts.staircase(result.dimensions[0], texts, threshold=result.threshold)]
        chart_export.figure_to_svg(figures[0])
        chart_samples = []
        for i in range(args.chart_runs):
            figure = figures[i % len(figures)]
            chart_samples += _time(lambda f=figure: chart_export.figure_to_svg(f), 1)

        assessment_cpu: list[float] = []
        organisation_cpu: list[float] = []
        assessment_samples = _time(assessment_pdf, args.runs, assessment_cpu)
        organisation_samples = _time(organisation_pdf, args.runs, organisation_cpu)

        python_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        browser = _descendants(os.getpid())
        browser_peak_kb = sum(_peak_kb(pid) for pid in browser)  # overcounts shared pages
        browser_pss_kb = sum(_pss_kb(pid) for pid in browser)
        report = {
            "organisation": organisation.slug,
            "assessment": f"{assessment.department.name} · {assessment.name}",
            "respondents": counts[assessment.pk]["submitted"],
            "runs": args.runs,
            "chart_export_s": _median(chart_samples),
            "assessment_pdf_s": _median(assessment_samples),
            "organisation_pdf_s": _median(organisation_samples),
            "assessment_pdf_cpu_s": _median(assessment_cpu),
            "organisation_pdf_cpu_s": _median(organisation_cpu),
            "first_assessment_pdf_s_cold": round(cold_s, 3),
            "assessment_pdf_bytes": len(first),
            "peak_rss_mb": round(python_kb / 1024, 1),  # the worker process itself
            "browser_pss_mb": round(browser_pss_kb / 1024, 1),  # its chromium, now
            "browser_processes": len(browser),
            "browser_peak_rss_sum_mb": round(browser_peak_kb / 1024, 1),
            "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        report["targets_met"] = {key: report[key] <= limit for key, limit in TARGETS.items()}
        chart_export.stop_chart_server()
        print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
