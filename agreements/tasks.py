"""Thin Celery tasks: take ids, call one service."""
from celery import shared_task


@shared_task(name="agreements.tasks.expire_agreements")
def expire_agreements() -> dict:
    from agreements.services import agreements_expire_due

    return agreements_expire_due()


@shared_task(name="agreements.tasks.send_agreement_email")
def send_agreement_email(agreement_id: int, event: str) -> int:
    from agreements.emails import send_agreement_email as send

    return send(agreement_id=agreement_id, event=event)
