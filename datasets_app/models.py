from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django_fsm import FSMField, transition

from config.exceptions import ApplicationError
from config.fsm import ConcurrentTransitionMixin


def new_pseudonym_secret() -> str:
    return secrets.token_hex(32)


def quarantine_storage():
    """Raw uploads: a storage no URL serves (see settings.QUARANTINE_ROOT)."""
    return storages["quarantine"]


class UseTerm(models.TextChoices):
    """Data-use terms, coded after the GA4GH Data Use Ontology (DUO)."""

    GRU = "GRU", "General research use"
    NCU = "NCU", "Non-commercial use only"
    NPU = "NPU", "Not-for-profit use only"
    NMDS = "NMDS", "No methods/model development (forbids training)"
    TS = "TS", "Time limit on use"
    PUB = "PUB", "Publication required"
    RTN = "RTN", "Return of derived data required"


class Dataset(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="datasets")
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stewarded_datasets")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    license = models.CharField(max_length=64, help_text="SPDX licence identifier, e.g. CC-BY-4.0")
    attribution_text = models.TextField(blank=True)
    citation = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    use_terms = models.JSONField(default=list, blank=True, help_text="UseTerm codes")
    time_limit_days = models.PositiveIntegerField(null=True, blank=True, help_text="With TS: longest agreement allowed")
    # Keys the pseudonym operator (HMAC), so one person maps to one token across rows, versions
    # and runs of this dataset and to a different token in any other dataset. Never shown.
    pseudonym_secret = models.CharField(max_length=64, default=new_pseudonym_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["title", "id"], name="dataset_title_idx")]
        constraints = [models.UniqueConstraint(fields=["organization", "title"], name="dataset_unique_title_per_org")]

    def __str__(self) -> str:
        return self.title


class ImmutableVersionError(ApplicationError):
    def __init__(self, message: str = "An approved dataset version is frozen and cannot be changed.") -> None:
        super().__init__(message, status=409, code="version_frozen")


# What approval freezes. The raw file may still be purged (raw_file, raw_purged_at).
FROZEN_FIELDS: tuple[str, ...] = (
    "dataset_id", "number", "status", "created_by_id", "raw_sha256", "raw_size", "format", "compressed",
    "columns", "row_count", "text_fields", "label_field", "operator", "scrubbed_file", "scrubbed_sha256",
    "scrubbed_size", "pii_report", "scrubber_config", "residual_count", "residual_override_reason",
    "approved_by_id", "approved_at", "column_roles", "column_profile", "optional_entities",
)


class DatasetVersionQuerySet(models.QuerySet):
    """Bulk writes obey the same freeze as save(): approved rows cannot be updated or deleted."""

    def update(self, **kwargs):
        frozen = {f.removesuffix("_id") for f in FROZEN_FIELDS} | set(FROZEN_FIELDS)
        if frozen & set(kwargs) and self.filter(status=DatasetVersion.Status.APPROVED).exists():
            raise ImmutableVersionError()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=DatasetVersion.Status.APPROVED).exists():
            raise ImmutableVersionError("An approved dataset version cannot be deleted.")
        return super().delete()


