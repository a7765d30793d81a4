"""Authentication by a named personal API token (`Authorization: Token acc_…`). Keys without the
`acc_` prefix are left to DRF's own TokenAuthentication (tokens made with `drf_create_token`)."""
from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.models import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # at most one write a minute per token


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(header) != 2 or header[0].lower() != self.keyword.lower() or not header[1].startswith(ApiToken.PREFIX):
            return None
        return self.authenticate_credentials(header[1])

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_sha256=key_digest(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names the personal tokens (apart from DRF's own `tokenAuth`)."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A personal token from the API tokens page: `Token acc_…`."}
