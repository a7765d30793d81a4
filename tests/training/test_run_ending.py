"""THE one run-ending transition (training.services.runs.training_run_end) that cancel, revoke,
expire, fail and deny all go through: one audit event, a finish time, and nothing for a run that
already ended or a transition that does not apply."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent
from training.models import RunState, TrainingRun
from training.services import training_run_end

pytestmark = pytest.mark.django_db


def make_run(ml_admin, tiny_base_model, state):
    return TrainingRun.objects.create(base_model=tiny_base_model, launched_by=ml_admin, text_fields=["text"],
                                      label_field="label", state=state)


@pytest.mark.parametrize("outcome, field", [(RunState.CANCELLED, "cancel_reason"), (RunState.FAILED, "failure_reason")])
def test_an_active_run_ends_once_with_its_reason_and_one_event(outcome, field, ml_admin, tiny_base_model):
    run = make_run(ml_admin, tiny_base_model, RunState.RUNNING)
    ended = training_run_end(run_id=run.pk, outcome=outcome, reason="because", actor=ml_admin)
    assert ended.state == outcome and getattr(ended, field) == "because" and ended.finished_at is not None
    assert training_run_end(run_id=run.pk, outcome=RunState.CANCELLED, reason="again") is None  # already ended
    events = AuditEvent.objects.filter(target_id=str(run.pk))
    assert [e.action for e in events] == [f"training_run.{outcome}"]
    assert events.get().after["reason"] == "because"


def test_a_running_run_is_not_denied(ml_admin, tiny_base_model):
    run = make_run(ml_admin, tiny_base_model, RunState.RUNNING)
    assert training_run_end(run_id=run.pk, outcome=RunState.DENIED, reason=["late"]) is None
    assert TrainingRun.objects.get(pk=run.pk).state == RunState.RUNNING
    assert not AuditEvent.objects.filter(target_id=str(run.pk)).exists()


def test_a_denial_keeps_every_reason(ml_admin, tiny_base_model):
    run = make_run(ml_admin, tiny_base_model, RunState.AUTHORIZING)
    ended = training_run_end(run_id=run.pk, outcome=RunState.DENIED, reason=["one", "two"],
                             metadata={"stage": "worker"})
    assert ended.denial_reasons == ["one", "two"]
    assert AuditEvent.objects.get(target_id=str(run.pk), action="training_run.denied").metadata == {"stage": "worker"}


def test_an_earlier_cancel_reason_wins_when_asked(ml_admin, tiny_base_model):
    run = make_run(ml_admin, tiny_base_model, RunState.RUNNING)
    TrainingRun.objects.filter(pk=run.pk).update(cancel_reason="wrong data")
    ended = training_run_end(run_id=run.pk, outcome=RunState.CANCELLED, reason="Stopped: cancelled", keep_reason=True)
    assert ended.cancel_reason == "wrong data"


def test_tasks_are_thin_and_import_services_inside():
    """The task seam: training.tasks imports no service at module level (services import the tasks)."""
    import inspect

    import training.tasks as tasks

    source = inspect.getsource(tasks)
    module_level = [line for line in source.splitlines()
                    if line.startswith(("from training.services", "from training import services"))]
    assert module_level == []
