"""Measured figures live in benchmarks/README.md, not in the code's comments, where they
go stale unseen (issue 13): a comment says what a choice is and why, and points there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["scoring", "organisations", "models_catalog", "assessments", "peers", "reports",
           "improvement", "api", "sso", "maturity_site", "templates", "static/js"]
TIMING = re.compile(r"\b\d+(\.\d+)? ?ms\b|times (faster|slower)|half the CPU"
                    r"|\d+ ?% (less|more) (CPU|memory|time)")


def test_no_comment_carries_a_timing():
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".js"} or "vendor" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if TIMING.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
