"""Once on a real Celery worker process (gpu queue, broker, shared DB and storage): launch -> model."""
from __future__ import annotations

import json

import pytest

from tests.conftest import wait_for
from tests.training.factories import make_agreement_in_force, make_training_version
from training.models import FINAL_STATES, RunState, TrainingRun
from training.services import training_run_launch


@pytest.mark.worker
def test_real_worker_trains_an_authorised_run_and_ignores_a_forged_id(
    celery_worker_process, ml_admin, researcher, legal, contributor, tiny_base_model, tiny_hyper
):
    from training.tasks import train_run

    version = make_training_version()
    agreement = make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    forged = train_run.delay(987654)
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[version], **tiny_hyper)
    assert run.state == RunState.QUEUED

    def finished():
        current = TrainingRun.objects.get(pk=run.pk)
        return current if current.state in FINAL_STATES else None

    run = wait_for(finished, timeout=180, message="the run to finish on the worker")
    log = celery_worker_process.log_path.read_text()
    assert run.state == RunState.SUCCEEDED, (run.failure_reason, run.denial_reasons, log[-3000:])
    assert run.celery_task_id and run.celery_task_id in log
    assert f"Task training.tasks.train_run[{forged.id}] succeeded" in log and "'ignored'" in log
    with run.attribution_manifest.open("rb") as handle:
        manifest = json.load(handle)
    [entry] = manifest["datasets"]
    assert entry["sha256"] == version.scrubbed_sha256 and entry["agreements"][0]["id"] == agreement.pk
    assert entry["contributor"] == version.dataset.organization.name
    assert len(run.metrics_history) == tiny_hyper["epochs"]


def test_train_tasks_route_to_the_gpu_queue_and_the_reaper_is_scheduled(settings):
    from config.celery import app
    from training.tasks import reap_stale_runs, train_run

    assert app.amqp.router.route({}, train_run.name)["queue"].name == "gpu"
    assert train_run.acks_late and train_run.reject_on_worker_lost
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert reap_stale_runs.name in schedule
