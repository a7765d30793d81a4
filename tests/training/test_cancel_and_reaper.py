"""Cancellation by an admin, and the reaper: a run whose worker died is resumed or failed, never left running."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from config.exceptions import ApplicationError
from training import services
from training.services import worker
from training.tasks import train_run
from training.models import RunState, TrainingRun
from training.services import training_run_cancel, training_run_launch, training_runs_reap_stale
from training.tasks import reap_stale_runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_enqueue(monkeypatch):
    enqueued = []
    monkeypatch.setattr(train_run, "apply_async", lambda args, task_id=None: enqueued.append(args[0]))
    return enqueued


def test_admin_cancels_a_running_run_and_the_worker_stops_at_its_next_step(
    ml_admin, tiny_base_model, covered_version, tiny_hyper, monkeypatch, django_capture_on_commit_callbacks
):
    real_train = services.core.train
    steps_after_cancel = []

    def train_with_cancel(config, **kwargs):
        should_stop = kwargs["should_stop"]
        progress = kwargs["progress"]
        cancelled = []

        def progress_then_cancel(info):
            progress(info)
            if not cancelled:
                cancelled.append(training_run_cancel(run=TrainingRun.objects.get(pk=run_id()), actor=ml_admin,
                                                     reason="wrong data"))
                monkeypatch.setattr(worker, "STOP_POLL_SECONDS", 0.0)
            else:
                steps_after_cancel.append(info["step"])

        return real_train(config, **{**kwargs, "should_stop": should_stop, "progress": progress_then_cancel})

    def run_id():
        return TrainingRun.objects.order_by("-pk").values_list("pk", flat=True).first()

    monkeypatch.setattr(services.core, "train", train_with_cancel)
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                                  **{**tiny_hyper, "epochs": 5, "batch_size": 2})
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED and run.cancel_reason == "wrong data" and run.cancelled_by == ml_admin
    assert len(steps_after_cancel) <= 1 and not run.model_archive
    assert AuditEvent.objects.filter(action="training_run.cancelled", target_id=str(run.pk), actor=ml_admin).count() == 1


def test_only_admins_cancel_and_only_active_runs(ml_admin, researcher, tiny_base_model, covered_version, no_enqueue,
                                                 api_client_for):
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    with pytest.raises(ApplicationError) as refused:
        training_run_cancel(run=run, actor=researcher)
    assert refused.value.status == 403
    assert api_client_for(researcher).post(f"/api/training-runs/{run.pk}/cancel/").status_code == 403
    response = api_client_for(ml_admin).post(f"/api/training-runs/{run.pk}/cancel/", {"reason": "oops"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert api_client_for(ml_admin).post(f"/api/training-runs/{run.pk}/cancel/").status_code == 409


def make_stale(run, *, state, attempts, minutes=30):
    TrainingRun.objects.filter(pk=run.pk).update(
        state=state, attempts=attempts, heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes),
        run_dir="/tmp/nonexistent-run-dir")


@override_settings(ACCORD_RUN_HEARTBEAT_TIMEOUT=600, ACCORD_RUN_MAX_ATTEMPTS=3)
def test_reaper_requeues_a_silent_run_then_fails_it_after_max_attempts(
    ml_admin, tiny_base_model, covered_version, no_enqueue, django_capture_on_commit_callbacks
):
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    fresh = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    make_stale(run, state=RunState.RUNNING, attempts=1)
    TrainingRun.objects.filter(pk=fresh.pk).update(state=RunState.RUNNING, attempts=1, heartbeat_at=timezone.now())
    no_enqueue.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = reap_stale_runs.apply().get()
    assert outcome == {"requeued": [run.pk], "failed": []}
    run.refresh_from_db()
    assert run.state == RunState.QUEUED and run.run_dir == "/tmp/nonexistent-run-dir"  # resumes from its checkpoints
    assert no_enqueue == [run.pk]
    assert TrainingRun.objects.get(pk=fresh.pk).state == RunState.RUNNING

    make_stale(run, state=RunState.AUTHORIZING, attempts=3)
    assert training_runs_reap_stale() == {"requeued": [], "failed": [run.pk]}
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "3 attempt(s)" in run.failure_reason
    assert AuditEvent.objects.filter(action="training_run.requeued", target_id=str(run.pk)).exists()


def test_requeued_run_resumes_from_its_last_checkpoint(
    ml_admin, tiny_base_model, covered_version, tiny_hyper, monkeypatch, django_capture_on_commit_callbacks
):
    """A worker dies after epoch 1 (simulated: the process 'vanishes' mid-epoch 2); the reaper
    requeues it and the next attempt resumes at epoch 2 instead of starting over."""
    real_train = services.core.train
    calls = []

    class WorkerDied(BaseException):
        pass

    def dying_train(config, **kwargs):
        calls.append(kwargs["run_dir"])
        if len(calls) == 1:
            def between_epochs(*args):
                raise WorkerDied()
            return real_train(config, **{**kwargs, "between_epochs": between_epochs})
        return real_train(config, **kwargs)

    monkeypatch.setattr(services.core, "train", dying_train)
    with pytest.raises(WorkerDied), django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                                  **tiny_hyper)
    run = TrainingRun.objects.get()
    assert run.state == RunState.RUNNING and len(run.metrics_history) == 1
    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert training_runs_reap_stale() == {"requeued": [run.pk], "failed": []}
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED and run.attempts == 2
    assert calls[0] == calls[1]
    assert [m["epoch"] for m in run.metrics_history] == [1, 2]


def test_worker_heartbeat_beats_only_its_own_active_attempt(ml_admin, tiny_base_model, covered_version, no_enqueue):
    """The worker's heartbeat thread keeps a short reaper timeout safe; it must never keep alive an
    attempt that is not its own (the reaper requeued the run: the next attempt's worker beats)."""
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    long_ago = timezone.now() - dt.timedelta(hours=1)
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, celery_task_id="attempt-2",
                                                 heartbeat_at=long_ago)

    worker._beat(run.pk, "attempt-1")
    assert TrainingRun.objects.get(pk=run.pk).heartbeat_at == long_ago
    worker._beat(run.pk, "attempt-2")
    assert TrainingRun.objects.get(pk=run.pk).heartbeat_at > long_ago
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.QUEUED, heartbeat_at=long_ago)
    worker._beat(run.pk, "attempt-2")
    assert TrainingRun.objects.get(pk=run.pk).heartbeat_at == long_ago


def test_a_resumed_attempt_replaces_what_the_lost_one_reported_after_its_checkpoint(
    ml_admin, tiny_base_model, covered_version, no_enqueue
):
    """The killed attempt charted steps 1..7 and epochs 1..2; its checkpoint held epoch 1 (step 4).
    The resumed attempt redoes steps 5.. and epoch 2: each is charted once."""
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    TrainingRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, loss_history=[[step, 1.0] for step in range(1, 8)],
        metrics_history=[{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.8}])
    hooks = worker._RunHooks(TrainingRun.objects.get(pk=run.pk))

    hooks.progress({"step": 5, "total_steps": 8, "epoch": 2, "loss": 0.5, "samples_per_sec": 1.0})
    hooks.progress({"step": 8, "total_steps": 8, "epoch": 2, "loss": 0.4, "samples_per_sec": 1.0,
                    "metrics": {"epoch": 2, "val_loss": 0.7}})
    run.refresh_from_db()
    assert [step for step, _ in run.loss_history] == [1, 2, 3, 4, 5, 8]
    assert run.metrics_history == [{"epoch": 1, "val_loss": 0.9}, {"epoch": 2, "val_loss": 0.7}]
