"""What every part of training/services shares: the admin check, row locking, the task seam, and
THE one run-ending transition (cancel, revoke, expire, fail, deny all end a run through it)."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from accounts.rules import is_admin
from audit.services import record_event
from config.exceptions import forbidden
from config.redaction import without_server_paths
from training.models import RunState, TrainingRun
from training.tasks import train_run

# outcome -> (guarded transition on TrainingRun, audit action)
_ENDINGS = {
    RunState.CANCELLED: ("cancel", "training_run.cancelled"),
    RunState.FAILED: ("fail", "training_run.failed"),
    RunState.DENIED: ("deny", "training_run.denied"),
}
MAX_REASON_CHARS = 5000


def require_admin(actor, action: str) -> None:
    if not is_admin(actor):
        raise forbidden(f"Only admins (ML ops) may {action}.")


def state_of(run: TrainingRun) -> dict[str, Any]:
    return {"state": run.state}


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "ACCORD_RUN_HEARTBEAT_TIMEOUT", 60))


def heartbeat_every() -> float:
    """How often a gpu worker's own thread beats for the run it works on (0: only its training loop beats)."""
    return float(getattr(settings, "ACCORD_RUN_HEARTBEAT_SECONDS", 10))


def max_attempts() -> int:
    return getattr(settings, "ACCORD_RUN_MAX_ATTEMPTS", 3)


def new_run_dir(run_id: int) -> str:
    # A random suffix: ids restart when a database is rebuilt, checkpoints on disk must not be reused.
    return str(Path(settings.ACCORD_RUNS_ROOT) / f"run-{run_id}-{uuid.uuid4().hex[:8]}")


def locked_active(run_id: int) -> TrainingRun | None:
    run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
    return run if run is not None and run.is_active else None


def enqueue_run(run_id: int, task_id: str) -> None:
    """The task seam: the imported task, written to the outbox in the caller's transaction and
    handed over once it commits, again until the broker takes it (issue 14): a launch during a
    broker outage is a queued run that starts when the broker is back, never a 500."""
    from reliability import outbox

    outbox.enqueue(train_run, args=[run_id], task_id=task_id or "")


@transaction.atomic
def training_run_end(
    *,
    run_id: int,
    outcome: str,
    reason: str | list[str],
    actor=None,
    cancelled_by=None,
    keep_reason: bool = False,
    metadata: dict[str, Any] | None = None,
) -> TrainingRun | None:
    """End an active run (cancelled, failed or denied) with its reason and one audit event.

    Returns None, changing nothing, when the run is no longer active or the transition does not
    apply (a running run is not denied): whoever ended it first wrote why. `keep_reason`: an
    earlier recorded reason (a cancel that raced the trainer's own stop) wins.
    """
    run = locked_active(run_id)
    if run is None:
        return None
    method, action = _ENDINGS[outcome]
    transition = getattr(run, method)
    if not can_proceed(transition):  # e.g. deny on a running run
        return None
    before = state_of(run)
    transition()
    if outcome == RunState.DENIED:
        reasons = list(reason) if isinstance(reason, list | tuple) else [str(reason)]
        run.denial_reasons = [without_server_paths(str(r)) for r in reasons]
        shown = "; ".join(run.denial_reasons)
    elif outcome == RunState.FAILED:
        run.failure_reason = without_server_paths(str(reason))[:MAX_REASON_CHARS]
        shown = run.failure_reason
    else:
        run.cancel_reason = (run.cancel_reason if keep_reason and run.cancel_reason else str(reason))
        if cancelled_by is not None:
            run.cancelled_by = cancelled_by
        shown = run.cancel_reason
    run.finished_at = timezone.now()
    run.save()
    after = state_of(run) if outcome == RunState.DENIED else {**state_of(run), "reason": shown}
    record_event(actor=actor, action=action, target=run, before=before, after=after, metadata=metadata or {})
    return run
