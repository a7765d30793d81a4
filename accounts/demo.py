"""The demo's people. Later layers add their part of the story as registered demo steps."""
from __future__ import annotations

from collections.abc import Callable

from accounts.models import Organization, User
from accounts.roles import Role
from accounts.services import ensure_role_groups, organization_create, user_create

DEMO_PASSWORD = "accord-demo"

DEMO_ORGANIZATIONS = {
    "university": {"name": "Northfield University", "kind": Organization.Kind.ACADEMIC, "country": "GB"},
    "company": {"name": "Helix Support Systems GmbH", "kind": Organization.Kind.INDUSTRY, "country": "DE"},
}

# username: (first, last, organization key or None, role)
DEMO_USERS = {
    "contributor": ("Clara", "Steward", "company", Role.CONTRIBUTOR),
    "researcher": ("Ravi", "Research", "university", Role.RESEARCHER),
    "legal": ("Lena", "Counsel", "company", Role.LEGAL),
    "admin": ("Ada", "Ops", "university", Role.ADMIN),
    "auditor": ("Otto", "Audit", None, Role.AUDITOR),
}


def seed_people(log: Callable[[str], None]) -> dict[str, User]:
    ensure_role_groups()
    orgs = {}
    for key, spec in DEMO_ORGANIZATIONS.items():
        org = Organization.objects.filter(name=spec["name"]).first()
        orgs[key] = org or organization_create(actor=None, **spec)
    users = {}
    for username, (first, last, org_key, role) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@demo.accord.local",
                first_name=first,
                last_name=last,
                organization=orgs[org_key] if org_key else None,
                roles=[role],
                actor=None,
            )
            log(f"created user {username} ({role.label})")
        users[username] = user
    return users
