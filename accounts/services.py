from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Organization, User
from accounts.roles import Role
from audit.services import record_event


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def organization_create(*, name: str, kind: str, country: str, actor: User | None) -> Organization:
    org = Organization(name=name, kind=kind, country=country.upper())
    org.full_clean()
    org.save()
    record_event(actor=actor, action="organization.created", target=org, after={"name": name, "kind": kind, "country": org.country})
    return org


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    organization: Organization | None = None,
    roles: Iterable[Role | str] = (),
    actor: User | None,
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, organization=organization)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    role_names = sorted({Role(r).value for r in roles})
    ensure_role_groups()
    # One state change, one event (G8): `user.created` below names the roles, so the role-change
    # receiver (accounts.signals) stays quiet for this assignment.
    user._audit_roles_recorded_by_service = True
    user.groups.set(Group.objects.filter(name__in=role_names))
    user._audit_roles_recorded_by_service = False
    record_event(
        actor=actor,
        action="user.created",
        target=user,
        after={"username": username, "organization": organization.pk if organization else None, "roles": role_names},
    )
    return user
