"""/healthz (liveness) and /readyz (database, broker, storage) for load balancers; no login."""
import pytest

from reliability import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_checks_database_broker_and_storage(client, tmp_path, settings):
    from tests.conftest import point_storages_at, reset_storages

    point_storages_at(settings, tmp_path)
    try:
        response = client.get("/readyz")
    finally:
        reset_storages()
    assert response.status_code == 200, response.content
    assert set(response.json()["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in response.json()["checks"].values())


def test_readyz_is_503_naming_the_failed_check_without_secrets(client, monkeypatch):
    def refused():
        raise ConnectionRefusedError("redis://:s3cret@10.0.0.5:6379/0 refused")

    monkeypatch.setitem(health.CHECKS, "broker", refused)
    monkeypatch.setitem(health.CHECKS, "storage", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["broker"] == {"ok": False, "error": "ConnectionRefusedError"}
    assert body["checks"]["database"]["ok"] is True
    assert "s3cret" not in response.content.decode()


def test_the_broker_check_fails_on_a_broker_that_is_down():
    from reliability.broker import ping

    with pytest.raises(Exception):
        ping(timeout=1, url="redis://127.0.0.1:1/0")  # nothing listens on port 1
