"""Legal's approval conditions are part of the signed terms (issue 13, G4, G6, G8).

Approving with conditions the accepted text lacks re-renders the text with them (the newest
template's clause 6a) and sends it back to the researcher; the agreement is not in force until the
researcher accepts that exact text and every steward countersigns it. Tampering with the
conditions or the text afterwards takes the agreement out of force."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import Role
from agreements import services
from agreements.models import Agreement, sha256_text
from agreements.selectors import agreement_in_force, agreement_problems, my_requests_summary
from agreements.terms import CONDITIONS_HEADING, conditions_clause
from audit.models import AuditEvent
from config.exceptions import ApplicationError
from tests.agreements.factories import make_approved_version

pytestmark = pytest.mark.django_db

EXPIRES = timezone.localdate() + dt.timedelta(days=90)
CONDITIONS = "No re-identification attempts.\n  Publish the model with its attribution manifest.  \n"


def _events(agreement) -> list[str]:
    return list(AuditEvent.objects.filter(target_type="agreements.agreement", target_id=str(agreement.pk))
                .order_by("seq").values_list("action", flat=True))


def _refused(status, fn, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert exc.value.status == status, exc.value.message
    return exc.value


@pytest.fixture
def amended(submitted, legal, contributor, django_capture_on_commit_callbacks):
    """The steward countersigned the original text; legal then approved with two conditions."""
    services.agreement_countersign(agreement=submitted, actor=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_approve(agreement=submitted, expires_at=EXPIRES, conditions=CONDITIONS, actor=legal)
    return Agreement.objects.get(pk=submitted.pk)


def test_conditions_send_the_amended_text_back_and_keep_it_out_of_force(submitted, amended, researcher, contributor):
    original_sha, original_text = submitted.terms_sha256, submitted.terms_text
    assert amended.state == Agreement.State.CONDITIONS_PENDING
    # Stored one a line, and the text names them word for word in clause 6a of the newest template.
    assert amended.conditions == "No re-identification attempts.\nPublish the model with its attribution manifest."
    assert conditions_clause(amended.conditions) in amended.terms_text
    assert "   - Publish the model with its attribution manifest." in amended.terms_text
    assert CONDITIONS_HEADING not in original_text and amended.terms_template.version == 2
    assert amended.terms_sha256 == sha256_text(amended.terms_text) != original_sha
    # The acceptance on record is still of the old text: legal's approval alone is not enough (G4).
    assert amended.accepted_sha256 == original_sha and amended.signed_versions == submitted.signed_versions
    assert amended.approved_by is not None and amended.expires_at is not None
    assert not agreement_in_force(amended)
    problems = agreement_problems(amended)
    assert f"agreement #{amended.pk}: legal approved it with conditions the researcher has not yet accepted" in problems
    assert f"agreement #{amended.pk} lacks the researcher's acceptance of its terms" in problems
    assert f"agreement #{amended.pk} lacks the countersignature of {contributor.organization.name}" in problems

    # One audit event for the transition, naming both texts and the conditions (G8).
    assert _events(amended)[-1] == "agreement.approved_with_conditions"
    event = AuditEvent.objects.filter(action="agreement.approved_with_conditions").get()
    assert event.before["terms_sha256"] == original_sha and event.after["terms_sha256"] == amended.terms_sha256
    assert event.metadata["conditions"] == amended.conditions
    # The researcher (only) hears about it, by e-mail and in the inbox, with the conditions in words.
    message = mail.outbox[-1]
    assert message.to == [researcher.email] and "please re-accept" in message.subject
    assert "No re-identification attempts." in message.body and "not in force until you do" in message.body
    assert Notification.objects.filter(user=researcher, kind="agreement.conditions_added").count() == 1
    assert not Notification.objects.filter(user=contributor, kind="agreement.conditions_added").exists()


def test_researcher_re_accepts_then_the_steward_countersigns_again(amended, researcher, contributor, legal,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.agreement_accept_terms(agreement=amended, terms_sha256=amended.terms_sha256,
                                                   ip="10.0.0.9", actor=researcher)
    assert accepted.state == Agreement.State.APPROVED
    assert accepted.accepted_sha256 == amended.terms_sha256 and str(accepted.accepted_ip) == "10.0.0.9"
    assert accepted.accepted_by == researcher and accepted.accepted_at > amended.accepted_at
    # The steward signed the text before the conditions: that signature does not cover the amendment.
    assert agreement_problems(accepted) == [
        f"agreement #{accepted.pk} lacks the countersignature of {contributor.organization.name}"]
    assert set(mail.outbox[-1].to) == {contributor.email, legal.email}
    assert "countersign" in mail.outbox[-1].subject
    services.agreement_countersign(agreement=accepted, actor=contributor)
    assert agreement_in_force(Agreement.objects.get(pk=accepted.pk))
    assert _events(accepted)[-3:] == ["agreement.approved_with_conditions", "agreement.amended_terms_accepted",
                                      "agreement.countersigned"]


def test_approval_without_conditions_needs_no_new_acceptance(submitted, legal, contributor):
    approved = services.agreement_approve(agreement=submitted, expires_at=EXPIRES, conditions="  \n ", actor=legal)
    assert approved.state == Agreement.State.APPROVED and approved.conditions == ""
    assert approved.terms_sha256 == submitted.terms_sha256 == approved.accepted_sha256
    services.agreement_countersign(agreement=approved, actor=contributor)
    assert agreement_in_force(Agreement.objects.get(pk=approved.pk))


def test_accepting_the_outdated_text_is_refused(amended, researcher):
    """The researcher's page was opened before legal decided: the old digest is refused (409)."""
    before = _events(amended)
    err = _refused(409, services.agreement_accept_terms, agreement=amended,
                   terms_sha256=amended.accepted_sha256, ip=None, actor=researcher)
    assert "terms changed" in err.message and err.extra["terms_sha256"] == amended.terms_sha256
    stored = Agreement.objects.get(pk=amended.pk)
    assert stored.state == Agreement.State.CONDITIONS_PENDING and stored.accepted_sha256 != stored.terms_sha256
    assert _events(amended) == before


