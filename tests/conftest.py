"""Fixtures shared by the whole suite: people in each role, API clients, a real Celery worker."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.accounts.factories import OrganizationFactory, UserFactory

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def audit_checkpoints_folder(settings, tmp_path):
    """Each test anchors the ledger in a folder of its own: a checkpoint left by an earlier test
    (whose database has since been flushed) would rightly make this test's ledger look truncated."""
    location = tmp_path / "audit-checkpoints"
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_checkpoints": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                              "OPTIONS": {"location": str(location)}},
    }
    reset_storages()
    yield location
    reset_storages()


@pytest.fixture
def make_user(db):
    def make(*roles: Role, organization=None, **kwargs):
        if organization is not None:
            kwargs["organization"] = organization
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def university(db):
    return OrganizationFactory(name="Test University", kind="academic", country="GB")


@pytest.fixture
def company(db):
    return OrganizationFactory(name="Test Company", kind="industry", country="DE")


@pytest.fixture
def contributor(make_user, company):
    return make_user(Role.CONTRIBUTOR, organization=company, username="steward")


@pytest.fixture
def researcher(make_user, university):
    return make_user(Role.RESEARCHER, organization=university, username="researcher")


@pytest.fixture
def legal(make_user, company):
    return make_user(Role.LEGAL, organization=company, username="legal")


@pytest.fixture
def ml_admin(make_user, university):
    return make_user(Role.ADMIN, organization=university, username="mlops")


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, organization=None, username="auditor")


@pytest.fixture
def api_client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def point_storages_at(settings, root: Path) -> None:
    """Default and quarantine storage under `root`; call `reset_storages()` when done.

    Django caches storage instances, so the cache is cleared for the new settings to apply.
    """

    settings.MEDIA_ROOT = root / "media"
    settings.QUARANTINE_ROOT = root / "quarantine"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(root / "media")}},
        "quarantine": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                       "OPTIONS": {"location": str(root / "quarantine")}},
    }
    reset_storages()


def reset_storages() -> None:
    from django.core.files.storage import storages

    storages._storages = {}


def _database_url_for_tests() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery worker` process on the configured broker and the test database.

    Tasks sent while it runs go through the broker (not eager mode), so the wiring is proven.
    """
    from config.celery import app

    env = os.environ.copy()
    env.update(
        DATABASE_URL=_database_url_for_tests(),
        DJANGO_SETTINGS_MODULE="config.test_settings",
        CELERY_TASK_ALWAYS_EAGER="0",
        CELERY_BROKER_URL=django_settings.CELERY_BROKER_URL,
        ACCORD_VAR_DIR=os.environ["ACCORD_VAR_DIR"],
        AUDIT_CHECKPOINT_LOCATION=django_settings.STORAGES["audit_checkpoints"]["OPTIONS"]["location"],
    )
    log_path = tmp_path / "worker.log"
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,scrub,gpu",
             "--concurrency", "2", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{os.getpid()}@%h"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown reaches the pool children too
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        proc.log_path = log_path  # type: ignore[attr-defined]
        yield proc
    finally:
        app.conf.task_always_eager = previous_eager
        _stop_process_group(proc)
        app.control.purge()  # nothing a failed test sent may reach a later test's worker


def _stop_process_group(proc: subprocess.Popen) -> None:
    """Warm shutdown, then make sure no pool child outlives the test holding a database session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.25, message: str = "condition"):
    """Poll until `predicate()` is truthy; for tests that watch a real worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")
