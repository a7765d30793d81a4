"""Reads for the training pages and API (admins see runs; the gate explains eligibility)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from accounts.rules import is_admin
from datasets_app.models import DatasetVersion
from training.gate import check_versions
from training.models import ACTIVE_STATES, BaseModel, Purpose, RunState, TrainingRun, TrainingRunInput


def runs_visible_to(user) -> QuerySet[TrainingRun]:
    if not is_admin(user):
        return TrainingRun.objects.none()
    return TrainingRun.objects.select_related("base_model", "launched_by").prefetch_related(
        "inputs__dataset_version__dataset"
    )


def with_list_rows(qs: QuerySet[TrainingRun]) -> QuerySet[TrainingRun]:
    """What a row of the runs list shows, and nothing else: state, purpose, progress, who launched it
    on which base model, and each input version's name. A run's histories, metrics and evaluation
    (JSON that grows with training) and the inputs' authorisation snapshots stay unread."""
    inputs = TrainingRunInput.objects.select_related("dataset_version__dataset").only(
        "id", "run", "position", "dataset_version__id", "dataset_version__status", "dataset_version__number",
        "dataset_version__dataset__title")
    return (qs.select_related(None).select_related("base_model", "launched_by")
            .only("id", "state", "purpose", "step", "total_steps", "created_at", "model_revoked_at", "base_model__name",
                  "launched_by__username", "launched_by__first_name", "launched_by__last_name")
            .prefetch_related(None).prefetch_related(Prefetch("inputs", queryset=inputs, to_attr="listed_inputs")))


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
