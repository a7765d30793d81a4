"""Base-model registry and training runs.

A TrainingRun is the record that proves what a model saw: its inputs (dataset versions with the
sha256 recorded at launch), the agreements that authorised each input, and every state change
(each written with an audit event by training/services.py). The state field is protected: it
changes only through the guarded transitions below.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from config.fsm import ConcurrentTransitionMixin
from training.core import package_model_path


class BaseModel(models.Model):
    """A base model Accord may fine-tune: on local disk or shipped in an installed Python package."""

    class Source(models.TextChoices):
        PATH = "path", "Local directory"
        PACKAGE = "package", "Installed Python package"

    name = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    local_path = models.CharField(max_length=500, blank=True)
    package_name = models.CharField(max_length=200, blank=True)
    license = models.CharField(max_length=64, help_text="SPDX licence identifier, e.g. Apache-2.0")
    supported_tasks = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Only active base models may be trained")
    # Fine-tuned weights and adapters are derivatives: recorded from the licence table at registration.
    license_allows_derivatives = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def resolve_path(self) -> Path:
        """The local model directory. Never a hub id: models load offline only."""
        if self.source == self.Source.PACKAGE:
            return package_model_path(self.package_name)
        return Path(self.local_path)

    @property
    def location(self) -> str:
        return f"package:{self.package_name}" if self.source == self.Source.PACKAGE else self.local_path


class TrainingTask(models.TextChoices):
    # Values are Accord's; CORE_TASK_NAMES maps them to training.core task names. A causal-LM task
    # is one more choice here plus its Task class in training/core/tasks.py.
    TEXT_CLASSIFICATION = "text_classification", "Text classification"
    TOKEN_CLASSIFICATION = "token_classification", "Token classification (NER)"
    CAUSAL_LM = "causal_lm", "Causal language modelling"


CORE_TASK_NAMES = {
    TrainingTask.TEXT_CLASSIFICATION: "text-classification",
    TrainingTask.TOKEN_CLASSIFICATION: "token-classification",
    TrainingTask.CAUSAL_LM: "causal-lm",
}
# Tasks that read no label column (G1: such a run reads the released text columns only).
LABEL_FREE_TASKS = (TrainingTask.CAUSAL_LM,)


class Purpose(models.TextChoices):
    RESEARCH = "research", "Research"
    COMMERCIAL = "commercial", "Commercial"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    AUTHORIZING = "authorizing", "Authorizing"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    DENIED = "denied", "Denied"


ACTIVE_STATES = (RunState.QUEUED, RunState.AUTHORIZING, RunState.RUNNING)
FINAL_STATES = (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.DENIED)


def artifact_upload_to(instance: TrainingRun, filename: str) -> str:
    return f"training/runs/{instance.pk}/{filename}"


class TrainingRun(ConcurrentTransitionMixin, models.Model):
    base_model = models.ForeignKey(BaseModel, on_delete=models.PROTECT, related_name="runs")
    task = models.CharField(max_length=40, choices=TrainingTask.choices, default=TrainingTask.TEXT_CLASSIFICATION)
    dataset_versions = models.ManyToManyField(
        "datasets_app.DatasetVersion", through="TrainingRunInput", related_name="training_runs"
    )
    text_fields = models.JSONField(default=list)
    label_field = models.CharField(max_length=200)
    # The steward-declared train/validation/test column ("" = a seeded split); the gate holds it to
    # each version's approved split column (G1).
    split_field = models.CharField(max_length=200, blank=True, default="")
    epochs = models.PositiveIntegerField(default=3)
    learning_rate = models.FloatField(default=5e-5)
    batch_size = models.PositiveIntegerField(default=16)
    max_length = models.PositiveIntegerField(default=128)
    seed = models.IntegerField(default=42)
    # LoRA (PEFT): train low-rank adapters on a frozen base; the artifact is the adapter.
    lora = models.BooleanField(default=False)
    lora_r = models.PositiveIntegerField(default=8)
    lora_alpha = models.PositiveIntegerField(default=16)
    lora_dropout = models.FloatField(default=0.1)
    lora_target_modules = models.JSONField(default=list, blank=True)  # [] = the architecture's default
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.RESEARCH)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_runs")

    state = FSMField(default=RunState.QUEUED, choices=RunState.choices, protected=True)
    denial_reasons = models.JSONField(default=list, blank=True)
    failure_reason = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Live progress, written by the worker (throttled) through queryset updates.
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    epoch = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    samples_per_sec = models.FloatField(null=True, blank=True)
    metrics_history = models.JSONField(default=list, blank=True)  # one dict per finished epoch
    loss_history = models.JSONField(default=list, blank=True)  # [[step, loss], ...] for the chart
    final_metrics = models.JSONField(default=dict, blank=True)
    # Scored once on the held-out test split after the last epoch ({} without a test split).
    test_metrics = models.JSONField(default=dict, blank=True)
    # Per label / per entity precision, recall, F1 and support, and the confusion matrix.
    evaluation = models.JSONField(default=dict, blank=True)
    adapter = models.JSONField(default=dict, blank=True)  # LoRA settings + the base model's sha256
    device = models.CharField(max_length=40, blank=True)

    celery_task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_dir = models.CharField(max_length=500, blank=True)

    # Artifacts live in default storage (shared between machines through django-storages).
    model_archive = models.FileField(upload_to=artifact_upload_to, blank=True, max_length=500)
    model_card = models.FileField(upload_to=artifact_upload_to, blank=True, max_length=500)
    attribution_manifest = models.FileField(upload_to=artifact_upload_to, blank=True, max_length=500)
    model_revoked_at = models.DateTimeField(null=True, blank=True)
    model_revoked_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "heartbeat_at"]),
                   models.Index(fields=["created_at", "id"], name="run_created_idx"),
                   models.Index(fields=["state", "created_at", "id"], name="run_state_created_idx")]

    def __str__(self) -> str:
        return f"Run #{self.pk} ({self.base_model.name})"

    # --- state machine ----------------------------------------------------------------------
    @transition(field=state, source=RunState.QUEUED, target=RunState.AUTHORIZING)
    def authorize(self) -> None:
        pass

    @transition(field=state, source=RunState.AUTHORIZING, target=RunState.RUNNING)
    def start(self) -> None:
        pass

    @transition(field=state, source=RunState.RUNNING, target=RunState.SUCCEEDED)
    def succeed(self) -> None:
        pass

    @transition(field=state, source=[RunState.QUEUED, RunState.AUTHORIZING], target=RunState.DENIED)
    def deny(self) -> None:
        pass

    @transition(field=state, source=list(ACTIVE_STATES), target=RunState.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=state, source=list(ACTIVE_STATES), target=RunState.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=state, source=[RunState.AUTHORIZING, RunState.RUNNING], target=RunState.QUEUED)
    def requeue(self) -> None:
        """The reaper's way back: a run whose worker died goes back to the queue and resumes."""

    # --- helpers ----------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def progress_percent(self) -> int:
        if self.state == RunState.SUCCEEDED:
            return 100
        if not self.total_steps:
            return 0
        return min(100, int(100 * self.step / self.total_steps))

    @property
    def has_artifacts(self) -> bool:
        return bool(self.model_archive)


class TrainingRunInput(models.Model):
    """One dataset version of a run, with the sha256 and agreements recorded when it was authorised."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="inputs")
    dataset_version = models.ForeignKey("datasets_app.DatasetVersion", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    # {run field: this version's column}: the version's released columns read under the run's common
    # names (a `body` read as `text`); {} = the same names. The gate judges the mapped columns (G1).
    column_map = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Scrubbed sha256 recorded at launch")
    agreements = models.ManyToManyField("agreements.Agreement", blank=True, related_name="training_inputs")
    # What the agreements said when they authorised this input (ids, dates, terms digest).
    authorization_snapshot = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "dataset_version"], name="run_input_unique_version")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.dataset_version_id}"
