"""Nothing stuck (issue 14): uploads and scrubs whose messages were lost are re-sent (idempotently)
or failed with the true reason; queued runs likewise; lost database connections are retried."""
import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from datasets_app import reconciler, services, tasks
from datasets_app.models import DatasetVersion
from reliability.models import OutboxMessage
from tests.datasets_app.conftest import csv_bytes
from training.models import RunState, TrainingRun

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


@pytest.fixture
def empty_queues(monkeypatch):
    depth = {"value": 0}
    monkeypatch.setattr(reconciler, "queue_depth", lambda queue: depth["value"])
    from reliability import broker

    monkeypatch.setattr(broker, "queue_depth", lambda queue: depth["value"])
    return depth


@pytest.fixture
def lost_scrub(contributor, dataset, upload, monkeypatch):
    """A version whose scrub was started but whose message never reached a worker."""
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    services.version_scrub_start(version=version, actor=contributor, text_fields=["subject", "body"],
                                 label_field="category")  # no on-commit callbacks run: the message is lost
    OutboxMessage.objects.all().delete()
    version.refresh_from_db()
    assert version.status == Status.SCRUBBING
    return version


def _silent(version, seconds=3600):
    DatasetVersion.objects.filter(pk=version.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_lost_scrub_is_resent_and_finishes(lost_scrub, empty_queues, django_capture_on_commit_callbacks):
    assert reconciler.versions_reconcile() == {"resent": [], "failed": []}  # it only just started
    _silent(lost_scrub)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reconciler.versions_reconcile()
    assert outcome == {"resent": [lost_scrub.pk], "failed": []}
    lost_scrub.refresh_from_db()
    assert lost_scrub.status == Status.SCRUBBED
    assert lost_scrub.reconcile_attempts == 0  # a finished shard is progress: the count starts again


def test_waiting_work_or_an_unreachable_broker_is_not_counted(lost_scrub, empty_queues):
    _silent(lost_scrub)
    empty_queues["value"] = 3
    assert reconciler.versions_reconcile()["skipped"] == "3 message(s) waiting"
    empty_queues["value"] = None
    assert reconciler.versions_reconcile()["skipped"] == "broker unreachable"
    lost_scrub.refresh_from_db()
    assert lost_scrub.reconcile_attempts == 0 and not OutboxMessage.objects.exists()


def test_after_n_resends_without_progress_the_version_fails_with_the_reason(lost_scrub, empty_queues, settings):
    settings.ACCORD_RECONCILE_MAX_ATTEMPTS = 2
    for expected in (1, 2):
        _silent(lost_scrub)
        assert reconciler.versions_reconcile()["resent"] == [lost_scrub.pk]  # sent, but never taken
        lost_scrub.refresh_from_db()
        assert lost_scrub.reconcile_attempts == expected
    assert OutboxMessage.objects.filter(task_name="datasets_app.tasks.scrub_version").count() == 2
    _silent(lost_scrub)
    assert reconciler.versions_reconcile()["failed"] == [lost_scrub.pk]
    lost_scrub.refresh_from_db()
    assert lost_scrub.status == Status.FAILED
    assert "No worker made progress scrubbing" in lost_scrub.failure_reason
    assert "sent again 2 times" in lost_scrub.failure_reason


def test_a_lost_inspection_is_resent(contributor, dataset, empty_queues, django_capture_on_commit_callbacks):
    import io

    version = services.version_upload(dataset=dataset, file=io.BytesIO(csv_bytes()), filename="t.csv",
                                      actor=contributor)  # the inspection message is lost
    OutboxMessage.objects.all().delete()
    _silent(version)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconciler.versions_reconcile()["resent"] == [version.pk]
    version.refresh_from_db()
    assert version.inspected_at and version.status == Status.UPLOADED
    assert reconciler.versions_reconcile() == {"resent": [], "failed": []}  # inspected: nothing to do


def test_a_resumed_scrub_redoes_only_the_missing_shards(lost_scrub, settings, monkeypatch):
    settings.ACCORD_SCRUB_SHARD_ROWS = 1  # three rows: three shards
    version_id, attempt = lost_scrub.pk, lost_scrub.scrub_attempt
    assert services.scrub_prepare(version_id=version_id, attempt=attempt) == 3
    assert services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=0)
    assert services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=2)
    # ...the worker holding shard 1 was killed; the reconciler sends scrub_version again:
    ran = []
    real = services.scrub_shard
    monkeypatch.setattr(services, "scrub_shard", lambda **kw: ran.append(kw["shard_index"]) or real(**kw))
    tasks.scrub_version.apply(args=[version_id, attempt]).get()
    lost_scrub.refresh_from_db()
    assert ran == [1]
    assert lost_scrub.status == Status.SCRUBBED and lost_scrub.rows_done == 3
    assert lost_scrub.pii_report["rows"] == 3


