"""The one error type services raise, and its mapping to clean API responses."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A refusal a person can act on: bad input (400), not allowed (403), wrong state (409)...

    `reasons` carries every failing reason when there is more than one (the training gate).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "invalid",
        reasons: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.reasons = list(reasons or [])
        self.extra = dict(extra or {})

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code, "reasons": self.reasons}
        if self.extra:
            body["extra"] = self.extra
        return body


def forbidden(message: str, **kwargs: Any) -> ApplicationError:
    return ApplicationError(message, status=403, code="forbidden", **kwargs)


def conflict(message: str, **kwargs: Any) -> ApplicationError:
    return ApplicationError(message, status=409, code="conflict", **kwargs)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(getattr(exc, "message_dict", None) or exc.messages)
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = {"message": "Validation error", "code": "invalid", "extra": {"fields": response.data}}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"message": str(detail), "code": getattr(detail, "code", "error")}
    return response
