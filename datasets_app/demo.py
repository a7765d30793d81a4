"""The datasets part of the demo story: a synthetic support-ticket dataset with realistic PII,
uploaded, validated and scrubbed through the real pipeline, then approved by its steward."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from accounts.models import User
from datasets_app import services
from datasets_app.models import Dataset, DatasetVersion

DEMO_TITLE = "Customer support tickets"  # the agreements demo step looks it up by this title
# 300 tickets: 240 train / 30 validation / 30 test under the run's seeded split; enough for the
# packaged MiniLM to pass 0.8 test accuracy in one or two CPU epochs (figures: /work/notes, README).
DEMO_ROWS = 300


def run_scrub_inline(version: DatasetVersion) -> DatasetVersion:
    """Run a queued scrub attempt in this process (same services the Celery tasks call)."""
    version_id, attempt = version.pk, version.scrub_attempt
    shards = services.scrub_prepare(version_id=version_id, attempt=attempt)
    for index in range(shards):
        services.scrub_shard(version_id=version_id, attempt=attempt, shard_index=index)
    services.scrub_finalize(version_id=version_id, attempt=attempt)
    return DatasetVersion.objects.get(pk=version_id)


def _unapproved_demo_dataset(log: Callable[[str], None], *, title: str, **fields):
    """The demo steward and their dataset `title` (created with `fields` if missing), or None when there
    is no demo steward or the dataset already has an approved version (seed_demo is idempotent)."""
    steward = User.objects.filter(username="contributor").first()
    if steward is None:
        log("no demo contributor; skipped")
        return None
    dataset = Dataset.objects.filter(organization=steward.organization, title=title).first()
    if dataset and dataset.versions.filter(status=DatasetVersion.Status.APPROVED).exists():
        log(f"dataset “{title}” already approved")
        return None
    if dataset is None:
        dataset = services.dataset_create(title=title, use_terms=["GRU"], actor=steward, **fields)
        log(f"created dataset “{title}”")
    return steward, dataset


def seed_support_tickets(log: Callable[[str], None]) -> None:
    from datasets_app.demo_tickets import FIELDS, generate_demo_tickets
    from datasets_app.scrubbing.synthetic import write_csv

    found = _unapproved_demo_dataset(
        log, title=DEMO_TITLE,
        description="Synthetic customer-support tickets (subject, body, agent note) with category labels. "
        "Generated for the demo; the raw text holds realistic names, emails, phone numbers, cards and addresses.",
        license="CC-BY-4.0",
        attribution_text="Helix Support Systems GmbH, synthetic support tickets (Accord demo).",
        citation="Helix Support Systems (2026). Customer support tickets, scrubbed. Accord demo dataset.",
        tags="support, tickets, english, classification",
    )
    if found is None:
        return
    steward, dataset = found
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "support_tickets.csv"
        # The category is written into each ticket's text (the benchmark generator draws it at random,
        # which left the demo's own run below chance).
        write_csv(generate_demo_tickets(DEMO_ROWS, seed=2026), path, fields=FIELDS)
        with open(path, "rb") as handle:
            version = services.version_upload(dataset=dataset, file=handle, filename=path.name, actor=steward)
    # Validation and scrubbing are queued for the worker; the demo runs them here so it can
    # approve the result before the server starts. The queued copies find nothing left to do.
    version = services.version_inspect(version_id=version.pk)
    # The inspection's suggestions (ticket_id dropped, free text scrubbed, category the label) are
    # what the steward would accept in the browser; the demo accepts them and says what they were.
    roles = services.suggested_roles(version)
    log("column roles: " + ", ".join(f"{c}={r['role']}" for c, r in roles.items()))
    with transaction.atomic():
        version = services.version_scrub_start(version=version, column_roles=roles, actor=steward)
    version = run_scrub_inline(version)
    if version.status != DatasetVersion.Status.SCRUBBED:
        log(f"scrub of {version} ended {version.status}: {version.failure_reason}")
        return
    log(f"scrubbed {version}: {version.pii_report.get('total_findings')} PII values replaced, "
        f"{version.residual_count} residual")
    if version.residual_count:
        # An override needs a person's judgement; the demo leaves it to the steward in the browser.
        log(f"{version} awaits the steward's review (residual hits need a written override)")
        return
    services.version_approve(version=version, scrubbed_sha256=version.scrubbed_sha256, actor=steward)
    log(f"approved {version}")


NER_TITLE = "Support tickets: products and error codes"
NER_ROWS = 400


def seed_ner_tickets(log: Callable[[str], None]) -> None:
    """A token-classification dataset: ticket text (scrubbed) and PRODUCT / ERROR_CODE spans (label)."""
    import json

    from datasets_app.demo_tickets import NER_FIELDS, generate_ner_tickets
    from datasets_app.scrubbing.synthetic import write_jsonl

    found = _unapproved_demo_dataset(
        log, title=NER_TITLE,
        description="Synthetic support tickets with PRODUCT and ERROR_CODE span annotations "
        "([{start, end, label}] per ticket) for named-entity recognition. The text holds names and phones.",
        license="CC-BY-4.0",
        attribution_text="Helix Support Systems GmbH, annotated support tickets (Accord demo).",
        citation="Helix Support Systems (2026). Annotated support tickets, scrubbed. Accord demo dataset.",
        tags="support, tickets, english, ner, token-classification",
    )
    if found is None:
        return
    steward, dataset = found
    records = generate_ner_tickets(NER_ROWS, seed=2027)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "support_ner.jsonl"
        write_jsonl(records, path)
        with open(path, "rb") as handle:
            version = services.version_upload(dataset=dataset, file=handle, filename=path.name, actor=steward)
    version = services.version_inspect(version_id=version.pk)
    roles = {"ticket_id": {"role": "drop", "reason": ""}, "text": {"role": "scrub", "reason": ""},
             "entities": {"role": "label", "reason": ""}}
    assert set(roles) == set(NER_FIELDS)
    # PII replaced by realistic surrogates (names stay names), so the text still reads like the
    # tickets a deployed model will see; the scrubber re-maps the spans onto the scrubbed text.
    with transaction.atomic():
        version = services.version_scrub_start(version=version, column_roles=roles,
                                               operator=DatasetVersion.Operator.SURROGATE, actor=steward)
    version = run_scrub_inline(version)
    if version.status != DatasetVersion.Status.SCRUBBED:
        log(f"scrub of {version} ended {version.status}: {version.failure_reason}")
        return
    # The steward's check before approving, on the real scrubbed file: every row is there with its
    # spans, and every span covers its product or error code (or, where the scrubber took one for
    # PII, the surrogate that replaced it: counted, not refused).
    from django.core.files.storage import default_storage

    with default_storage.open(version.scrubbed_file.name, "rb") as handle:
        scrubbed = [json.loads(line) for line in handle if line.strip()]
    invalid = rewritten = 0
    for raw, out in zip(records, scrubbed):
        if len(out["entities"]) != len(raw["entities"]):
            invalid += 1
            continue
        for before, after in zip(raw["entities"], out["entities"]):
            covered = out["text"][after["start"]:after["end"]]
            if after["label"] != before["label"] or not 0 <= after["start"] < after["end"] <= len(out["text"]) \
                    or covered != covered.strip():
                invalid += 1
            elif covered != raw["text"][before["start"]:before["end"]]:
                rewritten += 1
    if invalid or len(scrubbed) != len(records) or version.residual_count:
        log(f"{version} awaits the steward's review ({invalid} spans invalid, {version.residual_count} residual)")
        return
    if rewritten:
        log(f"{rewritten} spans now cover a surrogate (the scrubber took their product or code for PII)")
    services.version_approve(version=version, scrubbed_sha256=version.scrubbed_sha256, actor=steward)
    log(f"approved {version} (token classification: text scrubbed, entities the label)")
