"""Every write to access requests, agreements and the attribution ledger.

Each service: keyword-only, one transaction, permission checked here (rules predicates), the
agreement row locked (SELECT … FOR UPDATE) before a guarded FSM transition, one audit event in
the same transaction, emails enqueued on commit. Refusals are ApplicationError: 403 when the
actor may not, 409 when the state does not allow it (or it changed under them), 400 for bad input.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from agreements import rules as agreement_rules
from agreements.models import AccessRequest, Agreement, Countersignature, DatasetContributor, IntendedUse, sha256_text
from agreements.selectors import agreement_problems
from agreements.signals import agreement_ended
from agreements.terms import current_template, normalize_conditions, render_terms, text_carries_conditions
from agreements.policy import latest_expiry
from agreements.tasks import send_agreement_email
from agreements.use_checks import DENY, check_intended_uses
from audit.services import record_event
from config.exceptions import ApplicationError, conflict, forbidden
from datasets_app.models import DatasetVersion

State = Agreement.State
EXPIRY_WARNING_DAYS = 14


# --- helpers -----------------------------------------------------------------------------------
def _lock(agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    try:
        return Agreement.objects.select_for_update().select_related("access_request").get(pk=pk)
    except Agreement.DoesNotExist:
        raise ApplicationError(f"Agreement #{pk} does not exist.", status=404, code="not_found") from None


def _transition(agreement: Agreement, method: str, verb: str) -> str:
    """Apply a guarded transition; a wrong state is a 409 with the state named."""
    before = agreement.state
    try:
        getattr(agreement, method)()
    except TransitionNotAllowed:
        raise conflict(
            f"Agreement #{agreement.pk} is {agreement.get_state_display().lower()}; it cannot be {verb}.",
            extra={"state": agreement.state},
        ) from None
    return before


def _save(agreement: Agreement) -> None:
    try:
        agreement.save()
    except ConcurrentTransition:
        raise conflict(f"Agreement #{agreement.pk} was changed by someone else; reload it and try again.") from None


def _snapshot(agreement: Agreement) -> dict:
    return {"state": agreement.state, "expires_at": agreement.expires_at, "terms_sha256": agreement.terms_sha256}


def _notify(agreement: Agreement, event: str) -> None:
    pk = agreement.pk
    transaction.on_commit(lambda: send_agreement_email.delay(pk, event))


def _clean_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def _end_of_day(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time(23, 59, 59)))


def _validate_request(*, dataset_versions, project_title, purpose, intended_uses, requested_end_date):
    errors: list[str] = []
    versions = list({v.pk: v for v in dataset_versions}.values())
    if not versions:
        errors.append("Choose at least one dataset version.")
    for v in versions:
        if v.status != DatasetVersion.Status.APPROVED:
            errors.append(f"{v} is not an approved version; only approved versions can be requested.")
    if not (project_title or "").strip():
        errors.append("Give the project a title.")
    elif len(project_title) > 200:
        errors.append("The project title is longer than 200 characters.")
    if not (purpose or "").strip():
        errors.append("Describe the purpose of the project.")
    uses = list(dict.fromkeys(intended_uses or []))
    unknown = [u for u in uses if u not in IntendedUse.values]
    if not uses:
        errors.append("Choose at least one intended use.")
    if unknown:
        errors.append(f"Unknown intended use(s): {', '.join(map(str, unknown))}.")
    if requested_end_date is None:
        errors.append("Give a requested end date.")
    elif requested_end_date <= timezone.localdate():
        errors.append("The requested end date must be in the future.")
    if errors:
        raise ApplicationError(errors[0], status=400, code="invalid_request", reasons=errors)
    return versions, uses


def _render_into(agreement: Agreement) -> None:
    template, text, sha = render_terms(access_request=agreement.access_request)
    agreement.terms_template, agreement.terms_text, agreement.terms_sha256 = template, text, sha


# --- researcher --------------------------------------------------------------------------------
@transaction.atomic
def access_request_create(
    *, dataset_versions: Iterable[DatasetVersion], project_title: str, purpose: str,
    intended_uses: Iterable[str], requested_end_date: dt.date, actor,
) -> Agreement:
    """A researcher asks for access: the request and its draft agreement with the rendered terms."""
    if not agreement_rules.can_request_access(actor):
        raise forbidden("Only researchers can request access to datasets.")
    versions, uses = _validate_request(dataset_versions=dataset_versions, project_title=project_title,
                                       purpose=purpose, intended_uses=intended_uses,
                                       requested_end_date=requested_end_date)
    request = AccessRequest.objects.create(
        researcher=actor, organization=actor.organization, project_title=project_title.strip(),
        purpose=purpose.strip(), intended_uses=uses, requested_end_date=requested_end_date,
    )
    request.dataset_versions.set(versions)
    agreement = Agreement(access_request=request)
    _render_into(agreement)
    agreement.save()
    record_event(actor=actor, action="agreement.requested", target=agreement, after=_snapshot(agreement),
                 metadata={"dataset_versions": [v.pk for v in versions], "intended_uses": uses})
    return agreement


@transaction.atomic
def access_request_update(
    *, agreement: Agreement, dataset_versions: Iterable[DatasetVersion], project_title: str, purpose: str,
    intended_uses: Iterable[str], requested_end_date: dt.date, actor,
) -> Agreement:
    """Edit a draft or returned request. The terms are re-rendered; a changed text needs a new acceptance."""
    agreement = _lock(agreement)
    if not agreement_rules.can_edit_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can edit it.")
    if agreement.state not in Agreement.EDITABLE:
        raise conflict(f"Agreement #{agreement.pk} is {agreement.get_state_display().lower()}; "
                       "only a draft or a returned request can be edited.")
    versions, uses = _validate_request(dataset_versions=dataset_versions, project_title=project_title,
                                       purpose=purpose, intended_uses=intended_uses,
                                       requested_end_date=requested_end_date)
    before = _snapshot(agreement)
    request = agreement.access_request
    request.project_title, request.purpose = project_title.strip(), purpose.strip()
    request.intended_uses, request.requested_end_date = uses, requested_end_date
    request.save()
    request.dataset_versions.set(versions)
    _render_into(agreement)
    _save(agreement)
    record_event(actor=actor, action="agreement.request_updated", target=agreement, before=before,
                 after=_snapshot(agreement), metadata={"dataset_versions": [v.pk for v in versions],
                                                       "intended_uses": uses})
    return agreement


@transaction.atomic
def agreement_accept_terms(*, agreement: Agreement, terms_sha256: str, ip: str | None, actor) -> Agreement:
    """The researcher accepts the exact text they were shown (identified by its sha256): before
    submitting, or, after legal approved with conditions, the amended text, which brings the
    agreement into force once the stewards have countersigned that text too."""
    agreement = _lock(agreement)
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
    before = _snapshot(agreement)
    if amended:
        _transition(agreement, "accept_conditions", "accepted")
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
    agreement.accepted_ip = _clean_ip(ip)
    _save(agreement)
    record_event(actor=actor, action="agreement.amended_terms_accepted" if amended else "agreement.terms_accepted",
                 target=agreement, before=before, after=_snapshot(agreement),
                 metadata={"terms_sha256": agreement.terms_sha256, "ip": agreement.accepted_ip,
                           "signed_versions": agreement.signed_versions,
                           **({"conditions": agreement.conditions} if amended else {})})
    if amended:
        _notify(agreement, "amended_accepted")
    return agreement


def _denials(agreement: Agreement) -> list[str]:
    req = agreement.access_request
    checks = check_intended_uses(req.dataset_versions.select_related("dataset", "dataset__organization"),
                                 req.intended_uses, req.organization, req.requested_end_date)
    return [c.reason for c in checks if c.decision == DENY]


@transaction.atomic
def agreement_submit(*, agreement: Agreement, actor) -> Agreement:
    agreement = _lock(agreement)
    if not agreement_rules.can_edit_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can submit it.")
    before = _transition(agreement, "submit", "submitted")
    if not agreement.researcher_accepted:
        raise conflict("Accept the agreement terms before submitting.")
    denials = _denials(agreement)
    if denials:
        raise ApplicationError("The dataset terms forbid an intended use; change the request.",
                               status=400, code="uses_denied", reasons=denials)
    agreement.submitted_at = timezone.now()
    _save(agreement)
    record_event(actor=actor, action="agreement.submitted", target=agreement, before={"state": before},
                 after=_snapshot(agreement))
    _notify(agreement, "submitted")
    return agreement


@transaction.atomic
def agreement_withdraw(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    """The researcher withdraws their own draft, submitted or returned request, or declines the
    conditions legal approved it with; the row and its history stay (the ledger keeps the event), nothing further can happen to it."""
    agreement = _lock(agreement)
    if not agreement_rules.can_withdraw_request(actor, agreement):
        raise forbidden("Only the researcher who made this request can withdraw it.")
    before = _transition(agreement, "withdraw", "withdrawn")
    _save(agreement)
    record_event(actor=actor, action="agreement.withdrawn", target=agreement, before={"state": before},
                 after=_snapshot(agreement), metadata={"reason": (reason or "").strip()})
    if before in (State.SUBMITTED, State.CONDITIONS_PENDING):
        _notify(agreement, "withdrawn")  # legal had it in the queue, or had approved it with conditions
    return agreement


# --- legal -------------------------------------------------------------------------------------
def _require_legal(actor, agreement: Agreement, what: str) -> None:
    """Legal decides, and never on a request they made themselves (G6)."""
    if not agreement_rules.can_review(actor):
        raise forbidden(f"Only legal reviewers can {what} agreements.")
    if not agreement_rules.can_decide(actor, agreement):
        raise forbidden(f"You made this request; another legal reviewer must {what} it (separation of duties).")


@transaction.atomic
def agreement_start_review(*, agreement: Agreement, actor) -> Agreement:
    agreement = _lock(agreement)
    _require_legal(actor, agreement, "review")
    before = _transition(agreement, "start_review", "taken into review")
    agreement.reviewer = actor
    _save(agreement)
    record_event(actor=actor, action="agreement.review_started", target=agreement, before={"state": before},
                 after=_snapshot(agreement))
    return agreement


@transaction.atomic
def agreement_approve(*, agreement: Agreement, expires_at: dt.date | dt.datetime, conditions: str = "", actor) -> Agreement:
    """Legal approves. Conditions the accepted text does not already name make it an amendment:
    the text is re-rendered with them from the newest template and goes back to the researcher
    (state conditions_pending, not in force) until they accept it (`agreement_accept_terms`)."""
    agreement = _lock(agreement)
    _require_legal(actor, agreement, "approve")
    conditions = normalize_conditions(conditions)
    amend = not text_carries_conditions(agreement.terms_text, conditions)
    before = _transition(agreement, "approve_with_conditions" if amend else "approve", "approved")
    if expires_at is None:
        raise ApplicationError("Set an expiry date.", code="invalid_expiry")
    expires = _end_of_day(expires_at)
    if expires <= timezone.now():
        raise ApplicationError("The expiry date must be in the future.", code="invalid_expiry")
    request = agreement.access_request
    datasets = {v.dataset_id: v.dataset for v in request.dataset_versions.select_related("dataset")}.values()
    latest, why = latest_expiry(datasets, requested_end_date=request.requested_end_date,
                                start=timezone.localdate())
    if latest is not None and expires > _end_of_day(latest):
        raise ApplicationError(
            f"The expiry date may be {latest:%Y-%m-%d} at the latest: {why}.", code="invalid_expiry",
            reasons=[f"Expiry capped by {why}."], extra={"latest_expiry": latest.isoformat()},
        )
    denials = _denials(agreement)
    if denials:
        raise conflict("The dataset terms forbid an intended use; return or reject the request.", reasons=denials)
    before_terms = _snapshot(agreement)
    if amend:
        _amend_terms(agreement, conditions)
    now = timezone.now()
    agreement.approved_at, agreement.approved_by, agreement.reviewer = now, actor, actor
    agreement.expires_at, agreement.conditions = expires, conditions
    _save(agreement)
    if amend:
        record_event(actor=actor, action="agreement.approved_with_conditions", target=agreement,
                     before={"state": before, "terms_sha256": before_terms["terms_sha256"]},
                     after=_snapshot(agreement),
                     metadata={"conditions": conditions, "accepted_sha256": agreement.accepted_sha256,
                               "terms_version": agreement.terms_template.version})
        _notify(agreement, "conditions_added")
    else:
        record_event(actor=actor, action="agreement.approved", target=agreement, before={"state": before},
                     after=_snapshot(agreement), metadata={"conditions": agreement.conditions})
        _notify(agreement, "approved")
    return agreement


@transaction.atomic
def agreement_send_conditions_for_acceptance(*, agreement: Agreement | int, actor=None) -> Agreement:
    """An agreement approved with conditions before they became part of the signed text (terms v1)
    is not in force (G4); this sends the amended text to the researcher, as an approval with those
    conditions does today. `actor` None: the system (the management command); else legal."""
    agreement = _lock(agreement)
    if actor is not None:
        _require_legal(actor, agreement, "amend")
    conditions = normalize_conditions(agreement.conditions)
    if agreement.state != State.APPROVED or text_carries_conditions(agreement.terms_text, conditions):
        raise conflict(f"Agreement #{agreement.pk} has no conditions missing from its accepted terms.")
    before = _snapshot(agreement)
    _transition(agreement, "require_reacceptance", "sent back for acceptance")
    _amend_terms(agreement, conditions)
    agreement.conditions = conditions
    _save(agreement)
    record_event(actor=actor, action="agreement.conditions_sent_for_acceptance", target=agreement, before=before,
                 after=_snapshot(agreement), metadata={"conditions": conditions,
                                                       "accepted_sha256": agreement.accepted_sha256})
    _notify(agreement, "conditions_added")
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
    agreement = _lock(agreement)
    _require_legal(actor, agreement, "return")
    if not (comment or "").strip():
        raise ApplicationError("Say what the researcher should change.", code="comment_required")
    before = _transition(agreement, "return_for_changes", "returned")
    agreement.review_comment, agreement.reviewer = comment.strip(), actor
    _save(agreement)
    record_event(actor=actor, action="agreement.returned", target=agreement, before={"state": before},
                 after=_snapshot(agreement), metadata={"comment": agreement.review_comment})
    _notify(agreement, "returned")
    return agreement


@transaction.atomic
def agreement_reject(*, agreement: Agreement, reason: str, actor) -> Agreement:
    agreement = _lock(agreement)
    _require_legal(actor, agreement, "reject")
    if not (reason or "").strip():
        raise ApplicationError("Give a reason for the rejection.", code="reason_required")
    before = _transition(agreement, "reject", "rejected")
    agreement.rejection_reason, agreement.reviewer = reason.strip(), actor
    _save(agreement)
    record_event(actor=actor, action="agreement.rejected", target=agreement, before={"state": before},
                 after=_snapshot(agreement), metadata={"reason": agreement.rejection_reason})
    _notify(agreement, "rejected")
    return agreement


@transaction.atomic
def agreement_revoke(*, agreement: Agreement, reason: str, actor) -> Agreement:
    agreement = _lock(agreement)
    _require_legal(actor, agreement, "revoke")
    if not (reason or "").strip():
        raise ApplicationError("Give a reason for the revocation.", code="reason_required")
    before = _transition(agreement, "revoke", "revoked")
    agreement.revoked_at, agreement.revoked_by = timezone.now(), actor
    agreement.revocation_reason = reason.strip()
    _save(agreement)
    record_event(actor=actor, action="agreement.revoked", target=agreement, before={"state": before},
                 after=_snapshot(agreement), metadata={"reason": agreement.revocation_reason})
    # Inside the transaction: what training does about it commits (or fails) with the revocation.
    agreement_ended.send(sender=Agreement, agreement=agreement, reason="revoked", actor=actor)
    _notify(agreement, "revoked")
    return agreement


# --- stewards ----------------------------------------------------------------------------------
@transaction.atomic
def agreement_countersign(*, agreement: Agreement, actor, ip: str | None = None) -> Countersignature:
    """A steward signs for their organisation's datasets, on the text the researcher accepted."""
    agreement = _lock(agreement)
    if agreement_rules.is_requester(actor, agreement):
        raise forbidden("You made this request; another steward of your organisation must countersign it "
                        "(separation of duties).")
    if not agreement_rules.can_countersign(actor, agreement):
        raise forbidden("Only a data steward of an organisation whose dataset this agreement covers can countersign.")
    if agreement.state not in Agreement.COUNTERSIGNABLE:
        raise conflict(f"Agreement #{agreement.pk} is {agreement.get_state_display().lower()}; it cannot be countersigned.")
    if not agreement.researcher_accepted:
        raise conflict("The researcher has not accepted these terms yet.")
    existing = Countersignature.objects.filter(agreement=agreement, organization_id=actor.organization_id).first()
    if existing and existing.terms_sha256 == agreement.terms_sha256:
        raise conflict(f"{actor.organization} has already countersigned agreement #{agreement.pk}.")
    values = {"signed_by": actor, "terms_sha256": agreement.terms_sha256, "signed_at": timezone.now(),
              "ip": _clean_ip(ip)}
    try:
        with transaction.atomic():
            signature, _ = Countersignature.objects.update_or_create(
                agreement=agreement, organization_id=actor.organization_id, defaults=values)
    except IntegrityError:
        raise conflict(f"{actor.organization} has already countersigned agreement #{agreement.pk}.") from None
    record_event(actor=actor, action="agreement.countersigned", target=agreement,
                 after={"organization": actor.organization.name, "terms_sha256": agreement.terms_sha256},
                 metadata={"in_force": not agreement_problems(agreement)})
    return signature