class DatasetVersion(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        SCRUBBING = "scrubbing", "Scrubbing"
        SCRUBBED = "scrubbed", "Scrubbed, awaiting steward"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON Lines"

    class Operator(models.TextChoices):
        REPLACE = "replace", "Replace with a tag such as <PERSON>"
        PSEUDONYM = "pseudonym", "Consistent pseudonym (keyed HMAC per dataset)"
        SURROGATE = "surrogate", "Realistic surrogate: a fake value of the same kind, consistent per dataset"

    objects = DatasetVersionQuerySet.as_manager()

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = FSMField(default=Status.UPLOADED, choices=Status.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The raw upload, in quarantine.
    raw_file = models.FileField(storage=quarantine_storage, upload_to="raw/%Y/%m/", blank=True, max_length=500)
    original_filename = models.CharField(max_length=255, blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    raw_size = models.PositiveBigIntegerField(default=0)
    raw_purged_at = models.DateTimeField(null=True, blank=True)
    # A failed or rejected version the steward put away: hidden from lists, kept with its history.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(max_length=10, choices=Format.choices, blank=True)
    compressed = models.BooleanField(default=False)
    columns = models.JSONField(default=list, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True, help_text="When the whole upload was validated")
    row_count = models.PositiveBigIntegerField(default=0)
    # G2: every column's role as the steward set it, {column: {"role": scrub|label|keep|drop, "reason": ...}}.
    # text_fields (the scrub columns) and label_field (the label column) are derived from it and
    # are what the training gate reads as the released columns.
    column_roles = models.JSONField(default=dict, blank=True)
    # Counts and ratios per column from the inspection (never a value), with the suggested role.
    column_profile = models.JSONField(default=dict, blank=True)
    text_fields = models.JSONField(default=list, blank=True)
    label_field = models.CharField(max_length=200, blank=True)
    # Entity kinds the steward added to the default set (scrubbing.config.OPTIONAL_ENTITIES).
    optional_entities = models.JSONField(default=list, blank=True)
    operator = models.CharField(max_length=20, choices=Operator.choices, default=Operator.REPLACE)

    # The scrubbed output: the only bytes that may reach a GPU.
    scrubbed_file = models.FileField(upload_to="scrubbed/%Y/%m/", blank=True, max_length=500)
    scrubbed_sha256 = models.CharField(max_length=64, blank=True)
    scrubbed_size = models.PositiveBigIntegerField(default=0)
    pii_report = models.JSONField(default=dict, blank=True)
    scrubber_config = models.JSONField(default=dict, blank=True)
    residual_count = models.PositiveIntegerField(default=0)
    residual_override_reason = models.TextField(blank=True)

    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0)
    # Each scrub attempt gets a number; shard results of an older attempt are ignored.
    scrub_attempt = models.PositiveIntegerField(default=0)
    shard_count = models.PositiveIntegerField(default=0)
    scrub_started_at = models.DateTimeField(null=True, blank=True)
    scrub_finished_at = models.DateTimeField(null=True, blank=True)
    # Liveness of the work on this version (issue 14): beaten by the inspection, the split, every
    # shard's progress and the merge. The reconciler re-sends work silent for longer than
    # ACCORD_SCRUB_STALL_SECONDS and counts how often it did since the last beat.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    reconcile_attempts = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset__title", "-number"]
        indexes = [models.Index(fields=["status", "dataset"], name="version_status_idx")]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.dataset.title} v{self.number}"

    @property
    def split_field(self) -> str:
        """The column its steward declared as the train/validation/test split ("" = none). Read
        from the column roles, which approval freezes, so it needs no column of its own."""
        roles = self.column_roles or {}
        return next((c for c in self.columns or [] if (roles.get(c) or {}).get("role") == "split"), "")

    # --- the freeze -----------------------------------------------------------------------
    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()
            if stored and stored["status"] == self.Status.APPROVED:
                changed = [f for f in FROZEN_FIELDS if _db_value(self, f) != stored[f]]
                if changed:
                    raise ImmutableVersionError(
                        f"An approved dataset version is frozen; refused change to: {', '.join(changed)}."
                    )
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk, status=self.Status.APPROVED).exists():
            raise ImmutableVersionError("An approved dataset version cannot be deleted.")
        return super().delete(*args, **kwargs)

    # --- state machine (guarded; the status field is protected) ----------------------------
    # From SCRUBBING too: restarting a stuck scrub starts a new attempt, and the old attempt's
    # tasks, should they still run, find they are stale and write nothing.
    @transition(field=status, source=[Status.UPLOADED, Status.SCRUBBING, Status.SCRUBBED, Status.REJECTED,
                                      Status.FAILED], target=Status.SCRUBBING)
    def start_scrub(self) -> None:
        pass

    @transition(field=status, source=Status.SCRUBBING, target=Status.SCRUBBED)
    def finish_scrub(self) -> None:
        pass

    @transition(field=status, source=[Status.UPLOADED, Status.SCRUBBING], target=Status.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=status, source=Status.SCRUBBED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.SCRUBBED, target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @property
    def operator_summary(self) -> str:
        """How the PII of this version was replaced, in words for model cards and attribution.json."""
        from datasets_app.pii_kinds import operator_sentence  # late: the scrubbing config, not at model load

        return operator_sentence(self.operator)

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))


def _db_value(version: DatasetVersion, field_name: str):
    value = getattr(version, field_name)
    if hasattr(value, "name") and field_name in ("scrubbed_file", "raw_file"):
        return value.name or ""
    return value
