"""The operations page's reads (issue 14): queue depths, the workers that answer, the outbox backlog,
and work that has gone quiet. Read-only, for ML ops.

Why a page of our own instead of Flower: Flower is a second web server with its own login (basic
auth or OAuth through an outside provider, which the offline deployment cannot reach), it needs
task events switched on in every worker, and it can shut workers down and revoke tasks, so it would
need a proxy that filters its actions. What it would show here comes from maintained APIs we
already use: Celery's remote-control `inspect()` (what Flower itself calls) for workers, the
broker for queue depths, and our own tables for the outbox and the heartbeats.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone

from reliability.broker import ping, queue_depth
from reliability.models import OutboxMessage

logger = logging.getLogger(__name__)

QUEUES = ("default", "scrub", "gpu")
INSPECT_TIMEOUT = 1.0  # seconds the page waits for workers to answer


@dataclass(frozen=True)
class WorkSummary:
    """A row of the "work in progress" table, from an app above this one (a registered hook)."""

    label: str
    in_progress: int
    silent: int  # in progress, but its heartbeat is older than the app's own stall limit
    silent_after: str  # the limit, as a person reads it


Summary = Callable[[dt.datetime], "WorkSummary | list[WorkSummary]"]
_work_summaries: list[tuple[str, Summary]] = []


def register_work_summary(name: str, summary: Summary) -> None:
    """datasets_app and training report their in-progress work without this layer importing them."""
    if name not in dict(_work_summaries):
        _work_summaries.append((name, summary))


@dataclass
class Worker:
    name: str
    queues: list[str] = field(default_factory=list)
    concurrency: int | None = None
    active: list[str] = field(default_factory=list)  # task names, never arguments (they may name rows)
    reserved: int = 0
    uptime_seconds: int | None = None


@dataclass
class Overview:
    queues: list[tuple[str, int | None]]
    workers: list[Worker] | None  # None: the broker could not be asked
    outbox_pending: int
    outbox_oldest: dt.datetime | None
    outbox_last_error: str
    work: list[WorkSummary]


def workers_answering(timeout: float = INSPECT_TIMEOUT) -> list[Worker] | None:
    """The workers that answer a remote-control broadcast within `timeout`; None if the broker is away."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return []
    try:
        ping(timeout=2.0)  # a broadcast to a dead broker would retry for minutes: ask once first
        inspect = current_app.control.inspect(timeout=timeout)
        stats = inspect.stats() or {}
        active = inspect.active() or {}
        reserved = inspect.reserved() or {}
        queues = inspect.active_queues() or {}
    except Exception as exc:  # broker down: the page says so instead of failing
        logger.info("operations page: inspecting workers failed: %s", exc)
        return None
    workers = []
    for name in sorted(set(stats) | set(active) | set(queues)):
        info = stats.get(name) or {}
        workers.append(Worker(
            name=name,
            queues=sorted(q.get("name", "") for q in queues.get(name) or []),
            concurrency=(info.get("pool") or {}).get("max-concurrency"),
            active=[task.get("name", "?") for task in active.get(name) or []],
            reserved=len(reserved.get(name) or []),
            uptime_seconds=info.get("uptime"),
        ))
    return workers


def operations_overview(*, now: dt.datetime | None = None) -> Overview:
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    last_failed = pending.exclude(last_error="").order_by("-next_attempt_at").values_list("last_error", flat=True)
    work = []
    for name, summary in _work_summaries:
        try:
            rows = summary(now)
            work.extend(rows if isinstance(rows, list) else [rows])
        except Exception:  # one app's summary failing leaves the rest of the page standing
            logger.exception("operations page: work summary %s failed", name)
    return Overview(
        queues=[(queue, queue_depth(queue)) for queue in QUEUES],
        workers=workers_answering(),
        outbox_pending=pending.count(),
        outbox_oldest=pending.aggregate(oldest=Min("created_at"))["oldest"],
        outbox_last_error=(last_failed.first() or "")[:300],
        work=work,
    )

