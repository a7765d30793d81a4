"""Notifications (issue 13): an inbox line for each person concerned, one e-mail with absolute links
from SITE_URL to those who did not mute the category, an unread count, read on opening; nobody
opens another person's notification."""
from django.core import mail

from accounts.models import Notification
from accounts.notifications import notification_settings_update, unread_count
from agreements import services


def _submit(draft, researcher, capture):
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip="10.0.0.7", actor=researcher)
    with capture(execute=True):
        services.agreement_submit(agreement=draft, actor=researcher)


def test_submission_reaches_legals_inbox_and_mail_with_an_absolute_link(draft, researcher, legal, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://accord.example.org"
    _submit(draft, researcher, django_capture_on_commit_callbacks)

    item = Notification.objects.get(user=legal)
    assert item.kind == "agreement.submitted" and item.url == f"/agreements/{draft.pk}/"
    assert unread_count(legal) == 1 and unread_count(researcher) == 0
    message = mail.outbox[-1]
    assert message.to == [legal.email]
    assert f"https://accord.example.org/agreements/{draft.pk}/" in message.body
    assert "https://accord.example.org/inbox/settings/" in message.body
    assert "\n/agreements/" not in message.body and " /agreements/" not in message.body  # no relative link left


def test_a_muted_category_still_reaches_the_inbox_but_not_the_mail(draft, researcher, legal,
                                                                   django_capture_on_commit_callbacks):
    notification_settings_update(actor=legal, email_muted=["agreement", "not-a-category"])
    _submit(draft, researcher, django_capture_on_commit_callbacks)
    assert unread_count(legal) == 1
    assert not any(legal.email in m.to for m in mail.outbox)


def test_opening_marks_read_and_goes_to_the_page_only_for_its_owner(draft, researcher, legal, client,
                                                                    django_capture_on_commit_callbacks):
    _submit(draft, researcher, django_capture_on_commit_callbacks)
    item = Notification.objects.get(user=legal)

    client.force_login(researcher)
    assert client.post(f"/inbox/{item.pk}/open/").status_code == 404
    client.force_login(legal)
    assert 'hx-get="/inbox/count/"' in client.get("/dashboard/").content.decode()
    assert 'data-testid="unread-count">1<' in client.get("/inbox/count/").content.decode()
    response = client.post(f"/inbox/{item.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/agreements/{draft.pk}/"
    item.refresh_from_db()
    assert item.read_at is not None and unread_count(legal) == 0
    assert "unread-count" not in client.get("/inbox/count/").content.decode()


def test_settings_page_saves_email_choices(client, legal):
    client.force_login(legal)
    page = client.get("/inbox/settings/").content.decode()
    assert 'value="agreement" checked' in page
    client.post("/inbox/settings/", {})  # nothing ticked: all muted
    assert 'value="agreement" checked' not in client.get("/inbox/settings/").content.decode()
    client.post("/inbox/settings/", {"email": ["agreement"]})
    assert 'value="agreement" checked' in client.get("/inbox/settings/").content.decode()
