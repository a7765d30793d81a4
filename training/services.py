"""Every write to base models and training runs.

Each state change runs in one transaction with its audit event. The worker path
(`training_run_execute`) re-runs THE gate before the first byte is read and between epochs; the
revocation path (`training_runs_stop_for_ended_agreement`) runs inside the agreement's revoke or
expire transaction, so an ended agreement and the runs it stops commit together.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.rules import is_admin
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden
from datasets_app.models import DatasetVersion
from training import core
from training.artifacts import agreement_snapshot, write_artifacts
from training.gate import GateResult, check_training_gate
from training.inputs import verified_inputs
from training.models import (
    ACTIVE_STATES,
    CORE_TASK_NAMES,
    BaseModel,
    Purpose,
    RunState,
    TrainingRun,
    TrainingRunInput,
    TrainingTask,
)

logger = logging.getLogger(__name__)

PROGRESS_WRITE_SECONDS = 2.0  # live progress is written at most this often
STOP_POLL_SECONDS = 2.0  # should_stop reads the run's state (and beats) at most this often
MAX_CHART_POINTS = 400

# Hyperparameter bounds: beyond them a run is a mistake, not a choice.
LIMITS = {
    "epochs": (1, 100),
    "batch_size": (1, 4096),
    "max_length": (8, 8192),
    "learning_rate": (1e-8, 1.0),
}


def _require_admin(actor, action: str) -> None:
    if not is_admin(actor):
        raise forbidden(f"Only admins (ML ops) may {action}.")


def _state(run: TrainingRun) -> dict[str, Any]:
    return {"state": run.state}


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "ACCORD_RUN_HEARTBEAT_TIMEOUT", 600))


def max_attempts() -> int:
    return getattr(settings, "ACCORD_RUN_MAX_ATTEMPTS", 3)


def new_run_dir(run_id: int) -> str:
    # A random suffix: ids restart when a database is rebuilt, checkpoints on disk must not be reused.
    return str(Path(settings.ACCORD_RUNS_ROOT) / f"run-{run_id}-{uuid.uuid4().hex[:8]}")


# --- base models -----------------------------------------------------------------------------
@transaction.atomic
def base_model_register(
    *,
    name: str,
    license: str,
    actor,
    package_name: str = "",
    local_path: str = "",
    supported_tasks: Sequence[str] = (TrainingTask.TEXT_CLASSIFICATION,),
    description: str = "",
    is_active: bool = True,
) -> BaseModel:
    """Register (or update, idempotently) an allowed base model. Admins only; actor None = system/seed."""
    if actor is not None:
        _require_admin(actor, "register base models")
    if bool(package_name) == bool(local_path):
        raise ApplicationError("Give exactly one of a local path or a Python package name.")
    if not license.strip():
        raise ApplicationError("A base model needs its licence (SPDX identifier).")
    unknown = set(supported_tasks) - set(TrainingTask.values)
    if unknown:
        raise ApplicationError(f"Unknown task(s): {', '.join(sorted(unknown))}.")
    candidate = BaseModel(
        name=name,
        source=BaseModel.Source.PACKAGE if package_name else BaseModel.Source.PATH,
        package_name=package_name,
        local_path=str(local_path),
    )
    try:
        resolved = candidate.resolve_path()
    except core.ModelNotFoundError as exc:
        raise ApplicationError(str(exc)) from exc
    if not (resolved / "config.json").is_file():
        raise ApplicationError(f"{resolved} holds no model (config.json missing). Models load from local files only.")
    fields = {
        "source": candidate.source,
        "package_name": package_name,
        "local_path": str(local_path),
        "license": license.strip(),
        "supported_tasks": list(supported_tasks),
        "description": description,
        "is_active": is_active,
    }
    existing = BaseModel.objects.select_for_update().filter(name=name).first()
    if existing is not None:
        before = {key: getattr(existing, key) for key in fields}
        if before == fields:
            return existing
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        record_event(actor=actor, action="base_model.updated", target=existing, before=before, after=fields)
        return existing
    model = BaseModel.objects.create(name=name, **fields)
    record_event(actor=actor, action="base_model.registered", target=model, after=fields)
    return model


# --- launch ------------------------------------------------------------------------------------
def _validate_launch(
    *,
    base_model: BaseModel,
    dataset_versions: Sequence[DatasetVersion],
    task: str,
    purpose: str,
    text_fields: list[str],
    label_field: str,
    hyper: dict[str, Any],
) -> None:
    problems = []
    if task not in TrainingTask.values:
        problems.append(f"Unknown task {task!r}.")
    elif base_model.supported_tasks and task not in base_model.supported_tasks:
        problems.append(f"Base model {base_model.name} does not support {task}.")
    if purpose not in Purpose.values:
        problems.append(f"Unknown purpose {purpose!r}; choose research or commercial.")
    if not dataset_versions:
        problems.append("Choose at least one dataset version.")
    if len({version.pk for version in dataset_versions}) != len(dataset_versions):
        problems.append("A dataset version is listed twice.")
    if not text_fields:
        problems.append("Name the text field(s) to train on.")
    if not label_field:
        problems.append("Name the label field.")
    for name, (low, high) in LIMITS.items():
        value = hyper[name]
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"{name} must be between {low} and {high}.")
    for version in dataset_versions:
        columns = set(version.columns or [])
        missing = [f for f in [*text_fields, label_field] if f and columns and f not in columns]
        if missing:
            problems.append(f"{version}: has no column(s) {', '.join(missing)}.")
    if problems:
        raise ApplicationError("The run cannot be launched as specified.", reasons=problems)


def default_fields(dataset_versions: Sequence[DatasetVersion]) -> tuple[list[str], str]:
    """Text and label fields from the versions: the first version's, as the steward declared them."""
    for version in dataset_versions:
        if version.text_fields or version.label_field:
            return list(version.text_fields or []), version.label_field or ""
    return [], ""


