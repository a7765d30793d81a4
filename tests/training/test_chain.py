"""The whole chain: approved, scrubbed data + an agreement in force -> a model with card and attribution."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from audit.models import AuditEvent
from audit.services import verify_chain
from training.models import RunState
from training.services import training_run_launch


@pytest.mark.django_db
def test_launch_trains_and_publishes_model_card_and_attribution(
    ml_admin, tiny_base_model, covered_version, tiny_hyper, django_capture_on_commit_callbacks, api_client_for
):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                                  **tiny_hyper)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED, (run.failure_reason, run.denial_reasons, run.cancel_reason)
    assert run.attempts == 1
    assert len(run.metrics_history) == 2 and {"accuracy", "macro_f1", "val_loss"} <= set(run.metrics_history[-1])
    assert run.step == run.total_steps > 0 and run.heartbeat_at is not None
    assert run.loss_history, "live loss points for the chart"
    run_input = run.inputs.get()
    assert run_input.sha256 == covered_version.scrubbed_sha256
    assert list(run_input.agreements.values_list("pk", flat=True)) == [covered_version.agreement.pk]

    client = api_client_for(ml_admin)
    manifest = json.loads(b"".join(client.get(f"/api/training-runs/{run.pk}/artifacts/attribution/").streaming_content))
    dataset = covered_version.dataset
    [entry] = manifest["datasets"]
    assert entry["sha256"] == covered_version.scrubbed_sha256
    assert entry["contributor"] == dataset.organization.name
    assert entry["license"] == dataset.license and entry["attribution"] == dataset.attribution_text
    assert [a["id"] for a in entry["agreements"]] == [covered_version.agreement.pk]
    assert entry["agreements"][0]["terms_sha256"] == covered_version.agreement.terms_sha256
    assert entry["scrubber"] == covered_version.scrubber_config
    # Which operator replaced the PII (tag, pseudonym, surrogate): in attribution.json and the card.
    assert entry["pii_operator"] == covered_version.operator_summary
    assert entry["pii_operator"].startswith("Tag — each value becomes a tag naming its kind")  # words, no code
    assert manifest["base_model"]["name"] == "tiny-bert" and manifest["base_model"]["license"] == "Apache-2.0"
    assert manifest["effective_license"]["license_expression"] == dataset.license
    assert manifest["code_version"] not in ("", "unknown")
    contributors = manifest["attribution_ledger"]["datasets"][0]["contributors"]
    assert dataset.organization.name in [c["name"] for c in contributors]

    card = b"".join(client.get(f"/api/training-runs/{run.pk}/artifacts/card/").streaming_content).decode()
    # The card is huggingface_hub's ModelCard: its YAML parses back into ModelCardData.
    from huggingface_hub import ModelCard

    parsed = ModelCard(card).data
    assert parsed.base_model == "tiny-bert" and parsed.license == dataset.license
    assert parsed.datasets == [f"{dataset.title}@{covered_version.number}"]
    test_results = {r.metric_name: r.metric_value for r in parsed.eval_results if r.dataset_split == "test"}
    # Test metrics reported once, and every label's F1 on the test split (G9: what the model was judged on).
    assert test_results["accuracy"] == manifest["test_metrics"]["accuracy"]
    labels = manifest["label_names"]
    assert {f"{label} f1" for label in labels} <= set(test_results)
    assert set(manifest["evaluation"]["per_label"]) == set(labels)
    assert len(manifest["evaluation"]["confusion_matrix"]) == len(labels)
    assert manifest["splits"]["test"] > 0 and "### Per label (test split)" in card
    assert "## Intended use" in card and dataset.organization.name in card
    assert f"PII replaced by: {covered_version.operator_summary}" in card
    # The kinds in words (issue 13); the codes stay in the manifest's scrubber configuration.
    assert "kinds of PII replaced: Person's name, E-mail address" in card
    assert "PERSON" in entry["scrubber"]["entities"] and "PERSON" not in entry["pii_kinds"]

    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(f"/api/training-runs/{run.pk}/artifacts/model/").streaming_content)))
    names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"model.safetensors", "config.json", "README.md", "attribution.json"} <= names
    assert any(name.startswith("tokenizer") or name == "vocab.txt" for name in names)

    actions = list(AuditEvent.objects.filter(target_type="training.trainingrun", target_id=str(run.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions[:4] == ["training_run.launched", "training_run.authorizing", "training_run.started",
                           "training_run.succeeded"]
    assert verify_chain()[1] is None
