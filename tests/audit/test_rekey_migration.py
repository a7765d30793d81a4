"""Migration 0004 keys a ledger written before keyed hashes, and refuses to launder a broken one."""
from __future__ import annotations

import hashlib
import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction

from audit.chain import GENESIS_HASH, canonical_payload
from audit.models import AuditEvent
from audit.services import verify_chain
from tests.audit.test_ledger import _raw_update, _record

migration = importlib.import_module("audit.migrations.0004_rekey_existing_events_and_refuse_truncate")


def _make_legacy(events):
    """Turn keyed events back into the old unkeyed SHA-256 chain (what a database before 0004 held)."""
    prev = GENESIS_HASH
    for event in events:
        fields = migration._fields(event, prev)
        payload = json.loads(canonical_payload(**fields, key_id=""))
        payload.pop("key_id")
        legacy = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                                .encode()).hexdigest()
        _raw_update(event.pk, "key_id", "")
        _raw_update(event.pk, "prev_hash", prev)
        _raw_update(event.pk, "hash", legacy)
        prev = legacy


def _run_rekey():
    with transaction.atomic():
        migration.rekey(apps, SimpleNamespace(connection=connection))


def test_a_legacy_chain_is_rekeyed_and_verifies(db, contributor):
    _make_legacy(_record(contributor, 4))
    assert verify_chain()[1] is not None  # unkeyed events do not verify as keyed ones

    _run_rekey()
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {"test"}
    assert verify_chain() == (4, None)


def test_a_broken_legacy_chain_is_refused_not_laundered(db, contributor):
    events = _record(contributor, 3)
    _make_legacy(events)
    _raw_update(events[1].pk, "action", "thing.forged")

    with pytest.raises(RuntimeError, match="broken at event #2"):
        _run_rekey()
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {""}