def training_run_launch(
    *,
    actor,
    base_model: BaseModel,
    dataset_versions: Sequence[DatasetVersion],
    purpose: str = Purpose.RESEARCH,
    task: str = TrainingTask.TEXT_CLASSIFICATION,
    text_fields: Sequence[str] | None = None,
    label_field: str | None = None,
    epochs: int = 3,
    learning_rate: float = 5e-5,
    batch_size: int = 16,
    max_length: int = 128,
    seed: int = 42,
) -> TrainingRun:
    """Launch a run through THE gate. Admins only (403).

    A refused launch is still recorded: the run is saved as `denied` with every reason (check
    `run.state`; the API answers 403 with `run.denial_reasons`). An allowed one is `queued` and
    handed to the gpu queue once this transaction commits.
    """
    _require_admin(actor, "launch training runs")
    versions = list(dataset_versions)
    default_text, default_label = default_fields(versions)
    text_fields = list(text_fields) if text_fields else default_text
    label_field = label_field or default_label
    hyper = {"epochs": epochs, "learning_rate": learning_rate, "batch_size": batch_size, "max_length": max_length}
    _validate_launch(
        base_model=base_model, dataset_versions=versions, task=task, purpose=purpose,
        text_fields=text_fields, label_field=label_field, hyper=hyper,
    )
    with transaction.atomic():
        gate = check_training_gate(dataset_versions=versions, base_model=base_model, purpose=purpose)
        task_id = str(uuid.uuid4()) if gate.allowed else ""
        run = TrainingRun(
            base_model=base_model, task=task, text_fields=text_fields, label_field=label_field,
            purpose=purpose, launched_by=actor, seed=seed, celery_task_id=task_id,
            state=RunState.QUEUED if gate.allowed else RunState.DENIED,
            denial_reasons=gate.reasons, **hyper,
        )
        if not gate.allowed:
            run.finished_at = timezone.now()
        run.save()
        _record_inputs(run, versions, gate)
        record_event(
            actor=actor,
            action="training_run.launched" if gate.allowed else "training_run.denied",
            target=run,
            after={"state": run.state},
            metadata={
                "base_model": base_model.name,
                "dataset_versions": [version.pk for version in versions],
                "purpose": purpose,
                "reasons": gate.reasons,
                "coverage": {str(key): value for key, value in gate.coverage.items()},
            },
        )
        if gate.allowed:
            transaction.on_commit(lambda: _enqueue(run.pk, task_id))
    return run


def _record_inputs(run: TrainingRun, versions: Sequence[DatasetVersion], gate: GateResult) -> None:
    for position, version in enumerate(versions):
        covering = gate.agreements.get(version.pk, [])
        run_input = TrainingRunInput.objects.create(
            run=run, dataset_version=version, position=position, sha256=version.scrubbed_sha256,
            authorization_snapshot=[agreement_snapshot(agreement) for agreement in covering],
        )
        if covering:
            run_input.agreements.add(*covering)


