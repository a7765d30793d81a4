from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, hash_of, normalize
from audit.models import AuditEvent

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
    )
    event.hash = hash_of(event)
    event.save()
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.seq} (id {self.event_id}): {self.reason}"


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the ledger in order. Returns (events checked, first problem or None).

    An event whose stored fields no longer match its own hash is reported first (lowest seq),
    so an edited event is named even when the edit also broke a link further up; otherwise the
    first broken link is reported: a gap in `seq` (an event removed, or its seq edited) or a
    `prev_hash` that is not the hash of the event before it. Removing the newest events leaves a
    valid shorter chain; anchor the head elsewhere (an export, a log) to catch that.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    first_link_problem: tuple[int, ChainProblem] | None = None
    with transaction.atomic():
        for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
            if hash_of(event) != event.hash:
                return checked, ChainProblem(event.seq, event.pk, "stored fields do not match the event's hash")
            if first_link_problem is None:
                if event.seq != expected_seq:
                    first_link_problem = (checked, ChainProblem(
                        event.seq, event.pk,
                        f"sequence gap: event #{expected_seq} is missing (removed, or its seq edited)",
                    ))
                elif event.prev_hash != expected_prev:
                    first_link_problem = (checked, ChainProblem(
                        event.seq, event.pk, "prev_hash does not match the hash of the event before it",
                    ))
                else:
                    checked += 1
            expected_prev = event.hash
            expected_seq = event.seq + 1
    if first_link_problem is not None:
        return first_link_problem
    return checked, None
