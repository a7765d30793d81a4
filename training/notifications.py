"""The admin who launched a run hears when it ends or its model is revoked (issue 13). Listens to the
audit ledger's events (same transaction as the change), so the training services stay as they are."""
from __future__ import annotations

from django.db.models.signals import post_save

EVENTS = {
    "training_run.succeeded": ("succeeded", "Training run #{pk} succeeded: the model is ready to download"),
    "training_run.failed": ("failed", "Training run #{pk} failed"),
    "training_run.cancelled": ("cancelled", "Training run #{pk} was cancelled"),
    "training_run.model_revoked": ("model_revoked", "The model of training run #{pk} was revoked"),
}


def on_audit_event(sender, instance, created, **kwargs) -> None:
    if not created or instance.action not in EVENTS:
        return
    from accounts.notifications import notify_on_commit
    from training.models import TrainingRun

    run = TrainingRun.objects.filter(pk=instance.target_id).only("pk", "launched_by_id").first()
    if run is None:
        return
    event, title = EVENTS[instance.action]
    notify_on_commit(user_ids=[run.launched_by_id], kind=f"training.{event}", title=title.format(pk=run.pk),
                     url=f"/training/runs/{run.pk}/")


def connect() -> None:
    from accounts.notifications import register_category
    from audit.models import AuditEvent

    register_category("training", "Training runs: finished, failed, cancelled, model revoked")
    post_save.connect(on_audit_event, sender=AuditEvent, dispatch_uid="training.notify_on_audit_event")
