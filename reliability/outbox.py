"""The task outbox (issue 14): a service writes the task it needs as a row in its own transaction;
the row is sent once the transaction commits, and again by the sweeper until the broker takes it.

So an upload, a scrub start or a launch either commits with its task bound to be delivered, or
rolls back with no task; a broker outage never turns a committed change into a 500 or a lost
message. django-celery-outbox was considered: it swaps the Celery app for one that stores every
send (chords and beat included) and needs SELECT ... SKIP LOCKED and a relay daemon, which the
embedded SQLite runtime and the eager test mode do not have; this table is the small subset we need.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from reliability.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(minutes=5)
SWEEP_BATCH = 200


def enqueue(task, *, args: Sequence = (), kwargs: dict | None = None, task_id: str = "") -> OutboxMessage:
    """Record `task(*args, **kwargs)` in the caller's transaction; it is sent after commit."""
    message = OutboxMessage.objects.create(
        task_name=task.name, args=list(args), kwargs=dict(kwargs or {}), task_id=task_id or "",
        next_attempt_at=timezone.now(),
    )
    message_id = message.pk
    transaction.on_commit(lambda: dispatch([message_id]), robust=True)
    return message


def _send(message: OutboxMessage) -> None:
    from celery import current_app

    task = current_app.tasks.get(message.task_name)
    options = {"task_id": message.task_id} if message.task_id else {}
    if message.kwargs:
        options["kwargs"] = message.kwargs
    if task is not None:  # apply_async: routes, and eager mode in tests and the embedded runtime
        task.apply_async(args=message.args, **options)
    else:
        current_app.send_task(message.task_name, args=message.args, **options)


def _backoff(attempts: int) -> dt.timedelta:
    return min(MAX_BACKOFF, dt.timedelta(seconds=2 ** min(attempts, 10)))


def dispatch(message_ids: Iterable[int]) -> int:
    """Send these messages if still pending; a failed send is recorded and retried later. Never
    raises for a broker problem (the caller's change is committed; the sweeper carries on)."""
    from celery import current_app

    sent = 0
    for message_id in message_ids:
        if current_app.conf.task_always_eager:
            # Eager: "sending" runs the task here, outside our transaction (its own commits are
            # its own); its errors are the caller's to see.
            with transaction.atomic():
                message = (OutboxMessage.objects.select_for_update()
                           .filter(pk=message_id, sent_at__isnull=True).first())
                if message is None:
                    continue
                message.attempts += 1
                message.sent_at = timezone.now()
                message.save(update_fields=["attempts", "sent_at"])
            _send(message)
            sent += 1
            continue
        with transaction.atomic():
            message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                       .filter(pk=message_id, sent_at__isnull=True).first())
            if message is None:
                continue  # sent already, or another dispatcher holds it
            message.attempts += 1
            try:
                _send(message)
            except Exception as exc:  # the broker is away: keep the row, try again later
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.next_attempt_at = timezone.now() + _backoff(message.attempts)
                message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                logger.warning("outbox: sending %s failed (attempt %s): %s", message.task_name,
                               message.attempts, message.last_error)
                continue
            message.sent_at = timezone.now()
            message.save(update_fields=["attempts", "sent_at"])
            sent += 1
    return sent


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send what is due (the sweeper task, every 30 s); sent rows older than a day are removed."""
    now = now or timezone.now()
    due = list(OutboxMessage.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
               .order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    sent = dispatch(due)
    removed, _ = OutboxMessage.objects.filter(sent_at__lt=now - dt.timedelta(days=1)).delete()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    return {"due": len(due), "sent": sent, "pending": pending, "removed": removed}


def pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
