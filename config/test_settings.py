"""Settings for the test suite: the real settings, with a throwaway var/ and eager tasks.

DATABASE_URL and CELERY_BROKER_URL still come from the environment (PostgreSQL and Redis in CI).
Tests that prove the Celery wiring turn eager mode off and run a real worker process.
"""
import os
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("ACCORD_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing folder
# No persistent connections in tests: threads (live server, concurrent writers) must not keep the test DB open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
