"""The worker re-runs the gate before the first byte: forged ids, denied runs, tampered files."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.training.factories import end_agreement, tamper
from training import inputs as training_inputs
from training import services
from training.models import RunState, TrainingRun
from training.services import training_run_launch
from training.tasks import train_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_spy(monkeypatch):
    calls = []
    monkeypatch.setattr(services.core, "train", lambda *a, **k: calls.append(1) or pytest.fail("trainer reached"))
    return calls


@pytest.fixture
def opened_files(monkeypatch):
    """Every scrubbed file the worker opens (data read) is recorded here."""
    opened = []
    real = training_inputs.open_verified

    def spy(path, sha256):
        opened.append(str(path))
        return real(path, sha256)

    monkeypatch.setattr(training_inputs, "open_verified", spy)
    return opened


@pytest.fixture
def queued_run(ml_admin, tiny_base_model, covered_version, tiny_hyper, monkeypatch):
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)  # the test calls the task itself
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                              **tiny_hyper)
    assert run.state == RunState.QUEUED
    return run


@pytest.mark.parametrize("forged", [999_999, "999999", "1; DROP TABLE", None, -1, {"id": 1}])
def test_task_with_a_forged_run_id_does_nothing(forged, queued_run, trainer_spy, opened_files):
    events = AuditEvent.objects.count()
    assert train_run.apply(args=[forged]).get() == "ignored"
    assert trainer_spy == [] and opened_files == []
    assert AuditEvent.objects.count() == events
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.QUEUED  # untouched


def test_task_on_a_denied_run_does_nothing(ml_admin, tiny_base_model, contributor, trainer_spy, opened_files):
    from tests.training.factories import make_training_version

    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[make_training_version()])
    assert run.state == RunState.DENIED
    assert train_run.apply(args=[run.pk]).get() == "ignored"
    run.refresh_from_db()
    assert run.state == RunState.DENIED and run.attempts == 0
    assert trainer_spy == [] and opened_files == []


@pytest.mark.parametrize("state", ["succeeded", "failed", "cancelled", "running", "authorizing"])
def test_task_on_a_run_not_queued_does_nothing(state, ml_admin, tiny_base_model, covered_version, trainer_spy, opened_files):
    run = TrainingRun.objects.create(base_model=tiny_base_model, launched_by=ml_admin, text_fields=["text"],
                                     label_field="label", state=state)
    run.inputs.create(dataset_version=covered_version, sha256=covered_version.scrubbed_sha256)
    assert train_run.apply(args=[run.pk]).get() == "ignored"
    assert TrainingRun.objects.get(pk=run.pk).state == state
    assert trainer_spy == [] and opened_files == []


def test_tampered_scrubbed_file_is_refused_before_the_trainer(queued_run, covered_version, trainer_spy, opened_files):
    tamper(covered_version)
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.DENIED
    [reason] = queued_run.denial_reasons
    assert "integrity check failed" in reason and covered_version.scrubbed_sha256 in reason
    assert trainer_spy == []
    assert AuditEvent.objects.filter(action="training_run.denied", target_id=str(queued_run.pk),
                                     metadata__stage="worker").exists()


def test_agreement_revoked_between_launch_and_worker_is_refused_before_any_read(
    queued_run, covered_version, legal, trainer_spy, opened_files
):
    end_agreement(covered_version.agreement, actor=legal, reason="revoked")
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.CANCELLED  # the signal stopped it while queued
    assert train_run.apply(args=[queued_run.pk]).get() == "ignored"
    assert trainer_spy == [] and opened_files == []


def test_agreement_expired_by_date_after_launch_is_denied_in_the_worker(
    queued_run, covered_version, trainer_spy, opened_files
):
    # Past its end date, but the expiry task has not run yet (no signal): the worker's own gate catches it.
    from agreements.models import Agreement
    import datetime as dt
    from django.utils import timezone

    Agreement.objects.filter(pk=covered_version.agreement.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.DENIED
    assert any(f"agreement #{covered_version.agreement.pk} expired" in r for r in queued_run.denial_reasons)
    assert trainer_spy == [] and opened_files == []


def test_version_no_longer_approved_in_storage_is_denied(queued_run, covered_version, trainer_spy, opened_files):
    from django.core.files.storage import default_storage

    default_storage.delete(covered_version.scrubbed_file.name)
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    assert any("missing from storage" in r for r in queued_run.denial_reasons)
    assert trainer_spy == [] and opened_files == []


def test_sha256_recorded_at_launch_must_match_the_approved_one(queued_run, trainer_spy, opened_files):
    queued_run.inputs.update(sha256="0" * 64)
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    assert any("differs from the one recorded at launch" in r for r in queued_run.denial_reasons)
    assert trainer_spy == [] and opened_files == []


def test_denial_reasons_name_no_server_path(queued_run, covered_version, trainer_spy, settings):
    """Issue 10: the reason an admin reads names the version and the digests, never a file system path."""
    tamper(covered_version)
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    [reason] = queued_run.denial_reasons
    assert "integrity check failed" in reason and f"version #{covered_version.pk}" in reason
    assert str(settings.MEDIA_ROOT) not in reason and covered_version.scrubbed_file.name not in reason
    assert "/" not in reason


def test_an_unreadable_file_is_denied_without_its_path(queued_run, covered_version, trainer_spy, monkeypatch,
                                                       settings):
    def unreadable(path, sha256):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(training_inputs, "open_verified", unreadable)
    assert train_run.apply(args=[queued_run.pk]).get() == "denied"
    queued_run.refresh_from_db()
    [reason] = queued_run.denial_reasons
    assert "could not be opened (Permission denied)" in reason
    assert str(settings.MEDIA_ROOT) not in reason and "/" not in reason


def test_a_trainer_crash_is_reported_without_server_paths(queued_run, monkeypatch, settings):
    """Issue 10: a failure reason an admin reads keeps the file name, never the server's folders."""
    secret_dir = f"{settings.ACCORD_RUNS_ROOT}/{queued_run.pk}/checkpoints"

    def crash(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", f"{secret_dir}/adapter_model.safetensors")

    monkeypatch.setattr(services.core, "train", crash)
    train_run.apply(args=[queued_run.pk])
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.FAILED
    assert "adapter_model.safetensors" in queued_run.failure_reason and "FileNotFoundError" in queued_run.failure_reason
    assert str(settings.ACCORD_RUNS_ROOT) not in queued_run.failure_reason and secret_dir not in queued_run.failure_reason
    event = AuditEvent.objects.filter(action__startswith="training_run.").order_by("-seq").first()
    assert str(settings.ACCORD_RUNS_ROOT) not in str(event.after)
