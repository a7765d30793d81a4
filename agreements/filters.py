"""Catalogue and queue filters (django-filter), shared by the browser and the API."""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Organization
from agreements.models import Agreement
from datasets_app.models import Dataset, DatasetVersion, UseTerm


def _organizations_with_datasets(request=None):
    # EXISTS per organisation, not a DISTINCT over a join with every dataset.
    return Organization.objects.filter(Exists(Dataset.objects.filter(organization=OuterRef("pk"))))


class CatalogueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    organization = django_filters.ModelChoiceFilter(queryset=_organizations_with_datasets,
                                                    label="Organisation", empty_label="Any")
    # Exact SPDX id (a text box): choices read from every dataset would scan the table per request.
    license = django_filters.CharFilter(field_name="license", label="Licence (SPDX id)")
    use_term = django_filters.ChoiceFilter(choices=UseTerm.choices, method="with_term", label="Use term",
                                           empty_label="Any")
    status = django_filters.ChoiceFilter(
        choices=[(DatasetVersion.Status.APPROVED, "Approved (requestable)"),
                 (DatasetVersion.Status.SCRUBBED, "Scrubbed, awaiting steward"),
                 (DatasetVersion.Status.SCRUBBING, "Scrubbing")],
        method="with_status", label="Scrub status", empty_label="Any",
    )

    class Meta:
        model = Dataset
        fields = ["q", "organization", "license", "use_term", "status"]

    def search(self, qs, name, value):
        for word in value.split():
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__icontains=word)
                           | Q(organization__name__icontains=word))
        return qs

    def with_term(self, qs, name, value: str):
        # JSON list of codes: match the quoted code, portable across SQLite and PostgreSQL.
        return qs.filter(use_terms__icontains=f'"{value}"')

    def with_status(self, qs, name, value: str):
        return qs.filter(Exists(DatasetVersion.objects.filter(dataset=OuterRef("pk"), status=value)))


class QueueFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=[(s, l) for s, l in Agreement.State.choices if s != Agreement.State.DRAFT], label="State",
        method="with_state", empty_label="Waiting for legal",
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations_with_datasets, method="with_org",
        label="Data organisation", empty_label="Any",
    )
    older_than_days = django_filters.NumberFilter(method="older_than", label="Waiting ≥ days", min_value=0)

    class Meta:
        model = Agreement
        fields = ["state", "organization", "older_than_days"]

    def with_state(self, qs, name, value):
        return qs.filter(state=value)

    def with_org(self, qs, name, value):
        from agreements.selectors import on_organization_datasets

        return qs.filter(on_organization_datasets(value.pk))

    def older_than(self, qs, name, value):
        return qs.filter(submitted_at__lte=timezone.now() - timezone.timedelta(days=int(value)))

    @property
    def qs(self):
        qs = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("state"):
            qs = qs.filter(state__in=Agreement.PENDING_REVIEW)
        return qs.order_by("submitted_at", "pk")
