"""Everything the gpu worker does for one run.

THE gate (released columns included, G1) runs before the first byte is read and before every
further epoch; whether each input's agreements are still in force is asked at every progress
report and again at the moment of publishing (G4): nothing waits for the periodic expiry task.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from functools import partial
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from agreements.selectors import agreement_in_force
from audit.services import record_event
from reliability.heartbeat import beating
from training import core
from training.artifacts import agreement_snapshot, write_artifacts
from training.gate import GateResult, check_training_gate, describe_version, recorded_authorisation_problems
from training.inputs import verified_inputs
from training.models import CORE_TASK_NAMES, RunState, TrainingRun
from training.services.ending import cancel_for_authorisation
from training.services.runs import heartbeat_every, locked_active, new_run_dir, state_of, training_run_end

logger = logging.getLogger(__name__)

PROGRESS_WRITE_SECONDS = 2.0  # live progress is written at most this often
STOP_POLL_SECONDS = 2.0  # should_stop reads the run's state (and beats) at most this often
MAX_CHART_POINTS = 400


def _input_versions(run: TrainingRun) -> list:
    return [run_input.dataset_version for run_input in run.inputs.select_related("dataset_version__dataset")]


def column_maps_of(run: TrainingRun) -> dict[int, dict[str, str]]:
    """Each input's column mapping as stored now (an edit behind the services is judged, G1)."""
    return {run_input.dataset_version_id: dict(run_input.column_map or {}) for run_input in run.inputs.all()}


def _gate(run: TrainingRun, versions: list | None = None) -> GateResult:
    """THE gate for this run as stored now: its versions, purpose and the columns it asks for."""
    return check_training_gate(dataset_versions=versions if versions is not None else _input_versions(run),
                               base_model=run.base_model, purpose=run.purpose,
                               text_fields=run.text_fields, label_field=run.label_field, task=run.task,
                               split_field=run.split_field, column_maps=column_maps_of(run))


def training_run_execute(*, run_id: Any, task_id: str = "") -> str:
    """Everything the gpu worker does for one run. Returns what happened (for the task result).

    Order matters: claim (queued -> authorizing), THE gate, hash-verify every input, and only
    then running + the trainer. A forged id, or a run in any state but queued, touches nothing.
    """
    run = _claim(run_id, task_id)
    if run is None:
        return "ignored"
    # The process beats on its own while it works, so a short reaper timeout never reaps a live run.
    beat = partial(_beat, run.pk, run.celery_task_id)
    with beating(beat, every=heartbeat_every(), name=f"run-{run.pk}-heartbeat"):
        return _authorise_and_train(run)


def _beat(run_id: int, task_id: str) -> None:
    """This attempt is alive: only while the run is active and still this attempt's (a run the reaper
    requeued belongs to the next attempt, whose worker beats for it)."""
    TrainingRun.objects.filter(pk=run_id, state__in=[RunState.AUTHORIZING, RunState.RUNNING],
                               celery_task_id=task_id).update(heartbeat_at=timezone.now())


def _authorise_and_train(run: TrainingRun) -> str:
    versions = _input_versions(run)
    # The run row is read again here: text/label fields edited in the database after launch are
    # judged as they are now, before any file is opened (G1).
    gate = _gate(run, versions)
    if not gate.allowed:
        _deny(run.pk, gate.reasons)
        return "denied"
    drifted = [
        f"{describe_version(run_input.dataset_version)}: its approved sha256 differs from the one recorded at launch"
        for run_input in run.inputs.select_related("dataset_version__dataset")
        if run_input.sha256 != run_input.dataset_version.scrubbed_sha256
    ]
    if drifted:  # approved versions are frozen; a difference means someone edited the database
        _deny(run.pk, drifted)
        return "denied"
    _record_worker_coverage(run, gate)
    try:
        inputs = verified_inputs(versions, column_maps=column_maps_of(run), fields=_fields_read(run))
    except core.DataIntegrityError as exc:
        # The server path stays in the log; the reason an admin reads names the version and digests.
        logger.warning("Run %s: %s", run.pk, exc)
        named = next((describe_version(v) for v in versions if v.scrubbed_sha256 == exc.expected_sha256),
                     "an input")
        _deny(run.pk, [f"Scrubbed file integrity check failed for {named}, nothing was read: its sha256 "
                       f"{exc.actual_sha256} does not match the approved {exc.expected_sha256}."])
        return "denied"
    except OSError as exc:
        logger.warning("Run %s: a scrubbed file could not be opened: %s", run.pk, exc)
        _deny(run.pk, [f"A scrubbed file could not be opened ({exc.strerror or type(exc).__name__}); "
                       "nothing was read."])
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
            split_field=run.split_field or None,
            epochs=run.epochs,
            learning_rate=run.learning_rate,
            batch_size=run.batch_size,
            max_length=run.max_length,
            seed=run.seed,
            lora=run.lora,
            lora_r=run.lora_r,
            lora_alpha=run.lora_alpha,
            lora_dropout=run.lora_dropout,
            lora_target_modules=tuple(run.lora_target_modules or ()),
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


