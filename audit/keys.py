"""The ledger's HMAC keys, read from settings (the environment), never from the database (G8).

`AUDIT_HMAC_KEY` signs new events and checkpoints under the id `AUDIT_HMAC_KEY_ID`; retired keys
(`AUDIT_HMAC_RETIRED_KEYS`, "id=secret,id=secret") still verify the events and checkpoints they
signed. `manage.py audit_rotate_key` explains and records a rotation.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UnknownKeyError(Exception):
    """An event or checkpoint names a key id this installation does not hold."""


def current_key_id() -> str:
    key_id = settings.AUDIT_HMAC_KEY_ID
    if not settings.AUDIT_HMAC_KEY or not key_id:
        raise ImproperlyConfigured("Set AUDIT_HMAC_KEY (and AUDIT_HMAC_KEY_ID): the audit ledger is keyed.")
    return key_id


def all_keys() -> dict[str, str]:
    keys = dict(settings.AUDIT_HMAC_RETIRED_KEYS or {})
    if settings.AUDIT_HMAC_KEY:
        keys[settings.AUDIT_HMAC_KEY_ID] = settings.AUDIT_HMAC_KEY
    return keys


def key_for(key_id: str) -> bytes:
    secret = all_keys().get(key_id)
    if not secret:
        raise UnknownKeyError(f"no audit key with id {key_id!r} is configured (AUDIT_HMAC_KEY / AUDIT_HMAC_RETIRED_KEYS)")
    return secret.encode()


def sign(payload: dict[str, Any], key_id: str) -> str:
    """HMAC-SHA256 of a JSON document (sorted keys), for checkpoints."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key_for(key_id), body, hashlib.sha256).hexdigest()


def signature_ok(payload: dict[str, Any], key_id: str, signature: str) -> bool:
    return hmac.compare_digest(sign(payload, key_id), signature or "")