def test_a_redelivered_finished_shard_is_not_redone(lost_scrub, monkeypatch):
    version_id, attempt = lost_scrub.pk, lost_scrub.scrub_attempt
    services.scrub_prepare(version_id=version_id, attempt=attempt)
    assert services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=0)
    from datasets_app import scrub_runner

    monkeypatch.setattr(scrub_runner, "scrub_shard", lambda *a, **k: pytest.fail("a finished shard was redone"))
    assert services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=0)


def test_a_lost_database_connection_fails_with_that_reason(lost_scrub, monkeypatch):
    def dead(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(services, "scrub_prepare", dead)
    tasks.scrub_version.apply(args=[lost_scrub.pk, lost_scrub.scrub_attempt]).get()
    lost_scrub.refresh_from_db()
    assert lost_scrub.status == Status.FAILED
    assert "lost its database connection" in lost_scrub.failure_reason
    assert "administrator command" in lost_scrub.failure_reason


def test_db_errors_are_retried_with_backoff_outside_eager_mode(monkeypatch):
    from celery.exceptions import Retry

    class Request:
        retries = 1
        is_eager = False

    class FakeTask:
        request = Request()

        def retry(self, exc, countdown, max_retries):
            self.called = (countdown, max_retries)
            return Retry(exc=exc)

    task = FakeTask()
    with pytest.raises(Retry):
        tasks._retry_on_db_error(task, OperationalError("server closed the connection unexpectedly"))
    assert task.called == (4, tasks.DB_RETRIES)
    tasks._retry_on_db_error(task, ValueError("not a connection problem"))  # not retried: no raise
    Request.retries = tasks.DB_RETRIES
    tasks._retry_on_db_error(task, OperationalError("again"))  # tries used up: the caller fails it


# --- training runs left queued ---------------------------------------------------------------
@pytest.fixture
def queued_run(ml_admin, tiny_base_model, covered_version, tiny_hyper):
    from training.services import training_run_launch

    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                              **tiny_hyper)  # no on-commit callbacks: the message is lost
    OutboxMessage.objects.all().delete()
    assert run.state == RunState.QUEUED
    return run


def test_a_queued_run_whose_message_was_lost_is_resent_with_its_task_id(queued_run, empty_queues, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from training.services.reaper import training_runs_resend_queued
    from training.tasks import train_run

    sent = []
    monkeypatch.setattr(train_run, "apply_async", lambda args, task_id=None: sent.append((args, task_id)))
    assert training_runs_resend_queued() == {"resent": [], "failed": []}  # just launched
    TrainingRun.objects.filter(pk=queued_run.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=5))
    empty_queues["value"] = 1
    assert training_runs_resend_queued()["resent"] == []  # something waits in the gpu queue: late, not lost
    empty_queues["value"] = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert training_runs_resend_queued()["resent"] == [queued_run.pk]
    assert sent == [([queued_run.pk], queued_run.celery_task_id)]
    assert training_runs_resend_queued()["resent"] == []  # the next re-send waits again


def test_a_queued_run_past_its_deadline_fails_with_the_reason(queued_run, empty_queues, settings):
    from training.services.reaper import training_runs_resend_queued

    settings.ACCORD_RUN_QUEUE_DEADLINE = 3600
    TrainingRun.objects.filter(pk=queued_run.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert training_runs_resend_queued()["failed"] == [queued_run.pk]
    queued_run.refresh_from_db()
    assert queued_run.state == RunState.FAILED and "No gpu worker started this run within 1 h" in queued_run.failure_reason


def test_the_reconcilers_are_scheduled(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reliability.tasks.outbox_sweep", "datasets_app.tasks.reconcile_versions",
            "training.tasks.resend_queued_runs", "training.tasks.reap_stale_runs"} <= tasks_scheduled
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_shard_that_kills_its_worker_every_time_fails_the_version_naming_it(lost_scrub, settings, monkeypatch):
    settings.ACCORD_RECONCILE_MAX_ATTEMPTS = 2
    version_id, attempt = lost_scrub.pk, lost_scrub.scrub_attempt
    services.scrub_prepare(version_id=version_id, attempt=attempt)
    from datasets_app import scrub_runner

    class WorkerKilled(BaseException):  # what the process sees of an OOM kill: nothing after this
        pass

    def oom(*args, **kwargs):
        raise WorkerKilled()

    monkeypatch.setattr(scrub_runner, "scrub_shard", oom)
    for _ in range(2):  # delivered, killed, requeued (reject_on_worker_lost), delivered again...
        with pytest.raises(WorkerKilled):
            services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=0)
    assert not services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=0)
    lost_scrub.refresh_from_db()
    assert lost_scrub.status == Status.FAILED
    assert "Shard 1 was started 2 times and never finished" in lost_scrub.failure_reason