def _fields_read(run: TrainingRun) -> list[str]:
    return [*run.text_fields, *([run.label_field] if run.label_field else []),
            *([run.split_field] if run.split_field else [])]


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
    before = state_of(run)
    run.authorize()
    run.attempts += 1
    run.heartbeat_at = timezone.now()
    run.started_at = run.started_at or run.heartbeat_at
    if task_id:
        run.celery_task_id = task_id
    run.run_dir = run.run_dir or new_run_dir(run.pk)  # kept across attempts: resume finds its checkpoint
    run.save()
    record_event(actor=None, action="training_run.authorizing", target=run, before=before,
                 after=state_of(run), metadata={"attempt": run.attempts})
    return run


def _deny(run_id: int, reasons: list[str]) -> None:
    training_run_end(run_id=run_id, outcome=RunState.DENIED, reason=reasons,
                     metadata={"reasons": reasons, "stage": "worker"})


def _stopped(run_id: int, reason: str) -> None:
    """The trainer stopped on purpose. If nobody recorded why yet (state still active), do it now."""
    training_run_end(run_id=run_id, outcome=RunState.CANCELLED, reason=f"Stopped: {reason}", keep_reason=True)


def _fail(run_id: int, reason: str) -> None:
    training_run_end(run_id=run_id, outcome=RunState.FAILED, reason=reason)


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
    run = locked_active(run_id)
    if run is None or run.state != RunState.AUTHORIZING:
        return None
    before = state_of(run)
    run.start()
    run.heartbeat_at = timezone.now()
    run.save()
    record_event(actor=None, action="training_run.started", target=run, before=before, after=state_of(run))
    return TrainingRun.objects.select_related("base_model").get(pk=run_id)


def _finish(run_id: int, result: core.TrainResult, config: core.TrainConfig, output_dir: Path) -> str:
    run = TrainingRun.objects.select_related("base_model", "launched_by").get(pk=run_id)
    archive = write_artifacts(run, result, config, output_dir)
    with transaction.atomic():
        run = locked_active(run_id)
        if run is None or run.state != RunState.RUNNING:
            return "cancelled"  # stopped (revoked, cancelled) after the last epoch: nothing is published
        # Publishing is a use too (G4): THE gate and the recorded agreements, asked now.
        reasons = list(dict.fromkeys([*recorded_authorisation_problems(run), *_gate(run).reasons]))
        if reasons:
            cancel_for_authorisation(run_id, "Authorisation ended before the model was published: "
                                     + "; ".join(reasons))
            return "cancelled"
        before = state_of(run)
        for field_name, path in (("model_archive", archive), ("model_card", output_dir / core.MODEL_CARD),
                                 ("attribution_manifest", output_dir / core.ATTRIBUTION_MANIFEST)):
            with open(path, "rb") as handle:
                getattr(run, field_name).save(path.name, File(handle), save=False)
        run.succeed()
        run.final_metrics = _json_safe(result.final_metrics)
        run.test_metrics = _json_safe(result.test_metrics)
        run.evaluation = _json_safe(result.evaluation)
        run.adapter = result.adapter
        run.device = f"{result.device} ({result.precision})"
        run.samples_per_sec = result.samples_per_sec
        run.step = run.total_steps = result.global_steps
        run.epoch = len(result.history)
        run.metrics_history = [_json_safe(entry.__dict__) for entry in result.history]
        run.finished_at = run.heartbeat_at = timezone.now()
        run.save()
        record_event(actor=None, action="training_run.succeeded", target=run, before=before, after=state_of(run),
                     metadata={"metrics": run.final_metrics, "archive": run.model_archive.name,
                               "attempt": run.attempts, "resumed_from_epoch": result.resumed_from_epoch})
    shutil.rmtree(output_dir.parent / "checkpoints", ignore_errors=True)  # the model is published
    return "succeeded"


