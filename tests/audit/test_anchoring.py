"""G8: a keyed chain anchored outside the database. Each attack of issue 10 point 1 is tried here,
on whichever database runs the suite (CI runs PostgreSQL and SQLite)."""
from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.chain import canonical_payload, hash_of
from audit.checkpoints import all_checkpoints, checkpoint_names, write_checkpoint
from audit.models import AuditEvent, LedgerVerification
from audit.services import ledger_verification_run, record_event
from tests.audit.test_ledger import _raw_delete, _raw_update, _record, _trigger_disabled, postgres_only


def _fields(event, **override):
    data = dict(
        seq=event.seq, created_at=event.created_at, actor_id=event.actor_id, actor_repr=event.actor_repr,
        action=event.action, target_type=event.target_type, target_id=event.target_id,
        target_repr=event.target_repr, before=event.before, after=event.after, metadata=event.metadata,
        prev_hash=event.prev_hash, key_id=event.key_id,
    )
    data.update(override)
    return data


def _rewrite_history(victim_seq: int, *, rehash) -> None:
    """The attacker edits one event and recomputes its hash and every later prev_hash/hash."""
    events = list(AuditEvent.objects.order_by("seq"))
    prev = None
    for event in events:
        if event.seq < victim_seq:
            prev = event.hash
            continue
        changes = {"prev_hash": prev if prev is not None else event.prev_hash}
        if event.seq == victim_seq:
            changes["action"] = "thing.forged"
        event_for_hash = AuditEvent(**{**{f.attname: getattr(event, f.attname) for f in AuditEvent._meta.fields},
                                       **changes})
        new_hash = rehash(event_for_hash)
        for column, value in {**changes, "hash": new_hash}.items():
            _raw_update(event.pk, column, value)
        prev = new_hash


def _unkeyed_sha256(event) -> str:
    return hashlib.sha256(canonical_payload(**_fields(event)).encode()).hexdigest()


def _verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as excinfo:
        call_command("audit_verify")
    return str(excinfo.value)


# --- keyed hashes ---------------------------------------------------------------------------

def test_event_hashes_are_keyed_with_the_configured_key(db, contributor, settings):
    event = _record(contributor, 1)[0]
    assert event.key_id == settings.AUDIT_HMAC_KEY_ID == "test"
    assert event.hash != _unkeyed_sha256(event)
    settings.AUDIT_HMAC_KEY = "another-key"
    assert hash_of(event) != event.hash  # the same fields under another key do not verify


def test_edit_and_rehash_without_the_key_is_caught_at_the_edited_event(db, contributor):
    """The issue's attack: edit an event, recompute every later hash with plain SHA-256."""
    events = _record(contributor, 5)
    _rewrite_history(2, rehash=_unkeyed_sha256)

    message = _verify_fails(r"NOT intact after 1 good events")
    assert f"event #2 (id {events[1].pk})" in message and "keyed hash" in message


def test_edit_and_rehash_with_a_stolen_key_is_caught_by_the_checkpoint(db, contributor):
    """Even with the key, a rewrite cannot match the head anchored outside the database."""
    _record(contributor, 5)
    checkpoint = write_checkpoint(reason="test")
    _rewrite_history(2, rehash=hash_of)
    assert ledger_verification_run(full=True).checked == 5  # the chain itself is consistent again

    message = _verify_fails(r"history up to it was rewritten")
    assert "event #5" in message and checkpoint.name in message


def test_tail_deletion_after_a_checkpoint_names_the_missing_events(db, contributor):
    events = _record(contributor, 5)
    write_checkpoint(reason="test")
    _raw_delete(events[4].pk)
    _raw_delete(events[3].pk)

    message = _verify_fails(r"events #4\.\.#5 are missing")
    assert "removed after it was written" in message


