#!/usr/bin/env bash
# Runs the app on the embedded defaults: SQLite, a filesystem Celery broker, demo
# data. Starts the web server and a Celery worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
export DEMO_PASSWORD=${DEMO_PASSWORD:-demo-pass-2026}

.venv/bin/python manage.py migrate --noinput -v 0
if .venv/bin/python manage.py help load_catalog >/dev/null 2>&1; then
  .venv/bin/python manage.py load_catalog
fi
.venv/bin/python manage.py seed_demo

.venv/bin/celery -A maturity_site worker --loglevel=INFO --concurrency=1 --pool=solo \
  > var/celery-worker.log 2>&1 &
worker=$!
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" &
web=$!
trap 'kill $web $worker 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT

sleep 2
cat <<TXT

  Maturity Desk is running at http://127.0.0.1:$PORT/
  Sign in as consultant@example.com (also manager@acme.example, exec@acme.example …)
  with the password: $DEMO_PASSWORD
  The Celery worker logs to var/celery-worker.log. Press Ctrl-C to stop.

TXT
wait -n $web $worker
