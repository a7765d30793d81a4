"""Thin Celery tasks: take ids, call one service (imported inside each task: services import
these tasks to enqueue them on commit). All are named scrub_* and so run on the
`scrub` queue (CELERY_TASK_ROUTES). A scrub is a chord: one task per shard, in parallel over as
many workers as are running, then one task that merges them in row order."""
from __future__ import annotations

import logging

from celery import chord, shared_task
from celery.exceptions import SoftTimeLimitExceeded

logger = logging.getLogger(__name__)

# A shard of ACCORD_SCRUB_SHARD_ROWS rows takes seconds to minutes; the limits bound a stuck one.
SHARD_SOFT_LIMIT = 20 * 60
SHARD_HARD_LIMIT = 25 * 60


def _fail(version_id: int, attempt: int | None, exc: BaseException, what: str) -> None:
    from datasets_app import services  # inside: services import this module

    logger.exception("scrub %s of version %s failed", what, version_id)
    reason = (
        f"{what} ran out of time; re-run the scrub or ask an operator to add workers"
        if isinstance(exc, SoftTimeLimitExceeded)
        else f"{what} failed unexpectedly ({type(exc).__name__}: {exc}); re-run the scrub, and report it if it repeats"
    )
    services.version_fail(version_id=version_id, attempt=attempt, reason=reason)


@shared_task(name="datasets_app.tasks.scrub_inspect_version", acks_late=True,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_inspect_version(version_id: int) -> str:
    from datasets_app import services  # inside: services import this module

    try:
        return services.version_inspect(version_id=version_id).status
    except Exception as exc:  # a person needs a failed state with a reason, not a stuck upload
        _fail(version_id, None, exc, "Validating the upload")
        return "failed"


@shared_task(name="datasets_app.tasks.scrub_version", acks_late=True)
def scrub_version(version_id: int, attempt: int) -> int:
    from datasets_app import services  # inside: services import this module

    try:
        shard_count = services.scrub_prepare(version_id=version_id, attempt=attempt)
    except Exception as exc:
        _fail(version_id, attempt, exc, "Planning the scrub")
        return 0
    if shard_count:
        try:
            # A shard killed by its hard time limit or a lost worker never reaches the merge; the
            # merge's errback (called with the chord's error) turns that into a failed version
            # instead of one scrubbing forever.
            chord(
                (scrub_shard.si(version_id, attempt, index) for index in range(shard_count)),
                scrub_finalize.si(version_id, attempt).on_error(scrub_abandoned.si(version_id, attempt)),
            ).apply_async()
        except Exception as exc:  # e.g. the broker went away between prepare and dispatch
            _fail(version_id, attempt, exc, "Dispatching the shards")
            return 0
    return shard_count


@shared_task(name="datasets_app.tasks.scrub_shard", acks_late=True,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_shard(version_id: int, attempt: int, shard_index: int) -> bool:
    from datasets_app import services  # inside: services import this module

    try:
        return services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=shard_index)
    except Exception as exc:
        _fail(version_id, attempt, exc, f"Scrubbing shard {shard_index + 1}")
        return False


@shared_task(name="datasets_app.tasks.scrub_finalize", acks_late=True,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_finalize(version_id: int, attempt: int) -> str:
    from datasets_app import services  # inside: services import this module

    try:
        version = services.scrub_finalize(version_id=version_id, attempt=attempt)
    except Exception as exc:
        _fail(version_id, attempt, exc, "Merging the scrubbed shards")
        return "failed"
    return version.status if version else "superseded"


@shared_task(name="datasets_app.tasks.scrub_abandoned")
def scrub_abandoned(version_id: int, attempt: int) -> None:
    from datasets_app import services  # inside: services import this module

    services.version_fail(
        version_id=version_id, attempt=attempt,
        reason="A scrub worker was stopped before its shard finished (time limit or lost worker); "
        "restart the scrub, and ask an operator to add workers or smaller shards if it repeats",
    )
