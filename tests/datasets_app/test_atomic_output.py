"""A crash or retry never leaves a half-written scrubbed file marked as done."""
from pathlib import Path

import pytest

from datasets_app import scrub_runner, services, tasks
from datasets_app.models import DatasetVersion
from tests.datasets_app.conftest import csv_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def stored_files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def test_crash_while_merging_leaves_nothing_marked_done(dataset, contributor, upload, scrub, monkeypatch,
                                                        settings):
    real_merge = scrub_runner.merge_shards

    def crash_halfway(paths, output_path, *, fmt):
        Path(output_path).write_text("ticket_id,subject\nT-1,half")  # a torn write at the final name
        raise OSError("disk full")

    monkeypatch.setattr(scrub_runner, "merge_shards", crash_halfway)
    version = scrub(upload(dataset, csv_bytes(), "t.csv", contributor), contributor)
    assert version.status == Status.FAILED
    assert "Merging the scrubbed shards failed" in version.failure_reason and "disk full" in version.failure_reason
    assert not version.scrubbed_file.name and not version.scrubbed_sha256 and not version.pii_report
    assert stored_files(settings.MEDIA_ROOT) == []  # nothing published

    monkeypatch.setattr(scrub_runner, "merge_shards", real_merge)
    version = scrub(version, contributor)  # a retry starts a clean attempt
    assert version.status == Status.SCRUBBED and version.scrub_attempt == 2
    assert [p.name for p in stored_files(settings.MEDIA_ROOT)] == [Path(version.scrubbed_file.name).name]


def test_crash_inside_a_shard_leaves_no_shard_output(dataset, contributor, upload, scrub, monkeypatch, settings):
    settings.ACCORD_SCRUB_SHARD_ROWS = 2
    real_scrub_file = scrub_runner.scrub_file
    seen_dirs = []

    def dies_after_first_batch(source, output, **kwargs):
        seen_dirs.append(Path(output).parent)

        def progress(done, total):
            raise MemoryError("worker killed")

        return real_scrub_file(source, output, **{**kwargs, "progress": progress})

    monkeypatch.setattr(scrub_runner, "scrub_file", dies_after_first_batch)
    version = scrub(upload(dataset, csv_bytes(), "t.csv", contributor), contributor)
    assert version.status == Status.FAILED and "shard 1" in version.failure_reason
    assert not version.scrubbed_file.name and stored_files(settings.MEDIA_ROOT) == []
    # The torn shard was never moved into place (its temp file is gone too).
    assert seen_dirs and not any(stored_files(d) for d in seen_dirs if d.exists())


def test_a_redelivered_finalize_does_not_publish_twice(scrubbed_version, settings):
    before = stored_files(settings.MEDIA_ROOT)
    assert tasks.scrub_finalize(scrubbed_version.pk, scrubbed_version.scrub_attempt) == "superseded"
    assert tasks.scrub_shard(scrubbed_version.pk, scrubbed_version.scrub_attempt, 0) is False
    assert stored_files(settings.MEDIA_ROOT) == before
    fresh = DatasetVersion.objects.get(pk=scrubbed_version.pk)
    assert fresh.scrubbed_sha256 == scrubbed_version.scrubbed_sha256


def test_a_stale_attempt_writes_nothing(dataset, contributor, upload, scrub, settings):
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    # Attempt 1 is queued but its worker "dies" before running (callbacks not executed).
    services.version_scrub_start(version=version, text_fields=["body"], actor=contributor)
    version = scrub(DatasetVersion.objects.get(pk=version.pk), contributor, text_fields=("subject", "body"))
    assert version.status == Status.SCRUBBED and version.scrub_attempt == 2
    # Attempt 1's tasks turn up late: all of them are no-ops.
    assert tasks.scrub_version(version.pk, 1) == 0
    assert tasks.scrub_shard(version.pk, 1, 0) is False
    assert tasks.scrub_finalize(version.pk, 1) == "superseded"
    fresh = DatasetVersion.objects.get(pk=version.pk)
    assert (fresh.status, fresh.text_fields, fresh.scrubbed_sha256) == (Status.SCRUBBED, ["subject", "body"],
                                                                        version.scrubbed_sha256)
    assert len(stored_files(settings.MEDIA_ROOT)) == 1


def test_an_abandoned_chord_fails_the_version_with_a_reason(dataset, contributor, upload, settings):
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    services.version_scrub_start(version=version, text_fields=["body"], actor=contributor)  # queued, never run
    version.refresh_from_db()
    tasks.scrub_abandoned(version.pk, version.scrub_attempt)
    version.refresh_from_db()
    assert version.status == Status.FAILED and "restart the scrub" in version.failure_reason
    assert not version.scrubbed_file.name and stored_files(settings.MEDIA_ROOT) == []


def test_a_broker_failure_at_dispatch_fails_the_version(dataset, contributor, upload, monkeypatch):
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    services.version_scrub_start(version=version, text_fields=["body"], actor=contributor)
    version.refresh_from_db()

    def broker_down(self, *args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.chord, "apply_async", broker_down)
    assert tasks.scrub_version(version.pk, version.scrub_attempt) == 0
    version.refresh_from_db()
    assert version.status == Status.FAILED and "broker unreachable" in version.failure_reason
