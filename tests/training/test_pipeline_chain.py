"""From a raw upload through the REAL scrub and steward approval to a model whose card and
attribution name the contributor and carry the approved scrubbed sha256."""
from __future__ import annotations

import csv
import io
import json

import pytest

from datasets_app import services as dataset_services
from tests.agreements.factories import DatasetContributorFactory, DatasetFactory
from tests.training.factories import make_agreement_in_force
from training.models import RunState
from training.services import training_run_launch

pytestmark = pytest.mark.django_db

PEOPLE = ["John Smith", "Maria Garcia", "Ahmed Khan", "Laura Chen"]


def raw_tickets(rows: int = 40) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["subject", "body", "category"])
    for index in range(rows):
        person = PEOPLE[index % len(PEOPLE)]
        if index % 2:
            writer.writerow(["Refund please", f"Hi, this is {person}. I was charged twice for my invoice.", "billing"])
        else:
            writer.writerow(["Cannot login", f"{person} here, my password reset fails and the account is locked.",
                             "access"])
    return out.getvalue().encode()


def test_scrubbed_approved_upload_to_model_with_card_and_attribution(
    contributor, ml_admin, researcher, legal, tiny_base_model, tiny_hyper, django_capture_on_commit_callbacks
):
    dataset = DatasetFactory(organization=contributor.organization, steward=contributor, license="CC-BY-4.0")
    DatasetContributorFactory(dataset=dataset, name="Support Team Berlin", kind="organization", role="creator")
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_services.version_upload(dataset=dataset, file=io.BytesIO(raw_tickets()),
                                                  filename="tickets.csv", actor=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        dataset_services.version_scrub_start(version=version, actor=contributor, text_fields=["subject", "body"],
                                             label_field="category")
    version.refresh_from_db()
    assert version.status == "scrubbed", version.failure_reason
    version = dataset_services.version_approve(version=version, actor=contributor,
                                               scrubbed_sha256=version.scrubbed_sha256, override_reason="synthetic test data")
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])

    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[version], **tiny_hyper)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED, (run.denial_reasons, run.failure_reason)
    assert run.text_fields == ["subject", "body"] and run.label_field == "category"

    with run.attribution_manifest.open("rb") as handle:
        manifest = json.load(handle)
    [entry] = manifest["datasets"]
    assert entry["sha256"] == version.scrubbed_sha256 and entry["scrubber"] == version.scrubber_config
    contributors = {c["name"] for c in manifest["attribution_ledger"]["datasets"][0]["contributors"]}
    assert {"Support Team Berlin", contributor.organization.name} <= contributors
    with run.model_card.open("rb") as handle:
        card = handle.read().decode()
    assert contributor.organization.name in card and "Support Team Berlin" in card
    assert version.scrubbed_sha256 in card
    assert "Support Team Berlin" in entry["contributor"]
    # The trainer saw the scrubbed bytes only: no raw name reaches the published label set or card.
    assert not any(person in card for person in PEOPLE)
