"""The periodic expiry task: warns once 14 days ahead, expires past the end, sends the signal."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from agreements.models import Agreement
from agreements.selectors import agreement_in_force
from agreements.signals import agreement_ended
from agreements.tasks import expire_agreements

pytestmark = pytest.mark.django_db


def _move_expiry(agreement, when):
    Agreement.objects.filter(pk=agreement.pk).update(expires_at=when)
    agreement.refresh_from_db()


def test_warning_is_sent_once(in_force, researcher, legal, django_capture_on_commit_callbacks):
    _move_expiry(in_force, timezone.now() + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_agreements.delay().get() == {"expired": 0, "warned": 1}
    warning = [m for m in mail.outbox if "expires on" in m.subject]
    assert len(warning) == 1 and set(warning[0].to) == {researcher.email, legal.email}
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_agreements.delay().get() == {"expired": 0, "warned": 0}
    assert len([m for m in mail.outbox if "expires on" in m.subject]) == 1
    assert agreement_in_force(Agreement.objects.get(pk=in_force.pk))


def test_far_expiry_is_left_alone(in_force):
    assert expire_agreements.delay().get() == {"expired": 0, "warned": 0}
    assert Agreement.objects.get(pk=in_force.pk).state == "approved"


def test_past_expiry_expires_with_signal_and_email(in_force, researcher, django_capture_on_commit_callbacks):
    _move_expiry(in_force, timezone.now() - dt.timedelta(minutes=1))
    assert not agreement_in_force(in_force)  # already out of force before the task runs
    received = []
    handler = lambda sender, agreement, reason, actor, **kw: received.append((agreement.pk, reason, actor))  # noqa: E731
    agreement_ended.connect(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert expire_agreements.delay().get() == {"expired": 1, "warned": 0}
    finally:
        agreement_ended.disconnect(handler)
    assert received == [(in_force.pk, "expired", None)]
    agreement = Agreement.objects.get(pk=in_force.pk)
    assert agreement.state == "expired" and agreement.expired_at is not None
    assert any("has expired" in m.subject and researcher.email in m.to for m in mail.outbox)
    assert expire_agreements.delay().get() == {"expired": 0, "warned": 0}
