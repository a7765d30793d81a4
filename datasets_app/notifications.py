"""The steward hears when a scrub finishes or fails (issue 13). Listens to the audit ledger's
events, written in the same transaction as the change, so nothing here touches the pipeline."""
from __future__ import annotations

from django.db.models.signals import post_save

EVENTS = {
    "dataset_version.scrubbed": ("scrubbed", "{dataset} v{number} is scrubbed and waits for your review"),
    "dataset_version.failed": ("failed", "{dataset} v{number} failed: {reason}"),
}


def on_audit_event(sender, instance, created, **kwargs) -> None:
    if not created or instance.action not in EVENTS:
        return
    from accounts.notifications import notify_on_commit
    from datasets_app.models import DatasetVersion

    version = DatasetVersion.objects.select_related("dataset").filter(pk=instance.target_id).first()
    if version is None:
        return
    event, title = EVENTS[instance.action]
    reason = (version.failure_reason or "see the version page").splitlines()[0][:150]
    notify_on_commit(user_ids=[version.dataset.steward_id], kind=f"dataset.{event}",
                     title=title.format(dataset=version.dataset.title, number=version.number, reason=reason),
                     url=f"/datasets/versions/{version.pk}/")


def connect() -> None:
    from accounts.notifications import register_category
    from audit.models import AuditEvent

    register_category("dataset", "Your datasets: scrubs finished or failed")
    post_save.connect(on_audit_event, sender=AuditEvent, dispatch_uid="datasets_app.notify_on_audit_event")
