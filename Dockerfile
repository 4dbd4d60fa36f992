# Production image: gunicorn for the web, the same image runs Celery workers.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production \
    VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext chromium \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The locked dependencies (make lock) first: this layer is rebuilt only when the lock changes.
COPY requirements/production.txt requirements/production.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/production.txt
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && SECRET_KEY=build-step-only-collectstatic-not-used-at-run-time-000000 ALLOWED_HOSTS=build \
       sh -c "python manage.py collectstatic --noinput -v 0 && python manage.py compilemessages -v 0"
RUN useradd --system --uid 1000 app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "maturity_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
