"""The outbox (issue 14): a broker outage at upload, scrub start or launch never answers 500, never
deletes a committed upload's raw file, and the task is sent once the broker is back."""
import datetime as dt

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from datasets_app.models import DatasetVersion
from reliability import outbox
from reliability.models import OutboxMessage
from tests.datasets_app.conftest import csv_bytes
from training.models import RunState, TrainingRun

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def _later(minutes=10):
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_upload_while_the_broker_is_down_is_kept_and_validated_once_it_is_back(
        api_client_for, contributor, dataset, broker_down, django_capture_on_commit_callbacks):
    client = api_client_for(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/my-datasets/{dataset.pk}/versions/",
                               {"file": SimpleUploadedFile("t.csv", csv_bytes())}, format="multipart")
    assert response.status_code == 201, response.content
    version = DatasetVersion.objects.get()
    assert version.status == Status.UPLOADED and not version.inspected_at
    assert storages["quarantine"].exists(version.raw_file.name)  # the raw file is not deleted
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert broker_down.refused == ["datasets_app.tasks.scrub_inspect_version"]

    assert outbox.sweep()["sent"] == 0  # not due yet: backoff
    assert outbox.sweep(now=_later())["sent"] == 0  # due, still down
    assert OutboxMessage.objects.get().attempts == 2

    broker_down.up()
    assert outbox.sweep(now=_later(20)) == {"due": 1, "sent": 1, "pending": 0, "removed": 0}
    version.refresh_from_db()
    assert version.inspected_at and version.row_count == 3
    assert outbox.sweep(now=_later(30))["due"] == 0  # sent once


def test_scrub_start_while_the_broker_is_down_is_sent_later(
        contributor, dataset, upload, broker_down, django_capture_on_commit_callbacks):
    broker_down.up()
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    from datasets_app import services

    broker_down.down()
    with django_capture_on_commit_callbacks(execute=True):
        services.version_scrub_start(version=version, actor=contributor, text_fields=["subject", "body"],
                                     label_field="category")
    broker_down.up()
    version.refresh_from_db()
    assert version.status == Status.SCRUBBING
    pending = OutboxMessage.objects.get(sent_at__isnull=True)
    assert pending.task_name == "datasets_app.tasks.scrub_version" and pending.args == [version.pk, 1]
    outbox.sweep(now=_later())
    version.refresh_from_db()
    assert version.status == Status.SCRUBBED


def test_a_rolled_back_change_sends_nothing(contributor, dataset, django_capture_on_commit_callbacks):
    from django.db import transaction

    from datasets_app import tasks

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                outbox.enqueue(tasks.scrub_inspect_version, args=[1])
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert not OutboxMessage.objects.exists() and not callbacks


def test_launch_while_the_broker_is_down_is_a_queued_run_sent_later(
        ml_admin, tiny_base_model, covered_version, tiny_hyper, broker_down, django_capture_on_commit_callbacks,
        monkeypatch):
    from training.services import training_run_launch

    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version],
                                  **tiny_hyper)
    assert run.state == RunState.QUEUED
    message = OutboxMessage.objects.get()
    assert message.task_name == "training.tasks.train_run" and message.task_id == run.celery_task_id
    broker_down.up()
    sent = []
    from training.tasks import train_run

    monkeypatch.setattr(train_run, "apply_async", lambda args, task_id=None: sent.append((args, task_id)))
    outbox.sweep(now=_later())
    assert sent == [([run.pk], run.celery_task_id)]
