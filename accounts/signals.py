"""G8: every role and permission change writes an audit event, whichever way it is made.

Group membership (roles) through `user.groups` or `group.user_set` (services, django-admin, the
shell), and the is_superuser / is_staff / is_active flags on save. Bulk operations that send no
signals (QuerySet.update, bulk_create on the through table, raw SQL) are not seen here; the
services never use them for roles. Brute-force lockouts (django-axes) are audited here too.
"""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from axes.signals import user_locked_out
from django.dispatch import receiver

from accounts.models import User
from audit.context import current_actor
from audit.services import record_event

FLAGS = ("is_superuser", "is_staff", "is_active")


def _roles_of(user_ids) -> dict[int, list[str]]:
    roles: dict[int, list[str]] = {pk: [] for pk in user_ids}
    for user_id, name in User.groups.through.objects.filter(user_id__in=roles).values_list("user_id", "group__name"):
        roles[user_id].append(name)
    return {pk: sorted(names) for pk, names in roles.items()}


def _affected_user_ids(instance, reverse: bool, pk_set) -> list[int]:
    if not reverse:
        return [instance.pk]
    if pk_set is not None:
        return sorted(pk_set)
    return list(instance.user_set.values_list("pk", flat=True))  # clear() on a group


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.audit_role_changes")
def audit_role_changes(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse and getattr(instance, "_audit_roles_recorded_by_service", False):
        return  # a service records this change in its own event (user_create: `user.created`)
    if action in ("pre_add", "pre_remove", "pre_clear"):
        ids = _affected_user_ids(instance, reverse, pk_set)
        instance._audit_roles_before = _roles_of(ids)
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    before = getattr(instance, "_audit_roles_before", None) or {}
    instance._audit_roles_before = None
    after = _roles_of(before)
    changed = [pk for pk in before if before[pk] != after[pk]]
    if not changed:
        return
    with transaction.atomic():  # inside the change's own transaction when there is one
        for user in User.objects.filter(pk__in=changed):
            record_event(
                actor=current_actor(), action="user.roles_changed", target=user,
                before={"roles": before[user.pk]}, after={"roles": after[user.pk]},
                metadata={"via": "group" if reverse else "user"},
            )
    if not reverse:
        instance.__dict__.pop("roles", None)  # the cached property is stale now


@receiver(pre_save, sender=User, dispatch_uid="accounts.remember_privilege_flags")
def remember_privilege_flags(sender, instance, raw, update_fields, **kwargs):
    instance._audit_flags_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(FLAGS):
        return  # e.g. last_login on every sign-in: nothing to compare
    instance._audit_flags_before = User.objects.filter(pk=instance.pk).values(*FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="accounts.audit_privilege_flags")
def audit_privilege_flags(sender, instance, created, raw, **kwargs):
    if raw:
        return
    after = {f: getattr(instance, f) for f in FLAGS}
    if created:
        if not (instance.is_superuser or instance.is_staff):
            return  # an ordinary account; user_create records its creation and roles
        before, changed = None, [f for f in FLAGS if f != "is_active"]
    else:
        before = getattr(instance, "_audit_flags_before", None)
        instance._audit_flags_before = None
        if before is None:
            return
        changed = [f for f in FLAGS if before[f] != after[f]]
        if not changed:
            return
    with transaction.atomic():
        record_event(
            actor=current_actor(), action="user.privileges_changed", target=instance,
            before={f: before[f] for f in changed} if before else None,
            after={f: after[f] for f in changed},
        )


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """A brute-force lockout (django-axes) is a state change of the account: audit it (G8)."""
    from django.conf import settings
    from django.utils import timezone

    from audit.models import AuditEvent

    user = User.objects.filter(username=username).first() if username else None
    target = user if user is not None else ("auth.username", (username or "")[:64])
    target_type, target_id = (("accounts.user", str(user.pk)) if user is not None else target)
    # axes signals again at every attempt during a lockout: one event per lockout window.
    if AuditEvent.objects.filter(
        action="auth.locked_out", target_type=target_type, target_id=target_id,
        metadata__ip_address=ip_address or "", created_at__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).exists():
        return
    with transaction.atomic():
        record_event(actor=None, action="auth.locked_out", target=target,
                     after={"locked_out": True}, metadata={"ip_address": ip_address or ""})
