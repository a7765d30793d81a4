"""The IP attribution ledger: a dataset's contributors, managed by its steward."""
from __future__ import annotations

from django.db import transaction

from agreements import rules as agreement_rules
from agreements.models import DatasetContributor
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden


def _require_steward(actor, dataset) -> None:
    if not (agreement_rules.can_manage_contributors(actor) and dataset.steward_id == actor.pk):
        raise forbidden("Only the dataset's steward manages its contributors.")


@transaction.atomic
def dataset_contributor_add(*, dataset, name: str, kind: str, role: str, actor, organization=None,
                            user=None) -> DatasetContributor:
    _require_steward(actor, dataset)
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Give the contributor's name.", code="invalid_contributor")
    if kind not in DatasetContributor.Kind.values or role not in DatasetContributor.ContributorRole.values:
        raise ApplicationError("Unknown contributor kind or role.", code="invalid_contributor")
    if DatasetContributor.objects.filter(dataset=dataset, name=name, role=role).exists():
        raise conflict(f"{name} is already listed as {role} of {dataset.title}.")
    contributor = DatasetContributor.objects.create(dataset=dataset, name=name, kind=kind, role=role,
                                                    organization=organization, user=user)
    record_event(actor=actor, action="dataset.contributor_added", target=dataset,
                 after={"name": name, "kind": kind, "role": role})
    return contributor


@transaction.atomic
def dataset_contributor_remove(*, contributor: DatasetContributor, actor) -> None:
    _require_steward(actor, contributor.dataset)
    record_event(actor=actor, action="dataset.contributor_removed", target=contributor.dataset,
                 before={"name": contributor.name, "kind": contributor.kind, "role": contributor.role})
    contributor.delete()
