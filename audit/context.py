"""Who is acting, for audit events written by signals (role changes made in the admin or the shell).

Services pass `actor=` explicitly. Signal receivers cannot, so the request middleware and
`acting_as()` put the actor in a context variable; outside both (the shell, a migration) the
actor is None and the event says "system".
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar = ContextVar("accord_audit_actor", default=None)


class _FromRequest:
    """Resolved only when a signal needs it, so requests that change no role pay nothing."""

    def __init__(self, request):
        self.request = request

    def resolve(self):
        user = getattr(self.request, "user", None)
        return user if getattr(user, "is_authenticated", False) else None


def current_actor():
    actor = _actor.get()
    return actor.resolve() if isinstance(actor, _FromRequest) else actor


@contextmanager
def acting_as(actor):
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


class AuditActorMiddleware:
    """Makes the signed-in user the actor of audit events that signals write during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(_FromRequest(request)):
            return self.get_response(request)
