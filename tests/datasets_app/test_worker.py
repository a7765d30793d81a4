"""The scrub chord through a real broker and a real worker process (not eager mode)."""
import io

import pytest

from datasets_app import services
from datasets_app.models import DatasetVersion
from tests.conftest import wait_for
from tests.datasets_app.conftest import TICKETS, csv_bytes
from tests.datasets_app.factories import DatasetFactory

Status = DatasetVersion.Status


@pytest.fixture
def worker_env(monkeypatch, tmp_path, settings):
    """The worker process reads its settings from the environment: same storage folders, small shards."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    monkeypatch.setenv("QUARANTINE_ROOT", str(tmp_path / "quarantine"))
    monkeypatch.setenv("ACCORD_SCRUB_SHARD_ROWS", "4")
    settings.ACCORD_SCRUB_SHARD_ROWS = 4


@pytest.mark.worker
def test_shards_scrubbed_by_a_worker_and_merged_in_order(worker_env, celery_worker_process, contributor):
    dataset = DatasetFactory(organization=contributor.organization, steward=contributor)
    rows = TICKETS * 4  # 12 rows
    version = services.version_upload(dataset=dataset, file=io.BytesIO(csv_bytes(rows)), filename="t.csv",
                                      actor=contributor)
    version = wait_for(lambda: DatasetVersion.objects.filter(pk=version.pk, inspected_at__isnull=False).first(),
                       timeout=90, message="the worker to validate the upload")
    services.version_scrub_start(version=version, actor=contributor, column_roles={
        "ticket_id": {"role": "keep", "reason": "Ticket numbers are not personal data."},
        "body": "scrub", "category": "label"})
    version = wait_for(
        lambda: DatasetVersion.objects.filter(pk=version.pk).exclude(status=Status.SCRUBBING).first(),
        timeout=180, message="the worker to scrub the version",
    )
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert version.rows_done == version.rows_total == 12
    assert version.shard_count == 3 and version.pii_report["timings"]["shards"] == 3
    assert version.pii_report["rows"] == 12
    from django.core.files.storage import default_storage

    text = default_storage.open(version.scrubbed_file.name).read().decode()
    assert "John Smith" not in text
    assert text.splitlines()[0] == "ticket_id,body,category"  # subject had no role: dropped (G2)
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == [r["ticket_id"] for r in rows]
