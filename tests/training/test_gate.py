"""THE gate, tried every way around. Each case asserts the reason names what is wrong."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.agreements.factories import make_agreement
from tests.training.factories import end_agreement, make_agreement_in_force, make_training_version
from training.gate import check_training_gate

pytestmark = pytest.mark.django_db


def gate(versions, base_model, purpose="research", **kwargs):
    return check_training_gate(dataset_versions=versions, base_model=base_model, purpose=purpose, **kwargs)


def test_approved_covered_version_passes_and_reports_its_agreement(covered_version, tiny_base_model):
    result = gate([covered_version], tiny_base_model)
    assert result.allowed and result.reasons == []
    assert result.coverage == {covered_version.pk: [covered_version.agreement.pk]}


@pytest.mark.parametrize("status", ["scrubbed", "rejected", "uploaded"])
def test_unapproved_or_rejected_version_is_refused(status, tiny_base_model, researcher, legal):
    version = make_training_version(status=status)
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    result = gate([version], tiny_base_model)
    assert not result.allowed
    assert any(f"not approved by its steward (status: {status})" in r for r in result.reasons)


def test_missing_scrubbed_digest_and_file_are_refused(covered_version, tiny_base_model):
    default_storage.delete(covered_version.scrubbed_file.name)
    result = gate([covered_version], tiny_base_model)
    assert any("scrubbed file is missing" in r for r in result.reasons)


def test_no_agreement_is_refused(tiny_base_model, contributor):
    version = make_training_version()
    result = gate([version], tiny_base_model)
    assert not result.allowed and result.coverage == {version.pk: []}
    assert any("no agreement in force covers" in r for r in result.reasons)


@pytest.mark.parametrize("state", ["changes_requested", "submitted", "rejected"])
def test_agreement_not_approved_is_refused(state, tiny_base_model, researcher, legal):
    version = make_training_version()
    agreement = make_agreement(researcher=researcher, legal=legal, versions=[version], state=state, accepted=True,
                               countersigned=True)
    result = gate([version], tiny_base_model)
    assert not result.allowed
    assert any(f"agreement #{agreement.pk}" in r and "not approved" in r for r in result.reasons)


def test_expired_agreement_is_refused_by_date_even_before_the_expiry_task_runs(covered_version, tiny_base_model):
    later = timezone.now() + dt.timedelta(days=400)
    result = gate([covered_version], tiny_base_model, at=later)
    assert not result.allowed
    assert any(f"agreement #{covered_version.agreement.pk} expired" in r for r in result.reasons)


@pytest.mark.parametrize("reason", ["revoked", "expired"])
def test_revoked_or_expired_agreement_is_refused(reason, covered_version, tiny_base_model, legal):
    end_agreement(covered_version.agreement, actor=legal, reason=reason)
    result = gate([covered_version], tiny_base_model)
    assert not result.allowed
    assert any(f"agreement #{covered_version.agreement.pk}" in r and reason in r for r in result.reasons)


def test_agreement_without_training_use_is_refused(tiny_base_model, researcher, legal):
    version = make_training_version()
    agreement = make_agreement_in_force(researcher=researcher, legal=legal, versions=[version], uses=("publish_model",))
    result = gate([version], tiny_base_model)
    assert any(f"agreement #{agreement.pk} does not permit model_training" in r for r in result.reasons)


def test_nmds_terms_forbid_training_even_with_an_agreement(tiny_base_model, researcher, legal):
    version = make_training_version(use_terms=["GRU", "NMDS"])
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    result = gate([version], tiny_base_model)
    assert not result.allowed and any("NMDS" in r for r in result.reasons)


def test_commercial_run_needs_commercial_use_in_the_agreement(covered_version, tiny_base_model):
    assert gate([covered_version], tiny_base_model, purpose="research").allowed
    result = gate([covered_version], tiny_base_model, purpose="commercial")
    assert not result.allowed and any("commercial_use" in r for r in result.reasons)


@pytest.mark.parametrize("kwargs, needle", [
    ({"use_terms": ["NCU"]}, "NCU"),
    ({"use_terms": ["NPU"]}, "NPU"),
    ({"license": "CC-BY-NC-4.0"}, "CC-BY-NC-4.0"),
])
def test_commercial_run_on_non_commercial_data_is_refused(kwargs, needle, tiny_base_model, researcher, legal):
    version = make_training_version(**kwargs)
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version],
                            uses=("model_training", "commercial_use"))
    assert gate([version], tiny_base_model, purpose="research").allowed
    result = gate([version], tiny_base_model, purpose="commercial")
    assert not result.allowed and any(needle in r for r in result.reasons)


def test_non_commercial_base_model_licence_refuses_commercial_run(tiny_base_model, researcher, legal):
    version = make_training_version()
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version],
                            uses=("model_training", "commercial_use"))
    assert gate([version], tiny_base_model, purpose="commercial").allowed
    tiny_base_model.license = "CC-BY-NC-4.0"
    result = gate([version], tiny_base_model, purpose="commercial")
    assert result.reasons == ["Base model tiny-bert is licensed CC-BY-NC-4.0, which forbids commercial use."]


def test_inactive_base_model_is_refused(covered_version, tiny_base_model):
    tiny_base_model.is_active = False
    assert any("not active" in r for r in gate([covered_version], tiny_base_model).reasons)


def test_every_failing_reason_is_returned_at_once(tiny_base_model, researcher, legal):
    unapproved = make_training_version(status="scrubbed")
    nmds = make_training_version(use_terms=["NMDS"])
    tiny_base_model.is_active = False
    result = gate([unapproved, nmds], tiny_base_model)
    text = "\n".join(result.reasons)
    assert "not active" in text
    assert f"version #{unapproved.pk}): not approved" in text
    assert "NMDS" in text
    assert text.count("no agreement in force covers") == 2


def test_one_covered_version_does_not_cover_another(covered_version, tiny_base_model):
    uncovered = make_training_version()
    result = gate([covered_version, uncovered], tiny_base_model)
    assert not result.allowed
    assert all(f"#{covered_version.pk})" not in r for r in result.reasons)
    assert any(f"#{uncovered.pk})" in r for r in result.reasons)