def test_nobody_else_accepts_the_amendment_and_stewards_wait_for_it(amended, legal, contributor):
    _refused(403, services.agreement_accept_terms, agreement=amended, terms_sha256=amended.terms_sha256, ip=None,
             actor=legal)
    _refused(409, services.agreement_countersign, agreement=amended, actor=contributor)
    assert Agreement.objects.get(pk=amended.pk).state == Agreement.State.CONDITIONS_PENDING


@pytest.mark.parametrize("tamper", [
    {"conditions": "No re-identification attempts.\nNo publication."},  # changed
    {"conditions": "No re-identification attempts."},                    # one dropped
    {"conditions": ""},                                                   # blanked
])
def test_conditions_edited_in_the_database_after_acceptance_are_not_in_force(amended, researcher, contributor,
                                                                              tamper):
    """G4: the conditions on record must be the ones the accepted text (its sha256) names."""
    services.agreement_accept_terms(agreement=amended, terms_sha256=amended.terms_sha256, ip=None, actor=researcher)
    services.agreement_countersign(agreement=amended, actor=contributor)
    assert agreement_in_force(Agreement.objects.get(pk=amended.pk))
    Agreement.objects.filter(pk=amended.pk).update(**tamper)
    tampered = Agreement.objects.get(pk=amended.pk)
    assert not agreement_in_force(tampered)
    assert f"agreement #{amended.pk}: its conditions are not part of the terms the researcher accepted" \
        in agreement_problems(tampered)


def test_text_rewritten_in_the_database_to_match_new_conditions_is_not_in_force(amended, researcher, contributor):
    """Editing the conditions AND the clause in the text: the text no longer hashes to what was accepted."""
    services.agreement_accept_terms(agreement=amended, terms_sha256=amended.terms_sha256, ip=None, actor=researcher)
    services.agreement_countersign(agreement=amended, actor=contributor)
    new = "No re-identification attempts."
    text = amended.terms_text.replace(conditions_clause(amended.conditions), conditions_clause(new))
    Agreement.objects.filter(pk=amended.pk).update(conditions=new, terms_text=text)
    tampered = Agreement.objects.get(pk=amended.pk)
    assert not agreement_in_force(tampered)
    assert f"agreement #{amended.pk}: its stored terms text is not the text the researcher accepted" \
        in agreement_problems(tampered)


