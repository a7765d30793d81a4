"""What the agreement services share: the row lock, guarded transitions that answer 409, the
snapshot each audit event records, e-mails on commit, and the request checks."""
from __future__ import annotations

import datetime as dt
import ipaddress

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from agreements.models import Agreement, IntendedUse
from agreements.tasks import send_agreement_email
from agreements.terms import render_terms
from agreements.use_checks import DENY, check_intended_uses
from config.exceptions import ApplicationError, conflict
from datasets_app.models import DatasetVersion


State = Agreement.State


def lock(agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    try:
        return Agreement.objects.select_for_update().select_related("access_request").get(pk=pk)
    except Agreement.DoesNotExist:
        raise ApplicationError(f"Agreement #{pk} does not exist.", status=404, code="not_found") from None


def transition(agreement: Agreement, method: str, verb: str) -> str:
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


def save(agreement: Agreement) -> None:
    try:
        agreement.save()
    except ConcurrentTransition:
        raise conflict(f"Agreement #{agreement.pk} was changed by someone else; reload it and try again.") from None


def snapshot(agreement: Agreement) -> dict:
    return {"state": agreement.state, "expires_at": agreement.expires_at, "terms_sha256": agreement.terms_sha256}


def notify(agreement: Agreement, event: str) -> None:
    pk = agreement.pk
    transaction.on_commit(lambda: send_agreement_email.delay(pk, event))


def clean_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def end_of_day(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time(23, 59, 59)))


def validate_request(*, dataset_versions, project_title, purpose, intended_uses, requested_end_date):
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


def render_into(agreement: Agreement) -> None:
    template, text, sha = render_terms(access_request=agreement.access_request)
    agreement.terms_template, agreement.terms_text, agreement.terms_sha256 = template, text, sha


def use_denials(agreement: Agreement) -> list[str]:
    req = agreement.access_request
    checks = check_intended_uses(req.dataset_versions.select_related("dataset", "dataset__organization"),
                                 req.intended_uses, req.organization, req.requested_end_date)
    return [c.reason for c in checks if c.decision == DENY]
