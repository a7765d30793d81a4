"""Accord settings, read from the environment (twelve-factor, django-environ).

With no environment at all (and DJANGO_DEBUG=1) Accord runs on its embedded default:
SQLite under var/, Celery's filesystem broker under var/, files under var/media.
"""
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ACCORD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "insecure-dev-key-only-for-DJANGO_DEBUG" if DEBUG else None
)
if SECRET_KEY is None:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
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
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_results",
    "django_celery_beat",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    # Accord, lowest layer first: accounts, audit, reliability <- datasets_app <- agreements <- training.
    "accounts",
    "audit",
    "reliability",
    "datasets_app",
    "agreements",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Role changes made in django-admin are audited with the signed-in user as the actor (G8).
    "audit.context.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.BrandedErrorPagesMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
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
                "accounts.context_processors.navigation",
            ],
        },
    },
]
# Check boxes, radios and <select> options written in Python, the stock markup (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.FastChoiceRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'accord.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE makes writers queue
    # up instead of failing mid-transaction, which also keeps the audit chain linear.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a real Celery worker process in the tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-accord.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
# A persistent connection the server dropped (restart, failover, pg_terminate_backend) is noticed and
# replaced at the start of the next request or task instead of failing it (issue 14).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection for the sign-in form and django-admin (django-axes). After
# AXES_FAILURE_LIMIT failures for the same username from the same address, sign-in is refused for
# AXES_COOLOFF_MINUTES; every lockout writes an audit event. AXES_LOCKOUT_PARAMETERS lists what is
# counted, "+" combining: "username+ip_address" (default), or e.g. "username,ip_address" to lock
# either on its own. An administrator unlocks early with `manage.py axes_reset_username NAME`.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [
    p.split("+") if "+" in p else p for p in env.list("AXES_LOCKOUT_PARAMETERS", default=["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None  # proxies in front that set X-Forwarded-For
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Raw uploads live apart from everything else; no URL route serves this folder.
QUARANTINE_ROOT = env.path("QUARANTINE_ROOT", default=VAR_DIR / "quarantine")
_FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
_QUARANTINE_BACKEND = env.str("QUARANTINE_STORAGE_BACKEND", default=_FILESYSTEM_STORAGE)
STORAGES = {
    "default": {"BACKEND": env.str("DEFAULT_STORAGE_BACKEND", default=_FILESYSTEM_STORAGE)},
    "quarantine": {
        "BACKEND": _QUARANTINE_BACKEND,
        # A folder of its own on disk; a key prefix of its own in an object store.
        "OPTIONS": {
            "location": str(QUARANTINE_ROOT)
            if _QUARANTINE_BACKEND == _FILESYSTEM_STORAGE
            else env.str("QUARANTINE_LOCATION", default="quarantine")
        },
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# List pages and list endpoints: default and largest page size (`?per_page=` / `?limit=`).
ACCORD_PAGE_SIZE = env.int("ACCORD_PAGE_SIZE", default=50)
ACCORD_MAX_PAGE_SIZE = env.int("ACCORD_MAX_PAGE_SIZE", default=200)
ACCORD_MAX_UPLOAD_BYTES = env.int("ACCORD_MAX_UPLOAD_BYTES", default=2 * 1024**3)
ACCORD_MAX_LINE_BYTES = env.int("ACCORD_MAX_LINE_BYTES", default=1024**2)
# Bounded input (G10): a gzip upload may expand to at most this many times the upload limit
# (0 for ACCORD_MAX_DECOMPRESSED_BYTES: derive it), and a version holds at most this many rows.
ACCORD_MAX_EXPANSION_FACTOR = env.int("ACCORD_MAX_EXPANSION_FACTOR", default=4)
ACCORD_MAX_DECOMPRESSED_BYTES = env.int("ACCORD_MAX_DECOMPRESSED_BYTES", default=0)
ACCORD_MAX_ROWS_PER_VERSION = env.int("ACCORD_MAX_ROWS_PER_VERSION", default=10_000_000)
ACCORD_SCRUB_SHARD_ROWS = env.int("ACCORD_SCRUB_SHARD_ROWS", default=5000)
ACCORD_RUNS_ROOT = env.path("ACCORD_RUNS_ROOT", default=VAR_DIR / "runs")
# Training runs: a run whose worker has not beaten for this long is resumed (or failed after N attempts).
# The gpu worker's own thread beats every ACCORD_RUN_HEARTBEAT_SECONDS whatever the trainer is doing
# (loading, evaluating, checkpointing), so a minute of silence means the worker is gone (issue 14).
ACCORD_RUN_HEARTBEAT_TIMEOUT = env.int("ACCORD_RUN_HEARTBEAT_TIMEOUT", default=60)
ACCORD_RUN_HEARTBEAT_SECONDS = env.float("ACCORD_RUN_HEARTBEAT_SECONDS", default=10.0)
ACCORD_RUN_MAX_ATTEMPTS = env.int("ACCORD_RUN_MAX_ATTEMPTS", default=3)
ACCORD_TRAIN_TIME_LIMIT = env.int("ACCORD_TRAIN_TIME_LIMIT", default=24 * 3600)
ACCORD_TRAIN_SOFT_TIME_LIMIT = env.int("ACCORD_TRAIN_SOFT_TIME_LIMIT", default=24 * 3600 - 300)
# Shared storage for several machines (DEFAULT_STORAGE_BACKEND=storages.backends.s3.S3Storage): django-storages
# reads these; unset ones keep its defaults (and boto3's credential chain).
for _name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_LOCATION",
              "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    if env.str(_name, default=""):
        vars()[_name] = env.str(_name)
# Data uploads stream to disk; only small forms stay in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2

# --- Security (strict unless DEBUG) ---------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if not SECURE_HSTS_PRELOAD:  # an operator's explicit choice, not an oversight
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Audit ledger (G8) ------------------------------------------------------------------------
# Event hashes are HMAC-SHA256 with a key from the environment, never the database. Rotate with
# `manage.py audit_rotate_key`: the old key moves to AUDIT_HMAC_RETIRED_KEYS ("id=secret,...") and
# keeps verifying the events it signed. Production refuses to write events without a key.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="")
AUDIT_HMAC_KEY_ID = env.str("AUDIT_HMAC_KEY_ID", default="k1")
AUDIT_HMAC_RETIRED_KEYS = env.dict("AUDIT_HMAC_RETIRED_KEYS", default={})
if not AUDIT_HMAC_KEY and DEBUG:
    # Local development only: a key derived from the dev SECRET_KEY under an id of its own.
    import hashlib as _hashlib

    AUDIT_HMAC_KEY = _hashlib.sha256(f"accord-audit-dev:{SECRET_KEY}".encode()).hexdigest()
    AUDIT_HMAC_KEY_ID = "dev"
# Signed checkpoints of the chain head, written outside the database every N events and nightly:
# a folder by default; any django-storages backend (e.g. an S3 bucket with Object Lock) via
# AUDIT_CHECKPOINT_STORAGE_BACKEND + AUDIT_CHECKPOINT_LOCATION.
AUDIT_CHECKPOINT_EVERY = env.int("AUDIT_CHECKPOINT_EVERY", default=1000)
_CHECKPOINT_BACKEND = env.str("AUDIT_CHECKPOINT_STORAGE_BACKEND", default=_FILESYSTEM_STORAGE)
STORAGES["audit_checkpoints"] = {
    "BACKEND": _CHECKPOINT_BACKEND,
    "OPTIONS": {
        "location": env.str("AUDIT_CHECKPOINT_LOCATION", default=str(VAR_DIR / "audit-checkpoints"))
        if _CHECKPOINT_BACKEND == _FILESYSTEM_STORAGE
        else env.str("AUDIT_CHECKPOINT_LOCATION", default="audit-checkpoints")
    },
}

# --- Cache (API throttles, login lockouts counted per process unless shared) ---------------------
# One process: local memory. Several web processes: CACHE_URL=redis://... so limits hold across them.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Content-Security-Policy (django-csp) ----------------------------------------------------------
# Scripts and style sheets only from Accord's own static files: no inline <script> or <style>, no
# eval (htmx runs with allowEval off, see base.html). Style *attributes* stay allowed: progress bars
# set their width that way; they cannot run code. A template that truly needs an inline script
# uses {{ request.csp_nonce }}. Violations can be reported to CSP_REPORT_URI when set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", default="") else {}),
    },
}

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The address people reach Accord at: e-mails carry absolute links built from it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Accord <accord@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
        # Named personal tokens (acc_…, the API tokens page) first, then DRF's own tokens.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.DefaultPagination",
    "PAGE_SIZE": ACCORD_PAGE_SIZE,
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # Per-client rate limits (the cache below counts); 429 with Retry-After beyond them.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="30/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord API",
    "DESCRIPTION": "Governed data sharing: datasets, access agreements and sanctioned training runs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema lists every endpoint: signed-in users (session or token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast/control messages too, or kombu writes a control/ folder into the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis redelivers a message no worker acknowledged after the visibility timeout (default one
    # hour). Matched to the task time limits: once a task's hard limit has passed, its message is
    # due again; sooner recovery from a killed worker comes from the reconcilers (below), which
    # re-send lost work idempotently. The gpu task outlives this timeout by design: its
    # redelivery is ignored by the run's claim (only a queued run is claimed).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=env.int("CELERY_TASK_TIME_LIMIT",
                                                                                   default=30 * 60) + 5 * 60),
        # A broker that went away is retried on publish, briefly: the outbox retries for longer.
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "retry_on_timeout": True,
    }
    # Kombu's transport, with the fix for a worker that stops with "Unrecoverable error" when the
    # broker goes away while it holds unacknowledged messages (reliability/redis_transport.py).
    CELERY_BROKER_TRANSPORT = "reliability.redis_transport:Transport"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5,
                                    "interval_max": 1}
