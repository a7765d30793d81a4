"""The researcher's side: requesting access, editing a request, accepting its terms (or the
amended terms after legal added conditions), submitting and withdrawing."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agreements import rules as agreement_rules
from agreements.models import AccessRequest, Agreement, sha256_text
from agreements.services.common import (
    State, clean_ip, lock, notify, render_into, save, snapshot, transition, use_denials, validate_request,
)
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden
from datasets_app.models import DatasetVersion


@transaction.atomic
def access_request_create(
    *, dataset_versions: Iterable[DatasetVersion], project_title: str, purpose: str,
    intended_uses: Iterable[str], requested_end_date: dt.date, actor,
) -> Agreement:
    """A researcher asks for access: the request and its draft agreement with the rendered terms."""
    if not agreement_rules.can_request_access(actor):
        raise forbidden("Only researchers can request access to datasets.")
    versions, uses = validate_request(dataset_versions=dataset_versions, project_title=project_title,
                                       purpose=purpose, intended_uses=intended_uses,
                                       requested_end_date=requested_end_date)
    request = AccessRequest.objects.create(
        researcher=actor, organization=actor.organization, project_title=project_title.strip(),
        purpose=purpose.strip(), intended_uses=uses, requested_end_date=requested_end_date,
    )
    request.dataset_versions.set(versions)
    agreement = Agreement(access_request=request)
    render_into(agreement)
    agreement.save()
    record_event(actor=actor, action="agreement.requested", target=agreement, after=snapshot(agreement),
                 metadata={"dataset_versions": [v.pk for v in versions], "intended_uses": uses})
    return agreement


@transaction.atomic
def access_request_update(
    *, agreement: Agreement, dataset_versions: Iterable[DatasetVersion], project_title: str, purpose: str,
    intended_uses: Iterable[str], requested_end_date: dt.date, actor,
) -> Agreement:
    """Edit a draft or returned request. The terms are re-rendered; a changed text needs a new acceptance."""
    agreement = lock(agreement)
    if not agreement_rules.can_edit_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can edit it.")
    if agreement.state not in Agreement.EDITABLE:
        raise conflict(f"Agreement #{agreement.pk} is {agreement.get_state_display().lower()}; "
                       "only a draft or a returned request can be edited.")
    versions, uses = validate_request(dataset_versions=dataset_versions, project_title=project_title,
                                       purpose=purpose, intended_uses=intended_uses,
                                       requested_end_date=requested_end_date)
    before = snapshot(agreement)
    request = agreement.access_request
    request.project_title, request.purpose = project_title.strip(), purpose.strip()
    request.intended_uses, request.requested_end_date = uses, requested_end_date
    request.save()
    request.dataset_versions.set(versions)
    render_into(agreement)
    save(agreement)
    record_event(actor=actor, action="agreement.request_updated", target=agreement, before=before,
                 after=snapshot(agreement), metadata={"dataset_versions": [v.pk for v in versions],
                                                       "intended_uses": uses})
    return agreement


@transaction.atomic
def agreement_accept_terms(*, agreement: Agreement, terms_sha256: str, ip: str | None, actor) -> Agreement:
    """The researcher accepts the exact text they were shown (identified by its sha256): before
    submitting, or, after legal approved with conditions, the amended text, which brings the
    agreement into force once the stewards have countersigned that text too."""
    agreement = lock(agreement)
    if not agreement_rules.can_accept_terms(actor, agreement):
        raise forbidden("Only the researcher who made this request can accept its terms.")
    amended = agreement.state == State.CONDITIONS_PENDING
    if not amended and agreement.state not in Agreement.EDITABLE:
        raise conflict(f"Agreement #{agreement.pk} is {agreement.get_state_display().lower()}; "
                       "terms are accepted before submitting.")
    if (terms_sha256 or "").strip().lower() != agreement.terms_sha256:
        raise conflict("The terms changed since you read them; read the current text and accept it again.",
                       extra={"terms_sha256": agreement.terms_sha256})
    if sha256_text(agreement.terms_text) != agreement.terms_sha256:
        raise conflict("The stored terms text does not match its digest; ask legal to look at this agreement.")
    before = snapshot(agreement)
    if amended:
        transition(agreement, "accept_conditions", "accepted")
    else:
        # What the accepted text names, frozen now: coverage reads this, never the live request (G4).
        # (An amendment names the same versions: `_amend_terms` checked it.)
        agreement.signed_versions = [
            {"id": v.pk, "sha256": v.scrubbed_sha256}
            for v in agreement.access_request.dataset_versions.order_by("pk")
        ]
    agreement.accepted_sha256 = agreement.terms_sha256
    agreement.accepted_at = timezone.now()
    agreement.accepted_by = actor
    agreement.accepted_ip = clean_ip(ip)
    save(agreement)
    record_event(actor=actor, action="agreement.amended_terms_accepted" if amended else "agreement.terms_accepted",
                 target=agreement, before=before, after=snapshot(agreement),
                 metadata={"terms_sha256": agreement.terms_sha256, "ip": agreement.accepted_ip,
                           "signed_versions": agreement.signed_versions,
                           **({"conditions": agreement.conditions} if amended else {})})
    if amended:
        notify(agreement, "amended_accepted")
    return agreement


@transaction.atomic
def agreement_submit(*, agreement: Agreement, actor) -> Agreement:
    agreement = lock(agreement)
    if not agreement_rules.can_edit_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can submit it.")
    before = transition(agreement, "submit", "submitted")
    if not agreement.researcher_accepted:
        raise conflict("Accept the agreement terms before submitting.")
    denials = use_denials(agreement)
    if denials:
        raise ApplicationError("The dataset terms forbid an intended use; change the request.",
                               status=400, code="uses_denied", reasons=denials)
    agreement.submitted_at = timezone.now()
    save(agreement)
    record_event(actor=actor, action="agreement.submitted", target=agreement, before={"state": before},
                 after=snapshot(agreement))
    notify(agreement, "submitted")
    return agreement


@transaction.atomic
def agreement_withdraw(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    """The researcher withdraws their own draft, submitted or returned request, or declines the
    conditions legal approved it with; the row and its history stay (the ledger keeps the event), nothing further can happen to it."""
    agreement = lock(agreement)
    if not agreement_rules.can_withdraw_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can withdraw it.")
    before = transition(agreement, "withdraw", "withdrawn")
    save(agreement)
    record_event(actor=actor, action="agreement.withdrawn", target=agreement, before={"state": before},
                 after=snapshot(agreement), metadata={"reason": (reason or "").strip()})
    if before in (State.SUBMITTED, State.CONDITIONS_PENDING):
        notify(agreement, "withdrawn")  # legal had it in the queue, or had approved it with conditions
    return agreement
