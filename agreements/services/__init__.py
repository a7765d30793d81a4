"""Every write to access requests, agreements and the attribution ledger, by concern:

- `researcher`: request, edit, accept the terms (or the amended terms with legal's conditions),
  submit, withdraw;
- `review`: legal takes into review, approves (conditions send the amended text back to the
  researcher), returns, rejects, revokes;
- `signatures`: the stewards' countersignatures;
- `expiry`: expiry and its warning (the periodic job);
- `ledger`: the IP attribution ledger's contributors;
- `common`: what they share (row lock, guarded transitions, snapshots, e-mails on commit).

Each service: keyword-only, one transaction, permission checked here (rules predicates), the
agreement row locked (SELECT … FOR UPDATE) before a guarded FSM transition, one audit event in
the same transaction, emails enqueued on commit. Refusals are ApplicationError: 403 when the
actor may not, 409 when the state does not allow it (or it changed under them), 400 for bad input.
Callers import from `agreements.services`; the names below are its public face.
"""
from agreements.services.expiry import (
    EXPIRY_WARNING_DAYS, agreement_expire, agreement_warn_expiry, agreements_expire_due,
)
from agreements.services.ledger import dataset_contributor_add, dataset_contributor_remove
from agreements.services.researcher import (
    access_request_create, access_request_update, agreement_accept_terms, agreement_submit, agreement_withdraw,
)
from agreements.services.review import (
    agreement_approve, agreement_reject, agreement_return, agreement_revoke, agreement_send_conditions_for_acceptance,
    agreement_start_review,
)
from agreements.services.signatures import agreement_countersign

__all__ = [
    "EXPIRY_WARNING_DAYS", "access_request_create", "access_request_update", "agreement_accept_terms",
    "agreement_approve", "agreement_countersign", "agreement_expire", "agreement_reject", "agreement_return",
    "agreement_revoke", "agreement_send_conditions_for_acceptance", "agreement_start_review", "agreement_submit",
    "agreement_warn_expiry", "agreement_withdraw", "agreements_expire_due", "dataset_contributor_add",
    "dataset_contributor_remove",
]
