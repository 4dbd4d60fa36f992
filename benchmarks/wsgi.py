"""The project's WSGI application with the benchmark URLs (``benchmarks/urls.py``).

    gunicorn benchmarks.wsgi --chdir /path/to/checkout

Load benchmarks only: it adds ``/healthz/floor`` without touching the project's
settings or URLs.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maturity_site.settings")
settings.ROOT_URLCONF = "benchmarks.urls"
application = get_wsgi_application()
