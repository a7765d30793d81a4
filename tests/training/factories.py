"""Building blocks for training tests: an approved version with a REAL scrubbed file in storage
(so the worker's hash check has bytes to check), an agreement in force, and revocation."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from agreements.models import Agreement
from agreements.services import agreement_expire, agreement_revoke
from datasets_app.models import DatasetVersion
from tests.agreements.factories import DatasetFactory, make_agreement

TOPICS = {
    "billing": ["refund", "invoice", "charged", "payment", "billing", "price", "subscription"],
    "access": ["login", "password", "reset", "account", "locked", "blocked", "access"],
}


def raw_email(index: int) -> str:
    """A value a released column must never carry (used for columns the steward did not release)."""
    return f"customer{index}@example.com"


SPLIT_CYCLE = ("train",) * 6 + ("validation", "test")  # what a steward's split column holds, row by row


def scrubbed_csv_bytes(rows: int = 40, seed: int = 0, extra_columns: tuple[str, ...] = (),
                       split_column: str = "") -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label", *extra_columns, *([split_column] if split_column else [])])
    for index in range(rows):
        label = "billing" if index % 2 == 0 else "access"
        words = rng.sample(TOPICS[label], 4) + rng.sample(["please", "help", "today", "my", "the", "<PERSON>"], 2)
        rng.shuffle(words)
        split = [SPLIT_CYCLE[index % len(SPLIT_CYCLE)]] if split_column else []
        writer.writerow([" ".join(words), label, *(raw_email(index) for _ in extra_columns), *split])
    return out.getvalue().encode("utf-8")


def ner_csv_bytes(rows: int = 60, seed: int = 0) -> bytes:
    """Scrubbed NER rows: text and its span annotations (JSON in the label column `entities`)."""
    from training.core.synthetic import ner_record

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "entities"])
    for index in range(rows):
        record = ner_record(rng, index)
        writer.writerow([record["text"], json.dumps(record["entities"])])
    return out.getvalue().encode("utf-8")


def make_training_version(
    *, dataset=None, rows: int = 40, status: str = "approved", seed: int = 0, extra_columns: tuple[str, ...] = (),
    text_fields: tuple[str, ...] = ("text",), label_field: str = "label", ner: bool = False,
    column_roles: dict | None = None, split_column: str = "", text_column: str = "text", **dataset_kwargs
) -> DatasetVersion:
    """A dataset version whose scrubbed CSV sits in default storage with its sha256 recorded.

    `extra_columns` are in the file (holding raw e-mail addresses) but not released: the steward
    released `text_fields` as scrub columns and `label_field` as the label (govdata's contract);
    `column_roles` overrides the roles stored with it (a version approved before roles existed);
    `split_column` adds a train/validation/test column the steward declared (role split);
    `text_column` names the text column (another dataset may call it `body`)."""
    dataset = dataset or DatasetFactory(**dataset_kwargs)
    data = ner_csv_bytes(rows, seed) if ner else scrubbed_csv_bytes(rows, seed, tuple(extra_columns), split_column)
    if text_column != "text":
        data = data.replace(b"text,", text_column.encode() + b",", 1)
    base_columns = (text_column, "entities") if ner else (text_column, "label")
    name = default_storage.save(f"scrubbed/tests/{uuid.uuid4().hex}.csv", ContentFile(data))
    approved = status == "approved"
    return DatasetVersion.objects.create(
        dataset=dataset,
        number=dataset.versions.count() + 1,
        status=status,
        created_by=dataset.steward,
        raw_sha256=hashlib.sha256(b"raw" + data).hexdigest(),
        scrubbed_file=name,
        scrubbed_sha256=hashlib.sha256(data).hexdigest(),
        scrubbed_size=len(data),
        format="csv",
        columns=[*base_columns, *extra_columns, *([split_column] if split_column else [])],
        text_fields=list(text_fields),
        label_field=label_field,
        column_roles=column_roles if column_roles is not None else {
            **{name: {"role": "drop", "reason": ""} for name in (*base_columns, *extra_columns)},
            **{name: {"role": "scrub", "reason": ""} for name in text_fields},
            **({label_field: {"role": "label", "reason": ""}} if label_field else {}),
            **({split_column: {"role": "split", "reason": ""}} if split_column else {}),
        },
        row_count=rows,
        scrubber_config={"engine": "presidio", "operator": "replace", "entities": ["PERSON", "EMAIL_ADDRESS"]},
        pii_report={"by_entity": {"PERSON": {"count": rows // 4}}},
        approved_by=dataset.steward if approved else None,
        approved_at=timezone.now() if approved else None,
    )


def make_agreement_in_force(*, researcher, legal, versions, uses=("model_training",), **kwargs) -> Agreement:
    return make_agreement(researcher=researcher, legal=legal, versions=versions, uses=uses, state="approved",
                          accepted=True, countersigned=True, **kwargs)


def end_agreement(agreement: Agreement, *, actor, reason: str = "revoked") -> Agreement:
    """End an agreement through the agreements services, which send `agreement_ended` inside
    their transaction. "expired": its end date is moved into the past first (time passing)."""
    if reason == "revoked":
        return agreement_revoke(agreement=agreement, reason="Contributor withdrew consent", actor=actor)
    Agreement.objects.filter(pk=agreement.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return agreement_expire(agreement=Agreement.objects.get(pk=agreement.pk), actor=None)


def tamper(version: DatasetVersion) -> None:
    """Change the stored scrubbed bytes after approval (the attack invariant 1 refuses)."""
    path = default_storage.path(version.scrubbed_file.name)
    with open(path, "ab") as handle:
        handle.write(b"Jane Doe,billing\n")