def _enqueue(run_id: int, task_id: str) -> None:
    from training.tasks import train_run

    train_run.apply_async(args=[run_id], task_id=task_id or None)


# --- cancel ------------------------------------------------------------------------------------
@transaction.atomic
def training_run_cancel(*, run: TrainingRun, actor, reason: str = "") -> TrainingRun:
    """Stop a run. The worker notices through should_stop (every step) and stops cleanly."""
    _require_admin(actor, "cancel training runs")
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_active:
        raise conflict(f"Run #{run.pk} is {run.state}; only queued or running runs can be cancelled.")
    before = _state(run)
    run.cancel()
    run.cancel_reason = reason.strip() or f"Cancelled by {actor.get_username()}."
    run.cancelled_by = actor
    run.finished_at = timezone.now()
    run.save()
    record_event(actor=actor, action="training_run.cancelled", target=run, before=before,
                 after={**_state(run), "reason": run.cancel_reason})
    return run


# --- the worker ----------------------------------------------------------------------------------
def training_run_execute(*, run_id: Any, task_id: str = "") -> str:
    """Everything the gpu worker does for one run. Returns what happened (for the task result).

    Order matters: claim (queued -> authorizing), THE gate, hash-verify every input, and only
    then running + the trainer. A forged id, or a run in any state but queued, touches nothing.
    """
    run = _claim(run_id, task_id)
    if run is None:
        return "ignored"
    versions = [run_input.dataset_version for run_input in run.inputs.select_related("dataset_version__dataset")]
    gate = check_training_gate(dataset_versions=versions, base_model=run.base_model, purpose=run.purpose)
    if not gate.allowed:
        _deny(run.pk, gate.reasons)
        return "denied"
    drifted = [
        f"{run_input.dataset_version}: its approved sha256 differs from the one recorded at launch"
        for run_input in run.inputs.select_related("dataset_version__dataset")
        if run_input.sha256 != run_input.dataset_version.scrubbed_sha256
    ]
    if drifted:  # approved versions are frozen; a difference means someone edited the database
        _deny(run.pk, drifted)
        return "denied"
    _record_worker_coverage(run, gate)
    try:
        inputs = verified_inputs(versions)
    except core.DataIntegrityError as exc:
        _deny(run.pk, [f"Scrubbed file integrity check failed, nothing was read: {exc}"])
        return "denied"
    except OSError as exc:
        _deny(run.pk, [f"A scrubbed file could not be opened: {exc}"])
        return "denied"
    run = _start(run.pk)
    if run is None:
        return "stopped"

    hooks = _RunHooks(run)
    # Models load from local files only; never let a typo turn into a hub download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    run_dir = Path(run.run_dir)
    output_dir = run_dir / "model"
    try:
        config = core.TrainConfig(
            base_model_path=str(run.base_model.resolve_path()),
            task=CORE_TASK_NAMES[run.task],
            text_fields=tuple(run.text_fields),
            label_field=run.label_field,
            epochs=run.epochs,
            learning_rate=run.learning_rate,
            batch_size=run.batch_size,
            max_length=run.max_length,
            seed=run.seed,
        )
        result = core.train(
            config,
            inputs=inputs,
            run_dir=run_dir / "checkpoints",
            output_dir=output_dir,
            progress=hooks.progress,
            should_stop=hooks.should_stop,
            between_epochs=hooks.between_epochs,
            resume=True,
        )
    except core.RunStopped as exc:
        _stopped(run.pk, exc.reason)
        return "cancelled"
    except SoftTimeLimitExceeded:
        _fail(run.pk, "The run exceeded the worker's time limit (CELERY_TASK_SOFT_TIME_LIMIT).")
        return "failed"
    except Exception as exc:  # the run records why; the worker lives on
        logger.exception("Training run %s failed", run.pk)
        _fail(run.pk, f"{type(exc).__name__}: {exc}")
        return "failed"
    hooks.flush()
    return _finish(run.pk, result, config, output_dir)


