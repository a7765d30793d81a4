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
No YAML library is needed: front-matter scalars are written as JSON strings/numbers, which YAML
reads as double-quoted scalars.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return json.dumps(round(value, 6)) if math.isfinite(value) else ".nan"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=True)


def _dataset_id(dataset: DatasetRef) -> str:
    if isinstance(dataset, str):
        return dataset
    name = str(dataset.get("dataset") or dataset.get("name") or dataset.get("sha256", "dataset"))
    version = dataset.get("version")
    return f"{name}@{version}" if version not in (None, "") else name


def render_front_matter(
    *,
    base_model: str,
    datasets: Sequence[DatasetRef],
    license: str,
    metrics: Mapping[str, float],
    pipeline_tag: str,
    tags: Sequence[str],
    model_name: str,
) -> str:
    lines = ["---", f"base_model: {_scalar(base_model)}", "datasets:"]
    lines += [f"- {_scalar(_dataset_id(dataset))}" for dataset in datasets] or ["[]"]
    lines.append(f"license: {_scalar(license)}")
    lines.append("metrics:")
    lines += [f"- {_scalar(name)}" for name in sorted(metrics)] or ["[]"]
    lines.append("tags:")
    lines += [f"- {_scalar(tag)}" for tag in sorted(set(tags))]
    lines.append(f"pipeline_tag: {_scalar(pipeline_tag)}")
    lines += [
        "model-index:",
        f"- name: {_scalar(model_name)}",
        "  results:",
        "  - task:",
        f"      type: {_scalar(pipeline_tag)}",
        "    metrics:",
    ]
    for name in sorted(metrics):
        lines += [f"    - type: {_scalar(name)}", f"      value: {_scalar(metrics[name])}"]
    lines.append("---")
    return "\n".join(lines) + "\n"


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
) -> Path:
    """Write README.md (into `path` if it is a directory) and return its path.

    `datasets` items are ids or dicts with dataset/version/sha256/contributor/license/attribution.
    """
    target = _target(path, MODEL_CARD)
    parts = [
        render_front_matter(
            base_model=base_model,
            datasets=datasets,
            license=license,
            metrics=metrics,
            pipeline_tag=pipeline_tag,
            tags=["accord", pipeline_tag, *tags],
            model_name=model_name,
        ),
        f"# {model_name}\n",
        f"Fine-tuned from `{base_model}` by Accord on governed, PII-scrubbed data.\n",
        "## Intended use\n",
        f"{intended_use.strip()}\n",
    ]
    if limitations.strip():
        parts += ["## Limitations\n", f"{limitations.strip()}\n"]
    parts += ["## Training data\n", _datasets_section(datasets)]
    if label_names:
        parts += ["## Labels\n", ", ".join(f"`{name}`" for name in label_names) + "\n"]
    parts += ["## Evaluation\n", _metrics_table(metrics)]
    if history:
        parts += ["### Per epoch\n", _history_table(history)]
    if training:
        parts += ["## Training procedure\n", _key_value_list(training)]
    parts += [
        "## Governance and attribution\n",
        (governance.strip() + "\n\n" if governance.strip() else "")
        + "Every input is listed with its sha256, contributor, licence and the agreements that"
        + f" authorised it in `{ATTRIBUTION_MANIFEST}` next to this card.\n",
    ]
    target.write_text("\n".join(parts), encoding="utf-8")
    return target


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
        rows.append(line)
    return "\n".join(rows) + "\n"


def _metrics_table(metrics: Mapping[str, float]) -> str:
    rows = ["| metric | value |", "|---|---|"]
    rows += [f"| {name} | {_format_number(metrics[name])} |" for name in sorted(metrics)]
    return "\n".join(rows) + "\n"


def _history_table(history: Sequence[Mapping[str, Any]]) -> str:
    columns = ["epoch", "train_loss", "val_loss", "accuracy", "macro_f1"]
    rows = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    rows += ["| " + " | ".join(_format_number(entry.get(column, "")) for column in columns) + " |" for entry in history]
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
