"""Launching a run: input validation, THE gate (columns released by the steward included, G1),
the inputs with the agreements that authorised them, and the hand-over to the gpu queue."""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.exceptions import ApplicationError
from datasets_app.models import DatasetVersion
from training.artifacts import agreement_snapshot
from training.gate import GateResult, check_training_gate
from training.models import (
    LABEL_FREE_TASKS,
    BaseModel,
    Purpose,
    RunState,
    TrainingRun,
    TrainingRunInput,
    TrainingTask,
)
from training.services.runs import enqueue_run, require_admin

# Hyperparameter bounds: beyond them a run is a mistake, not a choice.
LIMITS = {
    "epochs": (1, 100),
    "batch_size": (1, 4096),
    "max_length": (8, 8192),
    "learning_rate": (1e-8, 1.0),
}


def _validate_launch(
    *,
    base_model: BaseModel,
    dataset_versions: Sequence[DatasetVersion],
    task: str,
    purpose: str,
    text_fields: list[str],
    label_field: str,
    split_field: str,
    column_maps: dict[int, dict[str, str]],
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
    if not label_field and task not in LABEL_FREE_TASKS:
        problems.append("Name the label field.")
    if hyper.get("lora"):
        for name, (low, high) in LORA_LIMITS.items():
            value = hyper[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
                problems.append(f"{name} must be between {low} and {high}.")
    for name, (low, high) in LIMITS.items():
        value = hyper[name]  # noqa: B007
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"{name} must be between {low} and {high}.")
    for version in dataset_versions:
        columns = set(version.columns or [])
        mapping = column_maps.get(version.pk, {})
        read = [mapping.get(f, f) for f in [*text_fields, label_field, split_field] if f]
        missing = [f for f in read if columns and f not in columns]
        if missing:
            problems.append(f"{version}: has no column(s) {', '.join(missing)}.")
    if problems:
        raise ApplicationError("The run cannot be launched as specified.", reasons=problems)


LORA_LIMITS = {"lora_r": (1, 256), "lora_alpha": (1, 1024), "lora_dropout": (0.0, 0.9)}


def default_fields(dataset_versions: Sequence[DatasetVersion]) -> tuple[list[str], str]:
    """Text and label fields from the versions: the first version's, as the steward released them."""
    for version in dataset_versions:
        if version.text_fields or version.label_field:
            return list(version.text_fields or []), version.label_field or ""
    return [], ""


def parse_column_mapping(
    column_mapping: Mapping[Any, Mapping[str, str]] | None, versions: Sequence[DatasetVersion]
) -> dict[int, dict[str, str]]:
    """{version id: {run field: that version's column}} from the form or the API, shape-checked. Which
    columns a mapping may point at is THE gate's question (G1), asked at launch and in the worker."""
    chosen = {version.pk for version in versions}
    maps: dict[int, dict[str, str]] = {}
    problems = []
    for key, mapping in (column_mapping or {}).items():
        version_id = int(key) if str(key).isdigit() else None
        if version_id not in chosen:
            problems.append(f"The column mapping names dataset version {key}, which is not an input of this run.")
            continue
        if not isinstance(mapping, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in mapping.items()):
            problems.append(f"The column mapping of version #{version_id} must map field names to column names.")
            continue
        maps[version_id] = {k.strip(): v.strip() for k, v in mapping.items() if k.strip() and v.strip()}
    if problems:
        raise ApplicationError("The run cannot be launched as specified.", reasons=problems)
    return maps


def default_split_field(dataset_versions: Sequence[DatasetVersion]) -> str:
    """The steward-declared split column when every version declares the same one, else "" (seeded)."""
    declared = {version.split_field for version in dataset_versions}
    return declared.pop() if len(declared) == 1 else ""


def training_run_launch(
    *,
    actor,
    base_model: BaseModel,
    dataset_versions: Sequence[DatasetVersion],
    purpose: str = Purpose.RESEARCH,
    task: str = TrainingTask.TEXT_CLASSIFICATION,
    text_fields: Sequence[str] | None = None,
    label_field: str | None = None,
    split_field: str | None = None,
    column_mapping: Mapping[Any, Mapping[str, str]] | None = None,
    epochs: int = 3,
    learning_rate: float = 5e-5,
    batch_size: int = 16,
    max_length: int = 128,
    seed: int = 42,
    lora: bool = False,
    lora_r: int = 8,
    lora_alpha: int = 16,
    lora_dropout: float = 0.1,
    lora_target_modules: Sequence[str] = (),
) -> TrainingRun:
    """Launch a run through THE gate. Admins only (403).

    A refused launch is still recorded: the run is saved as `denied` with every reason (check
    `run.state`; the API answers 403 with `run.denial_reasons`). Asking for a column the steward
    did not release (G1) is such a refusal. An allowed run is `queued` and handed to the gpu
    queue once this transaction commits. `split_field`: None = the versions' declared split
    column when they all declare the same one; "" = a seeded split; a name = that column, which
    must be every version's declared split column (G1). `column_mapping`: {version id: {run
    field: that version's column}} when versions name their columns differently (a `body` read as
    the run's `text`); the gate holds each mapped column to that version's released ones (G1).
    """
    require_admin(actor, "launch training runs")
    versions = list(dataset_versions)
    default_text, default_label = default_fields(versions)
    text_fields = list(text_fields) if text_fields else default_text
    # A causal-LM run reads text only: the version's label column is not defaulted in (G1).
    label_field = label_field or ("" if task in LABEL_FREE_TASKS else default_label)
    split_field = default_split_field(versions) if split_field is None else split_field.strip()
    column_maps = parse_column_mapping(column_mapping, versions)
    hyper = {"epochs": epochs, "learning_rate": learning_rate, "batch_size": batch_size, "max_length": max_length}
    lora_settings = {"lora": bool(lora), "lora_r": lora_r, "lora_alpha": lora_alpha, "lora_dropout": lora_dropout,
                     "lora_target_modules": [str(m).strip() for m in lora_target_modules or () if str(m).strip()]}
    _validate_launch(
        base_model=base_model, dataset_versions=versions, task=task, purpose=purpose,
        text_fields=text_fields, label_field=label_field, split_field=split_field,
        column_maps=column_maps, hyper={**hyper, **lora_settings},
    )
    with transaction.atomic():
        gate = check_training_gate(dataset_versions=versions, base_model=base_model, purpose=purpose,
                                   text_fields=text_fields, label_field=label_field, task=task,
                                   split_field=split_field, column_maps=column_maps)
        task_id = str(uuid.uuid4()) if gate.allowed else ""
        run = TrainingRun(
            base_model=base_model, task=task, text_fields=text_fields, label_field=label_field,
            split_field=split_field, purpose=purpose, launched_by=actor, seed=seed, celery_task_id=task_id,
            state=RunState.QUEUED if gate.allowed else RunState.DENIED,
            denial_reasons=gate.reasons, **hyper, **lora_settings,
        )
        if not gate.allowed:
            run.finished_at = timezone.now()
        run.save()
        _record_inputs(run, versions, gate, column_maps)
        record_event(
            actor=actor,
            action="training_run.launched" if gate.allowed else "training_run.denied",
            target=run,
            after={"state": run.state},
            metadata={
                "base_model": base_model.name,
                "dataset_versions": [version.pk for version in versions],
                "purpose": purpose,
                "text_fields": text_fields,
                "label_field": label_field,
                "split_field": split_field,
                "column_mapping": {str(key): value for key, value in column_maps.items()},
                "reasons": gate.reasons,
                "coverage": {str(key): value for key, value in gate.coverage.items()},
            },
        )
        if gate.allowed:
            enqueue_run(run.pk, task_id)
    return run


def _record_inputs(run: TrainingRun, versions: Sequence[DatasetVersion], gate: GateResult,
                   column_maps: dict[int, dict[str, str]]) -> None:
    for position, version in enumerate(versions):
        covering = gate.agreements.get(version.pk, [])
        run_input = TrainingRunInput.objects.create(
            run=run, dataset_version=version, position=position, sha256=version.scrubbed_sha256,
            column_map=column_maps.get(version.pk, {}),
            authorization_snapshot=[agreement_snapshot(agreement) for agreement in covering],
        )
        if covering:
            run_input.agreements.add(*covering)