def test_truncation_is_caught(db, contributor):
    _record(contributor, 3)
    write_checkpoint(reason="test")
    with _trigger_disabled(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL accord.audit_truncate = 'allow'")
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 0

    _verify_fails(r"the ledger is empty, but checkpoint .* recorded events #1\.\.#3: the table was truncated")


@postgres_only
def test_postgres_trigger_refuses_truncate(db, contributor):
    _record(contributor, 2)
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses while FK checks are pending
            cursor.execute("SET LOCAL accord.audit_truncate = ''")
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 2


def test_a_forged_or_edited_checkpoint_is_refused(db, contributor, audit_checkpoints_folder):
    _record(contributor, 2)
    checkpoint = write_checkpoint(reason="test")
    path = audit_checkpoints_folder / checkpoint.name
    body = json.loads(path.read_text())
    body["seq"] = 1  # an attacker "moves" the anchor back to hide a deleted tail
    path.write_text(json.dumps(body))

    _verify_fails(rf"checkpoint {checkpoint.name} has a signature that does not match")


# --- when checkpoints are written -----------------------------------------------------------

def test_checkpoints_are_written_every_n_events(db, contributor, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        _record(contributor, 7)
    # each checkpoint is written after commit and records the head at that moment
    assert [c.reason for c in all_checkpoints()] == ["event #3", "event #6"]
    assert all(c.seq == 7 for c in all_checkpoints())


def test_nightly_checkpoint_task_writes_the_head(db, contributor):
    from audit.tasks import checkpoint_ledger

    assert checkpoint_ledger() == {"checkpoint": None}  # empty ledger: nothing to anchor
    events = _record(contributor, 2)
    name = checkpoint_ledger()["checkpoint"]
    assert checkpoint_names() == [name]
    (checkpoint,) = all_checkpoints()
    assert checkpoint.seq == 2 and checkpoint.hash == events[1].hash and checkpoint.reason == "nightly"


def test_a_storage_outage_does_not_fail_the_change(db, contributor, settings, django_capture_on_commit_callbacks):
    settings.STORAGES = {**settings.STORAGES, "audit_checkpoints": {"BACKEND": "tests.audit.test_anchoring.BrokenStorage"}}
    from tests.conftest import reset_storages

    reset_storages()
    with django_capture_on_commit_callbacks(execute=True):
        _record(contributor, 1)
    assert AuditEvent.objects.count() == 1


class BrokenStorage:
    def save(self, *args, **kwargs):
        raise OSError("object store unreachable")


# --- incremental verification ---------------------------------------------------------------

def test_verification_is_incremental_from_the_last_verified_checkpoint(db, contributor):
    _record(contributor, 5)
    write_checkpoint(reason="test")
    first = ledger_verification_run()
    assert (first.status, first.start_seq, first.checked, first.verified_through_seq) == ("intact", 0, 5, 5)

    _record(contributor, 3)
    second = ledger_verification_run()
    assert (second.status, second.start_seq, second.checked, second.total) == ("intact", 5, 3, 3)
    assert second.verified_through_seq == 8


def test_an_edit_before_the_start_is_caught_by_a_full_walk(db, contributor):
    events = _record(contributor, 5)
    write_checkpoint(reason="test")
    assert ledger_verification_run().status == "intact"
    _raw_update(events[1].pk, "action", "thing.forged")  # not re-hashed: the full walk names it

    full = ledger_verification_run(full=True)
    assert full.status == "broken" and f"id {events[1].pk}" in full.problem
    with pytest.raises(CommandError, match=f"id {events[1].pk}"):
        call_command("audit_verify", "--full")


def test_a_forged_verification_row_cannot_skip_unanchored_events(db, contributor):
    """Someone with database access fakes a verification 'through #1000': the walk still starts
    at a signed checkpoint (here none), never past the anchors outside the database."""
    events = _record(contributor, 4)
    LedgerVerification.objects.create(status="intact", verified_through_seq=1000)
    _raw_update(events[2].pk, "action", "thing.forged")

    result = ledger_verification_run()
    assert result.start_seq == 0 and result.status == "broken" and f"id {events[2].pk}" in result.problem


# --- key rotation ---------------------------------------------------------------------------

def test_rotation_keeps_old_events_verifiable_via_their_key_id(db, contributor, settings, capsys):
    old = _record(contributor, 2)
    write_checkpoint(reason="test")
    call_command("audit_rotate_key")
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines()
                   if line.startswith("AUDIT_HMAC_"))
    assert printed["AUDIT_HMAC_KEY_ID"] == "k1" and printed["AUDIT_HMAC_RETIRED_KEYS"] == f"test={settings.AUDIT_HMAC_KEY}"

    settings.AUDIT_HMAC_KEY_ID = printed["AUDIT_HMAC_KEY_ID"]
    settings.AUDIT_HMAC_KEY = printed["AUDIT_HMAC_KEY"]
    settings.AUDIT_HMAC_RETIRED_KEYS = dict([printed["AUDIT_HMAC_RETIRED_KEYS"].split("=", 1)])
    assert old[0].key_id == "test"
    call_command("audit_rotate_key", "--record")
    rotated = AuditEvent.objects.get(action="ledger.key_rotated")
    assert rotated.before == {"key_id": "test"} and rotated.after == {"key_id": "k1"} and rotated.key_id == "k1"
    _record(contributor, 1)
    call_command("audit_verify", "--full")
    assert "intact" in capsys.readouterr().out

    settings.AUDIT_HMAC_RETIRED_KEYS = {}  # the old key was thrown away: its events cannot verify
    _verify_fails(r"no audit key with id 'test'")


def test_an_event_pointed_at_another_key_id_does_not_verify(db, contributor, settings):
    settings.AUDIT_HMAC_RETIRED_KEYS = {"old": "old-secret"}
    events = _record(contributor, 2)
    _raw_update(events[0].pk, "key_id", "old")
    _verify_fails(f"event #1 \\(id {events[0].pk}\\)")


def test_writing_events_without_a_key_is_refused(db, contributor, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_HMAC_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="AUDIT_HMAC_KEY"), transaction.atomic():
        record_event(actor=contributor, action="x", target=("t", 1))
