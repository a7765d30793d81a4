"""Verifying the ledger: the chain walk and the comparison with the checkpoints outside the database (G8).

`walk_chain` checks each event's keyed hash and its link to the event before it, in seq chunks
(no long transaction, so a task can report progress as it goes). `verify_ledger` adds the
checkpoints: every checkpointed head must still be in the table with the same hash, and nothing
the newest checkpoint recorded may be missing. It starts from the last checkpoint that an earlier
verification passed (incremental) unless asked for a full walk.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Max

from audit.chain import GENESIS_HASH, hash_of
from audit.checkpoints import Checkpoint, CheckpointError, all_checkpoints
from audit.keys import UnknownKeyError, key_for

CHUNK = 2000


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        if self.event_id is None:
            return self.reason
        return f"event #{self.seq} (id {self.event_id}): {self.reason}"


@dataclass
class WalkResult:
    checked: int = 0
    problem: ChainProblem | None = None
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


@dataclass
class VerifyOutcome:
    checked: int
    problem: ChainProblem | None
    start_seq: int
    verified_through_seq: int
    total: int
    checkpoints_checked: int = 0
    latest_checkpoint: Checkpoint | None = field(default=None, repr=False)

    @property
    def intact(self) -> bool:
        return self.problem is None


def walk_chain(*, after_seq: int = 0, after_hash: str = GENESIS_HASH,
               progress: Callable[[int], None] | None = None) -> WalkResult:
    """Walk events after `after_seq` in order. An event whose fields no longer match its own
    keyed hash is reported first (so an edited event is named even when the edit also broke a
    link further up); otherwise the first broken link: a gap in `seq` or a `prev_hash` that is
    not the hash of the event before it."""
    from audit.models import AuditEvent

    expected_prev, expected_seq = after_hash, after_seq + 1
    result = WalkResult(last_seq=after_seq, last_hash=after_hash)
    first_link_problem: tuple[int, ChainProblem] | None = None
    keys: dict[str, bytes] = {}  # resolved once per walk, not per event
    cursor = after_seq
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=cursor).order_by("seq")[:CHUNK])
        if not batch:
            break
        for event in batch:
            try:
                if event.key_id not in keys:
                    keys[event.key_id] = key_for(event.key_id)
                matches = hash_of(event, keys[event.key_id]) == event.hash
                reason = "stored fields do not match the event's keyed hash"
            except UnknownKeyError as exc:
                matches, reason = False, str(exc)
            if not matches:
                result.problem = ChainProblem(event.seq, event.pk, reason)
                return result
            if first_link_problem is None:
                if event.seq != expected_seq:
                    first_link_problem = (result.checked, ChainProblem(
                        event.seq, event.pk,
                        f"sequence gap: event #{expected_seq} is missing (removed, or its seq edited)",
                    ))
                elif event.prev_hash != expected_prev:
                    first_link_problem = (result.checked, ChainProblem(
                        event.seq, event.pk, "prev_hash does not match the hash of the event before it",
                    ))
                else:
                    result.checked += 1
                    result.last_seq, result.last_hash = event.seq, event.hash
            expected_prev, expected_seq = event.hash, event.seq + 1
        cursor = batch[-1].seq
        if progress is not None:
            progress(result.checked)
    if first_link_problem is not None:
        result.checked, result.problem = first_link_problem
    return result


def _check_checkpoints(checkpoints: list[Checkpoint], *, head_seq: int, count: int) -> ChainProblem | None:
    """The table against what was anchored outside it: missing tail, truncation, rewritten heads."""
    from audit.models import AuditEvent

    if not checkpoints:
        return None
    latest = checkpoints[-1]
    if count == 0:
        return ChainProblem(latest.seq, None, (
            f"the ledger is empty, but {latest} recorded events #1..#{latest.seq}: "
            "the table was truncated or emptied"))
    if head_seq < latest.seq:
        return ChainProblem(latest.seq, None, (
            f"events #{head_seq + 1}..#{latest.seq} are missing: {latest} recorded #{latest.seq} "
            "as the newest event, so events were removed after it was written"))
    by_seq: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        by_seq.setdefault(cp.seq, []).append(cp)
    seqs = sorted(by_seq)
    for i in range(0, len(seqs), 1000):
        part = seqs[i:i + 1000]
        stored = dict(AuditEvent.objects.filter(seq__in=part).values_list("seq", "hash"))
        for seq in part:
            for cp in by_seq[seq]:
                if seq not in stored:
                    return ChainProblem(seq, None, f"event #{seq} recorded by {cp} is missing")
                if stored[seq] != cp.hash:
                    return ChainProblem(seq, None, (
                        f"event #{seq} no longer has the hash recorded by {cp}: "
                        "history up to it was rewritten (hashes recomputed)"))
    return None


def verify_ledger(*, full: bool = False, progress: Callable[[int, int], None] | None = None) -> VerifyOutcome:
    """Verify the chain and compare it with the signed checkpoints.

    Incremental unless `full`: the walk starts at the newest checkpoint that an earlier intact
    verification had reached; the checkpoint comparison (one indexed lookup per checkpoint)
    confirms that checkpoint's event still carries the anchored hash.
    """
    from audit.models import AuditEvent, LedgerVerification

    agg = AuditEvent.objects.aggregate(head=Max("seq"), count=Count("pk"))
    head_seq, count = agg["head"] or 0, agg["count"]
    try:
        checkpoints = all_checkpoints()
    except CheckpointError as exc:
        return VerifyOutcome(0, ChainProblem(0, None, str(exc)), 0, 0, head_seq)

    start = None
    if not full:
        last_ok = (LedgerVerification.objects.filter(status=LedgerVerification.Status.INTACT)
                   .order_by("-verified_through_seq").first())
        if last_ok is not None:
            reached = [cp for cp in checkpoints if cp.seq <= last_ok.verified_through_seq]
            start = reached[-1] if reached else None
    start_seq = start.seq if start else 0
    total = max(head_seq - start_seq, 0)

    problem = _check_checkpoints(checkpoints, head_seq=head_seq, count=count)
    # The walk names an edited event precisely, so its problem (if any) is reported first.
    walk = walk_chain(after_seq=start_seq, after_hash=start.hash if start else GENESIS_HASH,
                      progress=(lambda done: progress(done, total)) if progress else None)
    first = walk.problem or problem
    return VerifyOutcome(
        checked=walk.checked, problem=first, start_seq=start_seq,
        verified_through_seq=walk.last_seq if first is None else 0, total=total,
        checkpoints_checked=len(checkpoints), latest_checkpoint=checkpoints[-1] if checkpoints else None,
    )
