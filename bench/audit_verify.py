"""Cost of verifying the audit ledger: a full walk vs the incremental nightly run (G8, issue 10).

    python bench/audit_verify.py [--events 100000] [--added 1000]

Builds a throwaway SQLite ledger of --events keyed events (bulk-inserted, hashes computed as
record_event does), writes a signed checkpoint, verifies fully once (that verification is what
the next one starts from), appends --added events through record_event, then times a second full
walk and the incremental verification. Last line: the ratio full / incremental on the same ledger.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="accord-bench-audit-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", ACCORD_VAR_DIR=tmp,
                      AUDIT_HMAC_KEY="bench-key-" + "x" * 32, AUDIT_HMAC_KEY_ID="bench",
                      AUDIT_CHECKPOINT_EVERY=str(10**12), CELERY_TASK_ALWAYS_EAGER="1")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from audit.chain import GENESIS_HASH, hash_of
    from audit.checkpoints import write_checkpoint
    from audit.models import AuditEvent
    from audit.services import ledger_verification_run, record_event

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    prev, batch = GENESIS_HASH, []
    for seq in range(1, args.events + 1):
        event = AuditEvent(seq=seq, created_at=timezone.now(), actor=None, actor_repr="system",
                           action="bench.step", target_type="bench.thing", target_id=str(seq % 97),
                           target_repr=f"thing {seq % 97}", before={"state": "a"}, after={"state": "b"},
                           metadata={"i": seq}, prev_hash=prev, key_id="bench")
        event.hash = hash_of(event)
        prev = event.hash
        batch.append(event)
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    print(f"built {args.events} events in {time.perf_counter() - start:.1f}s")

    write_checkpoint(reason="bench")
    first = ledger_verification_run(full=True)
    assert first.status == "intact", first.problem
    with transaction.atomic():
        for i in range(args.added):
            record_event(actor=None, action="bench.added", target=("bench.thing", i))

    start = time.perf_counter()
    full = ledger_verification_run(full=True)
    full_s = time.perf_counter() - start
    start = time.perf_counter()
    incremental = ledger_verification_run()
    incremental_s = time.perf_counter() - start
    assert full.status == incremental.status == "intact", (full.problem, incremental.problem)
    print(f"full walk:   {full.checked} events in {full_s:.2f}s ({full.checked / full_s:,.0f} events/s)")
    print(f"incremental: {incremental.checked} events after checkpointed #{incremental.start_seq} "
          f"in {incremental_s:.3f}s")
    print(f"ratio full/incremental: {full_s / incremental_s:.1f}x")


if __name__ == "__main__":
    main()
