"""Model card (README.md with YAML front matter) and attribution manifest (attribution.json).

Governance invariant 6: every model artifact ships both. The Django layer gathers the facts
(dataset versions, contributors, agreements, scrubber config); this module only renders them,
deterministically, so the same facts always give byte-identical files.

Attribution manifest schema (version 1), a JSON object with sorted keys:
    schema_version: 1
    base_model: {"name": str, "path" | "package" | "sha256": ... (any identifying fields)}
    datasets: [ {"sha256": str (required: the scrubbed file trained on), "dataset": str,
                 "version": str|int, "contributor": str, "license": str, "attribution": str,
                 "agreements": [ {"id": ..., "approved_by": ..., "expires_at": ...} ], ...} ]
    scrubber: {...}            # scrubber name/version/config used for those files
    code_version: str          # e.g. git commit of Accord
    training: {...}            # TrainConfig.to_dict() and run id
    metrics: {...}             # final metrics
    artifacts: {file: sha256}  # see `artifact_digests`
Required: base_model, datasets (each with sha256), code_version. Other keys are free-form.
The card is built with huggingface_hub's ModelCard / ModelCardData (the Hub's schema: base_model,
datasets, license, model-index), so the Hub and its tools read it as they read any model card.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from .data import sha256_file

MANIFEST_SCHEMA_VERSION = 1
REQUIRED_MANIFEST_KEYS = ("base_model", "datasets", "code_version")
MODEL_CARD = "README.md"
ATTRIBUTION_MANIFEST = "attribution.json"

DatasetRef = str | Mapping[str, Any]


def _target(path: str | os.PathLike[str], default_name: str) -> Path:
    """`path` may be the artifact directory or the file itself."""
    target = Path(path)
    if target.is_dir() or not target.suffix:
        target = target / default_name
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _dataset_id(dataset: DatasetRef) -> str:
    if isinstance(dataset, str):
        return dataset
    name = str(dataset.get("dataset") or dataset.get("name") or dataset.get("sha256", "dataset"))
    version = dataset.get("version")
    return f"{name}@{version}" if version not in (None, "") else name


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return round(value, 6) if isinstance(value, float) else value


def build_card_data(
    *,
    base_model: str,
    datasets: Sequence[DatasetRef],
    license: str,
    metrics: Mapping[str, float],
    pipeline_tag: str,
    tags: Sequence[str],
    model_name: str,
    test_metrics: Mapping[str, float] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    adapter: Mapping[str, Any] | None = None,
) -> ModelCardData:
    """The card's YAML as huggingface_hub's `ModelCardData` (the Hub's own schema and serializer).

    model-index holds the validation metrics (split "validation"), the test metrics reported once
    (split "test") and, from `evaluation`, the F1 of every label / entity on the final split.
    """
    dataset_ids = [_dataset_id(dataset) for dataset in datasets]
    dataset_name = ", ".join(dataset_ids) or "accord"
    results: list[EvalResult] = []

    def add(split: str, values: Mapping[str, Any], *, config: str | None = None, prefix: str = "") -> None:
        for name in sorted(values):
            value = _finite_or_none(values[name])
            if value is None or not isinstance(value, (int, float)):
                continue
            results.append(EvalResult(
                task_type=pipeline_tag, dataset_type="accord", dataset_name=dataset_name, dataset_split=split,
                metric_type=name, metric_value=value, metric_name=f"{prefix}{name}", metric_config=config,
            ))

    add("validation", metrics)
    add("test", test_metrics or {})
    if evaluation:
        split = str(evaluation.get("split") or "test")
        for label, scores in sorted((evaluation.get("per_label") or evaluation.get("per_entity") or {}).items()):
            add(split, {key: scores[key] for key in ("precision", "recall", "f1") if key in scores},
                config=str(label), prefix=f"{label} ")
    extra: dict[str, Any] = {}
    if adapter:
        extra["library_name"] = "peft"
    return ModelCardData(
        base_model=base_model,
        datasets=dataset_ids,
        license=license,
        metrics=sorted(metrics),
        tags=sorted(set(tags)),
        pipeline_tag=pipeline_tag,
        model_name=model_name,
        eval_results=results or None,
        **extra,
    )


def render_front_matter(**kwargs: Any) -> str:
    return f"---\n{build_card_data(**kwargs).to_yaml()}\n---\n"


def write_model_card(
    path: str | os.PathLike[str],
    *,
    base_model: str,
    datasets: Sequence[DatasetRef],
    license: str,
    metrics: Mapping[str, float],
    intended_use: str,
    model_name: str = "accord-model",
    pipeline_tag: str = "text-classification",
    tags: Sequence[str] = (),
    label_names: Sequence[str] = (),
    training: Mapping[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] = (),
    limitations: str = "",
    governance: str = "",
    test_metrics: Mapping[str, float] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    adapter: Mapping[str, Any] | None = None,
    contributors: Sequence[Mapping[str, Any]] = (),
    agreements: Sequence[Mapping[str, Any]] = (),
) -> Path:
    """Write README.md (into `path` if it is a directory) with huggingface_hub's ModelCard; return its path.

    `datasets` items are ids or dicts with dataset/version/sha256/contributor/license/attribution.
    `adapter` (LoRA settings and the base model's sha256) marks the artifact as a PEFT adapter.
    `agreements` (id, terms_sha256, conditions, datasets) are the agreements that authorised the
    data, each with the conditions legal set on it: a user of the model inherits them.
    """
    target = _target(path, MODEL_CARD)
    tag_list = ["accord", pipeline_tag, *tags, *(["peft", "lora"] if adapter else [])]
    data = build_card_data(
        base_model=base_model, datasets=datasets, license=license, metrics=metrics, pipeline_tag=pipeline_tag,
        tags=tag_list, model_name=model_name, test_metrics=test_metrics, evaluation=evaluation, adapter=adapter,
    )
    kind = "a LoRA adapter (PEFT) for" if adapter else "fine-tuned from"
    parts = [
        f"# {model_name}\n",
        f"This model is {kind} `{base_model}`, trained by Accord on governed, PII-scrubbed data.\n",
        "## Intended use\n",
        f"{intended_use.strip()}\n",
    ]
    if adapter:
        parts += ["## Adapter\n", "Load the base model named above (its sha256 is recorded here and in "
                  f"`{ATTRIBUTION_MANIFEST}`), then this adapter with `peft.PeftModel.from_pretrained`.\n",
                  _key_value_list(adapter)]
    if limitations.strip():
        parts += ["## Limitations\n", f"{limitations.strip()}\n"]
    parts += ["## Training data\n", _datasets_section(datasets)]
    if contributors:
        parts += ["### Contributors\n", _contributors_section(contributors)]
    if label_names:
        parts += ["## Labels\n", ", ".join(f"`{name}`" for name in label_names) + "\n"]
    parts += ["## Evaluation\n"]
    if test_metrics:
        parts += ["### Test split (held out, evaluated once after the last epoch)\n", _metrics_table(test_metrics)]
    parts += ["### Validation (last epoch)\n", _metrics_table(metrics)]
    if evaluation:
        parts += _evaluation_sections(evaluation)
    if history:
        parts += ["### Per epoch (validation)\n", _history_table(history)]
    if training:
        parts += ["## Training procedure\n", _key_value_list(training)]
    parts += [
        "## Governance and attribution\n",
        (governance.strip() + "\n\n" if governance.strip() else "")
        + "Every input is listed with its sha256, contributor, licence and the agreements that"
        + f" authorised it in `{ATTRIBUTION_MANIFEST}` next to this card.\n",
    ]
    if agreements:
        parts += ["### Authorising agreements and their conditions\n", _agreements_section(agreements)]
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(parts))
    target.write_text(str(card), encoding="utf-8")
    return target


def _contributors_section(contributors: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for contributor in contributors:
        role = contributor.get("role") or contributor.get("roles")
        if isinstance(role, (list, tuple)):
            role = ", ".join(str(r) for r in role)
        rows.append(f"- {contributor.get('name', '?')}" + (f" ({role})" if role else ""))
    return "\n".join(rows) + "\n"


def _agreements_section(agreements: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for agreement in agreements:
        line = f"- Agreement #{agreement.get('id', '?')}"
        if agreement.get("terms_sha256"):
            line += f" (signed terms sha256 `{agreement['terms_sha256']}`)"
        if agreement.get("datasets"):
            line += ", covering " + ", ".join(str(d) for d in agreement["datasets"])
        conditions = [str(c) for c in agreement.get("conditions") or [] if str(c).strip()]
        if conditions:
            line += ". Conditions:\n" + "\n".join(f"  - {condition}" for condition in conditions)
        else:
            line += ". No conditions beyond the agreement's terms."
        rows.append(line)
    return "\n".join(rows) + "\n"


def _evaluation_sections(evaluation: Mapping[str, Any]) -> list[str]:
    split = evaluation.get("split", "test")
    parts: list[str] = []
    table = evaluation.get("per_label") or evaluation.get("per_entity")
    if table:
        what = "entity" if evaluation.get("per_entity") else "label"
        rows = [f"| {what} | precision | recall | f1 | support |", "|---|---|---|---|---|"]
        rows += [
            f"| {name} | {_format_number(float(s.get('precision', 0)))} | {_format_number(float(s.get('recall', 0)))}"
            f" | {_format_number(float(s.get('f1', 0)))} | {s.get('support', '')} |"
            for name, s in table.items()
        ]
        parts += [f"### Per {what} ({split} split)\n", "\n".join(rows) + "\n"]
    matrix = evaluation.get("confusion_matrix")
    labels = evaluation.get("labels") or []
    if matrix and labels:
        rows = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        rows += [f"| {labels[i]} | " + " | ".join(str(c) for c in row) + " |" for i, row in enumerate(matrix)]
        parts += [f"### Confusion matrix ({split} split)\n", "\n".join(rows) + "\n"]
    return parts


def _datasets_section(datasets: Sequence[DatasetRef]) -> str:
    if not datasets:
        return "(none listed)\n"
    rows = []
    for dataset in datasets:
        if isinstance(dataset, str):
            rows.append(f"- {dataset}")
            continue
        details = [f"**{_dataset_id(dataset)}**"]
        for key in ("contributor", "license", "sha256"):
            if dataset.get(key):
                details.append(f"{key}: `{dataset[key]}`" if key == "sha256" else f"{key}: {dataset[key]}")
        line = "- " + "; ".join(details)
        if dataset.get("attribution"):
            line += f"\n  - attribution: {dataset['attribution']}"
        if dataset.get("pii_operator"):
            line += f"\n  - PII replaced by: {dataset['pii_operator']}"
        if dataset.get("pii_kinds"):
            line += "\n  - kinds of PII replaced: " + ", ".join(str(kind) for kind in dataset["pii_kinds"])
        rows.append(line)
    return "\n".join(rows) + "\n"


def _metrics_table(metrics: Mapping[str, float]) -> str:
    rows = ["| metric | value |", "|---|---|"]
    rows += [f"| {name} | {_format_number(metrics[name])} |" for name in sorted(metrics)]
    return "\n".join(rows) + "\n"


def _history_table(history: Sequence[Mapping[str, Any]]) -> str:
    extra = sorted({key for entry in history for key in (entry.get("metrics") or {})})
    columns = ["epoch", "train_loss", "val_loss", *(extra or ["accuracy", "macro_f1"])]
    rows = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    rows += [
        "| " + " | ".join(_format_number({**entry, **(entry.get("metrics") or {})}.get(column, "")) for column in columns)
        + " |"
        for entry in history
    ]
    return "\n".join(rows) + "\n"


def _key_value_list(values: Mapping[str, Any]) -> str:
    return "\n".join(f"- {key}: `{values[key]}`" for key in sorted(values)) + "\n"


def _format_number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def validate_attribution_manifest(manifest: Mapping[str, Any]) -> None:
    """Raise ValueError listing what invariant 6 needs and the manifest lacks."""
    problems = [f"missing {key!r}" for key in REQUIRED_MANIFEST_KEYS if key not in manifest]
    datasets = manifest.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        problems.append("'datasets' must be a non-empty list")
    else:
        problems += [
            f"datasets[{index}] lacks 'sha256'"
            for index, dataset in enumerate(datasets)
            if not isinstance(dataset, Mapping) or not dataset.get("sha256")
        ]
    if problems:
        raise ValueError("attribution manifest: " + "; ".join(problems))


def write_attribution_manifest(
    path: str | os.PathLike[str], manifest: Mapping[str, Any], *, validate: bool = True
) -> Path:
    """Write attribution.json (into `path` if it is a directory): sorted keys, stable bytes."""
    if validate:
        validate_attribution_manifest(manifest)
    target = _target(path, ATTRIBUTION_MANIFEST)
    content = {"schema_version": MANIFEST_SCHEMA_VERSION, **manifest}
    target.write_text(
        json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return target


def read_attribution_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    target = Path(path)
    if target.is_dir():
        target = target / ATTRIBUTION_MANIFEST
    return json.loads(target.read_text(encoding="utf-8"))


def artifact_digests(
    output_dir: str | os.PathLike[str], *, exclude: Sequence[str] = (MODEL_CARD, ATTRIBUTION_MANIFEST)
) -> dict[str, str]:
    """sha256 of every file under the model dir (relative path -> digest), for the manifest."""
    root = Path(output_dir)
    return {
        path.relative_to(root).as_posix(): sha256_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in exclude
    }
