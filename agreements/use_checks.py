"""The automatic use-term check: intended uses against every dataset's terms and licence.

Modelled on how DUOS matches a research purpose to consented uses (GA4GH DUO codes): each rule
yields approve / deny / needs_review with a reason a person can read. The researcher sees the
result before submitting; legal sees the same result in review.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agreements.models import IntendedUse
from datasets_app.licenses import LicenceClass, classify

APPROVE, DENY, NEEDS_REVIEW = "approve", "deny", "needs_review"


@dataclass(frozen=True)
class UseCheck:
    dataset: Any
    decision: str  # approve | deny | needs_review
    reason: str


def overall_decision(checks: Iterable[UseCheck]) -> str:
    decisions = {c.decision for c in checks}
    if DENY in decisions:
        return DENY
    if NEEDS_REVIEW in decisions:
        return NEEDS_REVIEW
    return APPROVE


def check_intended_uses(dataset_versions, intended_uses, requester_org, end_date) -> list[UseCheck]:
    uses = set(intended_uses or [])
    checks: list[UseCheck] = []
    seen = set()
    for version in dataset_versions:
        dataset = version.dataset
        if dataset.pk in seen:
            continue
        seen.add(dataset.pk)
        terms = set(dataset.use_terms or [])
        licence = classify(dataset.license)
        found: list[UseCheck] = []

        def add(decision: str, reason: str) -> None:
            found.append(UseCheck(dataset, decision, f"{dataset.title}: {reason}"))

        if "NMDS" in terms and uses & {IntendedUse.MODEL_TRAINING, IntendedUse.PUBLISH_MODEL}:
            add(DENY, "terms NMDS forbid methods and model development, so model training is not allowed")
        if "NCU" in terms and IntendedUse.COMMERCIAL in uses:
            add(DENY, "terms NCU allow non-commercial use only")
        if "NPU" in terms:
            if requester_org is not None and getattr(requester_org, "kind", None) == "industry":
                add(DENY, f"terms NPU allow not-for-profit use only; {requester_org} is a commercial organisation")
            elif IntendedUse.COMMERCIAL in uses:
                add(DENY, "terms NPU allow not-for-profit use only")
        if licence.non_commercial and IntendedUse.COMMERCIAL in uses:
            add(DENY, f"licence {licence.spdx} is non-commercial")
        if "TS" in terms:
            limit = dataset.time_limit_days
            if end_date is None or limit is None:
                add(NEEDS_REVIEW, "terms TS limit the time of use; legal must confirm the end date")
            else:
                latest = dt.date.today() + dt.timedelta(days=limit)
                if end_date > latest:
                    add(NEEDS_REVIEW, f"terms TS limit use to {limit} days (until {latest:%Y-%m-%d}); "
                                      f"the requested end date {end_date:%Y-%m-%d} is later")
                else:
                    add(APPROVE, f"the requested end date is within the {limit}-day time limit (TS)")
        if "PUB" in terms:
            add(NEEDS_REVIEW, "terms PUB: requires publication of results")
        if "RTN" in terms:
            add(NEEDS_REVIEW, "terms RTN: requires return of derived data")
        if IntendedUse.REDISTRIBUTION in uses:
            if licence.proprietary:
                add(NEEDS_REVIEW, f"licence {licence.spdx} is proprietary and grants no redistribution by itself")
            elif licence.share_alike or licence.non_commercial or LicenceClass.NO_DERIVATIVES in licence.classes:
                add(NEEDS_REVIEW, f"redistribution under licence {licence.spdx} carries its conditions "
                                  f"({', '.join(sorted(c.value for c in licence.classes))})")
        if IntendedUse.COMMERCIAL in uses and licence.proprietary:
            add(NEEDS_REVIEW, f"licence {licence.spdx} is proprietary; commercial use needs legal's confirmation")
        if not any(c.decision != APPROVE for c in found):
            if "GRU" in terms:
                add(APPROVE, "terms GRU allow general research use")
            elif not found:
                add(APPROVE, "no term of the dataset restricts the intended uses")
        checks.extend(found)
    return checks
