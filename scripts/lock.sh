#!/usr/bin/env bash
# Pins every Python dependency, with hashes, from pyproject.toml's ranges into the lock
# files that every install uses: requirements/dev.txt (scripts/setup.sh, so `make run`,
# `make test` and CI) and requirements/production.txt (the Dockerfile, with the s3
# extra). Run it as `make lock` after changing a dependency in pyproject.toml; it keeps
# the pinned versions that still fit. `make lock UPGRADE=1` moves everything to the
# newest versions that fit. The locks are universal (resolved for every platform and
# every Python from 3.12 on), so the same file installs on 3.12 and 3.13.
set -euo pipefail
cd "$(dirname "$0")/.."

uv=.venv/bin/uv
if [ ! -x "$uv" ]; then
  echo "error: $uv is missing; run 'make setup' first (uv is a dev dependency)." >&2
  exit 1
fi
options=(--universal --python-version 3.12 --generate-hashes --quiet
         --custom-compile-command "make lock")
[ -n "${UPGRADE:-}" ] && options+=(--upgrade)
mkdir -p requirements
"$uv" pip compile pyproject.toml --extra dev "${options[@]}" -o requirements/dev.txt
"$uv" pip compile pyproject.toml --extra s3 "${options[@]}" -o requirements/production.txt
echo "requirements/dev.txt and requirements/production.txt are up to date with pyproject.toml."
