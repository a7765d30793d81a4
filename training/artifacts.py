"""Model card and attribution manifest for a finished run (governance invariant 6).

The facts come from the database (run, inputs, agreements, datasets) and from
`agreements.attribution.attribution_for`; training.core renders them deterministically.
"""
from __future__ import annotations

import functools
import importlib.metadata
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings

from agreements.attribution import attribution_for
from datasets_app.pii_kinds import pii_kind_label
from training import core
from training.models import Purpose, TrainingRun

INTENDED_USE = {
    Purpose.RESEARCH: (
        "Research use only, within the purposes of the agreements listed in attribution.json. "
        "Commercial use is not authorised by the data agreements behind this model."
    ),
    Purpose.COMMERCIAL: (
        "Commercial and research use, within the purposes and terms of the agreements listed in "
        "attribution.json (each permitted model training and commercial use when the run was authorised)."
    ),
}


@functools.cache
def code_version() -> str:
    """The git commit Accord runs from, else the installed package version."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        if commit:
            return f"git:{commit}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"accord=={importlib.metadata.version('accord')}"
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def agreement_snapshot(agreement) -> dict[str, Any]:
    """What an agreement said when it authorised an input; fields read defensively (contract)."""
    snapshot: dict[str, Any] = {"id": agreement.pk}
    for name in ("state", "approved_at", "expires_at", "terms_sha256", "intended_uses", "purpose"):
        value = getattr(agreement, name, None)
        if value not in (None, ""):
            snapshot[name] = value.isoformat() if hasattr(value, "isoformat") else value
    for name in ("approved_by", "researcher"):
        value = getattr(agreement, name, None)
        if value is not None:
            snapshot[name] = str(value)
    # Legal's conditions, one a line, as the signed text names them (G9); [] when there are none.
    snapshot["conditions"] = [line for line in str(getattr(agreement, "conditions", "") or "").splitlines()
                              if line.strip()]
    return snapshot


def authorising_agreements(datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each agreement that authorised an input, once, with its conditions and the inputs it covered."""
    merged: dict[Any, dict[str, Any]] = {}
    for dataset in datasets:
        label = f"{dataset['dataset']} v{dataset['version']}"
        for snapshot in dataset.get("agreements") or []:
            entry = merged.setdefault(snapshot.get("id"), {
                "id": snapshot.get("id"), "terms_sha256": snapshot.get("terms_sha256", ""),
                "approved_by": snapshot.get("approved_by", ""), "expires_at": snapshot.get("expires_at", ""),
                "conditions": list(snapshot.get("conditions") or []), "datasets": []})
            if label not in entry["datasets"]:
                entry["datasets"].append(label)
    return [merged[key] for key in sorted(merged, key=lambda k: (k is None, k))]


def _pii_kind_labels(scrubber_config: dict) -> list[str]:
    kinds = list(scrubber_config.get("operators") or {}) or list(scrubber_config.get("entities") or [])
    return [pii_kind_label(kind) for kind in kinds]


def _dataset_entry(run_input) -> dict[str, Any]:
    version = run_input.dataset_version
    dataset = version.dataset
    return {
        "dataset": dataset.title,
        "dataset_id": dataset.pk,
        "version": version.number,
        "version_id": version.pk,
        "sha256": version.scrubbed_sha256,
        "format": version.format,
        "contributor": dataset.organization.name,
        "steward": dataset.steward.get_username(),
        "license": dataset.license,
        "attribution": dataset.attribution_text,
        "citation": dataset.citation,
        "use_terms": list(dataset.use_terms or []),
        "approved_at": version.approved_at.isoformat() if version.approved_at else None,
        "scrubber": version.scrubber_config,
        # How its PII was replaced (tag, pseudonym or realistic surrogate): what a model learnt from.
        "pii_operator": version.operator_summary,
        # The kinds it replaced, in words for the card; the codes are in "scrubber" (issue 13).
        "pii_kinds": _pii_kind_labels(version.scrubber_config or {}),
        "agreements": run_input.authorization_snapshot
        or [agreement_snapshot(agreement) for agreement in run_input.agreements.all()],
    }


