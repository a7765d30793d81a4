"""THE training gate: the one function that decides whether data may reach a trainer.

Governance invariants G1 and G4. Called at launch (training_run_launch), in the worker before the
first byte is read, between epochs, at publishing and when an agreement ends. It never stops at
the first problem: `reasons` lists every failing check so an admin (and the 403 answer) sees all
of them at once. The use-term and licence rules are `agreements.policy`'s, asked once per version
(coverage is asked without them), so each fact appears once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from agreements import policy
from agreements.models import IntendedUse
from agreements.selectors import agreement_problems, coverages_for
from datasets_app.models import DatasetVersion
from training.models import LABEL_FREE_TASKS, BaseModel, Purpose, TrainingRunInput


def license_forbids_commercial_use(spdx: str) -> bool:
    """Non-commercial and proprietary licences alike (the licence table decides, agreements.policy)."""
    return not policy.licence_permits_commercial_use(spdx)


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
    text_fields: Sequence[str] | None = None,
    label_field: str | None = None,
    task: str | None = None,
    split_field: str = "",
    column_maps: dict[int, dict[str, str]] | None = None,
) -> GateResult:
    """Every reason this combination may not be trained on, at `at` (default: now).

    `text_fields` / `label_field`: the columns the run reads. Given (launch, worker, publishing),
    each must be released by every version's steward (G1); None only for eligibility listings.
    `column_maps`: per version id, {run field: that version's column}; the mapped column is the one
    judged (and read), so a mapping can only point at a column its steward released."""
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
        if text_fields is not None or label_field is not None:
            mapping = (column_maps or {}).get(version.pk) or {}
            read = {*(text_fields or []), *([label_field] if label_field else []), *([split_field] if split_field else [])}
            stray = sorted(str(name) for name in mapping if name not in read)
            if stray:
                problems.append(f"its column mapping names {', '.join(stray)}, which the run does not read.")
            problems += field_reasons(
                version, text_fields=[mapping.get(name, name) for name in text_fields or []],
                label_field=mapping.get(label_field, label_field) if label_field else "",
                task=task, split_field=mapping.get(split_field, split_field) if split_field else "")
        reasons += [f"{label}: {problem}" for problem in problems]
        coverage[version.pk] = [agreement.pk for agreement in covering]
        agreements[version.pk] = covering

    reasons = list(dict.fromkeys(reasons))  # the same fact reported twice is still one reason
    return GateResult(allowed=not reasons, reasons=reasons, coverage=coverage, agreements=agreements)


def check_version(version: DatasetVersion, *, purpose: str, at: dt.datetime | None = None) -> tuple[list[str], list]:
    """The per-version half of the gate: (every problem, the in-force agreements covering it).

    Also what the launch form uses to show why a version is not eligible.
    """
    return check_versions([version], purpose=purpose, at=at)[version.pk]


def check_versions(versions: Iterable[DatasetVersion], *, purpose: str,
                   at: dt.datetime | None = None) -> dict[int, tuple[list[str], list]]:
    """`check_version` for a page of versions in one pass (the launch form's listing): coverage is
    read for all of them at once, then each verdict is built exactly as for one version (G1, G4)."""
    at = at or timezone.now()
    versions = list(versions)
    coverages = coverages_for(dataset_versions=versions, uses=uses_for(purpose), at=at, include_terms=False)
    verdicts: dict[int, tuple[list[str], list]] = {}
    for version in versions:
        problems = _version_reasons(version, purpose)
        result = coverages[version.pk]
        covering = list(result.agreements) if result.covered else []
        if not result.covered:
            problems += list(result.reasons) or ["no agreement in force covers it for this use."]
        verdicts[version.pk] = (list(dict.fromkeys(problems)), covering)
    return verdicts


def _base_model_reasons(base_model: BaseModel | None, purpose: str) -> list[str]:
    if base_model is None:
        return ["No base model selected."]
    reasons = []
    if not base_model.is_active:
        reasons.append(f"Base model {base_model.name} is not active in the registry.")
    if purpose == Purpose.COMMERCIAL and license_forbids_commercial_use(base_model.license):
        reasons.append(f"Base model {base_model.name} is licensed {base_model.license}, which forbids commercial use.")
    if not base_model.license_allows_derivatives:
        reasons.append(f"Base model {base_model.name} is licensed {base_model.license}, which forbids derivatives "
                       "(fine-tuned weights and adapters are derivatives).")
    return reasons


def _version_reasons(version: DatasetVersion, purpose: str) -> list[str]:
    reasons = []
    if version.status != DatasetVersion.Status.APPROVED:
        reasons.append(f"not approved by its steward (status: {version.status}).")
    if not version.scrubbed_sha256:
        reasons.append("has no scrubbed file digest; only scrubbed, hash-recorded data may be trained on.")
    if not version.scrubbed_file or not _stored(version):
        reasons.append("its scrubbed file is missing from storage.")
    reasons += [f"{reason}." for reason in policy.refusals(version.dataset, uses_for(purpose))]
    return reasons


def field_reasons(
    version: DatasetVersion, *, text_fields: Sequence[str], label_field: str, task: str | None = None,
    split_field: str = "",
) -> list[str]:
    """G1: a run reads only the columns the steward released for this version, frozen at approval:
    its text fields among the scrub columns, its label field exactly the approved label column
    (so the labels a model learns, and that its config, card and attribution name, come from it).

    Every task is held to the same released columns: a token-classification run's span or BIO
    column is the version's approved label column (role label: verbatim, residual-checked); a
    causal-LM run reads text columns only and must name no label column at all. A split column, when
    the run reads one, is exactly the column its steward declared as the split (role split)."""
    released = list(version.text_fields or [])
    approved_label = version.label_field or ""
    roles = version.column_roles or {}
    # G2: a version approved without a role for every column (before governed columns existed, or
    # edited behind the services) may hold columns nobody scrubbed: nothing of it is released.
    if not roles:
        return ["it was approved without column roles, so no column of it is released; upload it again."]
    by_role = {role: [c for c, spec in roles.items() if spec.get("role") == role] for role in ("scrub", "label")}
    if sorted(by_role["scrub"]) != sorted(released) or (by_role["label"] or [""])[0] != approved_label:
        return ["its released columns disagree with the column roles its steward approved."]
    reasons = []
    unreleased = [name for name in text_fields if name not in released]
    if unreleased:
        reasons.append(f"text field(s) {', '.join(unreleased)} are not among the scrub columns its steward released "
                       f"({', '.join(released) or 'none'}).")
    if split_field and split_field != version.split_field:
        reasons.append(f"split field {split_field} is not the split column its steward declared "
                       f"({version.split_field or 'none'}).")
    if task in LABEL_FREE_TASKS:
        if label_field:
            reasons.append(f"a {task} run reads no label column, yet it names {label_field}.")
        return reasons
    if not approved_label:
        reasons.append("its steward approved no label column, so it cannot be trained on for classification.")
    elif label_field != approved_label:
        reasons.append(f"label field {label_field or '(none)'} is not its approved label column ({approved_label}).")
    return reasons


def recorded_authorisation_problems(run, *, at: dt.datetime | None = None) -> list[str]:
    """G4 at the moment of use (progress reports, publishing, downloads): each input of `run` still
    has, among the agreements recorded as authorising it, one that is in force at `at` (now),
    asked of `agreement_in_force`'s own rules; the periodic expiry task is never waited for."""
    at = at or timezone.now()
    problems = []
    inputs = (TrainingRunInput.objects.filter(run_id=run.pk).select_related("dataset_version__dataset")
              .prefetch_related("agreements"))
    for run_input in inputs:
        agreements = list(run_input.agreements.all())
        found = [agreement_problems(agreement, at=at) for agreement in agreements]
        if any(not problem for problem in found):
            continue
        why = "; ".join(problem[0] for problem in found if problem) or "no agreement was recorded for it"
        problems.append(f"{describe_version(run_input.dataset_version)}: no agreement that authorised it is in force "
                        f"({why})")
    return problems


def _stored(version: DatasetVersion) -> bool:
    try:
        return version.scrubbed_file.storage.exists(version.scrubbed_file.name)
    except Exception:  # a storage outage is a refusal, not a crash
        return False
