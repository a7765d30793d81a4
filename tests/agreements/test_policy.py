"""Issue 8 hole 9 and issue 10 point 6: one use-term and licence policy (agreements.policy) that the
request check, coverage and THE training gate all ask, each fact reported once; proprietary licences
refuse commercial use; legal's expiry is capped by the TS term and the requested end date."""
import datetime as dt

import pytest
from django.utils import timezone

from agreements import policy, services
from agreements.selectors import coverage_for
from agreements.use_checks import check_intended_uses
from config.exceptions import ApplicationError
from tests.agreements.factories import make_agreement, make_approved_version
from training.gate import check_training_gate
from training.models import BaseModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(db):
    return BaseModel.objects.create(name="registry-only", source="path", local_path="/nowhere", license="MIT")


def _covered(researcher, legal, uses=("model_training",), **dataset):
    version = make_approved_version(title="Forum posts", **dataset)
    make_agreement(researcher=researcher, legal=legal, versions=[version], uses=uses, state="approved",
                   accepted=True, countersigned=True)
    return version


def test_the_three_callers_word_the_nmds_refusal_identically(researcher, legal, base):
    version = _covered(researcher, legal, use_terms=["NMDS"])
    [fact] = policy.refusals(version.dataset, ["model_training"])
    [check] = check_intended_uses([version], ["model_training"], researcher.organization, None)
    assert check.decision == "deny" and check.reason == f"Forum posts: {fact}"
    assert f"Forum posts: {fact}" in coverage_for(dataset_version=version, uses=["model_training"]).reasons
    gate = check_training_gate(dataset_versions=[version], base_model=base, purpose="research")
    assert [r for r in gate.reasons if "NMDS" in r] == [r for r in gate.reasons if fact in r]


def test_the_gate_reports_the_nmds_refusal_once(researcher, legal, base):
    version = _covered(researcher, legal, use_terms=["GRU", "NMDS"])
    gate = check_training_gate(dataset_versions=[version], base_model=base, purpose="research")
    assert not gate.allowed
    assert len([r for r in gate.reasons if "NMDS" in r]) == 1, gate.reasons


def test_the_gate_reports_each_commercial_refusal_once(researcher, legal, base):
    version = _covered(researcher, legal, uses=("model_training", "commercial_use"), use_terms=["NCU"],
                       license="CC-BY-NC-4.0")
    gate = check_training_gate(dataset_versions=[version], base_model=base, purpose="commercial")
    assert len([r for r in gate.reasons if "NCU" in r]) == 1, gate.reasons
    assert len([r for r in gate.reasons if "CC-BY-NC-4.0" in r]) == 1, gate.reasons


def test_a_proprietary_licence_refuses_commercial_use_everywhere(researcher, legal, base):
    version = _covered(researcher, legal, uses=("model_training", "commercial_use"), license="LicenseRef-Helix")
    assert not policy.licence_permits_commercial_use("LicenseRef-Helix")
    [check] = check_intended_uses([version], ["model_training", "commercial_use"], researcher.organization, None)
    assert check.decision == "deny" and "LicenseRef-Helix is proprietary" in check.reason
    gate = check_training_gate(dataset_versions=[version], base_model=base, purpose="commercial")
    assert not gate.allowed
    assert len([r for r in gate.reasons if "LicenseRef-Helix is proprietary" in r]) == 1
    # Research use of the same data is not a commercial use: the licence says nothing against it.
    assert not [r for r in check_training_gate(dataset_versions=[version], base_model=base,
                                               purpose="research").reasons if "LicenseRef" in r]


def test_a_proprietary_base_model_refuses_a_commercial_run(researcher, legal):
    version = _covered(researcher, legal, uses=("model_training", "commercial_use"), license="CC-BY-4.0")
    base = BaseModel.objects.create(name="vendor", source="path", local_path="/x", license="LicenseRef-Vendor")
    gate = check_training_gate(dataset_versions=[version], base_model=base, purpose="commercial")
    assert any("LicenseRef-Vendor, which forbids commercial use" in r for r in gate.reasons)


def test_a_listed_permissive_licence_allows_commercial_use(researcher, legal):
    assert policy.licence_permits_commercial_use("Apache-2.0")
    version = make_approved_version(license="CC-BY-4.0", use_terms=["GRU"])
    assert policy.refusals(version.dataset, ["model_training", "commercial_use"]) == []


# --- legal's expiry cap (issue 10) -----------------------------------------------------------------
@pytest.fixture
def ts_request(researcher, contributor):
    version = make_approved_version(organization=contributor.organization, steward=contributor, title="Clinic",
                                    use_terms=["GRU", "TS"], time_limit_days=30)
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="Triage", purpose="p", intended_uses=["model_training"],
        requested_end_date=timezone.localdate() + dt.timedelta(days=25), actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None,
                                    actor=researcher)
    return services.agreement_submit(agreement=agreement, actor=researcher)


def test_expiry_beyond_the_requested_end_date_is_refused_with_the_reason(ts_request, legal):
    with pytest.raises(ApplicationError) as refused:
        services.agreement_approve(agreement=ts_request, expires_at=timezone.localdate() + dt.timedelta(days=28),
                                   actor=legal)
    assert refused.value.status == 400 and "requested end date" in refused.value.message
    ts_request.refresh_from_db()
    assert ts_request.state == "submitted" and ts_request.expires_at is None


def test_expiry_beyond_the_ts_time_limit_is_refused_with_the_reason(researcher, contributor, legal):
    version = make_approved_version(organization=contributor.organization, steward=contributor, title="Notes",
                                    use_terms=["TS"], time_limit_days=30)
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="T", purpose="p", intended_uses=["model_training"],
        requested_end_date=timezone.localdate() + dt.timedelta(days=200), actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None,
                                    actor=researcher)
    services.agreement_submit(agreement=agreement, actor=researcher)
    with pytest.raises(ApplicationError) as refused:
        services.agreement_approve(agreement=agreement, expires_at=timezone.localdate() + dt.timedelta(days=60),
                                   actor=legal)
    assert refused.value.status == 400 and "30-day time limit (TS) of Notes" in refused.value.message
    assert refused.value.extra["latest_expiry"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    approved = services.agreement_approve(agreement=agreement, expires_at=timezone.localdate() + dt.timedelta(days=30),
                                          actor=legal)
    assert approved.state == "approved"


def test_the_api_answers_400_with_the_cap(ts_request, legal, api_client_for):
    too_late = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    response = api_client_for(legal).post(f"/api/agreements/{ts_request.pk}/approve/", {"expires_at": too_late},
                                          format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_expiry"
