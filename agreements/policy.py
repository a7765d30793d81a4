"""THE use-term and licence policy: the one place that decides what a dataset's terms (GA4GH DUO
codes) and licence allow for a set of intended uses.

Three callers ask it and word nothing themselves: the request check researchers and legal see
(`agreements.use_checks`), coverage (`agreements.selectors.dataset_term_reasons`) and THE training
gate (`training.gate`). Each fact is one Finding, so each is reported once wherever it is shown.

Licences come from the licence table (`datasets_app.licenses`): anything it does not list as
permitting commercial use (non-commercial licences, and proprietary `LicenseRef-…` ones) refuses
commercial use; only a separate agreement could grant it, and Accord's agreements do not.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from agreements.models import IntendedUse
from datasets_app.licenses import LicenceClass, classify

APPROVE, DENY, NEEDS_REVIEW = "approve", "deny", "needs_review"
TRAINING_USES = frozenset({IntendedUse.MODEL_TRAINING, IntendedUse.PUBLISH_MODEL})


@dataclass(frozen=True)
class Finding:
    decision: str  # approve | deny | needs_review
    reason: str  # about the dataset, without its title (callers say which dataset)


def licence_permits_commercial_use(spdx: str) -> bool:
    """The licence table's answer; unknown and proprietary licences do not (issue 10)."""
    return classify(spdx).commercial_use_allowed


def commercial_licence_refusal(spdx: str) -> str | None:
    licence = classify(spdx)
    if licence.commercial_use_allowed:
        return None
    if licence.non_commercial:
        return f"licence {licence.spdx} is non-commercial"
    return f"licence {licence.spdx} is proprietary and does not grant commercial use"


def findings(dataset, uses: Iterable[str], *, requester_org=None, end_date: dt.date | None = None,
             today: dt.date | None = None) -> list[Finding]:
    """Every finding of the policy for `dataset` and `uses` (an approve when nothing restricts them).

    `requester_org` and `end_date` are the request's, when there is one: the NPU-organisation and
    TS end-date findings need them and are skipped without.
    """
    uses = {str(u) for u in uses or []}
    terms = set(dataset.use_terms or [])
    licence = classify(dataset.license)
    commercial = IntendedUse.COMMERCIAL in uses
    found: list[Finding] = []

    def add(decision: str, reason: str) -> None:
        found.append(Finding(decision, reason))

    if "NMDS" in terms and uses & TRAINING_USES:
        add(DENY, "terms NMDS forbid methods and model development, so model training is not allowed")
    if "NCU" in terms and commercial:
        add(DENY, "terms NCU allow non-commercial use only")
    if "NPU" in terms:
        if requester_org is not None and getattr(requester_org, "kind", None) == "industry":
            add(DENY, f"terms NPU allow not-for-profit use only; {requester_org} is a commercial organisation")
        elif commercial:
            add(DENY, "terms NPU allow not-for-profit use only")
    if commercial and (refusal := commercial_licence_refusal(dataset.license)):
        add(DENY, refusal)
    if "TS" in terms:
        limit = dataset.time_limit_days
        if end_date is None or limit is None:
            add(NEEDS_REVIEW, "terms TS limit the time of use; legal must confirm the end date")
        else:
            latest = (today or dt.date.today()) + dt.timedelta(days=limit)
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
    if not any(f.decision != APPROVE for f in found):
        if "GRU" in terms:
            add(APPROVE, "terms GRU allow general research use")
        elif not found:
            add(APPROVE, "no term of the dataset restricts the intended uses")
    return found


def refusals(dataset, uses: Iterable[str], **context) -> list[str]:
    """Only the denials: what forbids `uses` outright (coverage and the gate ask this)."""
    return [f.reason for f in findings(dataset, uses, **context) if f.decision == DENY]


def latest_expiry(
    datasets: Iterable, *, requested_end_date: dt.date | None, start: dt.date
) -> tuple[dt.date | None, str]:
    """The latest expiry legal may set: the requested end date and every dataset's TS time limit
    counted from `start` (the approval). Returns (date or None when unbounded, why)."""
    bounds: list[tuple[dt.date, str]] = []
    if requested_end_date is not None:
        bounds.append((requested_end_date, f"the requested end date {requested_end_date:%Y-%m-%d}"))
    for dataset in datasets:
        if "TS" in set(dataset.use_terms or []) and dataset.time_limit_days is not None:
            until = start + dt.timedelta(days=dataset.time_limit_days)
            bounds.append((until, f"the {dataset.time_limit_days}-day time limit (TS) of {dataset.title}, "
                                  f"until {until:%Y-%m-%d}"))
    if not bounds:
        return None, ""
    return min(bounds, key=lambda bound: bound[0])
