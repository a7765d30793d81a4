"""The automatic use-term check: intended uses against every dataset's terms and licence.

Modelled on how DUOS matches a research purpose to consented uses (GA4GH DUO codes): each rule
yields approve / deny / needs_review with a reason a person can read. The researcher sees the
result before submitting; legal sees the same result in review. The rules themselves live in
`agreements.policy` (shared with coverage and the training gate); this module only groups them
by dataset.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agreements.policy import APPROVE, DENY, NEEDS_REVIEW, findings

__all__ = ["APPROVE", "DENY", "NEEDS_REVIEW", "UseCheck", "check_intended_uses", "overall_decision"]


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
    checks: list[UseCheck] = []
    seen = set()
    for version in dataset_versions:
        dataset = version.dataset
        if dataset.pk in seen:
            continue
        seen.add(dataset.pk)
        for finding in findings(dataset, intended_uses, requester_org=requester_org, end_date=end_date):
            checks.append(UseCheck(dataset, finding.decision, f"{dataset.title}: {finding.reason}"))
    return checks
