"""A heartbeat that says "this worker process is alive", independent of how far its work has got.

Work that beats only from its own loop (a training step, a shard's progress) falls silent during
long phases that have no loop (loading a model, evaluating, writing a checkpoint), so the timeout
that declares it dead has to be longer than the longest such phase: minutes. A thread that beats
every few seconds while the work runs lets the reaper's timeout be short (a killed worker is
noticed in about a minute) without ever reaping a live one (issue 14).
"""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.db import connection

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def beating(beat: Callable[[], object], *, every: float, name: str = "heartbeat") -> Iterator[None]:
    """Call `beat()` every `every` seconds in a daemon thread while the block runs; `every <= 0` is off.

    The thread has its own database connection (Django's are per thread), closed when it stops. A
    beat that fails (database away for a moment) is logged and the next one tried: the work itself
    decides what a lost database means."""
    if every <= 0:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat()
                except Exception as exc:  # noqa: BLE001 - a missed beat is not the work's failure
                    logger.warning("%s: beat failed: %s", name, exc)
                    connection.close()  # the next beat opens a fresh connection
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
