"""Demo step (order 30): an agreement in force on the demo dataset and one waiting for legal."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements import services
from agreements.models import Agreement, DatasetContributor
from datasets_app.models import Dataset, DatasetVersion

DEMO_DATASET_TITLE = "Customer support tickets"
IN_FORCE_TITLE = "Support ticket routing model"
PENDING_TITLE = "Multilingual ticket summariser"


def seed_agreements(log: Callable[[str], None]) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["researcher", "legal", "contributor"])}
    if len(users) < 3:
        log("demo researcher/legal/contributor missing; skipped")
        return
    dataset = Dataset.objects.filter(title=DEMO_DATASET_TITLE).first()
    version = (dataset.versions.filter(status=DatasetVersion.Status.APPROVED).order_by("-number").first()
               if dataset else None)
    if version is None:
        log(f"no approved version of “{DEMO_DATASET_TITLE}”; skipped (approve it, then run seed_demo again)")
        return
    researcher, legal, steward = users["researcher"], users["legal"], users["contributor"]
    existing = {a.access_request.project_title: a for a in
                Agreement.objects.filter(access_request__researcher=researcher).select_related("access_request")}

    with transaction.atomic():
        if dataset.steward_id == steward.pk and not DatasetContributor.objects.filter(dataset=dataset).exists():
            services.dataset_contributor_add(dataset=dataset, name=dataset.organization.name, kind="organization",
                                             role="licensor", actor=steward)
            services.dataset_contributor_add(dataset=dataset, name="Helix customer support team",
                                             kind="organization", role="creator", actor=steward)
            log("filled the attribution ledger")

    if IN_FORCE_TITLE in existing:
        log(f"agreement “{IN_FORCE_TITLE}” exists (#{existing[IN_FORCE_TITLE].pk})")
    else:
        with transaction.atomic():
            # The annotated NER tickets (same steward) join the request when approved, so every
            # training task can be tried from the browser on demo data.
            from datasets_app.demo import NER_TITLE

            ner = (DatasetVersion.objects.filter(dataset__title=NER_TITLE, status=DatasetVersion.Status.APPROVED)
                   .order_by("-number").first())
            agreement = services.access_request_create(
                dataset_versions=[version, *([ner] if ner else [])], project_title=IN_FORCE_TITLE,
                purpose="Fine-tune a small encoder to route incoming support tickets to the right team, "
                        "and publish the model for other support desks.",
                intended_uses=["model_training", "publish_model"],
                requested_end_date=timezone.localdate() + dt.timedelta(days=365), actor=researcher)
            services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256,
                                            ip="127.0.0.1", actor=researcher)
            services.agreement_submit(agreement=agreement, actor=researcher)
            services.agreement_start_review(agreement=agreement, actor=legal)
            services.agreement_approve(agreement=agreement, expires_at=timezone.localdate() + dt.timedelta(days=365),
                                       conditions="Publish the model with its attribution manifest.", actor=legal)
            # Legal's condition amended the text: the researcher accepts the amended terms, then the
            # steward countersigns that text.
            agreement.refresh_from_db()
            services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256,
                                            ip="127.0.0.1", actor=researcher)
            services.agreement_countersign(agreement=agreement, ip="127.0.0.1", actor=steward)
        log(f"agreement #{agreement.pk} “{IN_FORCE_TITLE}” is in force for a year")

    if PENDING_TITLE in existing:
        log(f"request “{PENDING_TITLE}” exists (#{existing[PENDING_TITLE].pk})")
    else:
        with transaction.atomic():
            pending = services.access_request_create(
                dataset_versions=[version], project_title=PENDING_TITLE,
                purpose="Train a summariser of support tickets for agents; no commercial use.",
                intended_uses=["model_training"],
                requested_end_date=timezone.localdate() + dt.timedelta(days=180), actor=researcher)
            services.agreement_accept_terms(agreement=pending, terms_sha256=pending.terms_sha256, ip="127.0.0.1",
                                            actor=researcher)
            services.agreement_submit(agreement=pending, actor=researcher)
        log(f"request #{pending.pk} “{PENDING_TITLE}” is waiting in legal's queue")
