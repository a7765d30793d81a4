"""A gpu worker killed with kill -9 mid-epoch (issue 14): the process manager restarts it, the reaper
notices the silent run, and the run resumes from its last per-epoch checkpoint and succeeds with
every epoch recorded once, in under two minutes, the ledger intact (G8)."""
import time
from pathlib import Path

import pytest

from audit.models import AuditEvent
from tests.conftest import wait_for
from tests.faults.conftest import assert_ledger_intact, play_beat_until
from tests.training.conftest import tiny_bert_path  # noqa: F401 - the session's tiny BERT, built once
from tests.training.factories import make_agreement_in_force, make_training_version
from training.core.checkpoint import latest_checkpoint, read_state
from training.models import FINAL_STATES, BaseModel, RunState, TrainingRun
from training.services import training_run_launch

pytestmark = [pytest.mark.faults, pytest.mark.worker]
RECOVERY_LIMIT = 120  # seconds, from the kill to the run's success
EPOCHS = 4
# Enough steps that an epoch lasts a second or two on a loaded CPU: the kill lands inside one.
HYPER = {"epochs": EPOCHS, "batch_size": 4, "max_length": 16, "learning_rate": 5e-3, "seed": 1}


def _checkpointed_epochs(run: TrainingRun) -> int:
    checkpoint = latest_checkpoint(Path(run.run_dir) / "checkpoints")
    return read_state(checkpoint)["epoch"] if checkpoint else 0


def _in_second_epoch_or_later(run_id):
    run = TrainingRun.objects.get(pk=run_id)
    assert run.state not in FINAL_STATES, (run.state, run.failure_reason, run.denial_reasons)
    return run if run.state == RunState.RUNNING and run.run_dir and _checkpointed_epochs(run) >= 1 else None


def _ended(run_id):
    return TrainingRun.objects.filter(pk=run_id, state__in=FINAL_STATES).first()


def test_gpu_worker_killed_mid_epoch_resumes_from_its_checkpoint(
    fault_env, ml_admin, researcher, legal, contributor, tiny_bert_path  # noqa: F811
):
    base_model = BaseModel.objects.create(
        name="tiny-bert", source=BaseModel.Source.PATH, local_path=str(tiny_bert_path), license="Apache-2.0",
        supported_tasks=["text_classification"])
    version = make_training_version(rows=80)
    make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    worker = fault_env.start_worker("gpu-a")
    run = training_run_launch(actor=ml_admin, base_model=base_model, dataset_versions=[version], **HYPER)

    run = wait_for(lambda: _in_second_epoch_or_later(run.pk), timeout=120, interval=0.05,
                   message="the run's first checkpoint")
    fault_env.kill_worker(worker, restarted_by_supervisor=True)
    killed_at = time.monotonic()
    resumable_epochs = _checkpointed_epochs(run)  # the worker is dead: its checkpoints are what they are
    assert 1 <= resumable_epochs < EPOCHS, "the kill must land inside an epoch after the first"
    assert TrainingRun.objects.get(pk=run.pk).state == RunState.RUNNING

    run = play_beat_until(lambda: _ended(run.pk), timeout=RECOVERY_LIMIT, supervise=fault_env.supervise)
    recovery = time.monotonic() - killed_at
    print(f"gpu worker killed in epoch {resumable_epochs + 1} of {EPOCHS}: recovered in {recovery:.1f}s")

    assert run.state == RunState.SUCCEEDED, (run.failure_reason, run.denial_reasons)
    assert run.attempts == 2 and run.model_archive
    assert [entry["epoch"] for entry in run.metrics_history] == list(range(1, EPOCHS + 1))  # each epoch once
    steps = [step for step, _loss in run.loss_history]
    assert steps == sorted(set(steps)), "the redone steps of the killed epoch were charted twice"
    events = AuditEvent.objects.filter(target_id=str(run.pk))
    assert events.filter(action="training_run.requeued").count() == 1
    [succeeded] = events.filter(action="training_run.succeeded")
    assert succeeded.metadata["resumed_from_epoch"] == resumable_epochs and succeeded.metadata["attempt"] == 2
    assert recovery < RECOVERY_LIMIT
    assert_ledger_intact()
