"""A steward-declared split column (issue 12): a run may train on the train/validation/test split a
steward released as the version's split column, and on no other column (G1): refused at launch
(service, API) and again in the worker when the run row names another column."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.training.factories import SPLIT_CYCLE, make_agreement_in_force, make_training_version
from training import services
from training.models import RunState, TrainingRun
from training.services import training_run_launch
from training.tasks import train_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_version(researcher, legal, contributor):
    """Approved and covered; its file also holds an e-mail column nobody released."""
    version = make_training_version(rows=48, extra_columns=("email",), split_column="split")
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    return version


def test_the_declared_split_column_is_the_default_and_the_trainer_uses_it(
    ml_admin, tiny_base_model, split_version, monkeypatch, settings, tmp_path
):
    settings.ACCORD_RUNS_ROOT = str(tmp_path)
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[split_version],
                              epochs=1, batch_size=8, max_length=32, learning_rate=5e-3)
    assert run.state == RunState.QUEUED, run.denial_reasons
    assert run.split_field == "split"
    event = AuditEvent.objects.get(action="training_run.launched", target_id=str(run.pk))
    assert event.metadata["split_field"] == "split"
    seen = []
    real_train = services.core.train

    def spy(config, **kwargs):
        seen.append(config.split_field)
        return real_train(config, **kwargs)

    monkeypatch.setattr(services.core, "train", spy)
    assert train_run.apply(args=[run.pk]).get() == "succeeded"
    run.refresh_from_db()
    assert seen == ["split"]
    # The steward's split, not a seeded one: 48 rows cycle 6 train, 1 validation, 1 test.
    assert run.test_metrics and run.evaluation["split"] == "test"
    assert sum(run.evaluation["per_label"][name]["support"] for name in run.evaluation["per_label"]) == \
        48 // len(SPLIT_CYCLE)


def test_a_seeded_split_is_still_possible(ml_admin, tiny_base_model, split_version, gpu_handoffs,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[split_version],
                                  split_field="")
    assert run.state == RunState.QUEUED and run.split_field == "" and gpu_handoffs == [run.pk]


@pytest.mark.parametrize("column", ["email", "label", "text"])
def test_a_split_field_other_than_the_declared_one_is_denied_at_launch(
    column, ml_admin, tiny_base_model, split_version, gpu_handoffs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[split_version],
                                  split_field=column)
    assert run.state == RunState.DENIED and gpu_handoffs == []
    assert any(f"split field {column} is not the split column its steward declared (split)" in reason
               for reason in run.denial_reasons), run.denial_reasons


def test_a_version_without_a_declared_split_refuses_a_split_field(ml_admin, tiny_base_model, researcher, legal,
                                                                   contributor):
    plain = make_training_version(extra_columns=("split",))  # a column named split, never declared one
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[plain])
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[plain],
                              split_field="split")
    assert run.state == RunState.DENIED
    assert any("its steward declared (none)" in reason for reason in run.denial_reasons), run.denial_reasons


def test_the_api_takes_a_split_field_and_refuses_an_unreleased_one(ml_admin, api_client_for, tiny_base_model,
                                                                   split_version, gpu_handoffs):
    client = api_client_for(ml_admin)
    refused = client.post("/api/training-runs/", {"base_model": tiny_base_model.pk,
                                                  "dataset_versions": [split_version.pk], "split_field": "email"},
                          format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "gate_denied"
    accepted = client.post("/api/training-runs/", {"base_model": tiny_base_model.pk,
                                                   "dataset_versions": [split_version.pk], "split_field": "split"},
                           format="json")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["split_field"] == "split"


def test_the_form_launches_on_the_declared_split(client, ml_admin, tiny_base_model, split_version, gpu_handoffs,
                                                 django_capture_on_commit_callbacks):
    client.force_login(ml_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/training/launch/", {
            "purpose": "research", "base_model": tiny_base_model.pk, "task": "text_classification",
            "dataset_versions": [split_version.pk], "split_field": "split", "epochs": 1,
            "learning_rate": 0.005, "batch_size": 8, "max_length": 32, "seed": 1})
    assert response.status_code == 302
    assert TrainingRun.objects.get().split_field == "split"


@pytest.mark.parametrize("column", ["email", "label"])
def test_a_run_row_edited_to_an_unreleased_split_column_is_denied_in_the_worker(
    column, ml_admin, tiny_base_model, split_version, monkeypatch
):
    """G1 adversarial: the run row is edited in the database after launch to read another column as
    the split; the worker's gate refuses it before a byte is read."""
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    trainer = []
    monkeypatch.setattr(services.core, "train", lambda *a, **k: trainer.append(1))
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[split_version])
    assert run.state == RunState.QUEUED
    TrainingRun.objects.filter(pk=run.pk).update(split_field=column)
    assert train_run.apply(args=[run.pk]).get() == "denied"
    run.refresh_from_db()
    assert run.state == RunState.DENIED and trainer == []
    assert any(f"split field {column}" in reason for reason in run.denial_reasons), run.denial_reasons
