#!/usr/bin/env bash
# Runs the app on the embedded defaults: SQLite, a filesystem Celery broker, demo
# data. Starts the web server and a Celery worker together; Ctrl-C stops both. The
# worker runs Celery beat inside it (-B: the periodic tasks of CELERY_BEAT_SCHEDULE,
# such as opening scheduled rounds), so no third process is needed.
# Like the product, DEBUG is off (static files through whitenoise, plain error pages);
# developers turn it on with `DEBUG=1 make run`. PORT (default 8000) also sets the
# links in emails unless SITE_URL is given.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT=${PORT:-8000}
export DEMO_PASSWORD=${DEMO_PASSWORD:-demo-pass-2026}

.venv/bin/python manage.py migrate --noinput -v 0
if .venv/bin/python manage.py help load_catalog >/dev/null 2>&1; then
  .venv/bin/python manage.py load_catalog
fi
# The first line is the login; the others (a respondent's link) are repeated below.
demo_notes=$(.venv/bin/python manage.py seed_demo)
printf '%s\n' "$demo_notes"
demo_notes=$(printf '%s\n' "$demo_notes" | tail -n +2 | sed 's/^/  /')

.venv/bin/celery -A maturity_site worker -B --loglevel=INFO --concurrency=1 --pool=solo \
  > var/celery-worker.log 2>&1 &
worker=$!
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" &
web=$!
trap 'kill $web $worker 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT

debug_note=""
case "${DEBUG:-}" in 1|[Tt]rue|TRUE|[Yy]es|[Oo]n) debug_note=" with DEBUG on (for development only)" ;; esac

# Say so only once the server answers (migrations and the autoreloader take a while).
for _ in $(seq 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 $web 2>/dev/null || break
  sleep 0.2
done
cat <<TXT

  Maturity Desk is running at http://localhost:$PORT/$debug_note
  Sign in as consultant@example.com (also manager@acme.example, exec@acme.example …)
  with the password: $DEMO_PASSWORD
$demo_notes
  The Celery worker logs to var/celery-worker.log. Press Ctrl-C to stop.

TXT
wait -n $web $worker
