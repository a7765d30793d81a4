"""Thin Celery tasks: take ids, call one service (imported inside each task: services import
these tasks to enqueue them on commit). All are named scrub_* and so run on the
`scrub` queue (CELERY_TASK_ROUTES). A scrub is a chord: one task per shard, in parallel over as
many workers as are running, then one task that merges them in row order."""
from __future__ import annotations

import logging

from celery import chord, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

# A lost database connection (restart, failover, pg_terminate_backend) is retried with backoff on
# a fresh connection; only then does the version fail, with that reason (issue 14).
DB_ERRORS = (OperationalError, InterfaceError)
DB_RETRIES = 3


def _fresh_connection() -> None:
    """Drop this process's connection: the next query opens a new one. The failure handler calls
    it first, so recording a failure never runs on the connection that just died."""
    if connection.in_atomic_block:  # inside a caller's transaction (eager mode, tests): not ours to close
        return
    try:
        connection.close()
    except Exception:  # closing a dead connection can itself complain
        logger.debug("closing the database connection failed", exc_info=True)


def _retry_on_db_error(task, exc: BaseException) -> None:
    """Retry `task` (2 s, 4 s, 8 s) when `exc` is a lost database connection and tries are left."""
    if isinstance(exc, DB_ERRORS) and task.request.retries < DB_RETRIES and not task.request.is_eager:
        _fresh_connection()
        raise task.retry(exc=exc, countdown=2 ** (task.request.retries + 1), max_retries=DB_RETRIES)

# A shard of ACCORD_SCRUB_SHARD_ROWS rows takes seconds to minutes; the limits bound a stuck one.
SHARD_SOFT_LIMIT = 20 * 60
SHARD_HARD_LIMIT = 25 * 60


def _fail(version_id: int, attempt: int | None, exc: BaseException, what: str) -> None:
    from datasets_app import services  # inside: services import this module

    logger.exception("scrub %s of version %s failed", what, version_id)
    if isinstance(exc, SoftTimeLimitExceeded):
        reason = f"{what} ran out of time; re-run the scrub or ask an operator to add workers"
    elif isinstance(exc, DB_ERRORS):
        _fresh_connection()
        reason = (f"{what} lost its database connection {DB_RETRIES + 1} times ({type(exc).__name__}: "
                  f"{str(exc).strip()[:300]}); check the database, then re-run the scrub")
    else:
        reason = (f"{what} failed unexpectedly ({type(exc).__name__}: {exc}); re-run the scrub, and report it "
                  "if it repeats")
    services.version_fail(version_id=version_id, attempt=attempt, reason=reason)


# Every scrub task is idempotent (it checks the version's state and attempt, and a finished shard
# is not redone), so it is acknowledged late and requeued when its worker is lost.
_IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True, "bind": True}


@shared_task(name="datasets_app.tasks.scrub_inspect_version", **_IDEMPOTENT,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_inspect_version(self, version_id: int) -> str:
    from datasets_app import services  # inside: services import this module

    try:
        return services.version_inspect(version_id=version_id).status
    except Exception as exc:  # a person needs a failed state with a reason, not a stuck upload
        _retry_on_db_error(self, exc)
        _fail(version_id, None, exc, "Validating the upload")
        return "failed"


@shared_task(name="datasets_app.tasks.scrub_version", **_IDEMPOTENT,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_version(self, version_id: int, attempt: int) -> int:
    """Plan the scrub (or resume it: the reconciler sends this again for a scrub that stalled) and
    dispatch the shards not yet done, then the merge."""
    from datasets_app import services  # inside: services import this module

    try:
        shard_count = services.scrub_prepare(version_id=version_id, attempt=attempt)
        pending = services.pending_shards(version_id=version_id, attempt=attempt, shard_count=shard_count)
    except Exception as exc:
        _retry_on_db_error(self, exc)
        _fail(version_id, attempt, exc, "Planning the scrub")
        return 0
    if shard_count and not pending:  # every shard finished before the stall: only the merge is left
        scrub_finalize.delay(version_id, attempt)
    elif shard_count:
        try:
            # A shard killed by its hard time limit or a lost worker never reaches the merge; the
            # merge's errback (called with the chord's error) turns that into a failed version
            # instead of one scrubbing forever.
            chord(
                (scrub_shard.si(version_id, attempt, index) for index in pending),
                scrub_finalize.si(version_id, attempt).on_error(scrub_abandoned.si(version_id, attempt)),
            ).apply_async()
        except Exception as exc:  # e.g. the broker went away between prepare and dispatch
            _fail(version_id, attempt, exc, "Dispatching the shards")
            return 0
    return shard_count


@shared_task(name="datasets_app.tasks.scrub_shard", **_IDEMPOTENT,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_shard(self, version_id: int, attempt: int, shard_index: int) -> bool:
    from datasets_app import services  # inside: services import this module

    try:
        return services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=shard_index)
    except Exception as exc:
        _retry_on_db_error(self, exc)
        _fail(version_id, attempt, exc, f"Scrubbing shard {shard_index + 1}")
        return False


@shared_task(name="datasets_app.tasks.scrub_finalize", **_IDEMPOTENT,
             soft_time_limit=SHARD_SOFT_LIMIT, time_limit=SHARD_HARD_LIMIT)
def scrub_finalize(self, version_id: int, attempt: int) -> str:
    from datasets_app import services  # inside: services import this module

    try:
        version = services.scrub_finalize(version_id=version_id, attempt=attempt)
    except Exception as exc:
        _retry_on_db_error(self, exc)
        _fail(version_id, attempt, exc, "Merging the scrubbed shards")
        return "failed"
    return version.status if version else "superseded"


@shared_task(name="datasets_app.tasks.scrub_abandoned")
def scrub_abandoned(version_id: int, attempt: int) -> None:
    from datasets_app import services  # inside: services import this module

    _fresh_connection()
    services.version_fail(
        version_id=version_id, attempt=attempt,
        reason="A scrub worker was stopped before its shard finished (time limit or lost worker); "
        "restart the scrub, and ask an operator to add workers or smaller shards if it repeats",
    )


@shared_task(name="datasets_app.tasks.reconcile_versions", ignore_result=True)
def reconcile_versions() -> dict:
    """Beat, every 30 s (on the default queue, never behind the scrub work it watches)."""
    from datasets_app.reconciler import versions_reconcile

    return versions_reconcile()
