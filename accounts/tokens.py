"""Personal API tokens: the writes (create, revoke; each audited in the same transaction, G8) and
the one read the tokens page needs. The key is returned once by `api_token_create` and never stored."""
from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.authentication import key_digest
from accounts.models import ApiToken, User
from audit.services import record_event
from config.exceptions import ApplicationError, conflict

MAX_ACTIVE_TOKENS = 20


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


@transaction.atomic
def api_token_create(*, name: str, actor: User) -> tuple[ApiToken, str]:
    """A new token for the actor themself; returns (token, key). The audit event names the token,
    never the key."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Give the token a name, so you can tell it apart later.", code="name_required")
    if len(name) > 100:
        raise ApplicationError("Keep the name under 100 characters.", code="name_too_long")
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one creation at a time per person
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise conflict(f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    key = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, key_sha256=key_digest(key), key_hint=key[:10])
    record_event(actor=actor, action="api_token.created", target=token, after={"name": name, "hint": token.key_hint})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token.pk, user=actor).first()
    if token is None:  # someone else's token answers like a missing one
        raise ApplicationError("No such token.", status=404, code="not_found")
    if token.revoked_at is not None:
        raise conflict("This token was already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(actor=actor, action="api_token.revoked", target=token, before={"revoked": False},
                 after={"revoked": True, "name": token.name})
    return token
