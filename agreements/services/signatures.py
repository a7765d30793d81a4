"""The stewards' countersignatures, each on one exact text."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from agreements import rules as agreement_rules
from agreements.models import Agreement, Countersignature
from agreements.selectors import agreement_problems
from agreements.services.common import clean_ip, lock
from audit.services import record_event
from config.exceptions import conflict, forbidden


@transaction.atomic
def agreement_countersign(*, agreement: Agreement, actor, ip: str | None = None) -> Countersignature:
    """A steward signs for their organisation's datasets, on the text the researcher accepted."""
    agreement = lock(agreement)
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
              "ip": clean_ip(ip)}
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
