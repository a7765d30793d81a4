"""Catalogue and queue filters (django-filter), shared by the browser and the API."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse_lazy
from django.utils import timezone

from accounts.models import Organization
from agreements.models import Agreement
from datasets_app.models import Dataset, DatasetVersion, UseTerm


MAX_SEARCH_WORDS = 8  # more words only narrow further; each costs a pass over the indexes


def _organizations_with_datasets(request=None):
    # EXISTS per organisation, not a DISTINCT over a join with every dataset.
    return Organization.objects.filter(Exists(Dataset.objects.filter(organization=OuterRef("pk"))))


def organisation_name_input() -> forms.TextInput:
    """A text box for an organisation's name with suggestions: a <datalist> of at most
    ORGANISATION_SUGGESTIONS names, fetched again (htmx) as the person types. Whatever the number
    of organisations, the page never lists them all; typing the name works without JavaScript."""
    return forms.TextInput(attrs={
        "list": "organisation-options", "autocomplete": "off", "type": "search",
        "hx-get": reverse_lazy("agreements:organisation-options"), "hx-trigger": "input changed delay:250ms",
        "hx-target": "#organisation-options", "hx-swap": "outerHTML",
    })


class CatalogueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    # By id for links and the API (a hidden field: no option list); by name in the page's form.
    organization = django_filters.ModelChoiceFilter(queryset=_organizations_with_datasets,
                                                    label="Organisation", widget=forms.HiddenInput)
    organization_name = django_filters.CharFilter(method="with_organisation_name", label="Organisation",
                                                  widget=organisation_name_input())
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
        fields = ["q", "organization", "organization_name", "license", "use_term", "status"]

    def search(self, qs, name, value):
        """Every word, case-insensitively, somewhere in the title, description, tags or organisation name.

        On PostgreSQL trigram indexes serve the dataset columns (datasets_app migration 0008). The
        organisations matching a word are read first (a short table), so each word's test is on the
        dataset row alone and the planner can combine the indexes, not scan every dataset."""
        for word in value.split()[:MAX_SEARCH_WORDS]:
            org_ids = list(Organization.objects.filter(name__icontains=word).values_list("pk", flat=True))
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__icontains=word)
                           | Q(organization_id__in=org_ids))
        return qs

    def with_organisation_name(self, qs, name, value: str):
        return qs.filter(organization__name__iexact=value.strip())

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
        queryset=_organizations_with_datasets, method="with_org", label="Data organisation", widget=forms.HiddenInput,
    )
    organization_name = django_filters.CharFilter(method="with_org_name", label="Data organisation",
                                                  widget=organisation_name_input())
    older_than_days = django_filters.NumberFilter(method="older_than", label="Waiting ≥ days", min_value=0)

    class Meta:
        model = Agreement
        fields = ["state", "organization", "organization_name", "older_than_days"]

    def with_state(self, qs, name, value):
        return qs.filter(state=value)

    def with_org(self, qs, name, value):
        from agreements.selectors import on_organization_datasets

        return qs.filter(on_organization_datasets(value.pk))

    def with_org_name(self, qs, name, value):
        from agreements.selectors import on_organization_datasets

        org = Organization.objects.filter(name__iexact=value.strip()).values_list("pk", flat=True).first()
        return qs.filter(on_organization_datasets(org)) if org is not None else qs.none()

    def older_than(self, qs, name, value):
        return qs.filter(submitted_at__lte=timezone.now() - timezone.timedelta(days=int(value)))

    @property
    def qs(self):
        qs = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("state"):
            qs = qs.filter(state__in=Agreement.PENDING_REVIEW)
        return qs.order_by("submitted_at", "pk")
