"""Settings for the test suite: the real settings, with a throwaway var/ and eager tasks.

DATABASE_URL and CELERY_BROKER_URL still come from the environment (PostgreSQL and Redis in CI).
Tests that prove the Celery wiring turn eager mode off and run a real worker process.
"""
import os
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("ACCORD_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Eager tasks run inside the test's transaction, where a heartbeat thread's own connection would wait on
# its lock (SQLite): off, except for the real workers of the fault suite, which set it.
os.environ.setdefault("ACCORD_RUN_HEARTBEAT_SECONDS", "0")
# The ledger is keyed (G8): tests carry their own throwaway key, so they need no extra environment.
os.environ.setdefault("AUDIT_HMAC_KEY", "test-audit-key-not-for-production")
os.environ.setdefault("AUDIT_HMAC_KEY_ID", "test")
# API throttles stay on, but high enough that no functional test trips them (their own tests tighten them).
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing folder
# No persistent connections in tests: threads (live server, concurrent writers) must not keep the test DB open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The audit trigger refuses TRUNCATE unless the session says otherwise; Django flushes the
    # test database with TRUNCATE between transactional tests, so test sessions say otherwise.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c accord.audit_truncate=allow"  # noqa: F405
