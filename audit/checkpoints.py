"""Signed checkpoints of the chain head, kept outside the database (G8).

A checkpoint records the seq and hash of the newest event at the time it was written, signed with
the ledger key. It is a small JSON file in the `audit_checkpoints` storage (a folder by default;
an object store, ideally with write-once retention, where configured). Whoever removes events
after a checkpoint, truncates the table or rewrites history (even recomputing every hash with a
stolen key) leaves a database that disagrees with the checkpoints; `audit_verify` says where.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from audit.keys import UnknownKeyError, current_key_id, sign, signature_ok

logger = logging.getLogger(__name__)
STORAGE_ALIAS = "audit_checkpoints"
PREFIX = "checkpoint-"


def checkpoint_storage():
    return storages[STORAGE_ALIAS]


@dataclass(frozen=True)
class Checkpoint:
    name: str
    seq: int
    hash: str
    event_created_at: str
    written_at: str
    reason: str
    key_id: str
    signature: str

    def payload(self) -> dict:
        return {
            "seq": self.seq, "hash": self.hash, "event_created_at": self.event_created_at,
            "written_at": self.written_at, "reason": self.reason, "key_id": self.key_id,
        }

    def __str__(self) -> str:
        return f"checkpoint {self.name} (event #{self.seq}, written {self.written_at})"


class CheckpointError(Exception):
    """A checkpoint file is unreadable, unsigned, or signed with a key that does not match."""


def write_checkpoint(*, reason: str) -> Checkpoint | None:
    """Sign and store the current head of the chain. Returns None for an empty ledger."""
    from audit.models import AuditEvent

    head = AuditEvent.objects.order_by("-seq").only("seq", "hash", "created_at").first()
    if head is None:
        return None
    written_at = timezone.now()
    key_id = current_key_id()
    payload = {
        "seq": head.seq, "hash": head.hash, "event_created_at": head.created_at.isoformat(),
        "written_at": written_at.isoformat(), "reason": reason, "key_id": key_id,
    }
    body = {**payload, "signature": sign(payload, key_id)}
    name = f"{PREFIX}{head.seq:012d}-{written_at:%Y%m%dT%H%M%S%f}Z.json"
    saved = checkpoint_storage().save(name, ContentFile(json.dumps(body, sort_keys=True, indent=1).encode()))
    return Checkpoint(name=saved, signature=body["signature"], **payload)


def write_checkpoint_quietly(*, reason: str) -> None:
    """For `transaction.on_commit`: a storage outage is logged, never turned into a failed request."""
    try:
        write_checkpoint(reason=reason)
    except Exception:  # noqa: BLE001 - the nightly task writes the next one
        logger.exception("Could not write an audit checkpoint (%s)", reason)


def checkpoint_names() -> list[str]:
    storage = checkpoint_storage()
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted(f for f in files if f.startswith(PREFIX) and f.endswith(".json"))


def read_checkpoint(name: str) -> Checkpoint:
    """Read and check one checkpoint's signature; raises CheckpointError naming the file."""
    try:
        with checkpoint_storage().open(name, "rb") as fh:
            body = json.loads(fh.read())
        cp = Checkpoint(
            name=name, seq=int(body["seq"]), hash=str(body["hash"]), event_created_at=str(body["event_created_at"]),
            written_at=str(body["written_at"]), reason=str(body["reason"]), key_id=str(body["key_id"]),
            signature=str(body["signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {name} cannot be read: {exc}") from exc
    try:
        ok = signature_ok(cp.payload(), cp.key_id, cp.signature)
    except UnknownKeyError as exc:
        raise CheckpointError(f"checkpoint {name}: {exc}") from exc
    if not ok:
        raise CheckpointError(f"checkpoint {name} has a signature that does not match its content")
    return cp


def all_checkpoints() -> list[Checkpoint]:
    """Every checkpoint, oldest head first; raises CheckpointError at the first bad file."""
    return sorted((read_checkpoint(n) for n in checkpoint_names()), key=lambda c: (c.seq, c.written_at))


def latest_checkpoint() -> Checkpoint | None:
    checkpoints = all_checkpoints()
    return checkpoints[-1] if checkpoints else None
