"""The Celery wiring, proven with a real worker process on the configured broker (Redis in CI)."""
import pytest
from django.conf import settings
from django.db import transaction
from django_celery_results.models import TaskResult

from audit.services import record_event
from audit.tasks import verify_ledger
from config.celery import app


def test_celery_configuration_is_json_only_with_three_queues_and_late_acks():
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert {q.name for q in app.conf.task_queues} == {"default", "scrub", "gpu"}
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.result_backend == "reliability.result_backend:ResultBackend" and app.conf.result_backend_always_retry
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.amqp.router.route({}, "training.tasks.train_run")["queue"].name == "gpu"
    assert app.amqp.router.route({}, "datasets_app.tasks.scrub_version")["queue"].name == "scrub"
    assert app.amqp.router.route({}, "audit.tasks.verify_ledger")["queue"].name == "default"


@pytest.mark.worker
def test_a_real_worker_runs_a_task_sent_through_the_broker(celery_worker_process, contributor):
    with transaction.atomic():
        for i in range(3):
            record_event(actor=contributor, action="worker.proof", target=("tests.thing", i))

    assert app.conf.task_always_eager is False
    async_result = verify_ledger.delay()
    result = async_result.get(timeout=60)

    assert result == {"checked": 3, "intact": True, "problem": None}
    row = TaskResult.objects.get(task_id=async_result.id)
    assert row.status == "SUCCESS"
    assert row.task_name == "audit.tasks.verify_ledger"
    assert row.worker and row.worker.startswith("test-")  # ran in the worker process, not here
    assert f"Task audit.tasks.verify_ledger[{async_result.id}] succeeded" in celery_worker_process.log_path.read_text()
