"""Legal's approval conditions and training (issue 13): a run launched while the amended terms wait
for the researcher is refused by the gate (G4); once they are accepted and countersigned, the model
card and attribution.json name every authorising agreement with its conditions (G9)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from huggingface_hub import ModelCard

from agreements import services as agreements
from agreements.models import Agreement
from tests.training.factories import make_training_version
from training.gate import check_training_gate
from training.models import RunState
from training.services import training_run_launch

pytestmark = pytest.mark.django_db

CONDITIONS = "No re-identification attempts.\nPublish the model with its attribution manifest."


@pytest.fixture
def amended(researcher, legal):
    """An approved version whose only agreement legal approved with conditions, not yet re-accepted."""
    version = make_training_version()
    agreement = agreements.access_request_create(
        dataset_versions=[version], project_title="Ticket router", purpose="Route tickets.",
        intended_uses=["model_training"], requested_end_date=timezone.localdate() + dt.timedelta(days=120),
        actor=researcher)
    agreements.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None,
                                      actor=researcher)
    agreements.agreement_submit(agreement=agreement, actor=researcher)
    agreements.agreement_countersign(agreement=agreement, actor=version.dataset.steward)
    agreements.agreement_approve(agreement=agreement, expires_at=timezone.localdate() + dt.timedelta(days=90),
                                 conditions=CONDITIONS, actor=legal)
    version.agreement = Agreement.objects.get(pk=agreement.pk)
    return version


def _bring_into_force(version, researcher):
    agreement = version.agreement
    agreements.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None,
                                      actor=researcher)
    agreements.agreement_countersign(agreement=agreement, actor=version.dataset.steward)


def test_a_run_launched_before_the_amended_terms_are_accepted_is_refused(
    amended, researcher, ml_admin, tiny_base_model, gpu_handoffs
):
    gate = check_training_gate(dataset_versions=[amended], base_model=tiny_base_model, purpose="research")
    assert not gate.allowed
    assert any("legal approved it with conditions the researcher has not yet accepted" in r for r in gate.reasons)

    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[amended])
    assert run.state == RunState.DENIED and gpu_handoffs == []

    # Accepted by the researcher, but the steward's signature is on the text before the conditions.
    agreements.agreement_accept_terms(agreement=amended.agreement, terms_sha256=amended.agreement.terms_sha256,
                                      ip=None, actor=researcher)
    gate = check_training_gate(dataset_versions=[amended], base_model=tiny_base_model, purpose="research")
    assert not gate.allowed and any("lacks the countersignature" in r for r in gate.reasons)

    agreements.agreement_countersign(agreement=amended.agreement, actor=amended.dataset.steward)
    gate = check_training_gate(dataset_versions=[amended], base_model=tiny_base_model, purpose="research")
    assert gate.allowed, gate.reasons


def test_conditions_edited_in_the_database_stop_the_gate(amended, researcher, tiny_base_model):
    _bring_into_force(amended, researcher)
    assert check_training_gate(dataset_versions=[amended], base_model=tiny_base_model, purpose="research").allowed
    Agreement.objects.filter(pk=amended.agreement.pk).update(conditions="No re-identification attempts.")
    gate = check_training_gate(dataset_versions=[amended], base_model=tiny_base_model, purpose="research")
    assert not gate.allowed
    assert any("conditions are not part of the terms the researcher accepted" in r for r in gate.reasons)


def test_card_and_attribution_name_each_agreement_with_its_conditions(
    amended, researcher, ml_admin, tiny_base_model, tiny_hyper, django_capture_on_commit_callbacks, api_client_for
):
    _bring_into_force(amended, researcher)
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[amended],
                                  **tiny_hyper)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED, (run.failure_reason, run.denial_reasons)
    agreement = Agreement.objects.get(pk=amended.agreement.pk)

    client = api_client_for(ml_admin)
    manifest = json.loads(b"".join(client.get(f"/api/training-runs/{run.pk}/artifacts/attribution/").streaming_content))
    lines = CONDITIONS.splitlines()
    [entry] = manifest["datasets"]
    assert entry["agreements"][0]["conditions"] == lines
    [authorising] = manifest["agreements"]
    assert authorising["id"] == agreement.pk and authorising["conditions"] == lines
    assert authorising["terms_sha256"] == agreement.terms_sha256 == agreement.accepted_sha256
    assert authorising["datasets"] == [f"{amended.dataset.title} v{amended.number}"]

    card = b"".join(client.get(f"/api/training-runs/{run.pk}/artifacts/card/").streaming_content).decode()
    body = ModelCard(card).text
    section = body.split("### Authorising agreements and their conditions", 1)[1]
    assert f"Agreement #{agreement.pk} (signed terms sha256 `{agreement.terms_sha256}`)" in section
    assert "  - No re-identification attempts.\n  - Publish the model with its attribution manifest." in section
