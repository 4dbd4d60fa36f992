"""Apps import one way (DESIGN.md): organisations ← models_catalog ← assessments ← peers ←
reports ← improvement ← api ← sso,
and the scoring engine depends on nothing of Django."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["scoring", "organisations", "models_catalog", "assessments", "peers", "reports",
          "improvement", "api", "sso"]


def _imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_app_imports_a_higher_one():
    back_edges = []
    for rank, package in enumerate(LAYERS):
        higher = set(LAYERS[rank + 1:])
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in sorted(_imported_packages(path) & higher):
                back_edges.append(f"{path.relative_to(ROOT)} imports {name}")
    assert back_edges == []


def test_the_scoring_engine_imports_nothing_of_django():
    code = "import sys, scoring; print(sorted(m for m in sys.modules if m.startswith('django')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