def test_a_legal_reviewer_cannot_approve_conditions_on_their_own_request(make_user, university, version, end_date,
                                                                        researcher):
    """G6: the dual-role person who made the request cannot amend it by approving with conditions."""
    dual = make_user(Role.RESEARCHER, Role.LEGAL, organization=university, username="dual-conditions")
    mine = services.access_request_create(
        dataset_versions=[version], project_title="Mine", purpose="Route tickets.", intended_uses=["model_training"],
        requested_end_date=end_date, actor=dual)
    services.agreement_accept_terms(agreement=mine, terms_sha256=mine.terms_sha256, ip=None, actor=dual)
    services.agreement_submit(agreement=mine, actor=dual)
    err = _refused(403, services.agreement_approve, agreement=mine, expires_at=EXPIRES,
                   conditions="I may publish everything.", actor=dual)
    assert "separation of duties" in err.message
    stored = Agreement.objects.get(pk=mine.pk)
    assert stored.state == "submitted" and stored.conditions == "" and stored.terms_sha256 == mine.terms_sha256
    assert "agreement.approved_with_conditions" not in _events(mine)


def test_an_amendment_never_slips_in_a_version_the_researcher_did_not_sign_for(submitted, legal, contributor):
    """A version attached to the request in the database after acceptance: approving with conditions
    would make the researcher sign for it unasked, so it is refused (return the request instead)."""
    extra = make_approved_version(organization=contributor.organization, steward=contributor, title="Extra")
    submitted.access_request.dataset_versions.add(extra)
    err = _refused(409, services.agreement_approve, agreement=submitted, expires_at=EXPIRES,
                   conditions="No re-identification.", actor=legal)
    assert "datasets changed" in err.message
    assert Agreement.objects.get(pk=submitted.pk).state == "submitted"


