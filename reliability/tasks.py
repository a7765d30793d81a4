"""Thin tasks for the outbox sweeper (beat, every 30 s)."""
from celery import shared_task


@shared_task(name="reliability.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> dict:
    from reliability import outbox

    return outbox.sweep()
