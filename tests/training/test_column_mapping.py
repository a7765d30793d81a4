"""Column mapping between datasets (issue 13): two approved versions that name their released text
column differently (`text` and `body`) are trained on together by mapping each version's column onto
the run's field names. G1 holds through the mapping: a mapped column must be one its steward
released (scrub columns as text, the approved label column as label), refused at launch and again
in the worker when the stored mapping is edited in the database."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from config.exceptions import ApplicationError
from tests.training.factories import make_agreement_in_force, make_training_version
from training import services
from training.models import RunState, TrainingRun, TrainingRunInput
from training.services import training_run_launch
from training.tasks import train_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_namings(researcher, legal, contributor):
    """`text` in one version, `body` in the other; the second also holds a dropped e-mail column and a
    kept `notes` column (released verbatim, but not as text)."""
    first = make_training_version(extra_columns=("email",))
    second = make_training_version(
        text_column="body", text_fields=("body",), extra_columns=("email", "notes"), seed=1,
        column_roles={"body": {"role": "scrub", "reason": ""}, "label": {"role": "label", "reason": ""},
                      "email": {"role": "drop", "reason": ""},
                      "notes": {"role": "keep", "reason": "Internal routing codes, not personal."}})
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[first, second])
    return first, second


def launch(admin, base, versions, **kwargs):
    return training_run_launch(actor=admin, base_model=base, dataset_versions=versions, text_fields=["text"],
                               label_field="label", epochs=1, batch_size=8, max_length=32, learning_rate=5e-3,
                               **kwargs)


def test_without_a_mapping_the_run_is_refused(ml_admin, tiny_base_model, two_namings, gpu_handoffs):
    first, second = two_namings
    with pytest.raises(ApplicationError) as info:
        launch(ml_admin, tiny_base_model, [first, second])
    assert any(str(second) in r and "has no column(s) text" in r for r in info.value.reasons), info.value.reasons
    assert gpu_handoffs == [] and not TrainingRun.objects.exists()


def test_a_mapped_text_column_is_trained_on_under_the_common_name(
    ml_admin, tiny_base_model, two_namings, monkeypatch, settings, tmp_path
):
    settings.ACCORD_RUNS_ROOT = str(tmp_path)
    first, second = two_namings
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    run = launch(ml_admin, tiny_base_model, [first, second], column_mapping={str(second.pk): {"text": "body"}})
    assert run.state == RunState.QUEUED, run.denial_reasons
    assert TrainingRunInput.objects.get(run=run, dataset_version=second).column_map == {"text": "body"}
    assert TrainingRunInput.objects.get(run=run, dataset_version=first).column_map == {}
    event = AuditEvent.objects.get(action="training_run.launched", target_id=str(run.pk))
    assert event.metadata["column_mapping"] == {str(second.pk): {"text": "body"}}
    seen = []
    real_train = services.core.train

    def spy(config, *, inputs, **kwargs):
        seen.extend(source.columns for source in inputs)
        return real_train(config, inputs=inputs, **kwargs)

    monkeypatch.setattr(services.core, "train", spy)
    assert train_run.apply(args=[run.pk]).get() == "succeeded"
    assert seen == [(), (("text", "body"), ("label", "label"))]
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED and run.final_metrics


@pytest.mark.parametrize("mapping, why", [
    ({"text": "email"}, "text field(s) email are not among the scrub columns"),  # an identity column, dropped
    ({"text": "notes"}, "text field(s) notes are not among the scrub columns"),  # a keep column is not text
    ({"text": "body", "label": "notes"}, "label field notes is not its approved label column"),
    ({"text": "body", "label": "body"}, "label field body is not its approved label column"),
    ({"text": "body", "body": "email"}, "names body, which the run does not read"),
])
def test_a_mapping_onto_an_unreleased_column_is_denied_at_launch(
    mapping, why, ml_admin, tiny_base_model, two_namings, gpu_handoffs, django_capture_on_commit_callbacks
):
    first, second = two_namings
    with django_capture_on_commit_callbacks(execute=True):
        run = launch(ml_admin, tiny_base_model, [first, second], column_mapping={second.pk: mapping})
    assert run.state == RunState.DENIED and gpu_handoffs == []
    assert any(why in reason and f"version #{second.pk}" in reason for reason in run.denial_reasons), \
        run.denial_reasons


def test_a_mapping_onto_another_versions_column_or_version_is_refused(ml_admin, tiny_base_model, two_namings):
    first, second = two_namings
    with pytest.raises(ApplicationError) as info:  # `body` is the other version's column, not this one's
        launch(ml_admin, tiny_base_model, [first, second],
               column_mapping={first.pk: {"text": "body"}, second.pk: {"text": "body"}})
    assert any("has no column(s) body" in reason for reason in info.value.reasons)
    outsider = make_training_version()
    with pytest.raises(ApplicationError) as info:
        launch(ml_admin, tiny_base_model, [first, second], column_mapping={outsider.pk: {"text": "text"}})
    assert any("not an input of this run" in reason for reason in info.value.reasons)
    assert not TrainingRun.objects.exists()


@pytest.mark.parametrize("edited", [{"text": "email"}, {"text": "notes"}, {"label": "email", "text": "body"}])
def test_a_mapping_edited_in_the_database_is_denied_in_the_worker_before_any_read(
    edited, ml_admin, tiny_base_model, two_namings, monkeypatch
):
    first, second = two_namings
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    trainer = []
    monkeypatch.setattr(services.core, "train", lambda *a, **k: trainer.append(1))
    opened = []
    monkeypatch.setattr("training.inputs.open_verified", lambda *a, **k: opened.append(a) or pytest.fail("read"))
    run = launch(ml_admin, tiny_base_model, [first, second], column_mapping={second.pk: {"text": "body"}})
    assert run.state == RunState.QUEUED
    TrainingRunInput.objects.filter(run=run, dataset_version=second).update(column_map=edited)
    assert train_run.apply(args=[run.pk]).get() == "denied"
    run.refresh_from_db()
    assert run.state == RunState.DENIED and trainer == [] and opened == []
    assert any(f"version #{second.pk}" in reason for reason in run.denial_reasons), run.denial_reasons


def test_the_api_and_the_form_take_a_column_mapping(ml_admin, api_client_for, client, tiny_base_model, two_namings,
                                                    gpu_handoffs, django_capture_on_commit_callbacks):
    first, second = two_namings
    payload = {"base_model": tiny_base_model.pk, "dataset_versions": [first.pk, second.pk], "text_fields": ["text"],
               "label_field": "label"}
    api = api_client_for(ml_admin)
    refused = api.post("/api/training-runs/", {**payload, "column_mapping": {str(second.pk): {"text": "email"}}},
                       format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "gate_denied"
    accepted = api.post("/api/training-runs/", {**payload, "column_mapping": {str(second.pk): {"text": "body"}}},
                        format="json")
    assert accepted.status_code == 201, accepted.json()
    assert [i["column_map"] for i in accepted.json()["inputs"]] == [{}, {"text": "body"}]
    client.force_login(ml_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/training/launch/", {
            "purpose": "research", "base_model": tiny_base_model.pk, "task": "text_classification",
            "dataset_versions": [first.pk, second.pk], "column_mapping": f"{second.pk}: text=body",
            "epochs": 1, "learning_rate": 0.005, "batch_size": 8, "max_length": 32, "seed": 1})
    assert response.status_code == 302
    run = TrainingRun.objects.order_by("-pk").first()
    assert run.state == RunState.QUEUED and run.inputs.get(dataset_version=second).column_map == {"text": "body"}
    bad = client.post("/training/launch/", {
        "purpose": "research", "base_model": tiny_base_model.pk, "task": "text_classification",
        "dataset_versions": [first.pk, second.pk], "column_mapping": "text to body",
        "epochs": 1, "learning_rate": 0.005, "batch_size": 8, "max_length": 32, "seed": 1})
    assert bad.status_code == 200 and bad.context["form"].errors["column_mapping"]