def test_declining_the_conditions_withdraws_and_tells_legal(amended, researcher, legal,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_withdraw(agreement=amended, reason="Cannot publish the manifest.", actor=researcher)
    assert Agreement.objects.get(pk=amended.pk).state == "withdrawn"
    assert mail.outbox[-1].to == [legal.email] and "withdrawn" in mail.outbox[-1].subject


def test_legal_can_revoke_an_amendment_nobody_accepted(amended, legal):
    revoked = services.agreement_revoke(agreement=amended, reason="Researcher unreachable.", actor=legal)
    assert revoked.state == "revoked"


def test_the_expiry_job_ends_an_amendment_left_unaccepted(amended):
    Agreement.objects.filter(pk=amended.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.agreements_expire_due()["expired"] == 1
    assert Agreement.objects.get(pk=amended.pk).state == "expired"


def test_the_api_refuses_the_old_text_and_takes_the_amended_one(api_client_for, amended, researcher):
    client = api_client_for(researcher)
    resp = client.post(f"/api/agreements/{amended.pk}/accept/", {"terms_sha256": amended.accepted_sha256},
                       format="json")
    assert resp.status_code == 409 and resp.json()["code"] == "conflict"
    body = client.get(f"/api/agreements/{amended.pk}/").json()
    assert body["state"] == "conditions_pending" and body["in_force"] is False
    assert body["conditions"] in body["terms_text"].replace("\n   - ", "\n")  # both lines, clause 6a
    resp = client.post(f"/api/agreements/{amended.pk}/accept/", {"terms_sha256": body["terms_sha256"]},
                       format="json")
    assert resp.status_code == 200 and resp.json()["state"] == "approved"


def test_pages_say_what_happens_in_words(client, amended, researcher, legal, contributor):
    client.force_login(researcher)
    page = client.get(f"/agreements/{amended.pk}/").content.decode()
    assert "Legal approved your request on conditions. Please accept the amended terms." in page
    assert "Accept the amended terms" in page and "Publish the model with its attribution manifest." in page
    [row] = my_requests_summary(researcher)["agreements"]
    assert row.display_label == "Conditions added: please accept the amended terms"
    assert "Conditions added: please accept the amended terms" in client.get("/dashboard/").content.decode()

    client.force_login(legal)
    page = client.get(f"/agreements/{amended.pk}/").content.decode()
    assert "waiting for the researcher to accept the amended terms" in page
    assert "Accept the amended terms" not in page and 'id="revoke-form"' in page
    queue = client.get("/agreements/review/").content.decode()
    assert "1 approved with conditions is waiting for the researcher to accept the amended terms" in queue
    listed = client.get("/agreements/review/?state=conditions_pending").content.decode()
    assert "Approved with conditions, awaiting the researcher&#x27;s acceptance" in listed

    client.force_login(contributor)
    page = client.get(f"/agreements/{amended.pk}/").content.decode()
    assert "Countersign for" not in page  # not before the researcher accepted the amended text


def test_re_acceptance_through_the_page(client, amended, researcher):
    client.force_login(researcher)
    resp = client.post(f"/agreements/{amended.pk}/accept/", {"terms_sha256": amended.terms_sha256}, follow=True)
    assert "Amended terms accepted." in resp.content.decode()
    assert Agreement.objects.get(pk=amended.pk).state == "approved"


# --- agreements approved before conditions were part of the text -------------------------------
@pytest.fixture
def legacy(researcher, legal, version):
    """Approved and countersigned with conditions its accepted text never named (before terms v2)."""
    from tests.agreements.factories import make_agreement

    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                               countersigned=True, legal=legal)
    Agreement.objects.filter(pk=agreement.pk).update(conditions="Cite the providers.")
    return Agreement.objects.get(pk=agreement.pk)


def test_legacy_conditions_are_not_in_force_and_the_command_sends_them_for_acceptance(
        legacy, researcher, contributor, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    assert not agreement_in_force(legacy)
    out = StringIO()
    call_command("send_conditions_for_acceptance", "--dry-run", stdout=out)
    assert f"agreement #{legacy.pk}: its conditions are not in the accepted text" in out.getvalue()
    assert Agreement.objects.get(pk=legacy.pk).state == "approved"

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_conditions_for_acceptance", stdout=StringIO())
    sent = Agreement.objects.get(pk=legacy.pk)
    assert sent.state == "conditions_pending" and "   - Cite the providers." in sent.terms_text
    assert _events(sent)[-1] == "agreement.conditions_sent_for_acceptance"
    assert mail.outbox[-1].to == [researcher.email]
    services.agreement_accept_terms(agreement=sent, terms_sha256=sent.terms_sha256, ip=None, actor=researcher)
    services.agreement_countersign(agreement=sent, actor=contributor)
    assert agreement_in_force(Agreement.objects.get(pk=legacy.pk))
    # Nothing left to send: a second run changes nothing.
    out = StringIO()
    call_command("send_conditions_for_acceptance", stdout=out)
    assert "0 agreement(s) handled, 0 refused." in out.getvalue()


def test_the_command_refuses_an_amendment_that_would_name_other_versions(legacy, contributor):
    from django.core.management import CommandError, call_command

    legacy.access_request.dataset_versions.add(
        make_approved_version(organization=contributor.organization, steward=contributor, title="Slipped in"))
    with pytest.raises(CommandError):
        call_command("send_conditions_for_acceptance")
    assert Agreement.objects.get(pk=legacy.pk).state == "approved"


def test_the_stewards_panel_says_the_text_changed_since_they_signed(client, amended, researcher, contributor):
    services.agreement_accept_terms(agreement=amended, terms_sha256=amended.terms_sha256, ip=None, actor=researcher)
    client.force_login(contributor)
    assert "amended since you signed: sign the new text" in client.get("/dashboard/").content.decode()
    services.agreement_countersign(agreement=amended, actor=contributor)
    assert "Nothing awaits your countersignature." in client.get("/dashboard/").content.decode()
