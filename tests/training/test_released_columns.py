"""G1 (issue 8, hole 1): a run reads only the columns the steward released for every input, the scrub
columns as text and the approved label column as label. Refused at launch (service and API) and
again in the worker before the first byte is read, also when the run row is edited in the database."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.training.factories import make_agreement_in_force, make_training_version
from training import inputs as training_inputs
from training import services
from training.models import RunState, TrainingRun
from training.services import training_run_launch
from training.tasks import train_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_spy(monkeypatch):
    calls = []
    monkeypatch.setattr(services.core, "train", lambda *a, **k: calls.append(1) or pytest.fail("trainer reached"))
    return calls


@pytest.fixture
def opened_files(monkeypatch):
    opened = []
    real = training_inputs.open_verified

    def spy(path, sha256):
        opened.append(str(path))
        return real(path, sha256)

    monkeypatch.setattr(training_inputs, "open_verified", spy)
    return opened


@pytest.fixture
def with_raw_columns(researcher, legal, contributor):
    """An approved, covered version whose file also holds e-mail columns the steward did not release."""
    version = make_training_version(extra_columns=("email", "contact_email"))
    version.agreement = make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    return version


@pytest.mark.parametrize("fields, named", [
    ({"text_fields": ["email"]}, "email"),
    ({"text_fields": ["text", "contact_email"]}, "contact_email"),
    ({"label_field": "contact_email"}, "contact_email"),
    ({"text_fields": ["label"], "label_field": "label"}, "label"),  # the label is not a text column
])
def test_launch_on_an_unreleased_column_is_denied_with_the_reason(
    fields, named, ml_admin, tiny_base_model, with_raw_columns, trainer_spy, django_capture_on_commit_callbacks,
    gpu_handoffs,
):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[with_raw_columns],
                                  **fields)
    assert run.state == RunState.DENIED and gpu_handoffs == []  # nothing reaches the gpu queue
    assert any(named in reason and ("released" in reason or "approved label column" in reason)
               for reason in run.denial_reasons), run.denial_reasons
    event = AuditEvent.objects.get(action="training_run.denied", target_id=str(run.pk))
    assert event.metadata["reasons"] == run.denial_reasons
    assert trainer_spy == []


def test_the_released_columns_themselves_are_allowed(ml_admin, tiny_base_model, with_raw_columns, gpu_handoffs,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[with_raw_columns],
                                  text_fields=["text"], label_field="label")
    assert run.state == RunState.QUEUED, run.denial_reasons
    assert gpu_handoffs == [run.pk]


def test_the_api_refuses_an_unreleased_label_with_403_and_the_reason(
    ml_admin, api_client_for, tiny_base_model, with_raw_columns, trainer_spy
):
    response = api_client_for(ml_admin).post(
        "/api/training-runs/", {"base_model": tiny_base_model.pk, "dataset_versions": [with_raw_columns.pk],
                                "text_fields": ["text"], "label_field": "contact_email"}, format="json")
    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["code"] == "gate_denied"
    assert any("label field contact_email is not its approved label column (label)" in r for r in body["reasons"])
    assert TrainingRun.objects.get(pk=body["extra"]["run_id"]).state == RunState.DENIED


def test_a_version_without_an_approved_label_column_cannot_be_trained(
    ml_admin, tiny_base_model, researcher, legal, contributor, trainer_spy
):
    version = make_training_version(label_field="")
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[version],
                              text_fields=["text"], label_field="label")
    assert run.state == RunState.DENIED
    assert any("approved no label column" in r for r in run.denial_reasons)


def test_fields_released_by_one_input_but_not_another_are_refused_for_that_input(
    ml_admin, tiny_base_model, researcher, legal, contributor, trainer_spy
):
    released = make_training_version()
    other = make_training_version(extra_columns=("body",), text_fields=("body",))
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[released, other])
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[released, other],
                              text_fields=["text"], label_field="label")
    assert run.state == RunState.DENIED
    [reason] = [r for r in run.denial_reasons if "scrub columns" in r]
    assert f"version #{other.pk}" in reason and "text field(s) text" in reason


@pytest.mark.parametrize("edit", [{"text_fields": ["email"]}, {"label_field": "contact_email"},
                                  {"text_fields": ["text", "email"]}])
def test_run_edited_in_the_database_after_launch_is_denied_in_the_worker_before_any_read(
    edit, ml_admin, tiny_base_model, with_raw_columns, trainer_spy, opened_files, monkeypatch
):
    monkeypatch.setattr(train_run, "apply_async", lambda *a, **k: None)
    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[with_raw_columns],
                              epochs=1)
    assert run.state == RunState.QUEUED
    TrainingRun.objects.filter(pk=run.pk).update(**edit)  # the adversary edits the row, not the service

    assert train_run.apply(args=[run.pk]).get() == "denied"
    run.refresh_from_db()
    assert run.state == RunState.DENIED
    assert any("released" in r or "approved label column" in r for r in run.denial_reasons), run.denial_reasons
    assert trainer_spy == [] and opened_files == []  # not a byte of any file was read
    assert AuditEvent.objects.filter(action="training_run.denied", target_id=str(run.pk),
                                     metadata__stage="worker").exists()


@pytest.mark.parametrize("roles, why", [
    ({}, "approved without column roles"),
    # text_fields/label_field say "text"/"label", the steward's roles say the label is the e-mail column
    ({"text": {"role": "scrub", "reason": ""}, "label": {"role": "drop", "reason": ""},
      "email": {"role": "label", "reason": ""}}, "disagree with the column roles"),
    ({"text": {"role": "drop", "reason": ""}, "label": {"role": "label", "reason": ""},
      "email": {"role": "scrub", "reason": ""}}, "disagree with the column roles"),
])
def test_a_version_whose_roles_do_not_release_its_training_columns_is_refused(
    roles, why, ml_admin, researcher, legal, tiny_base_model, trainer_spy, django_capture_on_commit_callbacks,
    gpu_handoffs,
):
    """G2 behind G1: released columns are read from the roles the steward set, so a version stored
    without roles, or whose text/label fields disagree with them, releases nothing."""
    version = make_training_version(extra_columns=("email",), column_roles=roles)
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[version],
                                  text_fields=["text"], label_field="label")
    assert run.state == RunState.DENIED and gpu_handoffs == []
    assert any(why in reason for reason in run.denial_reasons), run.denial_reasons
