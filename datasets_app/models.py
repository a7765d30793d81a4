from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["organization", "title"], name="dataset_unique_title_per_org")]

    def __str__(self) -> str:
        return self.title


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

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = FSMField(default=Status.UPLOADED, choices=Status.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The raw upload, in quarantine.
    raw_file = models.FileField(storage=quarantine_storage, upload_to="raw/%Y/%m/", blank=True, max_length=500)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    raw_size = models.PositiveBigIntegerField(default=0)
    raw_purged_at = models.DateTimeField(null=True, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, blank=True)
    compressed = models.BooleanField(default=False)
    columns = models.JSONField(default=list, blank=True)
    row_count = models.PositiveBigIntegerField(default=0)
    text_fields = models.JSONField(default=list, blank=True)
    label_field = models.CharField(max_length=200, blank=True)

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
    failure_reason = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dataset__title", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.dataset.title} v{self.number}"
