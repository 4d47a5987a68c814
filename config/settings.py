"""Settings for the council portal: one module, everything that differs between machines comes
from the environment (https://docs.djangoproject.com/en/5.2/topics/settings/).

With no DATABASE_URL the portal runs on a SQLite file and its jobs go through an embedded broker
(kombu's filesystem transport) to a local worker; with DATABASE_URL and REDIS_URL it uses
PostgreSQL, Redis and Celery workers (DESIGN.md invariant 9).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files of the embedded defaults: the SQLite database, the job queue folders, uploads.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core --------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "csp",
    "councils",
    "finance",
    "inspections",
    "surveys",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "councils.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "councils.context_processors.navigation",
            ],
        },
    },
]

# --- Database (https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url) --
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a gunicorn worker keeps its connection for up to a minute instead of
# opening one per request; the health check replaces one the database has dropped.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several processes (web workers, the job worker) on one file
    # (https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-notes): readers never wait
    # for the writer (WAL); a transaction takes the write lock when it begins, so two writers
    # queue instead of one failing half-way with "database is locked"; and a writer waits up to
    # 20 s for the lock. select_for_update() is a no-op on SQLite: the lock a transaction takes at
    # BEGIN IMMEDIATE is what keeps the fund's balance check and the numbering serial.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # Tests run on a file beside the database, so that a test's server processes and threads
    # share it (an in-memory test database is one connection's own).
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_sqlite_file.with_name(f"test_{_sqlite_file.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "councils.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in lockout (councils/auth.py): this many failures in a row for one name from one client
# address lock that pair for LOGIN_LOCKOUT_MINUTES; LOGIN_NAME_FAILURE_LIMIT failures for the name
# from anywhere lock the name for LOGIN_NAME_WINDOW_MINUTES. The city office lifts both.
AUTHENTICATION_BACKENDS = ["councils.auth.LockoutBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=30)
LOGIN_NAME_FAILURE_LIMIT = env.int("LOGIN_NAME_FAILURE_LIMIT", default=20)
LOGIN_NAME_WINDOW_MINUTES = env.int("LOGIN_NAME_WINDOW_MINUTES", default=30)
# Reverse proxies whose X-Forwarded-For names the client; empty: REMOTE_ADDR is the client.
SIGN_IN_TRUSTED_PROXIES = env.list("SIGN_IN_TRUSTED_PROXIES", default=[])
# The demo city's shared password; refused at sign-in whenever DEBUG is off.
DEMO_PASSWORD = "demo-2026"

# --- Language and time (DESIGN.md invariant 8) -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (https://whitenoise.readthedocs.io/) -----------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Security: strict whenever DEBUG is off, so `check --deploy` is clean ----------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response (issue 14 §5; https://django-csp.readthedocs.io/):
# scripts only from the portal's own static files (no inline scripts, no inline event handlers,
# no eval); styles from its files, and inline style attributes, which the templates use for
# widths computed on the server (progress bars, chart boxes) and which htmx and ECharts set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Cards other apps add to the dashboard (councils.views.tree.HomeView).
DASHBOARD_PANELS = ["surveys.panels.rates_panel"]

# Public address printed on the survey posters' QR codes; empty: the request's own address.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")

# --- Jobs (https://docs.celeryq.dev/en/stable/userguide/configuration.html) --------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # One cache for every process, so limits such as the survey page's hold across workers; while
    # Redis is away the pages go on without it (config/cache.py).
    CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the cache and written through to the database: one query less on every
    # page (issue 8 §2); while Redis is away they are read from the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _queue_dir = VAR_DIR / "queue"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "queue-done"),
        # Where the transport keeps its exchange tables; unset, it writes to the working folder.
        "control_folder": str(VAR_DIR / "queue-control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True  # job state lives on the model the user looks at
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Synced into django-celery-beat's tables at beat start; times are Shanghai time.
CELERY_BEAT_SCHEDULE = {
    # Record last quarter's missed council meetings; daily in the first week, idempotent.
    "compliance-close-quarter": {
        "task": "councils.tasks.compliance_close_quarter",
        "schedule": crontab(minute=30, hour=0, day_of_month="1-7", month_of_year="1,4,7,10"),
    },
    # Derive the current half-year's dynamic points and refresh its results; idempotent.
    "points-derive-half": {
        "task": "assessments.tasks.points_derive_half",
        "schedule": crontab(minute=0, hour=2),
    },
    # Bulletin jobs asked for while the job queue was down are sent once it is back (issue 8 §4).
    "bulletins-requeue": {
        "task": "assessments.tasks.bulletins_requeue",
        "schedule": crontab(),
    },
    # Draft bulletins of the city and each district for last quarter, compiled after the
    # quarter-close job has recorded the missed meetings; idempotent.
    "bulletins-open-quarter": {
        "task": "assessments.tasks.bulletins_open_quarter",
        "schedule": crontab(minute=30, hour=1, day_of_month="1-7", month_of_year="1,4,7,10"),
    },
}

# --- Forms -------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The PDF renderer narrates every step at INFO; only its warnings matter.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
