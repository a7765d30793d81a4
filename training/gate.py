"""THE training gate: the one function that decides whether data may reach a trainer.

Governance invariants 1-2. Called at launch (training_run_launch), in the worker before the first
byte is read, between epochs, and when an agreement ends. It never stops at the first problem:
`reasons` lists every failing check so an admin (and the 403 answer) sees all of them at once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from agreements.models import IntendedUse
from agreements.selectors import coverage_for
from datasets_app.licenses import classify as classify_licence
from datasets_app.models import DatasetVersion, UseTerm
from training.models import BaseModel, Purpose


def license_forbids_commercial_use(spdx: str) -> bool:
    return classify_licence(spdx).non_commercial


@dataclass
class GateResult:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    # version id -> ids of the in-force agreements that cover it for this run's uses
    coverage: dict[int, list[int]] = field(default_factory=dict)
    agreements: dict[int, list] = field(default_factory=dict, repr=False)  # version id -> Agreement objects


def uses_for(purpose: str) -> list[str]:
    uses = [IntendedUse.MODEL_TRAINING]
    if purpose == Purpose.COMMERCIAL:
        uses.append(IntendedUse.COMMERCIAL)
    return uses


def describe_version(version: DatasetVersion) -> str:
    return f"{version.dataset.title} v{version.number} (version #{version.pk})"


def check_training_gate(
    *,
    dataset_versions: Iterable[DatasetVersion],
    base_model: BaseModel | None,
    purpose: str,
    at: dt.datetime | None = None,
) -> GateResult:
    """Every reason this combination may not be trained on, at `at` (default: now)."""
    at = at or timezone.now()
    versions = list(dataset_versions)
    reasons: list[str] = []
    coverage: dict[int, list[int]] = {}
    agreements: dict[int, list] = {}

    if purpose not in Purpose.values:
        reasons.append(f"Unknown purpose {purpose!r}; choose research or commercial.")
    reasons += _base_model_reasons(base_model, purpose)
    if not versions:
        reasons.append("No dataset version selected.")

    for version in versions:
        label = describe_version(version)
        problems, covering = check_version(version, purpose=purpose, at=at)
        reasons += [f"{label}: {problem}" for problem in problems]
        coverage[version.pk] = [agreement.pk for agreement in covering]
        agreements[version.pk] = covering

    reasons = list(dict.fromkeys(reasons))  # the same fact reported twice is still one reason
    return GateResult(allowed=not reasons, reasons=reasons, coverage=coverage, agreements=agreements)


def check_version(version: DatasetVersion, *, purpose: str, at: dt.datetime | None = None) -> tuple[list[str], list]:
    """The per-version half of the gate: (every problem, the in-force agreements covering it).

    Also what the launch form uses to show why a version is not eligible.
    """
    at = at or timezone.now()
    problems = _version_reasons(version, purpose)
    result = coverage_for(dataset_version=version, uses=uses_for(purpose), at=at)
    covering = list(result.agreements) if result.covered else []
    if not result.covered:
        problems += list(result.reasons) or ["no agreement in force covers it for this use."]
    return list(dict.fromkeys(problems)), covering


def _base_model_reasons(base_model: BaseModel | None, purpose: str) -> list[str]:
    if base_model is None:
        return ["No base model selected."]
    reasons = []
    if not base_model.is_active:
        reasons.append(f"Base model {base_model.name} is not active in the registry.")
    if purpose == Purpose.COMMERCIAL and license_forbids_commercial_use(base_model.license):
        reasons.append(f"Base model {base_model.name} is licensed {base_model.license}, which forbids commercial use.")
    return reasons


def _version_reasons(version: DatasetVersion, purpose: str) -> list[str]:
    reasons = []
    if version.status != DatasetVersion.Status.APPROVED:
        reasons.append(f"not approved by its steward (status: {version.status}).")
    if not version.scrubbed_sha256:
        reasons.append("has no scrubbed file digest; only scrubbed, hash-recorded data may be trained on.")
    if not version.scrubbed_file or not _stored(version):
        reasons.append("its scrubbed file is missing from storage.")
    terms = set(version.dataset.use_terms or [])
    if UseTerm.NMDS in terms:
        reasons.append("its use terms (NMDS) forbid model development and training.")
    if purpose == Purpose.COMMERCIAL:
        if terms & {UseTerm.NCU, UseTerm.NPU}:
            reasons.append(f"its use terms ({', '.join(sorted(terms & {UseTerm.NCU, UseTerm.NPU}))}) forbid commercial use.")
        if license_forbids_commercial_use(version.dataset.license):
            reasons.append(f"its licence {version.dataset.license} forbids commercial use.")
    return reasons


def _stored(version: DatasetVersion) -> bool:
    try:
        return version.scrubbed_file.storage.exists(version.scrubbed_file.name)
    except Exception:  # a storage outage is a refusal, not a crash
        return False
