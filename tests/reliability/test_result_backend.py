"""A task's result is stored even when the database dropped the worker's connection (issue 14)."""
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import OperationalError
from django_celery_results.models import TaskResult

from config.celery import app
from reliability.result_backend import ResultBackend

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")


def _terminate_our_connection():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = settings.DATABASES["default"]
    other = psycopg2.connect(dbname=connection.settings_dict["NAME"], user=db["USER"], host=db["HOST"] or None,
                             port=db["PORT"] or None, password=db["PASSWORD"] or None)
    try:
        other.autocommit = True
        other.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_the_app_stores_results_through_the_retrying_backend():
    assert isinstance(app.backend, ResultBackend)
    assert app.backend.always_retry and app.backend.max_retries == 5


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_result_stored_after_the_connection_was_terminated_reaches_the_database():
    task_id = str(uuid.uuid4())
    _terminate_our_connection()

    app.backend.store_result(task_id, {"rows": 500}, "SUCCESS")

    assert TaskResult.objects.get(task_id=task_id).status == "SUCCESS"


@pytest.mark.django_db(transaction=True)
def test_an_operational_error_outside_a_transaction_is_retried_on_a_fresh_connection(monkeypatch):
    task_id = str(uuid.uuid4())
    real_store = ResultBackend._store_result
    calls = []

    def drop_once(self, *args, **kwargs):
        calls.append(connection.connection)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_store(self, *args, **kwargs)

    monkeypatch.setattr(ResultBackend, "_store_result", drop_once)
    connection.ensure_connection()
    app.backend.store_result(task_id, 1, "SUCCESS")

    assert len(calls) == 2 and calls[1] is not calls[0]  # the second try ran on a new connection
    assert TaskResult.objects.filter(task_id=task_id).exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_error_is_raised_not_retried_on_another_connection(monkeypatch):
    monkeypatch.setattr(ResultBackend, "_store_result",
                        lambda *a, **k: (_ for _ in ()).throw(OperationalError("connection lost")))
    with pytest.raises(OperationalError), transaction.atomic():
        app.backend.store_result(str(uuid.uuid4()), 1, "SUCCESS")
