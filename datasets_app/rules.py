"""Who may do what with datasets: predicates shared by services, the API and the templates."""
from __future__ import annotations

import rules

from accounts.rules import is_admin, is_auditor, is_contributor, is_legal, is_researcher


def _dataset_of(obj):
    return getattr(obj, "dataset", obj)


@rules.predicate
def is_steward(user, obj) -> bool:
    """Only a dataset's steward approves, rejects or purges its versions (invariant 4)."""
    dataset = _dataset_of(obj)
    return bool(user and user.is_authenticated and dataset is not None and dataset.steward_id == user.pk)


@rules.predicate
def is_member_of_owning_org(user, obj) -> bool:
    dataset = _dataset_of(obj)
    return bool(
        user and user.is_authenticated and dataset is not None and user.organization_id
        and dataset.organization_id == user.organization_id
    )


@rules.predicate
def is_approved_version(user, obj) -> bool:
    return getattr(obj, "status", None) == "approved"


# A contributor creates datasets for their own organisation and uploads to them.
can_create_dataset = is_contributor
can_upload_version = is_contributor & is_member_of_owning_org
can_manage_dataset = is_contributor & (is_steward | is_member_of_owning_org)
can_review_version = is_contributor & is_steward
# G3: only the dataset's steward scrubs (sets column roles), approves, rejects or purges; another
# contributor of the same organisation may upload but not decide what is released.
can_scrub_version = can_review_version
# G7: the steward alone sees scrubbed sample rows (and masked residual examples); others see counts.
can_see_rows = can_review_version
# Everybody with a role reads the catalogue (metadata + PII report of approved versions);
# the owning organisation's contributors also see versions in progress.
can_view_catalogue = is_contributor | is_researcher | is_legal | is_admin | is_auditor
can_view_version = (is_contributor & is_member_of_owning_org) | (can_view_catalogue & is_approved_version)

rules.add_perm("datasets_app.add_dataset", can_create_dataset)
rules.add_perm("datasets_app.upload_version", can_upload_version)
rules.add_perm("datasets_app.change_dataset", can_manage_dataset)
rules.add_perm("datasets_app.review_version", can_review_version)
rules.add_perm("datasets_app.view_version", can_view_version)
rules.add_perm("datasets_app.scrub_version", can_scrub_version)
rules.add_perm("datasets_app.view_version_rows", can_see_rows)
