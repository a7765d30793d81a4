"""The canonical form of an event and its keyed hash. The writer and the verifier share these (G8).

An event's hash is HMAC-SHA256 over its canonical JSON with the ledger key named by the event's
`key_id`. The keys live in the environment (settings.AUDIT_HMAC_*), never in the database, so
someone who can edit the table cannot recompute a hash that verifies.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


def normalize(value: Any) -> Any:
    """JSON round-trip, so what is hashed is exactly what the JSON column gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def canonical_payload(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_repr: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    before: Any,
    after: Any,
    metadata: Any,
    prev_hash: str,
    key_id: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": created_at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_repr": actor_repr,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_repr": target_repr,
        "before": before,
        "after": after,
        "metadata": metadata,
        "prev_hash": prev_hash,
        "key_id": key_id,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def event_hash(*, key: bytes | None = None, **fields: Any) -> str:
    if key is None:
        from audit.keys import key_for

        key = key_for(fields["key_id"])
    return hmac.new(key, canonical_payload(**fields).encode(), hashlib.sha256).hexdigest()


def hash_of(event, key: bytes | None = None) -> str:
    """Recompute an event's hash from its stored fields (with `key`, or the one its key_id names)."""
    created_at = event.created_at
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt_timezone.utc)
    return event_hash(
        key=key,
        seq=event.seq,
        created_at=created_at.astimezone(dt_timezone.utc),
        actor_id=event.actor_id,
        actor_repr=event.actor_repr,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        target_repr=event.target_repr,
        before=event.before,
        after=event.after,
        metadata=event.metadata,
        prev_hash=event.prev_hash,
        key_id=event.key_id,
    )
