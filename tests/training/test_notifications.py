"""Run and scrub notifications (issue 13): the launching admin hears how a run ended or that its model
was revoked; the steward hears when a scrub failed. Delivered only after the change commits."""
import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notification
from accounts.roles import Role
from audit.services import record_event
from datasets_app import services as dataset_services
from datasets_app.models import DatasetVersion
from tests.datasets_app.factories import DatasetFactory
from training.models import BaseModel, TrainingRun


@pytest.fixture
def run(make_user):
    admin = make_user(Role.ADMIN)
    base = BaseModel.objects.create(name="tiny", source=BaseModel.Source.PATH, local_path="/nowhere", license="MIT")
    return TrainingRun.objects.create(base_model=base, launched_by=admin, label_field="label")


@pytest.mark.parametrize("action,words", [("training_run.succeeded", "succeeded"),
                                          ("training_run.failed", "failed"),
                                          ("training_run.cancelled", "cancelled"),
                                          ("training_run.model_revoked", "revoked")])
def test_the_launching_admin_hears_how_the_run_ended(run, action, words, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            record_event(actor=None, action=action, target=run)
            assert not Notification.objects.exists()  # nothing before the commit
    item = Notification.objects.get()
    assert item.user == run.launched_by and words in item.title and item.url == f"/training/runs/{run.pk}/"
    assert mail.outbox[-1].to == [run.launched_by.email]


def test_other_run_events_and_a_rollback_notify_nobody(run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            record_event(actor=None, action="training_run.started", target=run)
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event(actor=None, action="training_run.failed", target=run)
            raise RuntimeError("rolled back")
    assert not Notification.objects.exists()


def test_the_steward_hears_a_scrub_failed(contributor, django_capture_on_commit_callbacks):
    dataset = DatasetFactory(organization=contributor.organization, steward=contributor, title="Clinic notes")
    version = DatasetVersion.objects.create(dataset=dataset, number=1, status="uploaded", created_by=contributor,
                                            raw_sha256="0" * 64)
    with django_capture_on_commit_callbacks(execute=True):
        dataset_services.version_fail(version_id=version.pk, attempt=None, reason="Not UTF-8 at byte 12")
    item = Notification.objects.get(user=contributor)
    assert item.kind == "dataset.failed" and "Clinic notes v1 failed: Not UTF-8 at byte 12" == item.title
