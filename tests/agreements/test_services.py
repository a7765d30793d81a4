"""The agreement workflow through its services: permissions, states, terms, audit, emails."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from agreements import services
from agreements.models import Agreement, sha256_text
from agreements.selectors import agreement_in_force, agreement_problems
from audit.models import AuditEvent
from config.exceptions import ApplicationError
from tests.agreements.factories import make_approved_version

pytestmark = pytest.mark.django_db


def _refused(status, fn, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert exc.value.status == status, exc.value.message
    return exc.value


def test_full_workflow_reaches_in_force_with_audit_and_terms(draft, researcher, legal, contributor, version,
                                                             django_capture_on_commit_callbacks):
    assert draft.state == "draft"
    assert "Ticket router" in draft.terms_text and version.scrubbed_sha256 in draft.terms_text
    assert draft.terms_sha256 == sha256_text(draft.terms_text)
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip="10.0.0.7",
                                        actor=researcher)
        agreement = services.agreement_submit(agreement=draft, actor=researcher)
    assert agreement.state == "submitted"
    assert agreement.accepted_by == researcher and str(agreement.accepted_ip) == "10.0.0.7"
    assert mail.outbox[-1].to == [legal.email] and "waiting for legal review" in mail.outbox[-1].subject

    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_start_review(agreement=agreement, actor=legal)
        # Without conditions, approval needs no new acceptance (tests/agreements/test_conditions.py: with).
        agreement = services.agreement_approve(agreement=agreement,
                                               expires_at=timezone.localdate() + dt.timedelta(days=90), actor=legal)
    assert agreement.state == "approved"
    assert set(mail.outbox[-1].to) == {researcher.email, contributor.email}
    # Approved, but the steward has not countersigned: not in force yet.
    assert not agreement_in_force(agreement)
    assert agreement_problems(agreement) == [
        f"agreement #{agreement.pk} lacks the countersignature of {contributor.organization.name}"]
    services.agreement_countersign(agreement=agreement, actor=contributor)
    assert agreement_in_force(agreement)

    actions = list(AuditEvent.objects.filter(target_id=str(agreement.pk), target_type="agreements.agreement")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["agreement.requested", "agreement.terms_accepted", "agreement.submitted",
                       "agreement.review_started", "agreement.approved", "agreement.countersigned"]


def test_accepting_a_stale_text_is_refused(draft, researcher):
    err = _refused(409, services.agreement_accept_terms, agreement=draft, terms_sha256="a" * 64, ip=None,
                   actor=researcher)
    assert "terms changed" in err.message
    draft.refresh_from_db()
    assert draft.accepted_at is None


def test_submit_requires_acceptance(draft, researcher):
    err = _refused(409, services.agreement_submit, agreement=draft, actor=researcher)
    assert "Accept the agreement terms" in err.message
    assert Agreement.objects.get(pk=draft.pk).state == "draft"


def test_researcher_cannot_approve_or_act_for_legal(submitted, researcher):
    expires = timezone.localdate() + dt.timedelta(days=30)
    _refused(403, services.agreement_approve, agreement=submitted, expires_at=expires, actor=researcher)
    _refused(403, services.agreement_return, agreement=submitted, comment="x", actor=researcher)
    _refused(403, services.agreement_reject, agreement=submitted, reason="x", actor=researcher)
    assert Agreement.objects.get(pk=submitted.pk).state == "submitted"


def test_legal_cannot_accept_or_submit_or_countersign_for_others(draft, legal, researcher):
    _refused(403, services.agreement_accept_terms, agreement=draft, terms_sha256=draft.terms_sha256, ip=None,
             actor=legal)
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip=None, actor=researcher)
    _refused(403, services.agreement_submit, agreement=draft, actor=legal)
    services.agreement_submit(agreement=draft, actor=researcher)
    _refused(403, services.agreement_countersign, agreement=draft, actor=legal)


def test_another_researcher_cannot_accept_or_edit(draft, make_user, university, version, end_date):
    other = make_user(Role.RESEARCHER, organization=university)
    _refused(403, services.agreement_accept_terms, agreement=draft, terms_sha256=draft.terms_sha256, ip=None,
             actor=other)
    _refused(403, services.access_request_update, agreement=draft, dataset_versions=[version], project_title="x",
             purpose="y", intended_uses=["model_training"], requested_end_date=end_date, actor=other)


def test_only_a_steward_of_the_datasets_organisation_countersigns(submitted, make_user, company, university):
    outsider = make_user(Role.CONTRIBUTOR, organization=university)
    _refused(403, services.agreement_countersign, agreement=submitted, actor=outsider)
    same_org_not_steward_role = make_user(Role.RESEARCHER, organization=company)
    _refused(403, services.agreement_countersign, agreement=submitted, actor=same_org_not_steward_role)


def test_countersigning_twice_is_a_conflict(submitted, contributor):
    services.agreement_countersign(agreement=submitted, actor=contributor)
    err = _refused(409, services.agreement_countersign, agreement=submitted, actor=contributor)
    assert "already countersigned" in err.message


def test_only_researchers_request_and_only_approved_versions(legal, researcher, contributor, end_date):
    version = make_approved_version(organization=contributor.organization, steward=contributor)
    _refused(403, services.access_request_create, dataset_versions=[version], project_title="p", purpose="q",
             intended_uses=["model_training"], requested_end_date=end_date, actor=legal)
    from datasets_app.models import DatasetVersion

    pending = DatasetVersion.objects.create(dataset=version.dataset, number=9, status="scrubbed",
                                            created_by=contributor)
    err = _refused(400, services.access_request_create, dataset_versions=[pending], project_title="p", purpose="q",
                   intended_uses=["model_training"], requested_end_date=end_date, actor=researcher)
    assert "not an approved version" in err.message
    err = _refused(400, services.access_request_create, dataset_versions=[version], project_title=" ", purpose="",
                   intended_uses=["teleportation"], requested_end_date=timezone.localdate(), actor=researcher)
    assert len(err.reasons) == 4
    assert Agreement.objects.count() == 0


def test_denied_uses_cannot_be_submitted(researcher, contributor, end_date):
    nmds = make_approved_version(organization=contributor.organization, steward=contributor, use_terms=["NMDS"],
                                 title="Forum")
    agreement = services.access_request_create(dataset_versions=[nmds], project_title="p", purpose="q",
                                               intended_uses=["model_training"], requested_end_date=end_date,
                                               actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=researcher)
    err = _refused(400, services.agreement_submit, agreement=agreement, actor=researcher)
    assert err.reasons == ["Forum: terms NMDS forbid methods and model development, so model training is not allowed"]


def test_return_edit_and_resubmit_needs_a_new_acceptance(submitted, researcher, legal, version, end_date,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agreement = services.agreement_return(agreement=submitted, comment="Narrow the purpose.", actor=legal)
    assert agreement.state == "changes_requested"
    assert mail.outbox[-1].to == [researcher.email] and "Narrow the purpose." in mail.outbox[-1].body
    old_sha = agreement.terms_sha256
    agreement = services.access_request_update(
        agreement=agreement, dataset_versions=[version], project_title="Ticket router (narrowed)",
        purpose="Route billing tickets only.", intended_uses=["model_training"], requested_end_date=end_date,
        actor=researcher)
    assert agreement.terms_sha256 != old_sha and not agreement.researcher_accepted
    _refused(409, services.agreement_submit, agreement=agreement, actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=researcher)
    assert services.agreement_submit(agreement=agreement, actor=researcher).state == "submitted"


def test_wrong_state_transitions_are_conflicts(draft, submitted, legal, researcher):
    expires = timezone.localdate() + dt.timedelta(days=30)
    agreement = services.agreement_reject(agreement=submitted, reason="Out of scope", actor=legal)
    err = _refused(409, services.agreement_approve, agreement=agreement, expires_at=expires, actor=legal)
    assert "is rejected; it cannot be approved" in err.message
    _refused(409, services.agreement_revoke, agreement=agreement, reason="x", actor=legal)
    _refused(400, services.agreement_return, agreement=agreement, comment="  ", actor=legal)


def test_approve_needs_a_future_expiry(submitted, legal):
    _refused(400, services.agreement_approve, agreement=submitted, expires_at=timezone.localdate() - dt.timedelta(days=1),
             actor=legal)
    assert Agreement.objects.get(pk=submitted.pk).state == "submitted"


def test_stale_object_approval_is_a_conflict_and_applied_once(submitted, legal, make_user, company):
    other_legal = make_user(Role.LEGAL, organization=company)
    stale = Agreement.objects.get(pk=submitted.pk)
    expires = timezone.localdate() + dt.timedelta(days=30)
    services.agreement_approve(agreement=submitted, expires_at=expires, actor=legal)
    err = _refused(409, services.agreement_approve, agreement=stale, expires_at=expires, actor=other_legal)
    assert "is approved; it cannot be approved" in err.message
    assert AuditEvent.objects.filter(action="agreement.approved", target_id=str(submitted.pk)).count() == 1
    assert Agreement.objects.get(pk=submitted.pk).approved_by == legal


def test_revoke_sends_signal_in_transaction_and_emails(in_force, legal, researcher, contributor,
                                                       django_capture_on_commit_callbacks):
    from agreements.signals import agreement_ended

    received = []

    def receiver(sender, agreement, reason, actor, **kwargs):
        from django.db import connection

        received.append((agreement.pk, reason, actor, connection.in_atomic_block, agreement.state))

    agreement_ended.connect(receiver)
    try:
        assert agreement_in_force(in_force)
        with django_capture_on_commit_callbacks(execute=True):
            services.agreement_revoke(agreement=in_force, reason="Data subject objection", actor=legal)
    finally:
        agreement_ended.disconnect(receiver)
    assert received == [(in_force.pk, "revoked", legal, True, "revoked")]
    in_force.refresh_from_db()
    assert not agreement_in_force(in_force)
    assert f"agreement #{in_force.pk} was revoked: Data subject objection" in agreement_problems(in_force)
    assert set(mail.outbox[-1].to) == {researcher.email, contributor.email}
    assert "Data subject objection" in mail.outbox[-1].body


def test_a_failing_receiver_rolls_the_revocation_back(in_force, legal):
    from agreements.signals import agreement_ended

    def broken(sender, **kwargs):
        raise RuntimeError("could not stop runs")

    agreement_ended.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.agreement_revoke(agreement=in_force, reason="x", actor=legal)
    finally:
        agreement_ended.disconnect(broken)
    assert Agreement.objects.get(pk=in_force.pk).state == "approved"
    assert not AuditEvent.objects.filter(action="agreement.revoked").exists()


def test_steward_manages_the_contributor_ledger(version, contributor, researcher, make_user, company):
    entry = services.dataset_contributor_add(dataset=version.dataset, name="Dr. Mia Chen", kind="person",
                                             role="creator", actor=contributor)
    _refused(409, services.dataset_contributor_add, dataset=version.dataset, name="Dr. Mia Chen", kind="person",
             role="creator", actor=contributor)
    _refused(403, services.dataset_contributor_add, dataset=version.dataset, name="X", kind="person",
             role="creator", actor=researcher)
    colleague = make_user(Role.CONTRIBUTOR, organization=company)
    _refused(403, services.dataset_contributor_remove, contributor=entry, actor=colleague)
    _refused(400, services.dataset_contributor_add, dataset=version.dataset, name="Y", kind="robot",
             role="creator", actor=contributor)
    services.dataset_contributor_remove(contributor=entry, actor=contributor)
    assert not version.dataset.contributors.exists()
