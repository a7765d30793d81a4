"""Fixtures for the datasets tests: a steward's dataset and helpers that upload and scrub."""
from __future__ import annotations

import csv
import gzip
import io
import json

import pytest

from datasets_app import services
from datasets_app.models import DatasetVersion
from tests.conftest import point_storages_at, reset_storages
from tests.datasets_app.factories import DatasetFactory

TICKETS = [
    {"ticket_id": "T-1", "subject": "Refund please",
     "body": "Hi, this is John Smith. Call me at +44 20 7946 0958 or write to john.smith@example.com.",
     "category": "billing"},
    {"ticket_id": "T-2", "subject": "Card charged twice",
     "body": "My card 4111 1111 1111 1111 was charged twice, regards Maria García.",
     "category": "billing"},
    {"ticket_id": "T-3", "subject": "Router offline",
     "body": "The router at 192.168.10.23 keeps rebooting since Tuesday.",
     "category": "technical"},
]
FIELDS = ["ticket_id", "subject", "body", "category"]


def csv_bytes(rows=TICKETS, fields=FIELDS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def jsonl_bytes(rows=TICKETS) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test gets its own quarantine and media folders."""
    point_storages_at(settings, tmp_path)
    yield
    reset_storages()


@pytest.fixture
def dataset(contributor):
    return DatasetFactory(organization=contributor.organization, steward=contributor)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """upload(dataset, data, filename, actor) -> the version after its (eager) validation."""

    def do(dataset, data: bytes, filename: str, actor) -> DatasetVersion:
        with django_capture_on_commit_callbacks(execute=True):
            version = services.version_upload(dataset=dataset, file=io.BytesIO(data), filename=filename,
                                              actor=actor)
        version.refresh_from_db()
        return version

    return do


@pytest.fixture
def scrub(django_capture_on_commit_callbacks):
    """scrub(version, actor, text_fields=..., ...) -> the version after its (eager) scrub chord."""

    def do(version, actor, text_fields=("subject", "body"), label_field="category", operator="replace"):
        with django_capture_on_commit_callbacks(execute=True):
            services.version_scrub_start(version=version, actor=actor, text_fields=list(text_fields),
                                         label_field=label_field, operator=operator)
        version.refresh_from_db()
        return version

    return do


@pytest.fixture
def scrubbed_version(dataset, contributor, upload, scrub):
    version = upload(dataset, csv_bytes(), "tickets.csv", contributor)
    return scrub(version, contributor)


# A ticket export with identity columns (issue 8, hole 1). The dropped columns' values appear
# nowhere else in a row, so finding one in a scrubbed file can only mean the column leaked.
IDENTITY_FIELDS = ["customer_name", "email", "phone", "address", "subject", "body", "label"]
_PEOPLE = [("Evelyn Hartmann", "evelyn.hartmann@example.org", "+49 30 1234 5678", "12 Elm Street, Springfield"),
           ("Rajesh Kowalczyk", "r.kowalczyk@example.net", "+44 20 7946 0123", "4 Birch Lane, Oakham"),
           ("Margot Lindqvist", "margot.l@example.com", "+1 415 555 0199", "88 Harbour Road, Portree"),
           ("Tobias Ferreira", "tobias.ferreira@example.org", "+33 1 42 68 53 00", "7 Rue des Lilas, Lyon")]
_TOPICS = [("Refund please", "I was charged twice for the last order, please refund one payment.", "billing"),
           ("Router offline", "The router keeps rebooting every night since the update.", "technical"),
           ("Cannot log in", "The password reset link says it has expired.", "access")]


def identity_rows(n: int = 12) -> list[dict]:
    rows = []
    for i in range(n):
        name, email, phone, address = _PEOPLE[i % len(_PEOPLE)]
        subject, body, label = _TOPICS[i % len(_TOPICS)]
        rows.append({"customer_name": name, "email": email, "phone": phone, "address": address,
                     "subject": subject, "body": body, "label": label})
    return rows


def identity_values(rows, columns=("customer_name", "email", "phone", "address")) -> set[str]:
    return {row[c] for row in rows for c in columns}


@pytest.fixture
def identity_version(dataset, contributor, upload):
    rows = identity_rows()
    return upload(dataset, csv_bytes(rows, IDENTITY_FIELDS), "tickets.csv", contributor), rows
