"""G4/G5 (issue 8, hole 3): expiry is true at the moment of use. Each test moves an agreement's end
date into the past in the database, so no signal fires and the periodic expiry task never runs:
the download, the worker's progress report and the publishing step must each notice by themselves."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from agreements.models import Agreement
from audit.models import AuditEvent
from training import core, services
from training.models import RunState, TrainingRun
from training.services import training_run_launch
from training.tasks import train_run

pytestmark = pytest.mark.django_db


def expire_quietly(agreement) -> None:
    """Time passes: the end date is behind us, the agreement row still says approved."""
    Agreement.objects.filter(pk=agreement.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.fixture
def succeeded_run(ml_admin, tiny_base_model, covered_version):
    """A finished run with its three artifacts in storage, authorised by the version's agreement."""
    run = TrainingRun.objects.create(base_model=tiny_base_model, launched_by=ml_admin, text_fields=["text"],
                                     label_field="label", state=RunState.SUCCEEDED, finished_at=timezone.now())
    run_input = run.inputs.create(dataset_version=covered_version, sha256=covered_version.scrubbed_sha256)
    run_input.agreements.add(covered_version.agreement)
    run.model_archive.save("model.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=False)
    run.model_card.save("README.md", ContentFile(b"# card\n"), save=False)
    run.attribution_manifest.save("attribution.json", ContentFile(b"{}"), save=False)
    run.save()
    return run


def test_downloads_answer_410_once_the_end_date_passed_whatever_the_expiry_task_did(
    succeeded_run, covered_version, api_client_for, client, ml_admin
):
    api = api_client_for(ml_admin)
    assert api.get(f"/api/training-runs/{succeeded_run.pk}/artifacts/model/").status_code == 200

    expire_quietly(covered_version.agreement)
    assert Agreement.objects.get(pk=covered_version.agreement.pk).state == "approved"  # no task ran
    for kind in ("model", "card", "attribution"):
        response = api.get(f"/api/training-runs/{succeeded_run.pk}/artifacts/{kind}/")
        assert response.status_code == 410, kind
        assert response.json()["code"] == "authorisation_ended"
        assert any(f"agreement #{covered_version.agreement.pk} expired" in r for r in response.json()["reasons"])
    client.force_login(ml_admin)
    assert client.get(f"/training/runs/{succeeded_run.pk}/download/model/").status_code == 410
    page = client.get(f"/training/runs/{succeeded_run.pk}/").content.decode()
    assert "no longer in force" in page
    succeeded_run.refresh_from_db()
    assert succeeded_run.model_revoked_at is None  # nothing was marked: the refusal is asked at use
    # Only the one download before the end date was served (and audited).
    assert AuditEvent.objects.filter(action="training_run.artifact_downloaded",
                                     target_id=str(succeeded_run.pk)).count() == 1


def test_a_download_is_refused_when_only_a_countersignature_is_withdrawn_later(
    succeeded_run, covered_version, api_client_for, ml_admin
):
    from agreements.models import Countersignature

    Countersignature.objects.filter(agreement=covered_version.agreement).delete()
    response = api_client_for(ml_admin).get(f"/api/training-runs/{succeeded_run.pk}/artifacts/model/")
    assert response.status_code == 410 and "countersignature" in " ".join(response.json()["reasons"])


@pytest.fixture
def queued_run(ml_admin, tiny_base_model, covered_version, tiny_hyper, monkeypatch):
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                              **tiny_hyper)
    assert run.state == RunState.QUEUED
    return run


def test_the_worker_stops_at_the_next_progress_report_not_at_the_next_epoch(
    queued_run, covered_version, monkeypatch
):
    reports = []

    def train_one_long_epoch(config, **kwargs):
        progress = kwargs["progress"]
        info = {"step": 10, "total_steps": 1000, "epoch": 1, "loss": 0.7, "samples_per_sec": 50.0}
        progress(info)
        reports.append(10)
        expire_quietly(covered_version.agreement)  # mid-epoch: between_epochs is far away
        progress({**info, "step": 20})
        reports.append(20)
        pytest.fail("the progress report after the end date did not stop the run")

    monkeypatch.setattr(services.core, "train", train_one_long_epoch)
    assert train_run.apply(args=[queued_run.pk]).get() == "cancelled"
    queued_run.refresh_from_db()
    assert reports == [10]
    assert queued_run.state == RunState.CANCELLED
    assert "at step 20" in queued_run.cancel_reason
    assert f"agreement #{covered_version.agreement.pk} expired" in queued_run.cancel_reason
    assert AuditEvent.objects.filter(action="training_run.cancelled", target_id=str(queued_run.pk)).count() == 1


def test_publishing_is_refused_when_the_agreement_ended_after_the_last_epoch(
    queued_run, covered_version, monkeypatch
):
    real_train = core.train

    def train_then_expire(config, **kwargs):
        result = real_train(config, **kwargs)
        expire_quietly(covered_version.agreement)  # the last epoch is done; the model is not published yet
        return result

    monkeypatch.setattr(services.core, "train", train_then_expire)
    assert train_run.apply(args=[queued_run.pk]).get() == "cancelled"
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.CANCELLED and not queued_run.model_archive
    assert "before the model was published" in queued_run.cancel_reason
    assert f"agreement #{covered_version.agreement.pk} expired" in queued_run.cancel_reason
