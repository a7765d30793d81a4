"""Reads, scoped to the caller. Researchers and reviewers see metadata and PII reports of approved
versions only; a dataset's own organisation also sees versions in progress. Raw files are never
offered by any selector."""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from accounts.rules import is_contributor
from datasets_app import rules as dataset_rules
from datasets_app.models import Dataset, DatasetVersion

Status = DatasetVersion.Status


def _own_org_q(user, prefix: str = "") -> Q:
    if is_contributor(user) and user.organization_id:
        return Q(**{f"{prefix}organization_id": user.organization_id})
    return Q(pk__in=[])


def versions_visible_to(user) -> QuerySet[DatasetVersion]:
    if not dataset_rules.can_view_catalogue(user):
        return DatasetVersion.objects.none()
    return DatasetVersion.objects.select_related("dataset", "dataset__organization", "created_by").filter(
        _own_org_q(user, "dataset__") | Q(status=Status.APPROVED)
    )


def datasets_visible_to(user) -> QuerySet[Dataset]:
    if not dataset_rules.can_view_catalogue(user):
        return Dataset.objects.none()
    # EXISTS rather than a join with DISTINCT and a COUNT over every version: the list's sort
    # index stays usable and a page costs the same at 10 or 10,000 datasets.
    has_approved = Exists(DatasetVersion.objects.filter(dataset=OuterRef("pk"), status=Status.APPROVED))
    return (
        Dataset.objects.select_related("organization", "steward")
        .filter(_own_org_q(user) | Q(has_approved))
        .prefetch_related(Prefetch(
            "versions", queryset=versions_visible_to(user).filter(archived_at__isnull=True).order_by("-number")))
    )


# A list row shows the start of the description: the database cuts it, so a page never reads
# (and the template never scans) descriptions of any length in full.
SUMMARY_CHARS = 120


def with_list_rows(qs: QuerySet[Dataset], user) -> QuerySet[Dataset]:
    """What a row of the datasets list shows, and nothing else: title, the start of the description
    (`summary`, at most SUMMARY_CHARS + 1 characters), organisation, licence, tags, and the
    versions `user` may see, newest first (`listed_versions`), in a fixed number of queries."""
    versions = (versions_visible_to(user).select_related(None).filter(archived_at__isnull=True)
                .only("id", "number", "status", "dataset").order_by("-number"))
    return (qs.select_related(None).select_related("organization")
            .only("id", "title", "license", "tags", "organization__name")
            .annotate(summary=Substr("description", 1, SUMMARY_CHARS + 1))
            .prefetch_related(None).prefetch_related(Prefetch("versions", queryset=versions, to_attr="listed_versions")))


VERSION_SUMMARY_FIELDS = ("id", "dataset", "number", "status", "raw_sha256", "scrubbed_sha256", "row_count",
                          "residual_count", "created_at", "approved_at")


def with_version_summaries(qs: QuerySet[Dataset], user) -> QuerySet[Dataset]:
    """`qs` with the versions `user` may see read as the API's summaries (the columns of a summary,
    no JSON report or profile per version, no join back to the dataset)."""
    versions = (versions_visible_to(user).select_related(None).filter(archived_at__isnull=True)
                .only(*VERSION_SUMMARY_FIELDS).order_by("-number"))
    return qs.prefetch_related(None).prefetch_related(Prefetch("versions", queryset=versions))


def dataset_get(*, user, pk: int) -> Dataset:
    return datasets_visible_to(user).get(pk=pk)


def version_get(*, user, pk: int) -> DatasetVersion:
    return versions_visible_to(user).get(pk=pk)


def pii_report_for(*, user, version: DatasetVersion) -> dict:
    """The PII report as this person may read it (G7): the dataset's steward sees the sample of
    scrubbed rows and the masked residual examples; everybody else sees counts only."""
    report = dict(version.pii_report or {})
    if dataset_rules.can_see_rows(user, version):
        return report
    report.pop("sample", None)
    if isinstance(report.get("residual"), dict):
        report["residual"] = {k: v for k, v in report["residual"].items() if k != "examples"}
    return report


def approved_versions() -> QuerySet[DatasetVersion]:
    """For the layers above (agreements, training): only approved, frozen versions."""
    return DatasetVersion.objects.select_related("dataset").filter(status=Status.APPROVED)


class DatasetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    tag = django_filters.CharFilter(method="with_tag", label="Tag")
    license = django_filters.CharFilter(field_name="license", lookup_expr="iexact", label="Licence")

    class Meta:
        model = Dataset
        fields = ["q", "tag", "license"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def with_tag(self, queryset, name, value):
        # JSON containment differs across databases; tags are few, so match the stored text.
        return queryset.filter(tags__icontains=f'"{value.strip().lower()}"')


def contributor_dashboard(user) -> dict:
    mine = versions_visible_to(user).filter(dataset__organization_id=user.organization_id)
    return {
        "awaiting_review_count": mine.filter(status=Status.SCRUBBED, dataset__steward=user).count(),
        "awaiting_review": list(mine.filter(status=Status.SCRUBBED, dataset__steward=user)[:10]),
        "in_progress": list(mine.filter(status__in=[Status.UPLOADED, Status.SCRUBBING])[:10]),
        "failed": list(mine.filter(status=Status.FAILED, archived_at__isnull=True).order_by("-updated_at")[:5]),
        "dataset_count": Dataset.objects.filter(organization_id=user.organization_id).count(),
    }


