"""A worker that stays alive but no longer consumes ends itself, so its process manager starts a
fresh one (issue 14).

After a broker restart a Celery worker can keep running and answering while its consumer never
takes another message (kombu/celery have fixed several such races and more keep turning up). The
reconcilers re-send lost work, but re-sent work waits behind a wedged consumer forever. This thread,
in each worker's main process, notices: messages wait in a queue the worker was started for, it
has a free process, and it has received nothing for ACCORD_WORKER_STALL_SECONDS. Then it kills its
pool and itself at once, which is the fault the suite already recovers from (kill -9): late
acknowledgement and the reconcilers bring the work back, and the manager restarts the worker.
It stops watching when the worker starts shutting down (a warm shutdown stops consuming on purpose).
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

from celery.signals import task_received, worker_ready, worker_shutting_down

logger = logging.getLogger(__name__)

_last_received = time.monotonic()
_stop = threading.Event()


def wedged(*, waiting: int | None, reserved: int, concurrency: int, silent_for: float, limit: float) -> bool:
    """Work waits (the broker answered), a process is free, and nothing came for `limit` seconds."""
    return bool(limit > 0 and waiting and reserved < concurrency and silent_for >= limit)


def _on_received(**_kwargs) -> None:
    global _last_received
    _last_received = time.monotonic()


def _watch(consumer, queues: list[str], limit: float) -> None:
    from celery.worker import state

    from reliability.broker import queue_depth

    while not _stop.wait(max(1.0, limit / 4)):
        try:
            depths = [queue_depth(queue) for queue in queues]
            waiting = None if any(depth is None for depth in depths) else sum(depths)
            reserved = len(state.reserved_requests)
            concurrency = consumer.controller.concurrency or 1
            silent_for = time.monotonic() - _last_received
            if _stop.is_set() or not wedged(waiting=waiting, reserved=reserved, concurrency=concurrency,
                                            silent_for=silent_for, limit=limit):
                continue
            logger.critical(
                "worker watchdog: %s message(s) wait in %s, %d of %d processes are free and nothing was "
                "received for %.0f s: the consumer is wedged; stopping this worker so that its process "
                "manager starts a fresh one", waiting, ", ".join(queues), concurrency - reserved, concurrency,
                silent_for)
            for pid in (consumer.pool.info or {}).get("processes", []):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os._exit(75)  # EX_TEMPFAIL: a manager's Restart=on-failure starts it again
        except Exception:  # noqa: BLE001 - the watchdog never takes a healthy worker down with it
            logger.exception("worker watchdog: check failed")


def _on_worker_ready(sender=None, **_kwargs) -> None:
    from django.conf import settings

    limit = float(getattr(settings, "ACCORD_WORKER_STALL_SECONDS", 120))
    if sender is None or limit <= 0:
        return
    queues = sorted(sender.app.amqp.queues.consume_from)
    _on_received()
    _stop.clear()
    threading.Thread(target=_watch, args=(sender, queues, limit), name="worker-watchdog", daemon=True).start()


def _on_shutting_down(**_kwargs) -> None:
    _stop.set()


def connect() -> None:
    task_received.connect(_on_received, dispatch_uid="reliability.watchdog.received", weak=False)
    worker_ready.connect(_on_worker_ready, dispatch_uid="reliability.watchdog.ready", weak=False)
    worker_shutting_down.connect(_on_shutting_down, dispatch_uid="reliability.watchdog.shutdown", weak=False)