@transaction.atomic
def _claim(run_id: Any, task_id: str) -> TrainingRun | None:
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        logger.warning("train_run called with a malformed run id %r; ignored", run_id)
        return None
    run = TrainingRun.objects.select_for_update().select_related("base_model").filter(pk=run_id).first()
    if run is None:
        logger.warning("train_run called for run %s, which does not exist; ignored", run_id)
        return None
    if run.state != RunState.QUEUED:
        logger.warning("train_run called for run %s in state %s (not queued); ignored", run_id, run.state)
        return None
    before = _state(run)
    run.authorize()
    run.attempts += 1
    run.heartbeat_at = timezone.now()
    run.started_at = run.started_at or run.heartbeat_at
    if task_id:
        run.celery_task_id = task_id
    run.run_dir = run.run_dir or new_run_dir(run.pk)  # kept across attempts: resume finds its checkpoint
    run.save()
    record_event(actor=None, action="training_run.authorizing", target=run, before=before,
                 after=_state(run), metadata={"attempt": run.attempts})
    return run


def _locked_active(run_id: int) -> TrainingRun | None:
    run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
    return run if run is not None and run.is_active else None


@transaction.atomic
def _deny(run_id: int, reasons: list[str]) -> None:
    run = _locked_active(run_id)
    if run is None or run.state == RunState.RUNNING:
        return
    before = _state(run)
    run.deny()
    run.denial_reasons = reasons
    run.finished_at = timezone.now()
    run.save()
    record_event(actor=None, action="training_run.denied", target=run, before=before, after=_state(run),
                 metadata={"reasons": reasons, "stage": "worker"})


def _record_worker_coverage(run: TrainingRun, gate: GateResult) -> None:
    """The agreements that authorised each input in the worker join those recorded at launch."""
    with transaction.atomic():
        for run_input in run.inputs.all():
            covering = gate.agreements.get(run_input.dataset_version_id, [])
            known = {entry.get("id") for entry in run_input.authorization_snapshot}
            added = [agreement for agreement in covering if agreement.pk not in known]
            if added:
                run_input.agreements.add(*added)
                run_input.authorization_snapshot = [*run_input.authorization_snapshot,
                                                    *(agreement_snapshot(a) for a in added)]
                run_input.save(update_fields=["authorization_snapshot"])


@transaction.atomic
def _start(run_id: int) -> TrainingRun | None:
    run = _locked_active(run_id)
    if run is None or run.state != RunState.AUTHORIZING:
        return None
    before = _state(run)
    run.start()
    run.heartbeat_at = timezone.now()
    run.save()
    record_event(actor=None, action="training_run.started", target=run, before=before, after=_state(run))
    return TrainingRun.objects.select_related("base_model").get(pk=run_id)


@transaction.atomic
def _stopped(run_id: int, reason: str) -> None:
    """The trainer stopped on purpose. If nobody recorded why yet (state still active), do it now."""
    run = _locked_active(run_id)
    if run is None:
        return
    before = _state(run)
    run.cancel()
    run.cancel_reason = run.cancel_reason or f"Stopped: {reason}"
    run.finished_at = timezone.now()
    run.save()
    record_event(actor=None, action="training_run.cancelled", target=run, before=before,
                 after={**_state(run), "reason": run.cancel_reason})


@transaction.atomic
def _fail(run_id: int, reason: str) -> None:
    run = _locked_active(run_id)
    if run is None:
        return
    before = _state(run)
    run.fail()
    run.failure_reason = reason[:5000]
    run.finished_at = timezone.now()
    run.save()
    record_event(actor=None, action="training_run.failed", target=run, before=before,
                 after={**_state(run), "reason": run.failure_reason})


def _finish(run_id: int, result: core.TrainResult, config: core.TrainConfig, output_dir: Path) -> str:
    run = TrainingRun.objects.select_related("base_model", "launched_by").get(pk=run_id)
    archive = write_artifacts(run, result, config, output_dir)
    with transaction.atomic():
        run = _locked_active(run_id)
        if run is None or run.state != RunState.RUNNING:
            return "cancelled"  # stopped (revoked, cancelled) after the last epoch: nothing is published
        versions = [run_input.dataset_version for run_input in run.inputs.select_related("dataset_version__dataset")]
        gate = check_training_gate(dataset_versions=versions, base_model=run.base_model, purpose=run.purpose)
        if not gate.allowed:
            before = _state(run)
            run.cancel()
            run.cancel_reason = "Authorisation ended before the model was published: " + "; ".join(gate.reasons)
            run.finished_at = timezone.now()
            run.save()
            record_event(actor=None, action="training_run.cancelled", target=run, before=before,
                         after={**_state(run), "reason": run.cancel_reason})
            return "cancelled"
        before = _state(run)
        for field_name, path in (("model_archive", archive), ("model_card", output_dir / core.MODEL_CARD),
                                 ("attribution_manifest", output_dir / core.ATTRIBUTION_MANIFEST)):
            with open(path, "rb") as handle:
                getattr(run, field_name).save(path.name, File(handle), save=False)
        run.succeed()
        run.final_metrics = result.final_metrics
        run.device = f"{result.device} ({result.precision})"
        run.samples_per_sec = result.samples_per_sec
        run.step = run.total_steps = result.global_steps
        run.epoch = len(result.history)
        run.metrics_history = [entry.__dict__ for entry in result.history]
        run.finished_at = run.heartbeat_at = timezone.now()
        run.save()
        record_event(actor=None, action="training_run.succeeded", target=run, before=before, after=_state(run),
                     metadata={"metrics": result.final_metrics, "archive": run.model_archive.name})
    shutil.rmtree(output_dir.parent / "checkpoints", ignore_errors=True)  # the model is published
    return "succeeded"


