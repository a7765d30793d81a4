"""Legal's side: taking into review, approving (with conditions: back to the researcher for the
amended terms), returning, rejecting and revoking. Never on a request they made (G6)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from agreements import rules as agreement_rules
from agreements.models import Agreement
from agreements.policy import latest_expiry
from agreements.services.common import State, end_of_day, lock, notify, save, snapshot, transition, use_denials
from agreements.signals import agreement_ended
from agreements.terms import current_template, normalize_conditions, render_terms, text_carries_conditions
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden


def _require_legal(actor, agreement: Agreement, what: str) -> None:
    """Legal decides, and never on a request they made themselves (G6)."""
    if not agreement_rules.can_review(actor):
        raise forbidden(f"Only legal reviewers can {what} agreements.")
    if not agreement_rules.can_decide(actor, agreement):
        raise forbidden(f"You made this request; another legal reviewer must {what} it (separation of duties).")


@transaction.atomic
def agreement_start_review(*, agreement: Agreement, actor) -> Agreement:
    agreement = lock(agreement)
    _require_legal(actor, agreement, "review")
    before = transition(agreement, "start_review", "taken into review")
    agreement.reviewer = actor
    save(agreement)
    record_event(actor=actor, action="agreement.review_started", target=agreement, before={"state": before},
                 after=snapshot(agreement))
    return agreement


@transaction.atomic
def agreement_approve(*, agreement: Agreement, expires_at: dt.date | dt.datetime, conditions: str = "", actor) -> Agreement:
    """Legal approves. Conditions the accepted text does not already name make it an amendment:
    the text is re-rendered with them from the newest template and goes back to the researcher
    (state conditions_pending, not in force) until they accept it (`agreement_accept_terms`)."""
    agreement = lock(agreement)
    _require_legal(actor, agreement, "approve")
    conditions = normalize_conditions(conditions)
    amend = not text_carries_conditions(agreement.terms_text, conditions)
    before = transition(agreement, "approve_with_conditions" if amend else "approve", "approved")
    if expires_at is None:
        raise ApplicationError("Set an expiry date.", code="invalid_expiry")
    expires = end_of_day(expires_at)
    if expires <= timezone.now():
        raise ApplicationError("The expiry date must be in the future.", code="invalid_expiry")
    request = agreement.access_request
    datasets = {v.dataset_id: v.dataset for v in request.dataset_versions.select_related("dataset")}.values()
    latest, why = latest_expiry(datasets, requested_end_date=request.requested_end_date,
                                start=timezone.localdate())
    if latest is not None and expires > end_of_day(latest):
        raise ApplicationError(
            f"The expiry date may be {latest:%Y-%m-%d} at the latest: {why}.", code="invalid_expiry",
            reasons=[f"Expiry capped by {why}."], extra={"latest_expiry": latest.isoformat()},
        )
    denials = use_denials(agreement)
    if denials:
        raise conflict("The dataset terms forbid an intended use; return or reject the request.", reasons=denials)
    before_terms = snapshot(agreement)
    if amend:
        _amend_terms(agreement, conditions)
    now = timezone.now()
    agreement.approved_at, agreement.approved_by, agreement.reviewer = now, actor, actor
    agreement.expires_at, agreement.conditions = expires, conditions
    save(agreement)
    if amend:
        record_event(actor=actor, action="agreement.approved_with_conditions", target=agreement,
                     before={"state": before, "terms_sha256": before_terms["terms_sha256"]},
                     after=snapshot(agreement),
                     metadata={"conditions": conditions, "accepted_sha256": agreement.accepted_sha256,
                               "terms_version": agreement.terms_template.version})
        notify(agreement, "conditions_added")
    else:
        record_event(actor=actor, action="agreement.approved", target=agreement, before={"state": before},
                     after=snapshot(agreement), metadata={"conditions": agreement.conditions})
        notify(agreement, "approved")
    return agreement


@transaction.atomic
def agreement_send_conditions_for_acceptance(*, agreement: Agreement | int, actor=None) -> Agreement:
    """An agreement approved with conditions before they became part of the signed text (terms v1)
    is not in force (G4); this sends the amended text to the researcher, as an approval with those
    conditions does today. `actor` None: the system (the management command); else legal."""
    agreement = lock(agreement)
    if actor is not None:
        _require_legal(actor, agreement, "amend")
    conditions = normalize_conditions(agreement.conditions)
    if agreement.state != State.APPROVED or text_carries_conditions(agreement.terms_text, conditions):
        raise conflict(f"Agreement #{agreement.pk} has no conditions missing from its accepted terms.")
    before = snapshot(agreement)
    transition(agreement, "require_reacceptance", "sent back for acceptance")
    _amend_terms(agreement, conditions)
    agreement.conditions = conditions
    save(agreement)
    record_event(actor=actor, action="agreement.conditions_sent_for_acceptance", target=agreement, before=before,
                 after=snapshot(agreement), metadata={"conditions": conditions,
                                                       "accepted_sha256": agreement.accepted_sha256})
    notify(agreement, "conditions_added")
    return agreement


def _amend_terms(agreement: Agreement, conditions: str) -> None:
    """Re-render the text with legal's conditions. The amendment adds the conditions and nothing
    else: the datasets it names must be the ones the researcher signed for (G4)."""
    named = [{"id": v.pk, "sha256": v.scrubbed_sha256}
             for v in agreement.access_request.dataset_versions.order_by("pk")]
    if named != list(agreement.signed_versions or []):
        raise conflict("The request's datasets changed since the researcher accepted its terms; "
                       "return it to the researcher instead.")
    template, text, sha = render_terms(access_request=agreement.access_request, template=current_template(),
                                       conditions=conditions)
    if not text_carries_conditions(text, conditions):
        raise ApplicationError(f"Terms template version {template.version} has no clause for conditions; "
                               "add a template version that renders them.", status=409,
                               code="template_without_conditions")
    agreement.terms_template, agreement.terms_text, agreement.terms_sha256 = template, text, sha


@transaction.atomic
def agreement_return(*, agreement: Agreement, comment: str, actor) -> Agreement:
    agreement = lock(agreement)
    _require_legal(actor, agreement, "return")
    if not (comment or "").strip():
        raise ApplicationError("Say what the researcher should change.", code="comment_required")
    before = transition(agreement, "return_for_changes", "returned")
    agreement.review_comment, agreement.reviewer = comment.strip(), actor
    save(agreement)
    record_event(actor=actor, action="agreement.returned", target=agreement, before={"state": before},
                 after=snapshot(agreement), metadata={"comment": agreement.review_comment})
    notify(agreement, "returned")
    return agreement


@transaction.atomic
def agreement_reject(*, agreement: Agreement, reason: str, actor) -> Agreement:
    agreement = lock(agreement)
    _require_legal(actor, agreement, "reject")
    if not (reason or "").strip():
        raise ApplicationError("Give a reason for the rejection.", code="reason_required")
    before = transition(agreement, "reject", "rejected")
    agreement.rejection_reason, agreement.reviewer = reason.strip(), actor
    save(agreement)
    record_event(actor=actor, action="agreement.rejected", target=agreement, before={"state": before},
                 after=snapshot(agreement), metadata={"reason": agreement.rejection_reason})
    notify(agreement, "rejected")
    return agreement


@transaction.atomic
def agreement_revoke(*, agreement: Agreement, reason: str, actor) -> Agreement:
    agreement = lock(agreement)
    _require_legal(actor, agreement, "revoke")
    if not (reason or "").strip():
        raise ApplicationError("Give a reason for the revocation.", code="reason_required")
    before = transition(agreement, "revoke", "revoked")
    agreement.revoked_at, agreement.revoked_by = timezone.now(), actor
    agreement.revocation_reason = reason.strip()
    save(agreement)
    record_event(actor=actor, action="agreement.revoked", target=agreement, before={"state": before},
                 after=snapshot(agreement), metadata={"reason": agreement.revocation_reason})
    # Inside the transaction: what training does about it commits (or fails) with the revocation.
    agreement_ended.send(sender=Agreement, agreement=agreement, reason="revoked", actor=actor)
    notify(agreement, "revoked")
    return agreement
