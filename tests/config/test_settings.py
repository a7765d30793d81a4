"""Settings come from the environment; production-like variables give a clean `check --deploy`."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(args, env_extra, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env_extra,
    }
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


SETUP = ["-c", "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"]


def test_secret_key_is_required_unless_debug(tmp_path):
    refused = _run(SETUP, {}, tmp_path)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "Set SECRET_KEY" in refused.stderr

    debug = _run(SETUP, {"DJANGO_DEBUG": "1"}, tmp_path)
    assert debug.returncode == 0, debug.stderr
    assert "DEBUG True" in debug.stdout

    production = _run(SETUP, {"SECRET_KEY": secrets.token_urlsafe(50)}, tmp_path)
    assert production.returncode == 0, production.stderr
    assert "DEBUG False" in production.stdout


def test_check_deploy_is_clean_with_production_like_variables(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "accord.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "AUDIT_HMAC_KEY": secrets.token_hex(32),
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_secure_settings(tmp_path):
    """The clean check above is earned by the settings, not by a check that never fires."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {"DJANGO_DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "accord.example.org",
         "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"},
        tmp_path,
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W009" in result.stderr
    assert "audit.E001" in result.stderr  # G8: no ledger key in the environment


def test_embedded_default_is_sqlite_in_wal_mode_under_var(tmp_path):
    code = ("import django; django.setup(); from django.db import connection; c = connection.cursor(); "
            "c.execute('PRAGMA journal_mode'); print(connection.vendor, c.fetchone()[0], connection.settings_dict['NAME'])")
    result = _run(["-c", code], {"DJANGO_DEBUG": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    vendor, mode, name = result.stdout.split()
    assert (vendor, mode) == ("sqlite", "wal")
    assert name == str(tmp_path / "var" / "accord.sqlite3")


def test_embedded_default_broker_is_the_filesystem_under_var(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])")
    result = _run(["-c", code], {"DJANGO_DEBUG": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["filesystem://", str(tmp_path / "var" / "broker" / "out")]


def test_database_and_broker_come_from_the_environment(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
            "print(d['ENGINE'], d['NAME'], d['HOST'], d['ATOMIC_REQUESTS'], s.CELERY_BROKER_URL)")
    result = _run(["-c", code], {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u:p@db.internal:5432/accord",
                                 "CELERY_BROKER_URL": "redis://cache.internal:6379/0"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "accord", "db.internal", "True", "redis://cache.internal:6379/0",
    ]


def test_requests_are_atomic_and_tests_use_a_separate_var_dir():
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
    assert settings.MEDIA_ROOT != settings.BASE_DIR / "var" / "media"


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_wsgi_and_asgi_entry_points_load(module):
    import importlib

    application = importlib.import_module(module).application
    assert callable(application)
