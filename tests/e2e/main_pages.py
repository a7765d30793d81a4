"""The main pages of each role, with enough data on them to be realistic (tables with rows,
long names, a PII report), shared by the layout and accessibility browser tests."""
from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.urls import reverse

from agreements.services import agreement_approve
from audit.services import record_event
from datasets_app.models import DatasetVersion
from tests.agreements.factories import make_agreement
from tests.datasets_app.factories import DatasetFactory


def seed_main_pages(*, contributor, researcher, legal) -> dict[str, list[str]]:
    """Create a dataset, a submitted request, one approved with a condition and an agreement in force;
    return each role's main URLs."""
    dataset = DatasetFactory(
        organization=contributor.organization, steward=contributor, license="CC-BY-NC-4.0", use_terms=["GRU", "NCU"],
        title="Customer support tickets with an unusually long title that must wrap on a phone",
    )
    sha = hashlib.sha256(b"main-pages").hexdigest()
    # The PII report as the scrubbing pipeline stores it (counts per entity), which the steward's page reads.
    version = DatasetVersion.objects.create(
        dataset=dataset, number=1, status="approved", created_by=contributor, raw_sha256=sha, scrubbed_sha256=sha,
        row_count=120, format="csv", columns=["ticket_text_with_a_long_column_name", "label"],
        pii_report={"by_entity": {"PERSON": 40, "EMAIL_ADDRESS": 12}, "residual": {"total": 1, "examples": []},
                    "output_columns": ["ticket_text_with_a_long_column_name", "label"],
                    "fields": ["ticket_text_with_a_long_column_name"],
                    "sample": [{"ticket_text_with_a_long_column_name": "My order " + "never arrived " * 12,
                                "label": "delivery"}],
                    "config": {"engine": "presidio", "entities": ["PERSON", "EMAIL_ADDRESS"]}},
        residual_count=1, approved_by=contributor, approved_at=timezone.now(),
    )
    in_force = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                              countersigned=True, legal=legal)
    submitted = make_agreement(researcher=researcher, versions=[version], state="submitted", accepted=True)
    # Approved with a condition: back with the researcher to accept the amended terms (issue 13).
    amended = make_agreement(researcher=researcher, versions=[version], state="submitted", accepted=True)
    agreement_approve(agreement=amended, expires_at=timezone.localdate() + timezone.timedelta(days=60),
                      conditions="No re-identification attempts; cite the provider in every publication.",
                      actor=legal)
    with transaction.atomic():
        for n in range(3):
            record_event(actor=contributor, action="dataset.uploaded", target=("datasets.dataset", version.dataset_id),
                         after={"filename": f"tickets-{n}-with-a-rather-long-file-name.csv", "rows": 120})
    dataset_pk = version.dataset_id
    return {
        "contributor": ["/dashboard/", reverse("datasets:dataset-list"),
                        reverse("datasets:dataset-detail", args=[dataset_pk]),
                        reverse("datasets:version-detail", args=[version.pk])],
        "researcher": ["/dashboard/", reverse("agreements:catalogue"),
                       reverse("agreements:dataset-detail", args=[dataset_pk]),
                       reverse("agreements:list"), reverse("agreements:detail", args=[in_force.pk]),
                       reverse("agreements:detail", args=[amended.pk]),
                       reverse("agreements:request-new") + f"?dataset={dataset_pk}", reverse("agreements:glossary")],
        "legal": ["/dashboard/", reverse("agreements:queue"), reverse("agreements:list"),
                  reverse("agreements:detail", args=[submitted.pk])],
        "admin": ["/dashboard/", reverse("training:run-list"), reverse("training:run-launch"),
                  reverse("agreements:catalogue")],
        "auditor": ["/dashboard/", reverse("audit:event-list"), reverse("audit:verify")],
    }


ROLE_USERS = {"contributor": "contributor", "researcher": "researcher", "legal": "legal",
              "admin": "ml_admin", "auditor": "auditor"}
