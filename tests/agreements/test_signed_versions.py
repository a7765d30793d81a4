"""G4 (issue 8, hole 8): what an agreement covers is what its accepted text names, stored at acceptance
(version ids and scrubbed sha256), never the request's many-to-many as it is now."""
import pytest

from agreements import services
from agreements.models import Agreement
from agreements.selectors import coverage_for
from audit.models import AuditEvent
from tests.agreements.factories import make_approved_version

pytestmark = pytest.mark.django_db


def test_acceptance_stores_the_versions_and_digests_the_text_names(draft, researcher, version):
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip=None, actor=researcher)
    draft.refresh_from_db()
    assert draft.signed_versions == [{"id": version.pk, "sha256": version.scrubbed_sha256}]
    assert f"sha256 {version.scrubbed_sha256}" in draft.terms_text  # the signed text itself names it
    event = AuditEvent.objects.get(action="agreement.terms_accepted", target_id=str(draft.pk))
    assert event.metadata["signed_versions"] == draft.signed_versions


def test_the_in_force_agreement_covers_the_signed_version(in_force, version):
    cov = coverage_for(dataset_version=version, uses=["model_training"])
    assert cov.covered and cov.agreements == [in_force]


def test_a_version_attached_in_the_database_after_signature_is_not_covered(in_force, version):
    later = make_approved_version(dataset=version.dataset)
    in_force.access_request.dataset_versions.add(later)  # straight into the many-to-many
    assert Agreement.objects.get(pk=in_force.pk).terms_sha256 == in_force.terms_sha256  # same signed text
    cov = coverage_for(dataset_version=later, uses=["model_training"])
    assert not cov.covered and cov.agreements == []
    assert f"agreement #{in_force.pk}: its signed terms do not name {later}" in cov.reasons
    assert coverage_for(dataset_version=version, uses=["model_training"]).covered  # the signed one still is


def test_a_version_whose_digest_differs_from_the_signed_one_is_not_covered(in_force, version):
    Agreement.objects.filter(pk=in_force.pk).update(signed_versions=[{"id": version.pk, "sha256": "0" * 64}])
    cov = coverage_for(dataset_version=version, uses=["model_training"])
    assert not cov.covered
    assert any(f"agreement #{in_force.pk}: its signed terms name {version} with sha256 {'0' * 64}" in r
               for r in cov.reasons)


def test_an_agreement_with_no_stored_list_covers_nothing(in_force, version):
    Agreement.objects.filter(pk=in_force.pk).update(signed_versions=[])
    assert not coverage_for(dataset_version=version, uses=["model_training"]).covered


def test_the_training_gate_refuses_the_attached_version(in_force, version):
    from training.gate import check_training_gate
    from training.models import BaseModel

    base = BaseModel.objects.create(name="registry-only", source="path", local_path="/nowhere", license="MIT")
    later = make_approved_version(dataset=version.dataset)
    in_force.access_request.dataset_versions.add(later)
    result = check_training_gate(dataset_versions=[later], base_model=base,
                                 purpose="research")
    assert not result.allowed and result.coverage == {later.pk: []}
    assert any("its signed terms do not name" in r for r in result.reasons)


def test_editing_the_request_needs_a_new_acceptance_which_stores_the_new_list(draft, researcher, version, end_date):
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip=None, actor=researcher)
    other = make_approved_version(dataset=version.dataset)
    services.access_request_update(agreement=draft, dataset_versions=[version, other], project_title="Ticket router",
                                   purpose="Route support tickets.", intended_uses=["model_training"],
                                   requested_end_date=end_date, actor=researcher)
    draft.refresh_from_db()
    assert not draft.researcher_accepted  # the text changed: the old signature names the old list only
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip=None, actor=researcher)
    draft.refresh_from_db()
    assert {entry["id"] for entry in draft.signed_versions} == {version.pk, other.pk}
