"""Key the existing chain with the ledger key, and make PostgreSQL refuse TRUNCATE as well (G8).

Events written before keyed hashes carry an unkeyed SHA-256. They are checked first (a broken
legacy chain is refused, never laundered into a keyed one), then re-hashed in seq order with
AUDIT_HMAC_KEY under AUDIT_HMAC_KEY_ID. Write a checkpoint (`manage.py audit_checkpoint`) after
migrating so the re-keyed head is anchored outside the database.

The TRUNCATE refusal can be lifted for one session with `SET accord.audit_truncate = 'allow'`
(the test settings do, because Django flushes test databases with TRUNCATE). It stops accidents
and ordinary roles, not a database owner; the signed checkpoints catch what an owner does.
"""
import hashlib
import json

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('accord.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _fields(event, prev_hash):
    from datetime import timezone as dt_timezone

    created_at = event.created_at
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt_timezone.utc)
    return dict(
        seq=event.seq, created_at=created_at.astimezone(dt_timezone.utc), actor_id=event.actor_id,
        actor_repr=event.actor_repr, action=event.action, target_type=event.target_type,
        target_id=event.target_id, target_repr=event.target_repr, before=event.before, after=event.after,
        metadata=event.metadata, prev_hash=prev_hash,
    )


def rekey(apps, schema_editor):
    from audit.chain import GENESIS_HASH, canonical_payload, event_hash
    from audit.keys import current_key_id

    AuditEvent = apps.get_model("audit", "AuditEvent")
    legacy = AuditEvent.objects.filter(key_id="").order_by("seq")
    if not legacy.exists():
        return
    if AuditEvent.objects.exclude(key_id="").exists():
        raise RuntimeError("Refusing to re-key: the ledger mixes keyed and unkeyed events.")
    key_id = current_key_id()
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        old_prev, new_prev, expected_seq = GENESIS_HASH, GENESIS_HASH, 1
        for event in legacy.iterator(chunk_size=2000):
            payload = json.loads(canonical_payload(**_fields(event, event.prev_hash), key_id=""))
            payload.pop("key_id")
            old = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                                 .encode()).hexdigest()
            if old != event.hash or event.prev_hash != old_prev or event.seq != expected_seq:
                raise RuntimeError(f"Refusing to re-key: the unkeyed ledger is broken at event #{event.seq}; "
                                   "run the previous release's audit_verify and investigate first.")
            new = event_hash(**_fields(event, new_prev), key_id=key_id)
            cursor.execute("UPDATE audit_auditevent SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
                           [new_prev, new, key_id, event.pk])
            old_prev, new_prev, expected_seq = event.hash, new, event.seq + 1
        if postgres:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no %-interpolation: the SQL contains "%"

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_hashes_and_verifications")]
    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP)),
    ]
