"""Reads for the training pages and API (admins see runs; the gate explains eligibility)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.rules import is_admin
from datasets_app.models import DatasetVersion
from training.gate import check_version
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


def version_eligibility(*, purpose: str = Purpose.RESEARCH) -> list[VersionEligibility]:
    """Every version that has got as far as scrubbing, with the gate's verdict for `purpose`."""
    versions = DatasetVersion.objects.select_related("dataset", "dataset__organization").filter(
        status__in=[DatasetVersion.Status.APPROVED, DatasetVersion.Status.SCRUBBED, DatasetVersion.Status.REJECTED]
    ).order_by("dataset__title", "-number")
    rows = []
    for version in versions:
        reasons, covering = check_version(version, purpose=purpose)
        rows.append(VersionEligibility(version, not reasons, reasons, [a.pk for a in covering]))
    return rows


def dashboard_summary(user) -> dict:
    runs = runs_visible_to(user)
    return {
        "active": list(runs.filter(state__in=ACTIVE_STATES)[:5]),
        "recent": list(runs.filter(state=RunState.SUCCEEDED)[:5]),
        "counts": {state: runs.filter(state=state).count() for state in (RunState.RUNNING, RunState.SUCCEEDED)},
    }
