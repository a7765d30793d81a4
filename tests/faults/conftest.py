"""The fault suite (issue 14): real workers on a private Redis that the tests kill and restart, the
test database whose connections they terminate. Beat is played by the test itself: it calls the
reconcilers and the outbox sweeper every second, as beat would every 30 s (shorter stall times
here, so each test finishes in CI time; the production defaults recover in under two minutes)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, _database_url_for_tests, _stop_process_group, point_storages_at, reset_storages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, without persistence: killing it loses every message."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.kill()


def _point_app_at(url: str, transport_options: dict) -> None:
    from config.celery import app

    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.broker_transport_options = transport_options
    app._pool = None  # the connection pools are built from the URL on first use
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@pytest.fixture
def fault_env(transactional_db, private_redis, tmp_path, settings, monkeypatch):
    """The test process and its workers on the private Redis, the same storage folders, small shards
    and short stall times."""
    from config.celery import app

    point_storages_at(settings, tmp_path)
    settings.ACCORD_SCRUB_SHARD_ROWS = 2
    settings.ACCORD_SCRUB_STALL_SECONDS = 5
    settings.ACCORD_RECONCILE_MAX_ATTEMPTS = 20
    settings.ACCORD_RUN_HEARTBEAT_TIMEOUT = 10
    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}), app.conf.task_always_eager)
    app.conf.task_always_eager = False
    # Redis's default one-hour visibility timeout in the test process: recovery must come from the
    # reconciler, not from redelivery.
    _point_app_at(private_redis.url, {})
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_tests(),
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_URL": private_redis.url,
        "ACCORD_VAR_DIR": os.environ["ACCORD_VAR_DIR"],
        "MEDIA_ROOT": str(tmp_path / "media"),
        "QUARANTINE_ROOT": str(tmp_path / "quarantine"),
        "ACCORD_SCRUB_SHARD_ROWS": "2",
        # A gpu worker's own thread beats every second; the reaper (in this process) declares a run
        # silent for ACCORD_RUN_HEARTBEAT_TIMEOUT dead: seconds here, a minute in production.
        "ACCORD_RUN_HEARTBEAT_SECONDS": "1",
        # SIGABRT makes every worker process write the stack of each of its threads into its log:
        # how a worker that stays alive but consumes nothing is diagnosed (`dump_stacks`).
        "PYTHONFAULTHANDLER": "1",
        # A worker alive but not consuming ends itself after this (two minutes in production).
        "ACCORD_WORKER_STALL_SECONDS": "20",
    }
    workers: list[subprocess.Popen] = []

    def start_worker(name: str = "w1") -> subprocess.Popen:
        log_path = tmp_path / f"worker-{name}-{len(workers)}.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,scrub,gpu",
                 "--concurrency", "2", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"fault-{name}-{os.getpid()}-{len(workers)}@%h"],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = log_path  # type: ignore[attr-defined]
        workers.append(proc)
        deadline = time.monotonic() + 90
        while "ready." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        return proc

    killed: set[int] = set()

    def kill_worker(proc: subprocess.Popen, *, restarted_by_supervisor: bool = False) -> None:
        """kill -9 the main process and its pool children at once (a machine lost, not a shutdown).
        `restarted_by_supervisor`: the process manager (`supervise`) starts its replacement."""
        if not restarted_by_supervisor:
            killed.add(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def supervise() -> None:
        """What systemd's Restart=always (or Kubernetes) does: a worker that exited on its own is started
        again. Celery's redis transport can end a worker with "Unrecoverable error" while it restores
        unacknowledged messages after a broker restart; recovery relies on the restart."""
        for proc in list(workers):
            if proc.pid not in killed and proc.poll() is not None:
                killed.add(proc.pid)  # handled: its replacement is supervised from now on
                print(f"supervisor: worker {proc.pid} exited ({proc.returncode}); starting another")
                start_worker("restarted")

    def dump_stacks() -> None:
        """Every live worker (main process and pool children) writes its threads' stacks to its log."""
        for proc in workers:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGABRT)
        time.sleep(2)

    class Env:
        pass

    fault = Env()
    fault.redis = private_redis
    fault.start_worker = start_worker
    fault.kill_worker = kill_worker
    fault.supervise = supervise
    fault.dump_stacks = dump_stacks
    fault.point_app_at = lambda: _point_app_at(private_redis.url, {})
    try:
        yield fault
    finally:
        for proc in workers:
            if proc.poll() is None:
                _stop_process_group(proc)
            lines = [line for line in proc.log_path.read_text().splitlines() if "MainProcess" in line or "ERROR" in line]
            print(f"--- {proc.log_path.name} ---\n" + "\n".join(lines[-60:]))
        app.conf.broker_url, transport, app.conf.task_always_eager = previous
        _point_app_at(previous[0], transport)
        reset_storages()


def play_beat_until(predicate, *, timeout: float, interval: float = 1.0, supervise=None, on_timeout=None):
    """Run what beat runs (outbox sweep, scrub reconciler, run reaper, queued-run re-send) until `predicate()`;
    `supervise` (the fault env's) restarts workers that exited on their own, as a process manager does."""
    from django.db import close_old_connections

    from datasets_app.reconciler import versions_reconcile
    from reliability.outbox import sweep
    from training.services.reaper import training_runs_reap_stale, training_runs_resend_queued

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if supervise is not None:
            supervise()
        for step in (sweep, versions_reconcile, training_runs_reap_stale, training_runs_resend_queued):
            try:
                step()
            except Exception:  # beat carries on when one run of a task fails (broker still away)
                pass
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    if on_timeout is not None:
        on_timeout()
    raise AssertionError(f"not recovered within {timeout}s")


def assert_ledger_intact() -> None:
    from django.core.management import call_command

    call_command("audit_verify")  # raises CommandError naming the first bad event



def pytest_collection_modifyitems(config, items):
    """pg_terminate_backend is PostgreSQL's: on the embedded SQLite run that fault does not exist."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if "postgres_only" not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if "postgres_only" in item.keywords])
        items[:] = kept
