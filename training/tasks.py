"""Celery tasks: thin. Each takes an id (or nothing) and calls one service, imported inside the
function (services import these tasks to enqueue them; the seam is the same in every app).

`train_*` tasks route to the `gpu` queue (settings.CELERY_TASK_ROUTES): one worker per GPU.
"""
from celery import shared_task
from django.conf import settings


@shared_task(
    bind=True,
    name="training.tasks.train_run",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=getattr(settings, "ACCORD_TRAIN_TIME_LIMIT", 24 * 3600),
    soft_time_limit=getattr(settings, "ACCORD_TRAIN_SOFT_TIME_LIMIT", 24 * 3600 - 300),
)
def train_run(self, run_id) -> str:
    """Authorise (THE gate, hash checks) and train one queued run. Anything else is ignored."""
    from training.services import training_run_execute

    return training_run_execute(run_id=run_id, task_id=self.request.id or "")


@shared_task(name="training.tasks.reap_stale_runs")
def reap_stale_runs() -> dict:
    """Resume or fail runs whose worker stopped sending heartbeats."""
    from training.services import training_runs_reap_stale

    return training_runs_reap_stale()


@shared_task(name="training.tasks.resend_queued_runs", ignore_result=True)
def resend_queued_runs() -> dict:
    """Queued runs whose message was lost are sent again (or failed past their deadline)."""
    from training.services.reaper import training_runs_resend_queued

    return training_runs_resend_queued()
