"""The reaper: runs whose worker stopped beating are resumed from their checkpoint, or failed; and
queued runs whose message was lost are sent again (or failed past their deadline)."""
from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
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


def runs_in_progress(now: dt.datetime):
    """The operations page's rows (reliability.operations): queued runs, and runs a worker holds and
    whether they still beat (the reaper's own rule)."""
    from reliability.operations import WorkSummary

    held = TrainingRun.objects.filter(state__in=[RunState.AUTHORIZING, RunState.RUNNING])
    queued = TrainingRun.objects.filter(state=RunState.QUEUED)
    resend_after = getattr(settings, "ACCORD_RUN_QUEUED_RESEND_SECONDS", 60)
    return [
        WorkSummary(label="Training runs on a gpu worker", in_progress=held.count(),
                    silent=held.filter(heartbeat_at__lt=now - heartbeat_timeout()).count(),
                    silent_after=f"{int(heartbeat_timeout().total_seconds())} s"),
        WorkSummary(label="Training runs queued", in_progress=queued.count(),
                    silent=queued.filter(updated_at__lt=now - dt.timedelta(seconds=resend_after)).count(),
                    silent_after=f"{resend_after} s"),
    ]


GPU_QUEUE = "gpu"


def training_runs_resend_queued(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Queued runs no worker has claimed (issue 14). A queued run has no worker to beat for it, so
    its deadlines are its age: silent for ACCORD_RUN_QUEUED_RESEND_SECONDS with nothing waiting in
    the gpu queue, its message was lost (a broker restarted without persistence) and it is sent
    again with the same task id (a duplicate is harmless: only a queued run is claimed); older than
    ACCORD_RUN_QUEUE_DEADLINE, it fails with that reason."""
    from reliability.broker import queue_depth

    now = now or timezone.now()
    outcome: dict[str, list[int]] = {"resent": [], "failed": []}
    deadline = now - dt.timedelta(seconds=getattr(settings, "ACCORD_RUN_QUEUE_DEADLINE", 24 * 3600))
    for run_id in TrainingRun.objects.filter(state=RunState.QUEUED, created_at__lt=deadline).values_list("pk", flat=True):
        ended = training_run_end(
            run_id=run_id, outcome=RunState.FAILED,
            reason=(f"No gpu worker started this run within {settings.ACCORD_RUN_QUEUE_DEADLINE // 3600} h of its "
                    "launch; launch it again once a gpu worker is running."),
        )
        if ended is not None:
            outcome["failed"].append(run_id)
    cutoff = now - dt.timedelta(seconds=getattr(settings, "ACCORD_RUN_QUEUED_RESEND_SECONDS", 60))
    silent = list(TrainingRun.objects.filter(state=RunState.QUEUED, updated_at__lt=cutoff).values_list("pk", flat=True))
    if silent and queue_depth(GPU_QUEUE) == 0:  # waiting messages are late, not lost; a dead broker can't be asked
        for run_id in silent:
            if _resend_one(run_id, cutoff):
                outcome["resent"].append(run_id)
    return outcome


@transaction.atomic
def _resend_one(run_id: int, cutoff: dt.datetime) -> bool:
    run = TrainingRun.objects.select_for_update().filter(pk=run_id, state=RunState.QUEUED,
                                                         updated_at__lt=cutoff).first()
    if run is None:
        return False
    TrainingRun.objects.filter(pk=run_id).update(updated_at=timezone.now())  # the next re-send waits again
    enqueue_run(run_id, run.celery_task_id)
    return True
