"""What the broker holds: how many messages wait in a queue (for the reconcilers and /readyz)."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def queue_depth(queue: str) -> int | None:
    """Messages waiting (not yet taken by a worker) in `queue`; None when the broker cannot say.

    A reconciler re-sends lost work only when nothing waits in its queue: waiting work is late,
    not lost, and re-sending it would only pile up duplicates behind it."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return 0
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel = conn.default_channel
            # Declaring is idempotent (workers declare the same queue) and answers its depth.
            return int(channel.queue_declare(queue=queue, passive=False, durable=True, auto_delete=False).message_count)
    except Exception as exc:  # queue never declared, broker down
        logger.info("queue depth of %s unknown: %s", queue, exc)
        return None


def ping(timeout: float = 2.0, url: str | None = None) -> None:
    """Raise unless the broker (the configured one, or `url`) accepts a connection."""
    from celery import current_app

    with current_app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
