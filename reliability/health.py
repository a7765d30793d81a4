"""Liveness and readiness for load balancers and orchestrators; no login, no data in the answer.

- /healthz: the web process answers (liveness: restart it if this fails).
- /readyz: the database answers a query, the broker accepts a connection and both storages are
  writable (readiness: send traffic only while this is 200). Each check says ok or its error
  class, never a connection string or a path.
"""
from __future__ import annotations

import time
import uuid

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    from reliability.broker import ping

    ping(timeout=2.0)


def _check_storage() -> None:
    from django.core.files.storage import storages

    for alias in ("default", "quarantine"):
        storage = storages[alias]
        name = storage.save(f"health/.probe-{uuid.uuid4().hex}", ContentFile(b"ok"))
        storage.delete(name)


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage}


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request):
    results = {}
    ok = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            results[name] = {"ok": True, "ms": round(1000 * (time.monotonic() - started), 1)}
        except Exception as exc:  # the reason's class only: no DSN, host or path leaks out
            ok = False
            results[name] = {"ok": False, "error": type(exc).__name__}
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503)