class _RunHooks:
    """The trainer's callbacks: live progress (with the in-force check), cancellation, THE gate
    between epochs."""

    def __init__(self, run: TrainingRun) -> None:
        self.run_id = run.pk
        self.metrics_history = list(run.metrics_history or [])
        self.loss_history = list(run.loss_history or [])
        self.pending: dict[str, Any] = {}
        self.last_write = 0.0
        self.last_poll = 0.0

    def progress(self, info: dict[str, Any]) -> None:
        self.still_authorised(step=info.get("step"))
        self.pending = {
            "step": info["step"], "total_steps": info["total_steps"], "epoch": info["epoch"],
            "loss": _finite(info.get("loss")), "samples_per_sec": _finite(info.get("samples_per_sec")),
        }
        if self.pending["loss"] is not None:
            # A resumed attempt redoes the steps after its checkpoint: the lost attempt's points for them go.
            self.loss_history = [point for point in self.loss_history if point[0] < info["step"]]
            self.loss_history.append([info["step"], round(self.pending["loss"], 5)])
            if len(self.loss_history) > MAX_CHART_POINTS:
                self.loss_history = self.loss_history[::2]
        if "metrics" in info:
            epoch = info["metrics"].get("epoch") or len(self.metrics_history) + 1
            self.metrics_history = [entry for entry in self.metrics_history if (entry.get("epoch") or 0) < epoch]
            self.metrics_history.append({
                key: {name: _finite(score) for name, score in value.items()} if isinstance(value, dict) else _finite(value)
                for key, value in info["metrics"].items()
            })
            self.flush()  # an epoch's metrics are written at once, not throttled
        elif time.monotonic() - self.last_write >= PROGRESS_WRITE_SECONDS:
            self.flush()

    def still_authorised(self, *, step: int | None = None) -> None:
        """G4 at every progress report: each input's agreements asked `agreement_in_force` now, so an
        end date passing mid-epoch stops the run whether or not the expiry task has run."""
        problems = recorded_authorisation_problems(TrainingRun(pk=self.run_id))
        if problems:
            where = f" at step {step}" if step is not None else ""
            reason = f"Stopped{where}: " + "; ".join(problems)
            cancel_for_authorisation(self.run_id, reason)
            raise core.RunStopped(reason)

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
        gate = _gate(run)
        if not gate.allowed:
            reason = _ended_authorisation_reason(run, gate, before_epoch=len(self.metrics_history) + 1)
            cancel_for_authorisation(self.run_id, reason)
            raise core.RunStopped(reason)


def _json_safe(value: Any) -> Any:
    """NaN / infinity (a metric a task does not have) become null: JSON columns refuse them."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float):
        return _finite(value)
    return value


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _ended_authorisation_reason(run: TrainingRun, gate: GateResult, *, before_epoch: int | None = None) -> str:
    ended = []
    for run_input in run.inputs.prefetch_related("agreements"):
        for agreement in run_input.agreements.all():
            if not agreement_in_force(agreement):
                ended.append(f"agreement #{agreement.pk} ({getattr(agreement, 'state', 'ended')})")
    where = f" before epoch {before_epoch}" if before_epoch else ""
    named = f"{', '.join(dict.fromkeys(ended))} no longer in force" if ended else "authorisation no longer holds"
    return f"Stopped{where}: {named}. " + "; ".join(gate.reasons)
