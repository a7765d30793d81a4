from django.db import models


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the same transaction as the change that needs it.

    Sent once that transaction commits; if the broker is down then, the sweeper (beat, every
    30 s) sends it again with backoff until the broker takes it. The tasks sent this way are
    idempotent (they check the state they act on), so a message sent twice does no harm.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.task_name}{self.args} ({'sent' if self.sent_at else 'pending'})"
