"""The worker's own heartbeat thread (issue 14): it beats while the work runs, never after, and a
failed beat does not stop the next one."""
import threading
import time

from reliability.heartbeat import beating


def test_beats_while_the_block_runs_and_stops_with_it():
    beats = []
    with beating(lambda: beats.append(time.monotonic()), every=0.05):
        time.sleep(0.4)
    after = len(beats)
    time.sleep(0.2)
    assert after >= 3 and len(beats) == after
    assert not [t for t in threading.enumerate() if t.name == "heartbeat"]


def test_a_failed_beat_is_logged_and_the_next_one_tried(caplog):
    calls = []

    def flaky_beat():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database went away")

    with beating(flaky_beat, every=0.05, name="run-1-heartbeat"):
        time.sleep(0.4)
    assert len(calls) >= 3
    assert "run-1-heartbeat: beat failed: database went away" in caplog.text


def test_zero_interval_means_no_thread():
    beats = []
    with beating(lambda: beats.append(1), every=0):
        assert not [t for t in threading.enumerate() if t.name == "heartbeat"]
        time.sleep(0.1)
    assert beats == []
