"""Every task Accord trains (classification, NER, causal LM; full weights or LoRA) launched from the
browser on tiny models, through THE gate (G1, G4), published with a card and manifest (G9)."""
from __future__ import annotations

import json

import pytest
from huggingface_hub import ModelCard

from tests.training.factories import make_agreement_in_force, make_training_version
from training.core import build_tiny_gpt2
from training.core.lora import model_directory_sha256
from training.models import BaseModel, RunState, TrainingRun
from training.services import training_run_launch

ALL_TASKS = ["text_classification", "token_classification", "causal_lm"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, ml_admin):
    client.force_login(ml_admin)
    return client


@pytest.fixture
def bert(db, tiny_bert_path):
    return BaseModel.objects.create(name="tiny-bert", source=BaseModel.Source.PATH, local_path=str(tiny_bert_path),
                                    license="Apache-2.0", supported_tasks=ALL_TASKS[:2])


@pytest.fixture
def gpt2(db, tmp_path):
    path = build_tiny_gpt2(tmp_path / "tiny-gpt2")
    return BaseModel.objects.create(name="tiny-gpt2", source=BaseModel.Source.PATH, local_path=str(path),
                                    license="MIT", supported_tasks=["causal_lm"])


def _covered(researcher, legal, **kwargs):
    version = make_training_version(**kwargs)
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    return version


def _launch(admin_client, capture, *, base_model, version, task, **extra):
    form = {"purpose": "research", "base_model": base_model.pk, "task": task, "dataset_versions": [version.pk],
            "epochs": 2, "learning_rate": 0.005, "batch_size": 8, "max_length": 32, "seed": 1,
            "lora_r": 4, "lora_alpha": 8, "lora_dropout": 0.0, **extra}
    with capture(execute=True):
        response = admin_client.post("/training/launch/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return TrainingRun.objects.latest("pk")


def _artifacts(admin_client, run):
    card = b"".join(admin_client.get(f"/training/runs/{run.pk}/download/card/").streaming_content).decode()
    manifest = json.loads(b"".join(admin_client.get(f"/training/runs/{run.pk}/download/attribution/")
                                   .streaming_content))
    return ModelCard(card), manifest


@pytest.mark.parametrize("lora", [False, True])
def test_token_classification_from_the_browser_reports_entities_on_test(
    admin_client, bert, researcher, legal, contributor, django_capture_on_commit_callbacks, lora
):
    version = _covered(researcher, legal, ner=True, rows=80, label_field="entities")
    run = _launch(admin_client, django_capture_on_commit_callbacks, base_model=bert, version=version,
                  task="token_classification", **({"lora": "on"} if lora else {}))
    assert run.state == RunState.SUCCEEDED, run.failure_reason or run.denial_reasons
    assert run.label_field == "entities" and set(run.evaluation["per_entity"]) <= {"PRODUCT", "ERROR_CODE"}
    assert {"f1", "macro_f1", "precision", "recall"} <= set(run.test_metrics)
    card, manifest = _artifacts(admin_client, run)
    assert card.data.pipeline_tag == "token-classification"
    assert any(r.dataset_split == "test" and r.metric_type == "f1" for r in card.data.eval_results)
    assert manifest["evaluation"]["kind"] == "per_entity"
    detail = admin_client.get(f"/training/runs/{run.pk}/").content.decode()
    assert "Per entity (test split)" in detail
    if lora:
        assert manifest["adapter"]["type"] == "lora" and "adapter" in card.text.lower()
        assert manifest["base_model"]["sha256"] == model_directory_sha256(bert.resolve_path())
        assert "peft" in card.data.tags and card.data.library_name == "peft"
    else:
        assert manifest["adapter"] is None and "peft" not in card.data.tags


def test_lora_classification_ships_an_adapter_pointing_at_its_base(
    admin_client, bert, covered_version, django_capture_on_commit_callbacks
):
    run = _launch(admin_client, django_capture_on_commit_callbacks, base_model=bert, version=covered_version,
                  task="text_classification", lora="on")
    assert run.state == RunState.SUCCEEDED, run.failure_reason
    assert run.lora and run.adapter["target_modules"] == ["query", "value"]
    card, manifest = _artifacts(admin_client, run)
    assert "a LoRA adapter (PEFT) for `tiny-bert`" in card.text
    assert manifest["base_model"]["license_allows_derivatives"] is True
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(
        admin_client.get(f"/training/runs/{run.pk}/download/model/").streaming_content)))
    names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"adapter_model.safetensors", "adapter_config.json", "base_model.json"} <= names
    assert "model.safetensors" not in names


def test_causal_lm_from_the_browser_reads_text_only_and_reports_perplexity(
    admin_client, gpt2, covered_version, django_capture_on_commit_callbacks
):
    run = _launch(admin_client, django_capture_on_commit_callbacks, base_model=gpt2, version=covered_version,
                  task="causal_lm")
    assert run.state == RunState.SUCCEEDED, run.failure_reason or run.denial_reasons
    assert run.label_field == ""  # the version's label column is not read (G1: fewer columns, never more)
    assert run.test_metrics["perplexity"] > 1 and run.metrics_history[-1]["metrics"]["perplexity"] > 1
    card, manifest = _artifacts(admin_client, run)
    assert card.data.pipeline_tag == "text-generation" and manifest["label_names"] == []


def test_causal_lm_naming_a_label_column_is_refused(ml_admin, gpt2, covered_version):
    run = training_run_launch(actor=ml_admin, base_model=gpt2, dataset_versions=[covered_version],
                              task="causal_lm", label_field="label", epochs=1)
    assert run.state == RunState.DENIED
    assert any("reads no label column" in reason for reason in run.denial_reasons)


def test_ner_label_column_must_be_the_approved_label_column(ml_admin, bert, researcher, legal, contributor):
    """G1 holds for the new column kind: spans from a column the steward did not release as the
    label are refused at launch, and again in the worker after a database edit."""
    version = _covered(researcher, legal, ner=True, label_field="entities", extra_columns=("contact",))
    run = training_run_launch(actor=ml_admin, base_model=bert, dataset_versions=[version],
                              task="token_classification", label_field="contact", epochs=1)
    assert run.state == RunState.DENIED
    assert any("not its approved label column (entities)" in reason for reason in run.denial_reasons)

    from training.services import training_run_execute

    allowed = training_run_launch(actor=ml_admin, base_model=bert, dataset_versions=[version],
                                  task="token_classification", epochs=1)
    assert allowed.state == RunState.QUEUED and allowed.label_field == "entities"
    TrainingRun.objects.filter(pk=allowed.pk).update(label_field="contact")
    assert training_run_execute(run_id=allowed.pk) == "denied"


def test_a_base_model_whose_licence_forbids_derivatives_is_refused(ml_admin, tiny_bert_path, covered_version):
    from training.services import base_model_register

    nd = base_model_register(name="nd-bert", local_path=str(tiny_bert_path), license="CC-BY-ND-4.0", actor=None)
    assert nd.license_allows_derivatives is False
    run = training_run_launch(actor=ml_admin, base_model=nd, dataset_versions=[covered_version], epochs=1)
    assert run.state == RunState.DENIED
    assert any("forbids derivatives" in reason for reason in run.denial_reasons)
