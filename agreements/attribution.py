"""The IP attribution ledger, combined: who contributed what under which licence, and the
effective constraints of using several datasets together (the most restrictive wins).

Training calls `attribution_for(...)` for every model's attribution manifest and model card.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agreements.models import DatasetContributor
from datasets_app.licenses import LicenceClass, classify


def _contributors(dataset) -> list[dict[str, str]]:
    rows = [
        {"name": c.name, "kind": c.kind, "role": c.role}
        for c in DatasetContributor.objects.filter(dataset=dataset).order_by("role", "name")
    ]
    # The contributing organisation is always the licensor, even before the steward fills the ledger.
    if not any(r["name"] == dataset.organization.name for r in rows):
        rows.insert(0, {"name": dataset.organization.name, "kind": DatasetContributor.Kind.ORGANIZATION,
                        "role": DatasetContributor.ContributorRole.LICENSOR})
    return rows


def attribution_for(dataset_versions: Iterable[Any]) -> dict[str, Any]:
    versions = sorted(
        {v.pk: v for v in dataset_versions}.values(), key=lambda v: (v.dataset.title.lower(), v.number)
    )
    datasets: list[dict[str, Any]] = []
    constraints: list[str] = []
    licences: list[str] = []
    commercial_allowed = True
    share_alike = False
    attribution_required = False
    texts: list[str] = []

    for version in versions:
        dataset = version.dataset
        licence = classify(dataset.license)
        terms = list(dataset.use_terms or [])
        label = f"{dataset.title} v{version.number}"
        datasets.append({
            "dataset_id": dataset.pk,
            "title": dataset.title,
            "version": version.number,
            "scrubbed_sha256": version.scrubbed_sha256,
            "organization": dataset.organization.name,
            "contributors": _contributors(dataset),
            "license": licence.spdx,
            "license_class": sorted(c.value for c in licence.classes),
            "attribution_text": dataset.attribution_text,
            "citation": dataset.citation,
            "use_terms": terms,
        })
        if licence.spdx not in licences:
            licences.append(licence.spdx)

        if licence.non_commercial:
            commercial_allowed = False
            constraints.append(f"{label}: licence {licence.spdx} is non-commercial; the result may not be used commercially")
        if licence.proprietary:
            commercial_allowed = False
            constraints.append(f"{label}: licence {licence.spdx} is proprietary; use only as the agreement permits")
        for term, why in (("NCU", "non-commercial use only"), ("NPU", "not-for-profit use only")):
            if term in terms:
                commercial_allowed = False
                constraints.append(f"{label}: use term {term} ({why}); the result may not be used commercially")
        if "NMDS" in terms:
            constraints.append(f"{label}: use term NMDS forbids methods and model development")
        if "PUB" in terms:
            constraints.append(f"{label}: use term PUB requires publication of results")
        if "RTN" in terms:
            constraints.append(f"{label}: use term RTN requires return of derived data to {dataset.organization.name}")
        if licence.share_alike:
            share_alike = True
            constraints.append(f"{label}: licence {licence.spdx} is share-alike; derived data must carry the same licence")
        if LicenceClass.NO_DERIVATIVES in licence.classes:
            constraints.append(f"{label}: licence {licence.spdx} forbids sharing derivatives")
        if licence.attribution_required:
            attribution_required = True
        text = dataset.attribution_text.strip() or f"{dataset.title} © {dataset.organization.name}, {licence.spdx}"
        texts.append(f"{text} ({label}, {licence.spdx})" if dataset.attribution_text.strip() else text)

    return {
        "datasets": datasets,
        "effective": {
            "licenses": licences,
            "commercial_use_allowed": commercial_allowed if versions else False,
            "share_alike": share_alike,
            "attribution_required": attribution_required,
            "constraints": constraints,
            "license_expression": " AND ".join(licences),
        },
        "attribution_text": "\n".join(texts),
    }
