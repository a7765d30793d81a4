from __future__ import annotations

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """The ledger is append-only: events are never changed or removed."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One state change: who did what to which object, before and after, chained by hash.

    `hash` is an HMAC (key from the environment, named by `key_id`) of the event's canonical JSON
    including `prev_hash`, so editing any stored field of any event, or removing one, breaks the
    chain that `manage.py audit_verify` walks; signed checkpoints outside the database catch a
    removed tail, a truncation, and a rewrite by someone who had the key (G8).
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_repr = models.CharField(max_length=200, help_text="Who acted, as shown then; 'system' for tasks.")
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, db_index=True)
    target_id = models.CharField(max_length=64, db_index=True)
    target_repr = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32, default="", help_text="Which ledger key (from the environment) made `hash`.")
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"]),
            # The ledger page's filters, each ending in seq so a page is a short index range (issue 11).
            models.Index(fields=["action", "seq"], name="audit_action_seq_idx"),
            models.Index(fields=["actor_repr", "seq"], name="audit_actor_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id} by {self.actor_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")


class LedgerVerification(models.Model):
    """One verification of the ledger, run by a Celery task; the auditor's page shows its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        INTACT = "intact", "Intact"
        BROKEN = "broken", "Not intact"
        ERROR = "error", "Could not finish"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    full = models.BooleanField(default=False, help_text="Walk the whole chain, not only what followed the last verified checkpoint.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    start_seq = models.PositiveBigIntegerField(default=0, help_text="Walked events after this seq (a checkpoint's).")
    total = models.PositiveBigIntegerField(default=0)
    checked = models.PositiveBigIntegerField(default=0)
    verified_through_seq = models.PositiveBigIntegerField(default=0)
    checkpoints_checked = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"verification #{self.pk} ({self.status})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.INTACT, self.Status.BROKEN, self.Status.ERROR)

    @property
    def progress_percent(self) -> int:
        if self.done:
            return 100
        return int(100 * self.checked / self.total) if self.total else 0
