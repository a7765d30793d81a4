"""Withdrawing a request (issue 13): the researcher who made it, before review starts; one audit event
in the same transaction (G8); legal hears about a submitted request leaving the queue."""
import pytest
from django.core import mail

from agreements import services
from agreements.models import Agreement
from agreements.selectors import agreement_in_force
from audit.models import AuditEvent
from config.exceptions import ApplicationError


def _refused(status, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        services.agreement_withdraw(**kwargs)
    assert exc.value.status == status, exc.value.message
    return exc.value


def test_researcher_withdraws_a_draft_with_one_audit_event(draft, researcher):
    services.agreement_withdraw(agreement=draft, reason="Project cancelled", actor=researcher)
    draft.refresh_from_db()
    assert draft.state == Agreement.State.WITHDRAWN
    event = AuditEvent.objects.get(action="agreement.withdrawn")
    assert event.actor == researcher and event.target_id == str(draft.pk)
    assert event.before == {"state": "draft"} and event.after["state"] == "withdrawn"
    assert event.metadata == {"reason": "Project cancelled"}


def test_withdrawing_a_submitted_request_leaves_the_queue_and_tells_legal(submitted, researcher, legal,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_withdraw(agreement=submitted, actor=researcher)
    assert not Agreement.objects.filter(pk=submitted.pk, state__in=Agreement.PENDING_REVIEW).exists()
    assert any("withdrawn" in m.subject and legal.email in m.to for m in mail.outbox)


def test_nobody_else_withdraws_it(draft, legal, contributor, make_user, university):
    from accounts.roles import Role

    other = make_user(Role.RESEARCHER, organization=university)
    for actor in (legal, contributor, other):
        _refused(403, agreement=draft, actor=actor)
    draft.refresh_from_db()
    assert draft.state == Agreement.State.DRAFT
    assert not AuditEvent.objects.filter(action="agreement.withdrawn").exists()


def test_no_withdrawal_once_legal_took_it_into_review_or_decided(submitted, in_force, researcher, legal):
    assert in_force.state == Agreement.State.APPROVED
    _refused(409, agreement=in_force, actor=researcher)
    assert agreement_in_force(in_force)


def test_no_withdrawal_in_review_or_twice(submitted, researcher, legal):
    services.agreement_start_review(agreement=submitted, actor=legal)
    _refused(409, agreement=submitted, actor=researcher)


def test_a_withdrawn_request_cannot_be_accepted_or_submitted_again(draft, researcher):
    services.agreement_withdraw(agreement=draft, actor=researcher)
    _refused(409, agreement=draft, actor=researcher)
    with pytest.raises(ApplicationError):
        services.agreement_submit(agreement=draft, actor=researcher)
    assert AuditEvent.objects.filter(action="agreement.withdrawn").count() == 1


def test_withdraw_through_the_page(client, draft, researcher, legal):
    client.force_login(legal)
    assert client.post(f"/agreements/{draft.pk}/withdraw/").status_code == 302
    draft.refresh_from_db()
    assert draft.state == Agreement.State.DRAFT  # refused: legal is not the requester

    client.force_login(researcher)
    page = client.get(f"/agreements/{draft.pk}/").content.decode()
    assert 'id="withdraw-form"' in page and "data-confirm=" in page
    client.post(f"/agreements/{draft.pk}/withdraw/")
    draft.refresh_from_db()
    assert draft.state == Agreement.State.WITHDRAWN
    assert 'id="withdraw-form"' not in client.get(f"/agreements/{draft.pk}/").content.decode()


def test_a_missing_reason_is_said_in_words(client, submitted, legal):
    client.force_login(legal)
    response = client.post(f"/agreements/{submitted.pk}/reject/", {"reason": ""}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Give a reason" in text and "This field is required" not in text and "reason:" not in text
