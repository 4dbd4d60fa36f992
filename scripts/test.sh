#!/usr/bin/env bash
# The whole test suite. Uses DATABASE_URL / REDIS_URL when set (CI sets them to
# the machine's PostgreSQL and Redis), else SQLite and the filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> ruff"
.venv/bin/ruff check .
echo "==> makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run -v 1
# The OpenID Connect provider the single sign-on tests sign in through (Node.js).
idp=tests/oidc_idp
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$idp/node_modules/oidc-provider" ] || [ "$idp/package-lock.json" -nt "$idp/node_modules/.package-lock.json" ]; then
    echo "==> npm ci ($idp: the test OpenID Connect provider)"
    npm ci --prefix "$idp" --no-audit --no-fund --loglevel=error
  fi
else
  echo "==> Node.js/npm not found: the single sign-on tests will be skipped (install nodejs and npm)"
fi
echo "==> pytest (database: ${DATABASE_URL:-sqlite}, broker: ${REDIS_URL:-filesystem})"
exec .venv/bin/pytest "$@"
