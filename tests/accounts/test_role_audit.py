"""G8: every role and permission change writes one audit event with before/after, whether it is
made through a service, django-admin or the shell (issue 10 point 2)."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import Role
from accounts.services import ensure_role_groups, user_create
from audit.context import acting_as
from audit.models import AuditEvent
from audit.services import verify_chain


@pytest.fixture
def groups(db):
    ensure_role_groups()
    return {role: Group.objects.get(name=role.value) for role in Role}


def _role_events(user):
    return list(AuditEvent.objects.filter(action="user.roles_changed", target_id=str(user.pk)).order_by("seq"))


def test_granting_roles_in_the_shell_is_audited_as_system(researcher, groups):
    researcher.groups.add(groups[Role.ADMIN], groups[Role.LEGAL])

    (event,) = _role_events(researcher)
    assert event.actor is None and event.actor_repr == "system"
    assert event.before == {"roles": ["researcher"]}
    assert event.after == {"roles": ["admin", "legal", "researcher"]}
    assert researcher.has_role(Role.ADMIN)  # the cached roles were refreshed
    assert verify_chain()[1] is None


def test_removing_clearing_and_setting_roles_are_each_audited(researcher, groups, auditor):
    with acting_as(auditor):
        researcher.groups.remove(groups[Role.RESEARCHER])
        researcher.groups.set([groups[Role.LEGAL]])
        researcher.groups.clear()
        researcher.groups.add(groups[Role.LEGAL], groups[Role.LEGAL])
        researcher.groups.add(groups[Role.LEGAL])  # already held: no change, no event

    events = _role_events(researcher)
    assert [(e.before["roles"], e.after["roles"]) for e in events] == [
        (["researcher"], []), ([], ["legal"]), (["legal"], []), ([], ["legal"]),
    ]
    assert all(e.actor == auditor for e in events)


def test_changes_from_the_group_side_are_audited_per_user(researcher, legal, groups):
    groups[Role.ADMIN].user_set.add(researcher, legal)
    groups[Role.ADMIN].user_set.clear()

    for user, role in ((researcher, "researcher"), (legal, "legal")):
        events = _role_events(user)
        assert [(e.before["roles"], e.after["roles"]) for e in events] == [
            ([role], ["admin", role]), (["admin", role], [role]),
        ]
        assert all(e.metadata == {"via": "group"} for e in events)


@pytest.mark.parametrize("flag, value", [("is_superuser", True), ("is_staff", True), ("is_active", False)])
def test_privilege_flags_are_audited_with_before_and_after(researcher, flag, value):
    setattr(researcher, flag, value)
    researcher.save()

    event = AuditEvent.objects.get(action="user.privileges_changed")
    assert event.target_id == str(researcher.pk)
    assert event.before == {flag: not value} and event.after == {flag: value}


def test_saving_without_a_flag_change_writes_nothing(researcher):
    researcher.first_name = "Renamed"
    researcher.save()
    researcher.save(update_fields=["last_login"])
    assert not AuditEvent.objects.filter(action="user.privileges_changed").exists()


def test_a_superuser_created_in_the_shell_is_audited(db):
    from accounts.models import User

    user = User.objects.create_superuser("root", "root@example.org", "pw-accord-test-1")
    event = AuditEvent.objects.get(action="user.privileges_changed")
    assert event.target_id == str(user.pk) and event.before is None
    assert event.after == {"is_superuser": True, "is_staff": True}


def test_a_rolled_back_change_leaves_no_event(researcher, groups):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        researcher.groups.add(groups[Role.ADMIN])
        1 / 0
    assert not _role_events(researcher)


def test_user_create_writes_one_event_naming_the_roles_it_grants(db, auditor):
    with transaction.atomic():
        user = user_create(username="newbie", password="pw-accord-test-9", roles=[Role.LEGAL], actor=auditor)
    (event,) = AuditEvent.objects.filter(target_id=str(user.pk), target_type="accounts.user")
    assert event.action == "user.created" and event.actor == auditor and event.after["roles"] == ["legal"]
    user.groups.add(Group.objects.get(name="admin"))  # a later change is audited again
    assert [e.after for e in _role_events(user)] == [{"roles": ["admin", "legal"]}]


def test_granting_admin_and_legal_in_django_admin_is_audited_with_the_admin_as_actor(client, researcher, groups):
    """The issue's reproduction: roles and flags changed through /django-admin/ write events."""
    from accounts.models import User

    boss = User.objects.create_superuser("boss", "boss@example.org", "pw-accord-test-2")
    client.force_login(boss)
    url = f"/django-admin/accounts/user/{researcher.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions",
                                                                                 "last_login", "date_joined")}
    data.update({
        "groups": [groups[Role.ADMIN].pk, groups[Role.LEGAL].pk, groups[Role.RESEARCHER].pk],
        "is_staff": "on", "is_active": "on",
        "date_joined_0": researcher.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": researcher.date_joined.strftime("%H:%M:%S"),
        "organization": researcher.organization_id,
    })
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response

    (roles,) = _role_events(researcher)
    assert roles.actor == boss
    assert roles.before == {"roles": ["researcher"]} and roles.after == {"roles": ["admin", "legal", "researcher"]}
    flags = AuditEvent.objects.filter(action="user.privileges_changed", target_id=str(researcher.pk)).get()
    assert flags.actor == boss and flags.before == {"is_staff": False} and flags.after == {"is_staff": True}