# The django-db backend, retrying a result store that met a dropped connection (reliability/result_backend.py).
CELERY_RESULT_BACKEND = "reliability.result_backend:ResultBackend"
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = 5
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "django-cache"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("scrub"), Queue("gpu"))
CELERY_TASK_ROUTES = {
    "datasets_app.tasks.scrub_*": {"queue": "scrub"},
    "training.tasks.train_*": {"queue": "gpu"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Agreements past their end date stop being in force; warnings go out 14 days ahead.
    "expire-agreements": {"task": "agreements.tasks.expire_agreements", "schedule": crontab(minute="*/15")},
    # A run whose worker died is resumed or failed, never left running.
    # The ledger: a signed checkpoint of its head nightly, then an incremental verification.
    "checkpoint-audit-ledger": {"task": "audit.tasks.checkpoint_ledger", "schedule": crontab(hour=2, minute=55)},
    "verify-audit-ledger": {"task": "audit.tasks.verify_ledger", "schedule": crontab(hour=3, minute=0)},
    "reap-stale-runs": {"task": "training.tasks.reap_stale_runs", "schedule": 30.0},
    # Tasks written to the outbox while the broker was away are sent once it is back.
    "outbox-sweep": {"task": "reliability.tasks.outbox_sweep", "schedule": 30.0},
    # Uploads and scrubs whose messages were lost (broker restart, killed worker) are re-sent, or
    # failed with the reason after ACCORD_RECONCILE_MAX_ATTEMPTS re-sends without progress.
    "reconcile-scrubs": {"task": "datasets_app.tasks.reconcile_versions", "schedule": 30.0},
    # Queued runs whose message was lost are sent again (same task id: a duplicate is ignored).
    "resend-queued-runs": {"task": "training.tasks.resend_queued_runs", "schedule": 30.0},
}
# Reconcilers (issue 14): a scrub whose heartbeat is older than this, with nothing waiting in the scrub
# queue, has lost its messages and is re-sent; queued runs likewise on the gpu queue.
ACCORD_SCRUB_STALL_SECONDS = env.int("ACCORD_SCRUB_STALL_SECONDS", default=60)
ACCORD_RECONCILE_MAX_ATTEMPTS = env.int("ACCORD_RECONCILE_MAX_ATTEMPTS", default=5)
# A worker whose queues hold waiting messages while it has a free process and has received nothing
# for this long ends itself, for its process manager to restart (reliability/watchdog.py); 0: off.
ACCORD_WORKER_STALL_SECONDS = env.int("ACCORD_WORKER_STALL_SECONDS", default=120)
ACCORD_RUN_QUEUED_RESEND_SECONDS = env.int("ACCORD_RUN_QUEUED_RESEND_SECONDS", default=60)
# A queued run no gpu worker has started within this is failed with that reason.
ACCORD_RUN_QUEUE_DEADLINE = env.int("ACCORD_RUN_QUEUE_DEADLINE", default=24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
