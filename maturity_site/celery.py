"""The Celery application.

Workers run with ``celery -A maturity_site worker``. Tasks are JSON-only, take an
id, and call a service (see ``reports/tasks.py``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maturity_site.settings")

app = Celery("maturity_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