class _RunHooks:
    """The trainer's callbacks: live progress, cancellation and THE gate between epochs."""

    def __init__(self, run: TrainingRun) -> None:
        self.run_id = run.pk
        self.metrics_history = list(run.metrics_history or [])
        self.loss_history = list(run.loss_history or [])
        self.pending: dict[str, Any] = {}
        self.last_write = 0.0
        self.last_poll = 0.0

    def progress(self, info: dict[str, Any]) -> None:
        self.pending = {
            "step": info["step"], "total_steps": info["total_steps"], "epoch": info["epoch"],
            "loss": _finite(info.get("loss")), "samples_per_sec": _finite(info.get("samples_per_sec")),
        }
        if self.pending["loss"] is not None:
            self.loss_history.append([info["step"], round(self.pending["loss"], 5)])
            if len(self.loss_history) > MAX_CHART_POINTS:
                self.loss_history = self.loss_history[::2]
        if "metrics" in info:
            self.metrics_history.append({key: _finite(value) for key, value in info["metrics"].items()})
            self.flush()  # an epoch's metrics are written at once, not throttled
        elif time.monotonic() - self.last_write >= PROGRESS_WRITE_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        TrainingRun.objects.filter(pk=self.run_id, state=RunState.RUNNING).update(
            **self.pending, metrics_history=self.metrics_history, loss_history=self.loss_history,
            heartbeat_at=timezone.now(),
        )
        self.last_write = time.monotonic()

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self.last_poll < STOP_POLL_SECONDS:
            return False
        self.last_poll = now
        # Polling doubles as the heartbeat: a live worker keeps it fresh between progress writes.
        alive = TrainingRun.objects.filter(pk=self.run_id, state=RunState.RUNNING).update(heartbeat_at=timezone.now())
        return alive == 0

    def between_epochs(self, *_ignored: object) -> None:
        """THE gate again before each further epoch: a revoked or expired agreement stops the run."""
        run = TrainingRun.objects.select_related("base_model").get(pk=self.run_id)
        if run.state != RunState.RUNNING:
            raise core.RunStopped(run.cancel_reason or f"run is {run.state}")
        versions = [i.dataset_version for i in run.inputs.select_related("dataset_version__dataset")]
        gate = check_training_gate(dataset_versions=versions, base_model=run.base_model, purpose=run.purpose)
        if not gate.allowed:
            reason = _ended_authorisation_reason(run, gate, before_epoch=len(self.metrics_history) + 1)
            _cancel_for_authorisation(self.run_id, reason)
            raise core.RunStopped(reason)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _ended_authorisation_reason(run: TrainingRun, gate: GateResult, *, before_epoch: int | None = None) -> str:
    from agreements.selectors import agreement_in_force

    ended = []
    for run_input in run.inputs.prefetch_related("agreements"):
        for agreement in run_input.agreements.all():
            if not agreement_in_force(agreement):
                ended.append(f"agreement #{agreement.pk} ({getattr(agreement, 'state', 'ended')})")
    where = f" before epoch {before_epoch}" if before_epoch else ""
    named = f"{', '.join(dict.fromkeys(ended))} no longer in force" if ended else "authorisation no longer holds"
    return f"Stopped{where}: {named}. " + "; ".join(gate.reasons)


@transaction.atomic
def _cancel_for_authorisation(run_id: int, reason: str, *, actor=None, agreement=None) -> None:
    run = _locked_active(run_id)
    if run is None:
        return
    before = _state(run)
    run.cancel()
    run.cancel_reason = reason
    run.finished_at = timezone.now()
    run.save()
    record_event(actor=actor, action="training_run.cancelled", target=run, before=before,
                 after={**_state(run), "reason": reason},
                 metadata={"agreement": agreement.pk} if agreement is not None else {})


