from celery import shared_task


@shared_task(name="accounts.tasks.deliver_notification")
def deliver_notification(user_ids: list[int], kind: str, title: str, url: str = "", body: str = "") -> int:
    from accounts.models import User
    from accounts.notifications import notify

    return notify(users=User.objects.filter(pk__in=user_ids), kind=kind, title=title, url=url, body=body)
