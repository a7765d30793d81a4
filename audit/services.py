from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, hash_of, normalize
from audit.checkpoints import write_checkpoint_quietly
from audit.keys import current_key_id
from audit.models import AuditEvent, LedgerVerification
from audit.verification import ChainProblem  # noqa: F401 - re-exported for callers

# Any constant works; it names "the audit chain" among PostgreSQL advisory locks.
_CHAIN_LOCK_KEY = 0x4143434F5244  # "ACCORD"


def _lock_chain() -> None:
    """Serialise writers so each event links to the one committed before it.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised by
    the IMMEDIATE transaction mode set in settings.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _describe_target(target: models.Model | tuple[str, Any]) -> tuple[str, str, str]:
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:300]
    target_type, target_id = target
    return str(target_type), str(target_id), f"{target_type}:{target_id}"


def record_event(
    *,
    actor,
    action: str,
    target: models.Model | tuple[str, Any],
    before: Any = None,
    after: Any = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the ledger. Call it inside the service's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records.")
    _lock_chain()
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    target_type, target_id, target_repr = _describe_target(target)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor_user,
        actor_repr=actor_user.get_username() if actor_user else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        before=normalize(before),
        after=normalize(after),
        metadata=normalize(metadata or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
        key_id=current_key_id(),
    )
    event.hash = hash_of(event)
    event.save()
    every = max(1, settings.AUDIT_CHECKPOINT_EVERY)
    if event.seq % every == 0:
        # Anchor the head outside the database once this transaction has committed (G8).
        transaction.on_commit(partial(write_checkpoint_quietly, reason=f"event #{event.seq}"))
    return event


@transaction.atomic
def ledger_verification_request(*, full: bool, actor) -> LedgerVerification:
    """An auditor asks for a verification; a Celery task walks the chain and reports progress."""
    from audit.tasks import verify_ledger

    verification = LedgerVerification.objects.create(requested_by=actor, full=full)
    record_event(actor=actor, action="ledger.verification_requested", target=verification, after={"full": full})
    transaction.on_commit(partial(verify_ledger.delay, verification.pk))
    return verification


def verify_chain() -> tuple[int, "ChainProblem | None"]:
    """Walk the whole chain (no checkpoints). Returns (events checked, first problem or None)."""
    from audit.verification import walk_chain

    result = walk_chain()
    return result.checked, result.problem


@transaction.atomic
def ledger_key_rotation_record(*, actor) -> AuditEvent:
    """Record that new events are now signed with the current key id (after `audit_rotate_key`)."""
    _lock_chain()
    last = AuditEvent.objects.order_by("-seq").only("key_id").first()
    previous = last.key_id if last else None
    new = current_key_id()
    event = record_event(actor=actor, action="ledger.key_rotated", target=("audit.ledger", "key"),
                         before={"key_id": previous}, after={"key_id": new})
    transaction.on_commit(partial(write_checkpoint_quietly, reason="key rotation"))
    return event


def ledger_verification_run(*, verification_id: int | None = None, full: bool = False) -> LedgerVerification:
    """Run one verification, saving progress as it goes (not atomic: the page reads the progress).

    Without an id (the nightly task, `audit_verify`) a new verification is created.
    """
    from audit.verification import verify_ledger

    if verification_id is None:
        verification = LedgerVerification.objects.create(full=full)
    else:
        verification = LedgerVerification.objects.get(pk=verification_id)
    LedgerVerification.objects.filter(pk=verification.pk).update(
        status=LedgerVerification.Status.RUNNING, started_at=timezone.now())

    def progress(done: int, total: int) -> None:
        LedgerVerification.objects.filter(pk=verification.pk).update(checked=done, total=total)

    try:
        outcome = verify_ledger(full=verification.full, progress=progress)
    except Exception as exc:
        LedgerVerification.objects.filter(pk=verification.pk).update(
            status=LedgerVerification.Status.ERROR, finished_at=timezone.now(), problem=f"{type(exc).__name__}: {exc}")
        raise
    LedgerVerification.objects.filter(pk=verification.pk).update(
        status=LedgerVerification.Status.INTACT if outcome.intact else LedgerVerification.Status.BROKEN,
        finished_at=timezone.now(), start_seq=outcome.start_seq, total=outcome.total, checked=outcome.checked,
        verified_through_seq=outcome.verified_through_seq, checkpoints_checked=outcome.checkpoints_checked,
        problem=str(outcome.problem) if outcome.problem else "",
    )
    verification.refresh_from_db()
    return verification
