"""Personal API tokens (issue 13): created with a name, the key shown once and stored only as a
digest, last use recorded, revocation refuses the key at once; both audited (G8); nobody touches
another person's tokens."""
import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from audit.models import AuditEvent
from config.exceptions import ApplicationError


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_shows_the_key_once_and_keeps_only_its_digest(researcher):
    token, key = api_token_create(name="laptop notebook", actor=researcher)
    assert key.startswith("acc_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_sha256, stored.key_hint) and stored.key_hint == key[:10]
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor == researcher and event.after == {"name": "laptop notebook", "hint": key[:10]}
    assert key not in str(event.before) + str(event.after) + str(event.metadata)


def test_the_key_authenticates_and_records_last_use(researcher):
    token, key = api_token_create(name="ci", actor=researcher)
    response = _api(key).get("/api/me/")
    assert response.status_code == 200 and response.json()["username"] == researcher.username
    token.refresh_from_db()
    assert token.last_used_at is not None and timezone.now() - token.last_used_at < dt.timedelta(seconds=30)


def test_a_revoked_or_unknown_key_is_refused(researcher):
    token, key = api_token_create(name="ci", actor=researcher)
    api_token_revoke(token=token, actor=researcher)
    assert _api(key).get("/api/me/").status_code == 401
    assert _api(key[:-2] + "xx").get("/api/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=researcher).count() == 1
    with pytest.raises(ApplicationError) as exc:
        api_token_revoke(token=token, actor=researcher)
    assert exc.value.status == 409


def test_nobody_revokes_another_persons_token(researcher, legal, client):
    token, key = api_token_create(name="mine", actor=researcher)
    with pytest.raises(ApplicationError) as exc:
        api_token_revoke(token=token, actor=legal)
    assert exc.value.status == 404
    client.force_login(legal)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert "mine" not in client.get("/account/tokens/").content.decode()
    assert _api(key).get("/api/me/").status_code == 200


def test_a_name_is_required(researcher):
    with pytest.raises(ApplicationError):
        api_token_create(name="  ", actor=researcher)
    assert not ApiToken.objects.exists() and not AuditEvent.objects.filter(action="api_token.created").exists()


def test_drf_tokens_still_work(researcher):
    from rest_framework.authtoken.models import Token

    legacy = Token.objects.create(user=researcher)
    assert _api(legacy.key).get("/api/me/").status_code == 200


def test_the_page_creates_and_lists_tokens(client, researcher):
    client.force_login(researcher)
    response = client.post("/account/tokens/", {"name": "notebook"})
    body = response.content.decode()
    token = ApiToken.objects.get(user=researcher)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'data-testid="new-token-key"' in body and token.key_hint in body
    listing = client.get("/account/tokens/").content.decode()
    assert "notebook" in listing and 'data-testid="new-token-key"' not in listing and "never" in listing
    assert client.post("/account/tokens/", {"name": ""}).status_code == 400


def test_ago_says_just_now_under_a_minute_never_zero_minutes():
    from accounts.templatetags.accord import ago, humanize_code

    now = timezone.now()
    assert ago(now) == "just now" and ago(now - dt.timedelta(seconds=59)) == "just now"
    assert ago(now - dt.timedelta(minutes=3)) == "3\xa0minutes ago"
    assert humanize_code("changes_requested") == "Changes requested" and humanize_code("In force") == "In force"


def test_seed_demo_prints_the_port_it_serves_on(monkeypatch, capsys, db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    monkeypatch.setattr("accounts.management.commands.seed_demo.demo_steps", lambda: [])
    monkeypatch.setenv("PORT", "8010")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8010/login/" in out and ":8000/" not in out
