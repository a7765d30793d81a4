"""Who hears about what. Called from a Celery task after the change has committed."""
from __future__ import annotations


from accounts.roles import Role
from accounts.selectors import users_with_role
from agreements.models import Agreement


def _stewards(agreement: Agreement):
    from accounts.models import User

    orgs = agreement.required_signatory_organizations()
    return User.objects.filter(is_active=True, groups__name=Role.CONTRIBUTOR.value, organization__in=orgs).distinct()


def _legal():
    return users_with_role(role=Role.LEGAL)


def recipient_users_for(agreement: Agreement, event: str) -> list:
    researcher = [agreement.access_request.researcher]
    people = {
        "submitted": list(_legal()),
        "withdrawn": list(_legal()),
        "returned": researcher,
        "approved": researcher + list(_stewards(agreement)),
        "conditions_added": researcher,
        # The stewards sign the amended text again; the approving reviewer learns it is accepted.
        "amended_accepted": list(_stewards(agreement)) + ([agreement.approved_by] if agreement.approved_by else []),
        "rejected": researcher,
        "revoked": researcher + list(_stewards(agreement)),
        "expiring": researcher + list(_legal()),
        "expired": researcher + list(_stewards(agreement)) + list(_legal()),
    }[event]
    return list({u.pk: u for u in people}.values())


def recipients_for(agreement: Agreement, event: str) -> list[str]:
    return sorted({u.email for u in recipient_users_for(agreement, event) if u.email})


SUBJECTS = {
    "submitted": "New access request #{id} waiting for legal review",
    "withdrawn": "Access request #{id} was withdrawn by the researcher",
    "returned": "Access request #{id} was returned with comments",
    "approved": "Agreement #{id} was approved",
    "conditions_added": "Agreement #{id}: legal added conditions, please re-accept the terms",
    "amended_accepted": "Agreement #{id}: the researcher accepted the amended terms; countersign them",
    "rejected": "Access request #{id} was rejected",
    "revoked": "Agreement #{id} was revoked",
    "expiring": "Agreement #{id} expires on {expires}",
    "expired": "Agreement #{id} has expired",
}


def _body(agreement: Agreement, event: str) -> str:
    req = agreement.access_request
    lines = [f"Project: {req.project_title}", f"Researcher: {req.researcher}", f"State: {agreement.get_state_display()}"]
    if event == "returned":
        lines.append(f"Legal's comments: {agreement.review_comment}")
    if event == "rejected":
        lines.append(f"Reason: {agreement.rejection_reason}")
    if event == "revoked":
        lines.append(f"Reason: {agreement.revocation_reason}")
        lines.append("Training runs that depend on this agreement are stopped.")
    if event == "approved":
        lines.append(f"Expires: {agreement.expires_at:%Y-%m-%d}")
        if agreement.conditions:
            lines.append(f"Conditions: {agreement.conditions}")
        lines.append("It is in force once every data steward has countersigned.")
    if event == "conditions_added":
        lines.append("Legal approved your request on these conditions:")
        lines += [f"  - {line}" for line in agreement.conditions.splitlines()]
        lines.append("They are now part of the agreement text. Read the amended terms and accept them; "
                     "the agreement is not in force until you do (and the data stewards countersign).")
    if event == "amended_accepted":
        lines.append(f"Conditions: {agreement.conditions}")
        lines.append("The researcher accepted the amended terms. Each data steward countersigns the amended "
                     "text; the agreement is in force once every steward has.")
    if event in ("expiring", "expired") and agreement.expires_at:
        lines.append(f"End: {agreement.expires_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def send_agreement_email(*, agreement_id: int, event: str) -> int:
    """Inbox lines for everyone concerned and one e-mail (absolute link, SITE_URL) to those who want it."""
    from accounts.notifications import notify

    agreement = Agreement.objects.select_related("access_request__researcher").get(pk=agreement_id)
    expires = f"{agreement.expires_at:%Y-%m-%d}" if agreement.expires_at else ""
    return notify(users=recipient_users_for(agreement, event), kind=f"agreement.{event}",
                  title=SUBJECTS[event].format(id=agreement.pk, expires=expires),
                  url=f"/agreements/{agreement.pk}/", body=_body(agreement, event))
