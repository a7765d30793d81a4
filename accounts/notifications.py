"""In-app notifications and the e-mails that go with them (issue 13).

`notify()` is called after the change committed (from a Celery task): it writes one inbox line per
person and sends one e-mail to those who have not muted the category, with absolute links built
from settings.SITE_URL. Categories are registered by the apps that send them."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, NotificationSetting, User

CATEGORIES: dict[str, str] = {}


def register_category(key: str, label: str) -> None:
    CATEGORIES.setdefault(key, label)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def muted_categories(user: User) -> list[str]:
    setting = NotificationSetting.objects.filter(user=user).first()
    return list(setting.email_muted) if setting else []


@transaction.atomic
def notify(*, users: Iterable[User], kind: str, title: str, url: str = "", body: str = "",
           subject_prefix: str = "[Accord] ") -> int:
    """Inbox lines for every active person in `users`; one e-mail to those who want this category.
    Returns how many people were e-mailed."""
    people = {u.pk: u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title[:300], body=body, url=url) for u in people.values()])
    category = kind.split(".", 1)[0]
    muted = set(NotificationSetting.objects.filter(user_id__in=people, email_muted__contains=[category])
                .values_list("user_id", flat=True)) if _json_contains_supported() else {
        s.user_id for s in NotificationSetting.objects.filter(user_id__in=people) if category in s.email_muted}
    to = sorted({u.email for pk, u in people.items() if u.email and pk not in muted})
    if not to:
        return 0
    text = body.rstrip() + (f"\n\nOpen it in Accord: {absolute_url(url)}" if url else "")
    text += f"\n\nChoose which e-mails you receive: {absolute_url('/inbox/settings/')}"
    send_mail(subject_prefix + title, text, settings.DEFAULT_FROM_EMAIL, to)
    return len(to)


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_page(user: User, *, limit: int = 50):
    return list(Notification.objects.filter(user=user)[:limit])


@transaction.atomic
def notification_open(*, notification: Notification, actor: User) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionError("not yours")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_settings_update(*, actor: User, email_muted: Iterable[str]) -> NotificationSetting:
    setting, _ = NotificationSetting.objects.get_or_create(user=actor)
    setting.email_muted = sorted({c for c in email_muted if c in CATEGORIES})
    setting.save(update_fields=["email_muted"])
    return setting


def notify_on_commit(*, user_ids: Iterable[int], kind: str, title: str, url: str = "", body: str = "") -> None:
    """From inside a service's transaction: deliver once it commits (a Celery task), never before."""
    from accounts.tasks import deliver_notification

    ids = sorted({i for i in user_ids if i})
    if ids:
        transaction.on_commit(lambda: deliver_notification.delay(ids, kind, title, url, body))
