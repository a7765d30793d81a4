"""G6 (issue 8, hole 4): nobody takes into review, approves, returns, rejects or revokes an agreement
whose request they made, nor countersigns one; a steward countersigns only for their own
organisation. One rule (agreements.rules.can_decide / can_countersign), asked by the services, so
the API and the pages refuse alike."""
import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from agreements import rules as agreement_rules
from agreements import services
from agreements.models import Agreement
from config.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

EXPIRES = timezone.localdate() + dt.timedelta(days=60)


@pytest.fixture
def dual(make_user, university):
    """Someone who is both a researcher and a legal reviewer."""
    return make_user(Role.RESEARCHER, Role.LEGAL, organization=university, username="dual")


@pytest.fixture
def own_request(dual, version, end_date):
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="Mine", purpose="Route tickets.", intended_uses=["model_training"],
        requested_end_date=end_date, actor=dual)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=dual)
    return services.agreement_submit(agreement=agreement, actor=dual)


def _refused(call, **kwargs):
    with pytest.raises(ApplicationError) as refused:
        call(**kwargs)
    assert refused.value.status == 403
    assert "separation of duties" in refused.value.message
    return refused.value


@pytest.mark.parametrize("call, kwargs", [
    (services.agreement_start_review, {}),
    (services.agreement_approve, {"expires_at": EXPIRES}),
    (services.agreement_return, {"comment": "Fine by me"}),
    (services.agreement_reject, {"reason": "No"}),
])
def test_a_legal_reviewer_cannot_decide_on_their_own_request(call, kwargs, own_request, dual):
    _refused(call, agreement=own_request, actor=dual, **kwargs)
    assert Agreement.objects.get(pk=own_request.pk).state == "submitted"


def test_nor_revoke_it_once_another_reviewer_approved_it(own_request, dual, legal, contributor):
    services.agreement_approve(agreement=own_request, expires_at=EXPIRES, actor=legal)  # another person may
    _refused(services.agreement_revoke, agreement=own_request, reason="I changed my mind", actor=dual)
    assert Agreement.objects.get(pk=own_request.pk).state == "approved"


def test_over_the_api_too(own_request, dual, api_client_for):
    client = api_client_for(dual)
    for action, body in (("review", {}), ("approve", {"expires_at": EXPIRES.isoformat()}),
                         ("return", {"comment": "ok"}), ("reject", {"reason": "no"})):
        response = client.post(f"/api/agreements/{own_request.pk}/{action}/", body, format="json")
        assert response.status_code == 403, action
        assert "separation of duties" in response.json()["message"]
    assert Agreement.objects.get(pk=own_request.pk).state == "submitted"


def test_the_page_offers_no_decision_and_a_forged_post_is_refused(own_request, dual, client):
    client.force_login(dual)
    page = client.get(f"/agreements/{own_request.pk}/").content.decode()
    assert "Legal decision" not in page
    response = client.post(f"/agreements/{own_request.pk}/approve/", {"expires_at": EXPIRES.isoformat()}, follow=True)
    assert "separation of duties" in response.content.decode()
    assert Agreement.objects.get(pk=own_request.pk).state == "submitted"


def test_a_steward_who_made_the_request_cannot_countersign_it(make_user, contributor, version, end_date):
    steward_researcher = make_user(Role.CONTRIBUTOR, Role.RESEARCHER, organization=contributor.organization)
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="Inside job", purpose="p", intended_uses=["model_training"],
        requested_end_date=end_date, actor=steward_researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None,
                                    actor=steward_researcher)
    services.agreement_submit(agreement=agreement, actor=steward_researcher)
    with pytest.raises(ApplicationError) as refused:
        services.agreement_countersign(agreement=agreement, actor=steward_researcher)
    assert refused.value.status == 403 and "separation of duties" in refused.value.message
    assert not agreement.countersignatures.exists()
    services.agreement_countersign(agreement=agreement, actor=contributor)  # the organisation's other steward may


def test_a_steward_of_another_organisation_cannot_countersign(submitted, make_user, university):
    outsider = make_user(Role.CONTRIBUTOR, organization=university)
    with pytest.raises(ApplicationError) as refused:
        services.agreement_countersign(agreement=submitted, actor=outsider)
    assert refused.value.status == 403 and not submitted.countersignatures.exists()


def test_the_rule_is_one_predicate(own_request, dual, legal):
    assert not agreement_rules.can_decide(dual, own_request)
    assert agreement_rules.can_decide(legal, own_request)
    assert dual.has_perm("agreements.review") and not dual.has_perm("agreements.decide", own_request)
