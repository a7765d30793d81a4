"""The reaper: runs whose worker stopped beating are resumed from their checkpoint, or failed."""
from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from training.models import RunState, TrainingRun
from training.services.runs import (
    enqueue_run, heartbeat_timeout, locked_active, max_attempts, state_of, training_run_end,
)


def training_runs_reap_stale(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Runs whose worker stopped beating are resumed from their checkpoint, or failed after N tries."""
    now = now or timezone.now()
    cutoff = now - heartbeat_timeout()
    stale_ids = list(
        TrainingRun.objects.filter(state__in=[RunState.AUTHORIZING, RunState.RUNNING], heartbeat_at__lt=cutoff)
        .values_list("pk", flat=True)
    ) + list(
        TrainingRun.objects.filter(state__in=[RunState.AUTHORIZING, RunState.RUNNING], heartbeat_at__isnull=True,
                                   updated_at__lt=cutoff).values_list("pk", flat=True)
    )
    outcome: dict[str, list[int]] = {"requeued": [], "failed": []}
    for run_id in stale_ids:
        result = _reap_one(run_id, cutoff)
        if result:
            outcome[result].append(run_id)
    return outcome


@transaction.atomic
def _reap_one(run_id: int, cutoff: dt.datetime) -> str | None:
    run = locked_active(run_id)
    if run is None or run.state == RunState.QUEUED or (run.heartbeat_at and run.heartbeat_at >= cutoff):
        return None  # it moved on, or beat again, while we looked
    silent_since = run.heartbeat_at.isoformat() if run.heartbeat_at else "never"
    if run.attempts >= max_attempts():
        training_run_end(
            run_id=run_id, outcome=RunState.FAILED,
            reason=(f"The worker stopped reporting (last heartbeat {silent_since}) and the run already had "
                    f"{run.attempts} attempt(s); giving up."),
        )
        return "failed"
    before = state_of(run)
    run.requeue()
    run.celery_task_id = str(uuid.uuid4())
    run.save()
    record_event(actor=None, action="training_run.requeued", target=run, before=before, after=state_of(run),
                 metadata={"last_heartbeat": silent_since, "attempts": run.attempts})
    enqueue_run(run_id, run.celery_task_id)
    return "requeued"