def build_manifest(run: TrainingRun, result: core.TrainResult, config: core.TrainConfig, output_dir: Path) -> dict:
    inputs = list(run.inputs.select_related("dataset_version__dataset__organization", "dataset_version__dataset__steward"))
    versions = [run_input.dataset_version for run_input in inputs]
    ledger = attribution_for(versions)
    base = run.base_model
    # Every contributor from the attribution ledger (the licensing organisation always among them).
    ledger_by_dataset = {entry["dataset_id"]: entry for entry in ledger.get("datasets", [])}
    datasets = []
    for run_input in inputs:
        entry = _dataset_entry(run_input)
        contributors = ledger_by_dataset.get(entry["dataset_id"], {}).get("contributors") or []
        if contributors:
            entry["contributors"] = contributors
            entry["contributor"] = ", ".join(dict.fromkeys(c["name"] for c in contributors))
        datasets.append(entry)
    return {
        "run": {
            "id": run.pk,
            "purpose": run.purpose,
            "task": run.task,
            "launched_by": run.launched_by.get_username(),
            "created_at": run.created_at.isoformat(),
        },
        "base_model": {
            "name": base.name,
            "license": base.license,
            "source": base.source,
            **({"package": base.package_name} if base.package_name else {"path": base.local_path}),
            "license_allows_derivatives": base.license_allows_derivatives,
            # An adapter is useless without its base: name the exact weights it was trained on.
            **({"sha256": result.adapter["base_model_sha256"]} if result.adapter else {}),
        },
        "adapter": result.adapter or None,
        "datasets": datasets,
        # G9: the agreements that authorised the data, each with the conditions legal set on it.
        "agreements": authorising_agreements(datasets),
        "scrubber": {str(version.pk): version.scrubber_config for version in versions},
        "code_version": code_version(),
        "effective_license": ledger.get("effective", {}),
        "attribution_ledger": ledger,
        # base_model_path is this worker's filesystem; the base_model entry above names the model portably.
        "training": {
            "run_id": run.pk,
            **{key: value for key, value in config.to_dict().items() if key != "base_model_path"},
            "device": result.device,
            "precision": result.precision,
        },
        "metrics": result.final_metrics,
        "test_metrics": result.test_metrics,
        # Per label / per entity precision, recall, F1 (and the confusion matrix) on the test split.
        "evaluation": result.evaluation,
        "splits": {"train": result.num_train, "validation": result.num_val, "test": result.num_test},
        "label_names": result.label_names,
        "artifacts": core.artifact_digests(output_dir),
    }


def effective_license(manifest: dict) -> str:
    effective = manifest.get("effective_license") or {}
    expression = effective.get("license_expression")
    if expression:
        return str(expression)
    licenses = sorted({manifest["base_model"]["license"], *(d["license"] for d in manifest["datasets"] if d["license"])})
    return " AND ".join(licenses) or "other"


def _contributors(manifest: dict) -> list[dict[str, Any]]:
    """Every contributor of every input with their roles, as the attribution ledger records them."""
    seen: dict[str, dict[str, Any]] = {}
    for dataset in manifest["datasets"]:
        for contributor in dataset.get("contributors") or [{"name": dataset.get("contributor"), "role": "contributor"}]:
            name = str(contributor.get("name") or "")
            if not name:
                continue
            entry = seen.setdefault(name, {"name": name, "roles": []})
            for role in (contributor.get("roles") or [contributor.get("role")]):
                if role and role not in entry["roles"]:
                    entry["roles"].append(role)
    return list(seen.values())


def write_artifacts(run: TrainingRun, result: core.TrainResult, config: core.TrainConfig, output_dir: Path) -> Path:
    """Write README.md + attribution.json next to the model, and zip the whole directory."""
    manifest = build_manifest(run, result, config, output_dir)
    core.write_attribution_manifest(output_dir, manifest)
    core.write_model_card(
        output_dir,
        base_model=run.base_model.name,
        datasets=manifest["datasets"],
        license=effective_license(manifest),
        metrics=result.final_metrics,
        intended_use=INTENDED_USE.get(run.purpose, INTENDED_USE[Purpose.RESEARCH]),
        model_name=f"accord-run-{run.pk}",
        label_names=result.label_names,
        training={key: value for key, value in manifest["training"].items() if key != "text_separator"},
        history=[entry.__dict__ for entry in result.history],
        test_metrics=result.test_metrics,
        evaluation=result.evaluation,
        pipeline_tag=core.get_task(config.task).pipeline_tag,
        contributors=_contributors(manifest),
        agreements=manifest["agreements"],
        adapter=result.adapter or None,
        governance=(
            f"Trained by Accord run #{run.pk} ({run.get_purpose_display().lower()} purpose) after the training "
            "gate confirmed every input was approved, scrubbed and covered by an agreement in force. "
            f"Code version: {manifest['code_version']}."
        ),
    )
    archive = output_dir.parent / "model.zip"
    # Stored, not deflated: safetensors barely compress and the archive is built once.
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for path in sorted(output_dir.rglob("*")):
            if path.is_file():
                bundle.write(path, arcname=f"accord-run-{run.pk}/{path.relative_to(output_dir).as_posix()}")
    return archive
