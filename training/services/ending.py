"""Runs ending on purpose: an admin's cancel, and an agreement revoked or expired (G5).

`training_runs_stop_for_ended_agreement` runs inside the agreement's revoke or expire transaction
(the `agreement_ended` signal), so an ended agreement and the runs it stops commit together.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.exceptions import conflict
from training.gate import check_training_gate
from training.models import ACTIVE_STATES, RunState, TrainingRun
from training.services.runs import require_admin, training_run_end


@transaction.atomic
def training_run_cancel(*, run: TrainingRun, actor, reason: str = "") -> TrainingRun:
    """Stop a run. The worker notices through should_stop (every step) and stops cleanly."""
    require_admin(actor, "cancel training runs")
    ended = training_run_end(run_id=run.pk, outcome=RunState.CANCELLED,
                             reason=reason.strip() or f"Cancelled by {actor.get_username()}.",
                             actor=actor, cancelled_by=actor)
    if ended is None:
        state = TrainingRun.objects.filter(pk=run.pk).values_list("state", flat=True).first()
        raise conflict(f"Run #{run.pk} is {state}; only queued or running runs can be cancelled.")
    return ended


def cancel_for_authorisation(run_id: int, reason: str, *, actor=None, agreement=None) -> TrainingRun | None:
    """An authorisation ended under the run: cancelled, naming it (G4, G5)."""
    return training_run_end(run_id=run_id, outcome=RunState.CANCELLED, reason=reason, actor=actor,
                            metadata={"agreement": agreement.pk} if agreement is not None else {})


@transaction.atomic
def training_runs_stop_for_ended_agreement(*, agreement, reason: str, actor=None) -> list[int]:
    """Stop active runs and mark finished models that relied on `agreement` (G5).

    Rule: a run stays valid only if every input is still covered by an agreement in force, other
    than the ended one, that permits the run's uses (THE gate, re-run now). Otherwise active runs
    are cancelled naming the agreement, and succeeded runs' models are marked revoked and their
    downloads refused. Returns the ids of the runs affected.
    """
    affected = []
    run_ids = set(
        TrainingRun.objects.filter(inputs__agreements=agreement, state__in=[*ACTIVE_STATES, RunState.SUCCEEDED])
        .values_list("pk", flat=True)
    )
    for run_id in sorted(run_ids):  # one lock per run (PostgreSQL refuses FOR UPDATE with DISTINCT)
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.state == RunState.SUCCEEDED and run.model_revoked_at:
            continue
        if _still_authorised(run, excluding=agreement):
            continue
        message = f"Agreement #{agreement.pk} was {reason}; its data may no longer be used."
        if run.is_active:
            cancel_for_authorisation(run.pk, message, actor=actor, agreement=agreement)
        else:
            run.model_revoked_at = timezone.now()
            run.model_revoked_reason = message
            run.save(update_fields=["model_revoked_at", "model_revoked_reason", "updated_at"])
            record_event(actor=actor, action="training_run.model_revoked", target=run,
                         after={"model_revoked_reason": message}, metadata={"agreement": agreement.pk})
        affected.append(run.pk)
    return affected


def _still_authorised(run: TrainingRun, *, excluding) -> bool:
    versions = [i.dataset_version for i in run.inputs.select_related("dataset_version__dataset")]
    gate = check_training_gate(dataset_versions=versions, base_model=run.base_model, purpose=run.purpose,
                               text_fields=run.text_fields, label_field=run.label_field, split_field=run.split_field,
                               column_maps={i.dataset_version_id: dict(i.column_map or {}) for i in run.inputs.all()})
    if not gate.allowed:
        return False
    # The ended agreement may not yet read as ended inside its own transaction: never count it.
    return all(set(ids) - {excluding.pk} for ids in gate.coverage.values())
