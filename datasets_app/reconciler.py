"""The scrub reconciler (issue 14): no upload or scrub stays stuck when its messages are lost.

Every unit of work on a version beats (`services.beat`: the inspection, the split, each shard's
progress, the merge). Beat runs `versions_reconcile` every 30 s. A version that is being validated
or scrubbed, whose heartbeat is older than ACCORD_SCRUB_STALL_SECONDS while nothing waits in the
scrub queue, has lost its messages (a killed worker, a broker restarted without persistence): its
task is sent again through the outbox. Re-sending is safe because every scrub task is idempotent:
the inspection records once, a resumed scrub keeps its split and its finished shards and sends
only the missing ones, a finished shard is not redone, the merge records only the live attempt.
After ACCORD_RECONCILE_MAX_ATTEMPTS re-sends with no heartbeat in between, the version fails with
that reason. While the broker cannot be asked (it is down), nothing is counted against a version.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from datasets_app import tasks
from datasets_app.models import DatasetVersion
from reliability import outbox
from reliability.broker import queue_depth

logger = logging.getLogger(__name__)
Status = DatasetVersion.Status
SCRUB_QUEUE = "scrub"


def stalled_versions(*, now: dt.datetime):
    cutoff = now - dt.timedelta(seconds=settings.ACCORD_SCRUB_STALL_SECONDS)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    working = Q(status=Status.SCRUBBING) | Q(status=Status.UPLOADED, inspected_at__isnull=True)
    return DatasetVersion.objects.filter(working & silent)


def scrubs_in_progress(now: dt.datetime):
    """The operations page's row (reliability.operations): versions being validated or scrubbed, and
    how many of them have gone quiet (the reconciler's own rule)."""
    from reliability.operations import WorkSummary

    working = Q(status=Status.SCRUBBING) | Q(status=Status.UPLOADED, inspected_at__isnull=True)
    return WorkSummary(label="Dataset versions being validated or scrubbed",
                       in_progress=DatasetVersion.objects.filter(working).count(),
                       silent=stalled_versions(now=now).count(),
                       silent_after=f"{settings.ACCORD_SCRUB_STALL_SECONDS} s")


def versions_reconcile(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    stalled = list(stalled_versions(now=now).values_list("pk", flat=True))
    outcome: dict = {"resent": [], "failed": []}
    if not stalled:
        return outcome
    waiting = queue_depth(SCRUB_QUEUE)
    if waiting is None or waiting > 0:
        # Broker away: re-sending would only queue in the outbox and count against the versions.
        # Work waiting in the queue: late behind other work, not lost.
        outcome["skipped"] = "broker unreachable" if waiting is None else f"{waiting} message(s) waiting"
        return outcome
    for version_id in stalled:
        result = _reconcile_one(version_id, now)
        if result:
            outcome[result].append(version_id)
    if outcome["resent"] or outcome["failed"]:
        logger.warning("scrub reconciler: %s", outcome)
    return outcome


@transaction.atomic
def _reconcile_one(version_id: int, now: dt.datetime) -> str | None:
    version = DatasetVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None or not stalled_versions(now=now).filter(pk=version_id).exists():
        return None  # it moved on, or beat again, while we looked
    inspecting = version.status == Status.UPLOADED
    silent_since = (version.heartbeat_at or version.created_at).isoformat(timespec="seconds")
    if version.reconcile_attempts >= settings.ACCORD_RECONCILE_MAX_ATTEMPTS:
        from datasets_app.services import version_fail

        what = "validating the upload" if inspecting else "scrubbing"
        version_fail(
            version_id=version_id, attempt=None if inspecting else version.scrub_attempt,
            reason=(f"No worker made progress {what} since {silent_since}: the work was sent again "
                    f"{version.reconcile_attempts} times and no worker took it (are the scrub workers "
                    "running?) or each one stopped on it (e.g. out of memory). "
                    + ("Upload the file again" if inspecting else "Start the scrub again")
                    + " once workers are running."),
        )
        return "failed"
    DatasetVersion.objects.filter(pk=version_id).update(
        reconcile_attempts=F("reconcile_attempts") + 1, heartbeat_at=now)
    if inspecting:
        outbox.enqueue(tasks.scrub_inspect_version, args=[version_id])
    else:
        outbox.enqueue(tasks.scrub_version, args=[version_id, version.scrub_attempt])
    return "resent"
