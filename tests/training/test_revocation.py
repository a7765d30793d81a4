"""Invariant 3: an ended agreement stops the runs that depend on it and marks their models."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.training.factories import end_agreement, make_agreement_in_force
from training import services
from training.tasks import train_run
from training.models import RunState
from training.services import training_run_launch

pytestmark = pytest.mark.django_db


def launch_and_train(admin, base_model, versions, hyper, capture):
    with capture(execute=True):
        run = training_run_launch(actor=admin, base_model=base_model, dataset_versions=versions, **hyper)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("reason", ["revoked", "expired"])
def test_agreement_ending_mid_run_cancels_it_between_epochs_naming_the_agreement(
    reason, ml_admin, legal, tiny_base_model, covered_version, tiny_hyper, monkeypatch,
    django_capture_on_commit_callbacks,
):
    real_train = services.core.train
    epochs_started = []

    def train_and_end_agreement_after_first_epoch(config, **kwargs):
        hook = kwargs["between_epochs"]

        def between_epochs(*args):
            epochs_started.append(len(epochs_started) + 1)
            end_agreement(covered_version.agreement, actor=legal, reason=reason)
            hook(*args)

        return real_train(config, **{**kwargs, "between_epochs": between_epochs})

    monkeypatch.setattr(services.core, "train", train_and_end_agreement_after_first_epoch)
    run = launch_and_train(ml_admin, tiny_base_model, [covered_version], {**tiny_hyper, "epochs": 3},
                           django_capture_on_commit_callbacks)
    assert epochs_started == [1], "stopped before the second epoch"
    assert run.state == RunState.CANCELLED
    assert f"Agreement #{covered_version.agreement.pk} was {reason}" in run.cancel_reason
    assert len(run.metrics_history) == 1 and not run.model_archive
    cancelled = AuditEvent.objects.get(action="training_run.cancelled", target_id=str(run.pk))
    assert cancelled.actor == (legal if reason == "revoked" else None)  # expiry is the system's doing
    assert cancelled.metadata["agreement"] == covered_version.agreement.pk


def test_gate_between_epochs_stops_a_run_even_without_the_signal(
    ml_admin, tiny_base_model, covered_version, tiny_hyper, monkeypatch, django_capture_on_commit_callbacks
):
    """An agreement past its end date (expiry task not yet run) is caught by the gate between epochs."""
    import datetime as dt

    from django.utils import timezone

    from agreements.models import Agreement

    real_train = services.core.train

    def train_expiring(config, **kwargs):
        hook = kwargs["between_epochs"]

        def between_epochs(*args):
            Agreement.objects.filter(pk=covered_version.agreement.pk).update(
                expires_at=timezone.now() - dt.timedelta(seconds=1))
            hook(*args)

        return real_train(config, **{**kwargs, "between_epochs": between_epochs})

    monkeypatch.setattr(services.core, "train", train_expiring)
    run = launch_and_train(ml_admin, tiny_base_model, [covered_version], tiny_hyper, django_capture_on_commit_callbacks)
    assert run.state == RunState.CANCELLED
    assert "before epoch 2" in run.cancel_reason
    assert f"agreement #{covered_version.agreement.pk} expired" in run.cancel_reason


def test_revocation_after_success_marks_the_model_and_refuses_downloads(
    ml_admin, legal, tiny_base_model, covered_version, tiny_hyper, api_client_for, client,
    django_capture_on_commit_callbacks,
):
    run = launch_and_train(ml_admin, tiny_base_model, [covered_version], {**tiny_hyper, "epochs": 1},
                           django_capture_on_commit_callbacks)
    assert run.state == RunState.SUCCEEDED
    api = api_client_for(ml_admin)
    assert api.get(f"/api/training-runs/{run.pk}/artifacts/model/").status_code == 200

    end_agreement(covered_version.agreement, actor=legal, reason="revoked")
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED and run.model_revoked_at is not None
    assert f"Agreement #{covered_version.agreement.pk} was revoked" in run.model_revoked_reason
    for kind in ("model", "card", "attribution"):
        response = api.get(f"/api/training-runs/{run.pk}/artifacts/{kind}/")
        assert response.status_code == 410 and response.json()["code"] == "model_revoked"
    client.force_login(ml_admin)
    assert client.get(f"/training/runs/{run.pk}/download/model/").status_code == 410
    assert api.get(f"/api/training-runs/{run.pk}/").json()["downloads"] == {}
    assert AuditEvent.objects.filter(action="training_run.model_revoked", target_id=str(run.pk), actor=legal).exists()


def test_run_stays_valid_when_another_agreement_in_force_still_covers_every_input(
    ml_admin, legal, researcher, tiny_base_model, covered_version, tiny_hyper, django_capture_on_commit_callbacks,
):
    second = make_agreement_in_force(researcher=researcher, legal=legal, versions=[covered_version])
    run = launch_and_train(ml_admin, tiny_base_model, [covered_version], {**tiny_hyper, "epochs": 1},
                           django_capture_on_commit_callbacks)
    assert set(run.inputs.get().agreements.values_list("pk", flat=True)) == {covered_version.agreement.pk, second.pk}
    end_agreement(covered_version.agreement, actor=legal, reason="revoked")
    run.refresh_from_db()
    assert run.model_revoked_at is None
    end_agreement(second, actor=legal, reason="expired")
    run.refresh_from_db()
    assert run.model_revoked_at is not None and f"Agreement #{second.pk} was expired" in run.model_revoked_reason


def test_unrelated_runs_are_untouched(ml_admin, legal, researcher, tiny_base_model, covered_version, monkeypatch):
    from tests.training.factories import make_training_version

    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    other = make_training_version()
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[other])
    untouched = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[other])
    stopped = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    end_agreement(covered_version.agreement, actor=legal, reason="revoked")
    untouched.refresh_from_db()
    stopped.refresh_from_db()
    assert untouched.state == RunState.QUEUED and stopped.state == RunState.CANCELLED
