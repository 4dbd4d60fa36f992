#!/usr/bin/env bash
# The whole test suite. Uses DATABASE_URL / REDIS_URL when set (CI sets them to
# the machine's PostgreSQL and Redis), else SQLite and the filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> ruff"
.venv/bin/ruff check .
echo "==> makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run -v 1
echo "==> pytest (database: ${DATABASE_URL:-sqlite}, broker: ${REDIS_URL:-filesystem})"
exec .venv/bin/pytest "$@"
