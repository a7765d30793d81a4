"""Time: agreements past their end expire (sending `agreement_ended`), those ending within
14 days are warned once. The periodic task calls `agreements_expire_due`."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement
from agreements.services.common import State, lock, notify, save, snapshot, transition
from agreements.signals import agreement_ended
from audit.services import record_event
from config.exceptions import ApplicationError, conflict

EXPIRY_WARNING_DAYS = 14


@transaction.atomic
def agreement_expire(*, agreement: Agreement, actor=None) -> Agreement:
    agreement = lock(agreement)
    if agreement.expires_at is None or agreement.expires_at > timezone.now():
        raise conflict(f"Agreement #{agreement.pk} has not reached its expiry date.")
    before = transition(agreement, "expire", "expired")
    agreement.expired_at = timezone.now()
    save(agreement)
    record_event(actor=actor, action="agreement.expired", target=agreement, before={"state": before},
                 after=snapshot(agreement))
    agreement_ended.send(sender=Agreement, agreement=agreement, reason="expired", actor=actor)
    notify(agreement, "expired")
    return agreement


@transaction.atomic
def agreement_warn_expiry(*, agreement: Agreement, actor=None) -> bool:
    """Send the 14-day warning once per agreement (expiry_warned_at)."""
    agreement = lock(agreement)
    if agreement.state != State.APPROVED or agreement.expiry_warned_at is not None:
        return False
    agreement.expiry_warned_at = timezone.now()
    save(agreement)
    record_event(actor=actor, action="agreement.expiry_warned", target=agreement,
                 after={"expires_at": agreement.expires_at})
    notify(agreement, "expiring")
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