# --- time --------------------------------------------------------------------------------------
@transaction.atomic
def agreement_expire(*, agreement: Agreement, actor=None) -> Agreement:
    agreement = _lock(agreement)
    if agreement.expires_at is None or agreement.expires_at > timezone.now():
        raise conflict(f"Agreement #{agreement.pk} has not reached its expiry date.")
    before = _transition(agreement, "expire", "expired")
    agreement.expired_at = timezone.now()
    _save(agreement)
    record_event(actor=actor, action="agreement.expired", target=agreement, before={"state": before},
                 after=_snapshot(agreement))
    agreement_ended.send(sender=Agreement, agreement=agreement, reason="expired", actor=actor)
    _notify(agreement, "expired")
    return agreement


@transaction.atomic
def agreement_warn_expiry(*, agreement: Agreement, actor=None) -> bool:
    """Send the 14-day warning once per agreement (expiry_warned_at)."""
    agreement = _lock(agreement)
    if agreement.state != State.APPROVED or agreement.expiry_warned_at is not None:
        return False
    agreement.expiry_warned_at = timezone.now()
    _save(agreement)
    record_event(actor=actor, action="agreement.expiry_warned", target=agreement,
                 after={"expires_at": agreement.expires_at})
    _notify(agreement, "expiring")
    return True


def agreements_expire_due(*, now: dt.datetime | None = None) -> dict:
    """The periodic job: expire agreements past their end, warn those ending within 14 days.
    Each agreement in its own transaction, so one failure does not hold back the rest."""
    now = now or timezone.now()
    approved = Agreement.objects.filter(state=State.APPROVED)
    expired = warned = 0
    ending = Agreement.objects.filter(state__in=[State.APPROVED, State.CONDITIONS_PENDING], expires_at__lte=now)
    for pk in ending.values_list("pk", flat=True):
        try:
            agreement_expire(agreement=pk, actor=None)
            expired += 1
        except ApplicationError:
            pass  # changed meanwhile (revoked, already expired)
    soon = approved.filter(expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=EXPIRY_WARNING_DAYS),
                           expiry_warned_at=None)
    for pk in soon.values_list("pk", flat=True):
        if agreement_warn_expiry(agreement=pk, actor=None):
            warned += 1
    return {"expired": expired, "warned": warned}


# --- the IP attribution ledger -----------------------------------------------------------------
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
