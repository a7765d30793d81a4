"""Factories for agreements tests. Approved dataset versions are created directly in the
approved state (allowed at creation) so these tests do not depend on the scrubbing pipeline."""
from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from agreements.models import AccessRequest, Agreement, Countersignature, DatasetContributor
from agreements.terms import render_terms
from datasets_app.models import Dataset, DatasetVersion
from tests.datasets_app.factories import DatasetFactory


def make_approved_version(*, dataset: Dataset | None = None, number: int | None = None, pii_report: dict | None = None,
                          **dataset_kwargs) -> DatasetVersion:
    dataset = dataset or DatasetFactory(**dataset_kwargs)
    number = number or (dataset.versions.count() + 1)
    sha = hashlib.sha256(f"{dataset.pk}-{number}".encode()).hexdigest()
    return DatasetVersion.objects.create(
        dataset=dataset,
        number=number,
        status="approved",
        created_by=dataset.steward,
        raw_sha256=sha,
        scrubbed_sha256=sha,
        row_count=120,
        format="csv",
        pii_report=pii_report or {"by_entity": {"PERSON": {"count": 40}, "EMAIL_ADDRESS": {"count": 12}},
                                  "residual": {"total": 1}},
        residual_count=1,
        approved_by=dataset.steward,
        approved_at=timezone.now(),
    )


def make_agreement(*, researcher, versions, uses=("model_training",), state="draft", accepted=False,
                   countersigned=False, expires_in_days=365, end_days=200, legal=None) -> Agreement:
    """An agreement in any state without the services (for selector tests); the in-force parts
    (acceptance, countersignatures) are set only when asked."""
    request = AccessRequest.objects.create(
        researcher=researcher, organization=researcher.organization, project_title="Support triage model",
        purpose="Fine-tune a classifier for ticket routing.", intended_uses=list(uses),
        requested_end_date=timezone.localdate() + dt.timedelta(days=end_days),
    )
    request.dataset_versions.set(versions)
    template, text, sha = render_terms(access_request=request)
    now = timezone.now()
    fields = dict(access_request=request, state=state, terms_template=template, terms_text=text, terms_sha256=sha)
    if accepted:
        # As agreement_accept_terms stores them: the versions the accepted text names (G4).
        fields.update(accepted_sha256=sha, accepted_at=now, accepted_by=researcher, accepted_ip="127.0.0.1",
                      signed_versions=[{"id": v.pk, "sha256": v.scrubbed_sha256} for v in versions])
    if state not in ("draft",):
        fields["submitted_at"] = now
    if state in ("approved", "expired", "revoked"):
        fields.update(approved_at=now, approved_by=legal, expires_at=now + dt.timedelta(days=expires_in_days))
    if state == "revoked":
        fields.update(revoked_at=now, revocation_reason="breach of terms")
    agreement = Agreement.objects.create(**fields)
    if countersigned:
        for org in agreement.required_signatory_organizations():
            steward = Dataset.objects.filter(organization=org).first().steward
            Countersignature.objects.create(agreement=agreement, organization=org, signed_by=steward,
                                            terms_sha256=sha, signed_at=now)
    return agreement


class DatasetContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DatasetContributor

    dataset = factory.SubFactory(DatasetFactory)
    name = factory.Sequence(lambda n: f"Contributor {n}")
    kind = "person"
    role = "contributor"
