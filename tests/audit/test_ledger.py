"""The ledger: append-only, hash-chained, and `audit_verify` catches any edit made behind its back."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from audit.chain import GENESIS_HASH, hash_of
from audit.models import AppendOnlyError, AuditEvent
from audit.services import record_event, verify_chain

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (the append-only trigger and advisory locks); CI runs it with DATABASE_URL=postgres://...",
)


def _record(actor, n=3):
    with transaction.atomic():
        return [
            record_event(
                actor=actor,
                action=f"thing.step{i}",
                target=("tests.thing", i),
                before={"state": f"s{i}"},
                after={"state": f"s{i + 1}", "when": "2025-01-01"},
                metadata={"i": i},
            )
            for i in range(1, n + 1)
        ]


@contextmanager
def _trigger_disabled():
    """Let the test play an attacker with direct database access (PostgreSQL refuses otherwise)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while FK checks are pending
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _raw_update(event_id, column, value):
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, event_id])
        assert cursor.rowcount == 1


def _raw_delete(event_id):
    with _trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])
        assert cursor.rowcount == 1


# --- writing ---------------------------------------------------------------------------------

def test_record_event_links_each_event_to_the_one_before(db, contributor):
    events = _record(contributor, 3)

    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    stored = AuditEvent.objects.get(seq=2)
    assert stored.hash == hash_of(stored) == events[1].hash
    assert stored.actor == contributor and stored.actor_repr == contributor.username
    assert stored.before == {"state": "s2"} and stored.metadata == {"i": 2}
    assert verify_chain() == (3, None)


def test_record_event_describes_model_targets_and_system_actors(db, contributor):
    with transaction.atomic():
        event = record_event(actor=None, action="user.touched", target=contributor)
    assert event.actor is None and event.actor_repr == "system"
    assert event.target_type == "accounts.user"
    assert event.target_id == str(contributor.pk)
    assert event.target_repr == str(contributor)


def test_record_event_refuses_to_run_outside_a_transaction(transactional_db, contributor):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(actor=contributor, action="x", target=("t", 1))
    assert AuditEvent.objects.count() == 0


def test_an_event_rolls_back_with_the_change_it_records(transactional_db, contributor):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(actor=contributor, action="doomed", target=("t", 1))
        1 / 0
    assert AuditEvent.objects.count() == 0
    _record(contributor, 1)
    assert AuditEvent.objects.get().seq == 1


# --- append-only ----------------------------------------------------------------------------

def test_orm_refuses_to_change_or_remove_events(db, contributor):
    event = _record(contributor, 1)[0]

    event.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "thing.step1"


@postgres_only
@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET action = 'rewritten' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
])
def test_postgres_trigger_refuses_raw_update_and_delete(db, contributor, sql):
    event = _record(contributor, 1)[0]

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "thing.step1"


# --- verification ---------------------------------------------------------------------------

def test_audit_verify_passes_on_an_intact_ledger(db, contributor, capsys):
    _record(contributor, 4)
    call_command("audit_verify")
    assert "4 events verified" in capsys.readouterr().out


def test_audit_verify_passes_on_an_empty_ledger(db, capsys):
    call_command("audit_verify")
    assert "0 events verified" in capsys.readouterr().out


TAMPERING = {
    "actor_repr": lambda e: "mallory",
    "action": lambda e: "thing.nothing_to_see",
    "target_type": lambda e: "tests.other",
    "target_id": lambda e: "999",
    "target_repr": lambda e: "something else",
    "before": lambda e: '{"state": "forged"}',
    "after": lambda e: '{"state": "forged"}',
    "metadata": lambda e: '{"i": 42}',
    "created_at": lambda e: connection.ops.adapt_datetimefield_value(e.created_at - timedelta(seconds=1)),
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
    "seq": lambda e: 99,
}


@pytest.mark.parametrize("column", list(TAMPERING))
def test_audit_verify_names_the_event_whose_field_was_edited_in_the_database(db, contributor, column):
    events = _record(contributor, 3)
    victim = events[1]

    _raw_update(victim.pk, column, TAMPERING[column](victim))

    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify")
    message = str(excinfo.value)
    assert "NOT intact" in message
    assert f"(id {victim.pk})" in message, message
    checked, problem = verify_chain()
    assert problem is not None and problem.event_id == victim.pk
    assert checked == 1


def test_audit_verify_catches_an_edit_that_recomputes_the_event_hash(db, contributor):
    """An attacker who rewrites an event and its own hash still breaks the link to the next event."""
    events = _record(contributor, 3)
    victim = AuditEvent.objects.get(pk=events[1].pk)
    victim.action = "thing.forged"
    forged_hash = hash_of(victim)
    _raw_update(victim.pk, "action", "thing.forged")
    _raw_update(victim.pk, "hash", forged_hash)

    with pytest.raises(CommandError, match=r"event #3 .*prev_hash"):
        call_command("audit_verify")


@pytest.mark.parametrize("which", [0, 1])
def test_audit_verify_catches_a_removed_event(db, contributor, which):
    events = _record(contributor, 3)

    _raw_delete(events[which].pk)

    with pytest.raises(CommandError, match=rf"event #{which + 1} is missing"):
        call_command("audit_verify")


def test_verify_ledger_task_reports_the_problem(db, contributor):
    from audit.tasks import verify_ledger

    events = _record(contributor, 2)
    assert verify_ledger() == {"checked": 2, "intact": True, "problem": None}
    _raw_update(events[0].pk, "action", "forged")
    result = verify_ledger()
    assert result["intact"] is False and f"id {events[0].pk}" in result["problem"]


# --- concurrency ----------------------------------------------------------------------------

def _write_concurrently(writers: int, per_writer: int) -> list[BaseException]:
    """`writers` threads, each on its own connection, released at once; returns their errors."""
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_writer):
                with transaction.atomic():
                    record_event(actor=None, action="concurrent.write", target=("tests.writer", n),
                                 metadata={"writer": n, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@postgres_only
def test_concurrent_writers_keep_the_chain_linear(transactional_db, contributor):
    """Many writers at once, each on its own connection: one linear chain, no duplicate seq, verify passes."""
    writers, per_writer = 12, 5
    errors = _write_concurrently(writers, per_writer)

    assert not errors, errors
    events = list(AuditEvent.objects.order_by("seq"))
    total = writers * per_writer
    assert [e.seq for e in events] == list(range(1, total + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    assert len({e.hash for e in events}) == total
    assert {(e.metadata["writer"], e.metadata["i"]) for e in events} == {
        (n, i) for n in range(writers) for i in range(per_writer)
    }
    assert verify_chain() == (total, None)


def test_concurrent_writers_on_the_configured_database_keep_the_chain_linear(transactional_db):
    """The same property on whatever database runs the suite (SQLite serialises IMMEDIATE writers)."""
    errors = _write_concurrently(4, 3)

    assert not errors, errors
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 13))
    assert verify_chain() == (12, None)
