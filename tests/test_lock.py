"""Reproducible installs: the lock files pin, with hashes, every dependency that
pyproject.toml names, and every install (setup.sh, so make run/test and CI; the
Dockerfile) installs from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCKS = {"dev": ["dev"], "production": ["s3"]}


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a lock file."""
    pins, name = {}, None
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line):
            name = canonicalize_name(match[1])
            pins[name] = (match[2], 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_it_pins_every_dependency_of_pyproject_with_hashes(lock):
    pins = _pins(lock)
    wanted = PYPROJECT["dependencies"] + [
        dep for extra in LOCKS[lock] for dep in PYPROJECT["optional-dependencies"][extra]]
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}.txt: run make lock"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={version}, outside {requirement}: "
            "run make lock")
    assert all(hashes for _, hashes in pins.values())


def test_it_keeps_development_tools_out_of_the_production_lock():
    assert "pytest" not in _pins("production") and "playwright" not in _pins("production")


def test_it_installs_only_from_the_locks():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "pip install -q --require-hashes -r requirements/dev.txt" in setup
    assert "pip install -q --no-deps -e ." in setup
    assert 'cat requirements/dev.txt pyproject.toml | sha256sum' in setup  # the stamp
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/production.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile
