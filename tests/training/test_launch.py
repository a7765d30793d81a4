"""Launching: only admins; a refused launch is recorded as `denied` with every reason; 403 over the API."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from config.exceptions import ApplicationError
from tests.training.factories import make_training_version
from training import services
from training.tasks import train_run
from training.models import RunState, TrainingRun
from training.services import training_run_launch

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_spy(monkeypatch):
    """Records every call of the trainer; the gate tests assert it is never reached."""
    calls = []
    monkeypatch.setattr(services.core, "train", lambda *a, **k: calls.append((a, k)) or pytest.fail("trainer reached"))
    return calls


@pytest.mark.parametrize("role_fixture", ["researcher", "contributor", "legal", "auditor"])
def test_only_admins_launch_in_the_service(role_fixture, request, tiny_base_model, covered_version, trainer_spy):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(ApplicationError) as refused:
        training_run_launch(actor=user, base_model=tiny_base_model, dataset_versions=[covered_version])
    assert refused.value.status == 403
    assert not TrainingRun.objects.exists() and trainer_spy == []


def test_non_admin_launch_over_the_api_is_403(researcher, api_client_for, tiny_base_model, covered_version):
    response = api_client_for(researcher).post(
        "/api/training-runs/", {"base_model": tiny_base_model.pk, "dataset_versions": [covered_version.pk]},
        format="json")
    assert response.status_code == 403
    assert not TrainingRun.objects.exists()


def test_refused_launch_is_recorded_denied_with_every_reason_and_audited(
    ml_admin, tiny_base_model, contributor, django_capture_on_commit_callbacks, trainer_spy, gpu_handoffs
):
    uncovered = make_training_version()
    nmds = make_training_version(use_terms=["NMDS"])
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[uncovered, nmds])
    assert run.state == RunState.DENIED and gpu_handoffs == []  # nothing enqueued
    assert len(run.denial_reasons) >= 3 and any("NMDS" in r for r in run.denial_reasons)
    event = AuditEvent.objects.get(action="training_run.denied", target_id=str(run.pk))
    assert event.actor == ml_admin and event.metadata["reasons"] == run.denial_reasons
    assert trainer_spy == []


def test_denied_launch_over_the_api_answers_403_with_every_reason(
    ml_admin, api_client_for, tiny_base_model, contributor, trainer_spy
):
    version = make_training_version(status="rejected")
    response = api_client_for(ml_admin).post(
        "/api/training-runs/", {"base_model": tiny_base_model.pk, "dataset_versions": [version.pk],
                                "purpose": "commercial"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "gate_denied"
    run = TrainingRun.objects.get(pk=body["extra"]["run_id"])
    assert run.state == RunState.DENIED and body["reasons"] == run.denial_reasons
    assert any("status: rejected" in r for r in body["reasons"])
    assert any("no agreement in force" in r for r in body["reasons"])


def test_bad_input_is_400_and_records_nothing(ml_admin, api_client_for, tiny_base_model, covered_version):
    client = api_client_for(ml_admin)
    for payload in (
        {"base_model": tiny_base_model.pk, "dataset_versions": []},
        {"base_model": tiny_base_model.pk, "dataset_versions": [covered_version.pk], "epochs": 0},
        {"base_model": tiny_base_model.pk, "dataset_versions": [covered_version.pk], "label_field": "nope"},
        {"base_model": 999999, "dataset_versions": [covered_version.pk]},
        {"base_model": tiny_base_model.pk, "dataset_versions": [covered_version.pk], "task": "causal_lm"},
    ):
        response = client.post("/api/training-runs/", payload, format="json")
        assert response.status_code == 400, (payload, response.json())
    assert not TrainingRun.objects.exists()


def test_allowed_launch_over_the_api_is_queued_with_fields_from_the_version(
    ml_admin, api_client_for, tiny_base_model, covered_version, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(train_run, "apply_async", lambda args, task_id=None: enqueued.append((args[0], task_id)))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(ml_admin).post(
            "/api/training-runs/", {"base_model": tiny_base_model.pk, "dataset_versions": [covered_version.pk],
                                    "epochs": 1}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "queued" and body["text_fields"] == ["text"] and body["label_field"] == "label"
    assert body["inputs"][0]["agreements"] == [covered_version.agreement.pk]
    run = TrainingRun.objects.get(pk=body["id"])
    assert enqueued == [(run.pk, run.celery_task_id)]
    listing = api_client_for(ml_admin).get("/api/training-runs/").json()
    assert [r["id"] for r in listing["results"]] == [run.pk] and listing["next"] is None
    assert api_client_for(ml_admin).get(f"/api/training-runs/{run.pk}/").json()["state"] == "queued"
    assert [m["name"] for m in api_client_for(ml_admin).get("/api/base-models/").json()] == ["tiny-bert"]


def test_non_admins_cannot_read_runs_over_the_api(researcher, api_client_for):
    assert api_client_for(researcher).get("/api/training-runs/").status_code == 403
    assert api_client_for(researcher).get("/api/base-models/").status_code == 403
