"""django-celery-results' database backend, with a dropped connection retried on a fresh one (issue 14).

When the database drops a worker's connection while a task runs, the task body retries on a fresh
connection, but Celery then stores the task's result through the same dead connection. The stock
backend retries only `InterfaceError` ("connection already closed"), not the `OperationalError`
("server closed the connection unexpectedly") that the first use of a terminated connection
raises, so the result was lost and the chord failed a version whose shards had all succeeded.
Storing a result is an upsert by task id, so running it again is safe.
"""
from __future__ import annotations

from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django_celery_results.backends.database import DatabaseBackend


class ResultBackend(DatabaseBackend):
    def exception_safe_to_retry(self, exc: Exception) -> bool:
        # Inside a transaction a fresh connection would silently lose the transaction's work.
        if isinstance(exc, (InterfaceError, OperationalError)) and not connection.in_atomic_block:
            connection.close()
            return True
        return super().exception_safe_to_retry(exc)
