"""Reads for the training pages and API (admins see runs; the gate explains eligibility)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.rules import is_admin
from datasets_app.models import DatasetVersion
from training.gate import check_versions
from training.models import ACTIVE_STATES, BaseModel, Purpose, RunState, TrainingRun


def runs_visible_to(user) -> QuerySet[TrainingRun]:
    if not is_admin(user):
        return TrainingRun.objects.none()
    return TrainingRun.objects.select_related("base_model", "launched_by").prefetch_related(
        "inputs__dataset_version__dataset"
    )


def run_get_visible(*, user, pk) -> TrainingRun | None:
    return runs_visible_to(user).filter(pk=pk).first()


def active_base_models() -> QuerySet[BaseModel]:
    return BaseModel.objects.filter(is_active=True)


@dataclass
class VersionEligibility:
    version: DatasetVersion
    eligible: bool
    reasons: list[str]
    agreement_ids: list[int]


# A version's reports and profiles (JSON, the largest columns): the listing and the gate's per-version
# reasons never read them, so a page of versions is loaded without them.
_REPORT_FIELDS = ("pii_report", "column_profile", "scrubber_config", "dataset__description")


def scrubbed_versions() -> QuerySet[DatasetVersion]:
    """Every version that has got as far as scrubbing, newest first (paged by the view: an order
    the primary key's index gives, so a deep page costs what the first one does)."""
    return DatasetVersion.objects.select_related("dataset", "dataset__organization").filter(
        status__in=[DatasetVersion.Status.APPROVED, DatasetVersion.Status.SCRUBBED, DatasetVersion.Status.REJECTED]
    ).defer(*_REPORT_FIELDS).order_by("-pk")


def version_eligibility(*, purpose: str = Purpose.RESEARCH, versions=None) -> list[VersionEligibility]:
    """The gate's verdict for `purpose` on `versions` (a page; default every scrubbed version),
    asked in one batched pass (`check_versions`), never once per version."""
    versions = list(scrubbed_versions() if versions is None else versions)
    verdicts = check_versions(versions, purpose=purpose)
    rows = []
    for version in versions:
        reasons, covering = verdicts[version.pk]
        rows.append(VersionEligibility(version, not reasons, reasons, [a.pk for a in covering]))
    return rows


def dashboard_summary(user) -> dict:
    runs = runs_visible_to(user).prefetch_related(None)  # the panel shows no inputs
    return {
        "active": list(runs.filter(state__in=ACTIVE_STATES)[:5]),
        "active_count": runs.filter(state__in=ACTIVE_STATES).count(),
        "recent": list(runs.filter(state=RunState.SUCCEEDED)[:5]),
        "counts": {state: runs.filter(state=state).count() for state in (RunState.RUNNING, RunState.SUCCEEDED)},
    }
