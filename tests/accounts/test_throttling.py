"""Issue 10 point 3: brute-force protection on the sign-in form (django-axes) and API throttles."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from audit.models import AuditEvent
from audit.services import verify_chain

PASSWORD = "pw-accord-test"  # tests.accounts.factories.UserFactory


def _login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_the_right_password_after_the_failure_limit_is_refused(client, researcher, settings):
    """The issue's reproduction: wrong passwords, then the right one, must not sign in."""
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        response = _login(client, researcher.username, "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    locked = _login(client, researcher.username, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page and researcher.username in page and "0:15:00" in page

    right = _login(client, researcher.username, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302  # still signed out


def test_a_lockout_is_audited_once_without_the_password(client, researcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(client, researcher.username, "hunter2-wrong")
    (event,) = AuditEvent.objects.filter(action="auth.locked_out")
    assert event.target_type == "accounts.user" and event.target_id == str(researcher.pk)
    assert event.metadata == {"ip_address": "127.0.0.1"}
    assert "hunter2" not in str(event.before) + str(event.after) + str(event.metadata) + event.target_repr
    assert verify_chain()[1] is None


def test_lockouts_are_per_username_and_address(client, researcher, legal, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, researcher.username, "wrong")
    # the same person from another address, and another account from this one, still sign in
    assert _login(client, researcher.username, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302
    client.logout()
    assert _login(client, legal.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, researcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, researcher.username, "wrong")
    assert _login(client, researcher.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, researcher.username, "wrong")
    assert _login(client, researcher.username, PASSWORD).status_code == 302


def test_the_admin_login_is_protected_too(client, db, settings):
    from accounts.models import User

    User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/django-admin/login/", {"username": "boss", "password": "wrong"})
    response = client.post("/django-admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429


def test_lockout_settings_come_from_the_environment(tmp_path):
    from tests.config.test_settings import _run

    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS, "
            "s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])")
    result = _run(["-c", code], {"DJANGO_DEBUG": "1", "AXES_FAILURE_LIMIT": "9", "AXES_COOLOFF_MINUTES": "60",
                                 "AXES_LOCKOUT_PARAMETERS": "username,ip_address", "API_THROTTLE_USER": "7/hour"},
                  tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("9 1:00:00 ['username', 'ip_address'] "
                                     "{'anon': '30/minute', 'user': '7/hour'}")


@pytest.fixture
def tight_api_rates(monkeypatch):
    # DRF binds the rates when the throttle classes are imported, so they are patched there.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})
    cache.clear()
    yield
    cache.clear()


def test_api_throttles_signed_in_callers(api_client_for, researcher, legal, tight_api_rates):
    client = api_client_for(researcher)
    codes = [client.get("/api/datasets/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    response = client.get("/api/datasets/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # another caller has a budget of its own
    assert api_client_for(legal).get("/api/datasets/").status_code == 200
