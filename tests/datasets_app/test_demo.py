"""seed_demo's datasets step: synthetic tickets through the real pipeline, approved, idempotent."""
import pytest

from accounts.demo import seed_people
from datasets_app.demo import DEMO_TITLE, seed_support_tickets
from datasets_app.models import Dataset, DatasetVersion


@pytest.mark.django_db(transaction=True)
def test_demo_dataset_is_scrubbed_approved_and_seeded_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_people(lambda m: None)
    lines = []
    seed_support_tickets(lines.append)
    version = DatasetVersion.objects.get(dataset__title=DEMO_TITLE)
    assert version.status == DatasetVersion.Status.APPROVED, lines
    assert version.label_field == "category" and version.row_count == 240
    report = version.pii_report
    for entity in ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"):
        assert report["by_entity"].get(entity, 0) > 0, entity
    seed_support_tickets(lines.append)
    assert Dataset.objects.filter(title=DEMO_TITLE).count() == 1
    assert DatasetVersion.objects.filter(dataset__title=DEMO_TITLE).count() == 1
