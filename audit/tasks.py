from celery import shared_task


@shared_task(name="audit.tasks.verify_ledger")
def verify_ledger(verification_id: int | None = None) -> dict:
    """Verify the ledger against its checkpoints; nightly (incremental), or for an auditor's request."""
    from audit.services import ledger_verification_run

    verification = ledger_verification_run(verification_id=verification_id)
    return {"checked": verification.checked, "intact": verification.status == "intact",
            "problem": verification.problem or None}


@shared_task(name="audit.tasks.checkpoint_ledger")
def checkpoint_ledger() -> dict:
    """Write a signed checkpoint of the chain head outside the database (nightly)."""
    from audit.checkpoints import write_checkpoint

    checkpoint = write_checkpoint(reason="nightly")
    return {"checkpoint": checkpoint.name if checkpoint else None}
