"""The operations page (issue 14): queues, workers and work in progress, for ML ops admins only."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from reliability.models import OutboxMessage
from tests.conftest import wait_for
from tests.faults.conftest import fault_env, private_redis  # noqa: F401 - a private Redis and real workers
from tests.training.conftest import covered_version, gpu_handoffs, tiny_base_model, tiny_bert_path  # noqa: F401

URL = "/ops/"


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["contributor", "researcher", "legal", "auditor"])
def test_only_admins_see_it(client, request, role):
    """G6: worker names, queues and what runs where are for ML ops, not for other roles."""
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 403
    assert b"Messages waiting" not in response.content


def test_admins_see_it_in_their_navigation(client, ml_admin):
    client.force_login(ml_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert {"label": "Operations", "url": URL, "active": True} in response.context["nav_items"]


def test_it_shows_the_outbox_backlog_and_silent_runs(client, ml_admin, tiny_base_model, covered_version,
                                                    gpu_handoffs):
    from training.models import RunState, TrainingRun
    from training.services import training_run_launch

    run = training_run_launch(actor=ml_admin, base_model=tiny_base_model, dataset_versions=[covered_version])
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING,
                                                 heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    OutboxMessage.objects.create(task_name="datasets_app.tasks.scrub_version", args=[1],
                                 last_error="OperationalError: Connection refused")
    client.force_login(ml_admin)
    overview = client.get(URL).context["overview"]
    rows = {row.label: (row.in_progress, row.silent) for row in overview.work}
    assert rows["Training runs on a gpu worker"] == (1, 1)
    assert overview.outbox_pending >= 1 and "Connection refused" in overview.outbox_last_error


@pytest.mark.worker
@pytest.mark.faults
def test_it_shows_queue_depths_and_the_workers_that_answer(client, ml_admin, fault_env):  # noqa: F811
    from training.tasks import train_run

    client.force_login(ml_admin)
    for missing_run in (999_001, 999_002, 999_003):  # ids of no run: a worker ignores them
        train_run.apply_async(args=[missing_run])
    page = client.get(URL).content.decode()
    assert re.search(r'data-queue="gpu"><td>gpu</td><td>3</td>', page), page
    assert "No worker answered" in page

    worker = fault_env.start_worker("ops")
    wait_for(lambda: "999003" in worker.log_path.read_text() and "succeeded" in worker.log_path.read_text(),
             timeout=60, message="the worker to take the gpu messages")
    response = client.get(URL)
    page = response.content.decode()
    [shown] = response.context["overview"].workers
    assert shown.name.startswith("fault-ops-") and shown.queues == ["default", "gpu", "scrub"]
    assert shown.concurrency == 2
    assert f'data-worker="{shown.name}"' in page and "default, gpu, scrub" in page
    assert re.search(r'data-queue="gpu"><td>gpu</td><td>0</td>', page)

    fault_env.redis.kill()  # the page still answers, and says what it cannot know
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["overview"].workers is None
    assert "unknown: broker unreachable" in response.content.decode()
