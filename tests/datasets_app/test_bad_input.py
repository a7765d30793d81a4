"""Bad input marks the version failed with a reason a person can act on; nothing stored is lost."""
import gzip
import io

import pytest
from django.core.files.storage import storages

from datasets_app import services
from datasets_app.models import DatasetVersion
from tests.datasets_app.conftest import csv_bytes, jsonl_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def _gzip_bomb() -> bytes:
    # ~24 MB of tiny rows squeezed into a few tens of KB: past the ratio guard's floor.
    rows = b"a,b\n" + b"1,2\n" * 6_000_000
    return gzip.compress(rows, compresslevel=9)


@pytest.mark.parametrize("data,filename,expected", [
    (b'id,text\n1,"unbalanced quote\n2,ok\n', "bad.csv", "malformed csv"),
    (b"id,text\n1,ok\n2,extra,column\n", "ragged.csv", "columns"),
    ("id,text\n1,caf\u00e9\n".encode("latin-1"), "latin1.csv", "utf-8"),
    (b"id,text\n1," + b"x" * 5000 + b"\n", "long.csv", "longer than the limit"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "image.csv", "binary"),
    (b"", "empty.csv", "empty"),
    (b"id,text\n", "header-only.csv", "no data rows"),
    (b'{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "broken.jsonl", "not valid json"),
    (b'[1, 2, 3]\n', "array.jsonl", "expected an object"),
    (b"\x1f\x8b\x08\x00garbage-not-really-gzip", "corrupt.csv.gz", "gzip"),
])
def test_bad_upload_fails_with_actionable_reason(dataset, contributor, upload, settings, data, filename, expected):
    settings.ACCORD_MAX_LINE_BYTES = 1024
    version = upload(dataset, data, filename, contributor)
    assert version.status == Status.FAILED
    assert expected in version.failure_reason.lower(), version.failure_reason
    # The upload itself is kept (hashed, in quarantine) so the steward can see what was sent.
    assert version.raw_sha256 and storages["quarantine"].exists(version.raw_file.name)


def test_gzip_bomb_is_refused(dataset, contributor, upload):
    version = upload(dataset, _gzip_bomb(), "bomb.csv.gz", contributor)
    assert version.status == Status.FAILED
    assert "gzip bomb" in version.failure_reason


def test_oversized_upload_is_refused_and_nothing_is_stored(dataset, contributor, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 100
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as info:
        services.version_upload(dataset=dataset, file=io.BytesIO(csv_bytes()), filename="big.csv", actor=contributor)
    assert info.value.status == 413 and "upload limit" in info.value.message
    assert not DatasetVersion.objects.exists()
    from pathlib import Path

    raw_dir = Path(storages["quarantine"].path("raw"))
    assert not [p for p in raw_dir.rglob("*") if p.is_file()]


@pytest.mark.parametrize("fields,label,code", [
    (["subject", "no_such_column"], "", "unknown_field"),
    (["subject"], "no_label", "unknown_field"),
    ([], "", "no_text_fields"),
    (["subject"], "subject", "label_is_text"),
])
def test_declared_field_missing_is_refused(dataset, contributor, upload, fields, label, code):
    from config.exceptions import ApplicationError

    version = upload(dataset, jsonl_bytes(), "t.jsonl", contributor)
    with pytest.raises(ApplicationError) as info:
        services.version_scrub_start(version=version, text_fields=fields, label_field=label, actor=contributor)
    assert info.value.code == code and info.value.status == 400
    version.refresh_from_db()
    assert version.status == Status.UPLOADED  # nothing changed; pick again


def test_a_failed_upload_does_not_touch_earlier_versions(dataset, contributor, upload, scrub):
    good = scrub(upload(dataset, csv_bytes(), "good.csv", contributor), contributor)
    before = (good.status, good.scrubbed_sha256, good.scrubbed_file.name)
    bad = upload(dataset, b"\x00\x01\x02binary", "bad.csv", contributor)
    assert bad.status == Status.FAILED and bad.number == good.number + 1
    good.refresh_from_db()
    assert (good.status, good.scrubbed_sha256, good.scrubbed_file.name) == before
    assert storages["default"].exists(good.scrubbed_file.name)
