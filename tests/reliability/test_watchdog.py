"""The worker watchdog (issue 14): a worker alive but not consuming ends itself and its process
manager starts a fresh one, which takes the waiting work."""
import time

import pytest

from reliability.watchdog import wedged
from tests.conftest import wait_for
from tests.faults.conftest import fault_env, play_beat_until, private_redis  # noqa: F401


@pytest.mark.parametrize("waiting, reserved, silent_for, expected", [
    (1, 1, 30, True),     # work waits, a process is free, nothing came for the limit: wedged
    (1, 2, 30, False),    # every process busy: the work waits its turn
    (0, 0, 300, False),   # nothing to take: an idle worker is not a wedged one
    (None, 0, 300, False),  # the broker did not answer: not the worker's fault
    (1, 0, 10, False),    # not silent for long enough yet
])
def test_wedged_means_waiting_work_a_free_process_and_silence(waiting, reserved, silent_for, expected):
    assert wedged(waiting=waiting, reserved=reserved, concurrency=2, silent_for=silent_for, limit=20) is expected


def test_a_zero_limit_turns_it_off():
    assert not wedged(waiting=5, reserved=0, concurrency=2, silent_for=10_000, limit=0)


@pytest.mark.worker
@pytest.mark.faults
def test_a_worker_that_stopped_consuming_is_replaced_and_the_work_done(fault_env):  # noqa: F811
    from config.celery import app
    from training.tasks import train_run

    worker = fault_env.start_worker("wedged")
    [name] = [line.split(" ready.")[0].split("] ")[-1] for line in worker.log_path.read_text().splitlines()
              if " ready." in line]
    # Wedge it the way a lost broker registration does: alive, answering, no longer taking `scrub`.
    app.control.cancel_consumer("scrub", destination=[name], reply=True, timeout=5)
    waiting = train_run.apply_async(args=[999_123], queue="scrub")  # no such run: a worker ignores it
    sent_at = time.monotonic()

    replaced = play_beat_until(lambda: worker.poll() is not None, timeout=90, supervise=fault_env.supervise)
    assert replaced and worker.returncode == 75
    assert "worker watchdog: 1 message(s) wait in" in worker.log_path.read_text()
    def done_by_the_replacement():
        fault_env.supervise()
        logs = worker.log_path.parent.glob("worker-restarted-*.log")
        return any(f"{waiting.id}] succeeded" in path.read_text() for path in logs)

    wait_for(done_by_the_replacement, timeout=90, message="the restarted worker to take the waiting message")
    print(f"wedged worker replaced and its waiting work done in {time.monotonic() - sent_at:.1f}s")
