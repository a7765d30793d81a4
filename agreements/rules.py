"""Who may do what with access requests and agreements: shared by services, the API and templates."""
from __future__ import annotations

import rules

from accounts.rules import is_admin, is_auditor, is_contributor, is_legal, is_researcher


@rules.predicate
def is_requester(user, agreement) -> bool:
    return bool(agreement is not None and user and user.is_authenticated
                and agreement.access_request.researcher_id == user.pk)


@rules.predicate
def is_signatory_steward(user, agreement) -> bool:
    """A contributor (data steward) of an organisation whose dataset the agreement covers."""
    if agreement is None or not (user and user.is_authenticated and user.organization_id):
        return False
    return agreement.required_signatory_organizations().filter(pk=user.organization_id).exists()


can_request_access = is_researcher
can_edit_request = is_researcher & is_requester
can_accept_terms = is_researcher & is_requester
can_withdraw_request = is_researcher & is_requester  # only their own; the state is the model's guard
can_review = is_legal  # works the review queue
# G6 separation of duties: nobody decides on (takes into review, approves, returns, rejects,
# revokes) or countersigns an agreement whose request they made; a steward countersigns only for
# their own organisation (is_signatory_steward). Services and views both ask these.
can_decide = is_legal & ~is_requester
can_countersign = is_contributor & is_signatory_steward & ~is_requester
can_view_agreement = is_requester | (is_contributor & is_signatory_steward) | is_legal | is_admin | is_auditor
can_browse_catalogue = is_researcher | is_legal | is_admin
can_manage_contributors = is_contributor  # further checked: steward of that dataset (see services)

rules.add_perm("agreements.request_access", can_request_access)
rules.add_perm("agreements.edit_request", can_edit_request)
rules.add_perm("agreements.accept_terms", can_accept_terms)
rules.add_perm("agreements.withdraw_request", can_withdraw_request)
rules.add_perm("agreements.review", can_review)
rules.add_perm("agreements.decide", can_decide)
rules.add_perm("agreements.countersign", can_countersign)
rules.add_perm("agreements.view_agreement", can_view_agreement)
rules.add_perm("agreements.browse_catalogue", can_browse_catalogue)
