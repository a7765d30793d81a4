"""Fixtures for the reliability tests: a broker that refuses every message."""
import pytest
from kombu.exceptions import OperationalError

from config.celery import app
from tests.datasets_app.conftest import _isolated_storage, dataset, scrub, upload  # noqa: F401


@pytest.fixture
def broker_down():
    """Not eager, and every send fails the way kombu does when Redis is away. `.up()` restores it
    (eager again, as the rest of the suite runs)."""
    from celery.app.task import Task

    original_apply, original_eager = Task.apply_async, app.conf.task_always_eager

    class Switch:
        refused: list = []

        def down(self):
            def refuse(task, *args, **kwargs):
                self.refused.append(task.name)
                raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

            app.conf.task_always_eager = False
            Task.apply_async = refuse

        def up(self):
            Task.apply_async = original_apply
            app.conf.task_always_eager = original_eager

    switch = Switch()
    switch.refused = []
    switch.down()
    yield switch
    switch.up()

from tests.training.conftest import covered_version, tiny_base_model, tiny_bert_path, tiny_hyper  # noqa: E402,F401
