"""Settings, all in one module, read from the environment.

The defaults run a fresh checkout: SQLite in ``var/``, a Celery broker on the
filesystem (no server), mail printed to the console. With ``DJANGO_ENV=production``
the secrets have no defaults and start-up stops with a message naming what is
missing. Every variable is listed in the README ("Configuration").
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"


def required(name: str, dev_default: str) -> str:
    """A setting production must be given explicitly; development gets a default."""
    value = env_str(name)
    if value is not None:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set. DJANGO_ENV=production needs it; see README, 'Configuration'."
        )
    return dev_default


SECRET_KEY = required("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only")):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
# Off unless a developer asks for it (DEBUG=1): `make run` behaves like the product, and
# a 404 does not list every URL pattern.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. DJANGO_ENV=production needs it.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute links in emails. Without SITE_URL, the development server's address: PORT is
# the port `make run` (scripts/run.sh) serves on.
SITE_URL = env_str("SITE_URL", f"http://localhost:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "organisations",
    "models_catalog",
    "assessments",
    "peers",
    "reports",
    "improvement",
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN)
    "api",
    # Single sign-on through OpenID Connect (sso/), with django-allauth's protocol code.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.ApiMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organisations.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "organisations.middleware.PermissionDeniedMiddleware",
    "organisations.middleware.MethodNotAllowedMiddleware",
]

ROOT_URLCONF = "maturity_site.urls"
WSGI_APPLICATION = "maturity_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisations.context_processors.tenancy",
            ],
        },
    },
    # One busy page body, a questionnaire page's (assessments/jinja2/: progress, parts,
    # statement cards, pager), is Jinja2: it repeats every answer option of every
    # statement, and Django's engine spends more CPU per variable and tag (figures:
    # benchmarks/README.md). Its texts are translated in Python (answering.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": True},
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name), else SQLite in var/.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# The busiest requests' hand-written statements (organisations/sql.py, assessments/sql.py)
# are prepared once per connection on PostgreSQL. Turn off behind a pooler in
# transaction mode.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite keeps no persistent connections; WAL lets the worker and web read together.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a Celery worker process started by a test shares it; one
    # per test process, so two test runs side by side do not share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while locked out
    "organisations.backends.UserBackend",  # ModelBackend, finding the user faster
]
# Sign-in throttling (django-axes): an account, and separately an address, is locked
# out for a while after repeated failures; the answer is the same whether or not
# the account exists. https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "organisations.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The proxies in front of the app (0: none), so that the client's address is read
# from X-Forwarded-For correctly; one rule for the lockout, the security log and the
# audit trail (organisations.security.client_ip).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "organisations.security.client_ip"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The benchmark pool (peers/): the smallest pool of client organisations shown, never
# below 5 (k-anonymity).
BENCHMARK_MIN_ORGANISATIONS = env_int("BENCHMARK_MIN_ORGANISATIONS", 5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on (sso/): each organisation's identity provider is configured by its
# owner in the app; django-allauth runs the OpenID Connect flow. Only its OpenID Connect
# views are routed (sso/account_urls.py): sign-up and passwords stay the product's own.
SOCIALACCOUNT_ADAPTER = "sso.adapter.OrganisationSSOAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider vouches (email_verified)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # sso.adapter links accounts itself
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# http:// issuers are refused unless this is on (the tests' local provider).
SSO_ALLOW_HTTP_ISSUER = env_bool("SSO_ALLOW_HTTP_ISSUER", False)
# DNS servers that check the email domains' TXT records ("host" or "host:port"); empty:
# the system's resolver.
SSO_DNS_NAMESERVERS = [s for s in (env_str("SSO_DNS_NAMESERVERS") or "").split(",") if s]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Caches: Redis when REDIS_URL is set (shared by every process), else local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # django-redis keeps one client per process (Django's own backend builds one per
    # call) and parses replies with hiredis: less CPU for the session read of every
    # signed-in request (figures: benchmarks/README.md).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "maturity"}}
    # Sessions read from Redis, written through to the database: one query less on
    # every signed-in request, and nothing lost when Redis restarts.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Internationalisation. The interface languages; model content has its own
# translations (see models_catalog) and falls back to the model's default language.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("hu", _("Hungarian")),
    ("nb", _("Norwegian Bokmål")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates in a European order ("3 Dec 2026", 14:30) instead of Django's American
# ones; the other languages keep Django's formats (README, "Dates and times").
FORMAT_MODULE_PATH = ["maturity_site.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# static/vendor/plotly/plotly.min.js is plotly.js with only the traces the reports draw
# (scripts/plotly/build.sh); the PDFs' chart export uses the plotly package's own copy.
STATICFILES_DIRS = [BASE_DIR / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    # Development serves the static files through whitenoise, as production does, but
    # straight from the source folders (no collectstatic), looked up when asked for, so
    # DEBUG may be off. https://whitenoise.readthedocs.io/en/stable/django.html
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Scale-out: generated PDFs on S3-compatible storage (pip install ".[s3]").
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
if env_str("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL"),
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "region_name": env_str("S3_REGION"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Email: printed to the console in development unless EMAIL_HOST is set; always SMTP
# in production. https://docs.djangoproject.com/en/6.1/topics/email/
if PRODUCTION or env_str("EMAIL_HOST"):
    MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 20,
        },
    }}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Maturity Desk <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; a filesystem broker that needs no server by default.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Action plans (improvement/tasks.py): the weekly digest of overdue actions to their
# owners (Mondays, 06:00 UTC), and each hour the "action.overdue" webhook events and a
# sweep that resends webhook deliveries whose message was lost. Merged into whatever
# schedule is defined above, so each app's entries stand on their own.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "improvement-weekly-digest": {"task": "improvement.weekly_digest",
                                  "schedule": crontab(minute=0, hour=6, day_of_week="mon")},
    "improvement-hourly": {"task": "improvement.hourly", "schedule": crontab(minute=17)},
}
# Outbound webhooks: seconds to wait for an endpoint's answer, and whether an endpoint
# may be on a private, loopback or link-local address (development and tests only).
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", not PRODUCTION)
# PDFs may get a queue of their own (start workers with -Q <name>); default: "celery".
REPORTS_QUEUE = env_str("REPORTS_QUEUE")
# Periodic tasks, sent by exactly one Celery beat: inside the worker with the embedded
# defaults (`celery worker -B`, scripts/run.sh), a `beat` service of its own in
# production (docker-compose.yml). One entry per job; add yours beside these.
# https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html
CELERY_BEAT_SCHEDULE = {
    # Follow-up rounds: open the rounds whose day has come, send the reminders due.
    "follow-up-rounds": {
        "task": "assessments.follow_up_tick",
        "schedule": env_int("FOLLOW_UP_TICK_SECONDS", 15 * 60),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Invitations to an organisation or to one assessment.
INVITATION_EXPIRY_DAYS = env_int("INVITATION_EXPIRY_DAYS", 14)
# A sign-up's email verification link works this long.
SIGNUP_VERIFICATION_DAYS = env_int("SIGNUP_VERIFICATION_DAYS", 3)
# Sign-up and password reset (they email someone, no sign-in needed): at most this many
# requests per email address and per client address in THROTTLE_WINDOW_MINUTES.
THROTTLE_PER_ADDRESS = env_int("THROTTLE_PER_ADDRESS", 5)
THROTTLE_PER_IP = env_int("THROTTLE_PER_IP", 20)
THROTTLE_WINDOW_MINUTES = env_int("THROTTLE_WINDOW_MINUTES", 60)
# Uploads (model documents, answer sheets) are refused above this size.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
# The REST API (api/): calls per token in each window of API_THROTTLE_WINDOW_SECONDS.
API_THROTTLE_PER_TOKEN = env_int("API_THROTTLE_PER_TOKEN", 120)
API_THROTTLE_WINDOW_SECONDS = env_int("API_THROTTLE_WINDOW_SECONDS", 60)
# django-ninja: a page of a list holds this many items unless the caller asks for fewer.
NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

# Security. Scripts and styles come only from our own static files; no inline script.
# https://docs.djangoproject.com/en/6.1/ref/csp/
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],  # plotly sets inline styles on its SVG
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_HOST = env_str("SECURE_SSL_HOST")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "maturity.security": {"level": "INFO"},
    },
}