# --- agreements ending (signal receiver) -------------------------------------------------------
@transaction.atomic
def training_runs_stop_for_ended_agreement(*, agreement, reason: str, actor=None) -> list[int]:
    """Stop active runs and mark finished models that relied on `agreement` (invariant 3).

    Rule: a run stays valid only if every input is still covered by an agreement in force, other
    than the ended one, that permits the run's uses (THE gate, re-run now). Otherwise active runs
    are cancelled naming the agreement, and succeeded runs' models are marked revoked and their
    downloads refused. Returns the ids of the runs affected.
    """
    affected = []
    run_ids = set(
        TrainingRun.objects.filter(inputs__agreements=agreement, state__in=[*ACTIVE_STATES, RunState.SUCCEEDED])
        .values_list("pk", flat=True)
    )
    for run_id in sorted(run_ids):  # one lock per run (PostgreSQL refuses FOR UPDATE with DISTINCT)
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.state == RunState.SUCCEEDED and run.model_revoked_at:
            continue
        if _still_authorised(run, excluding=agreement):
            continue
        message = f"Agreement #{agreement.pk} was {reason}; its data may no longer be used."
        if run.is_active:
            _cancel_for_authorisation(run.pk, message, actor=actor, agreement=agreement)
        else:
            run.model_revoked_at = timezone.now()
            run.model_revoked_reason = message
            run.save(update_fields=["model_revoked_at", "model_revoked_reason", "updated_at"])
            record_event(actor=actor, action="training_run.model_revoked", target=run,
                         after={"model_revoked_reason": message}, metadata={"agreement": agreement.pk})
        affected.append(run.pk)
    return affected


def _still_authorised(run: TrainingRun, *, excluding) -> bool:
    versions = [i.dataset_version for i in run.inputs.select_related("dataset_version__dataset")]
    gate = check_training_gate(dataset_versions=versions, base_model=run.base_model, purpose=run.purpose)
    if not gate.allowed:
        return False
    # The ended agreement may not yet read as ended inside its own transaction: never count it.
    return all(set(ids) - {excluding.pk} for ids in gate.coverage.values())


# --- the reaper ----------------------------------------------------------------------------------
def training_runs_reap_stale(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Runs whose worker stopped beating are resumed from their checkpoint, or failed after N tries."""
    now = now or timezone.now()
    cutoff = now - heartbeat_timeout()
    stale_ids = list(
        TrainingRun.objects.filter(state__in=[RunState.AUTHORIZING, RunState.RUNNING], heartbeat_at__lt=cutoff)
        .values_list("pk", flat=True)
    ) + list(
        TrainingRun.objects.filter(state__in=[RunState.AUTHORIZING, RunState.RUNNING], heartbeat_at__isnull=True,
                                   updated_at__lt=cutoff).values_list("pk", flat=True)
    )
    outcome: dict[str, list[int]] = {"requeued": [], "failed": []}
    for run_id in stale_ids:
        result = _reap_one(run_id, cutoff)
        if result:
            outcome[result].append(run_id)
    return outcome


@transaction.atomic
def _reap_one(run_id: int, cutoff: dt.datetime) -> str | None:
    run = _locked_active(run_id)
    if run is None or run.state == RunState.QUEUED or (run.heartbeat_at and run.heartbeat_at >= cutoff):
        return None  # it moved on, or beat again, while we looked
    before = _state(run)
    silent_since = run.heartbeat_at.isoformat() if run.heartbeat_at else "never"
    if run.attempts >= max_attempts():
        run.fail()
        run.failure_reason = (
            f"The worker stopped reporting (last heartbeat {silent_since}) and the run already had "
            f"{run.attempts} attempt(s); giving up."
        )
        run.finished_at = timezone.now()
        run.save()
        record_event(actor=None, action="training_run.failed", target=run, before=before,
                     after={**_state(run), "reason": run.failure_reason})
        return "failed"
    run.requeue()
    run.celery_task_id = str(uuid.uuid4())
    run.save()
    record_event(actor=None, action="training_run.requeued", target=run, before=before, after=_state(run),
                 metadata={"last_heartbeat": silent_since, "attempts": run.attempts})
    task_id = run.celery_task_id
    transaction.on_commit(lambda: _enqueue(run_id, task_id))
    return "requeued"
