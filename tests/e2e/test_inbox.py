"""The in-app inbox (issue 13): legal sees an unread count when a request is submitted, opens the
notification to land on the agreement, and the count goes away."""
from django.db import transaction
from playwright.sync_api import expect

from agreements.emails import send_agreement_email
from tests.agreements.factories import make_agreement, make_approved_version
from tests.e2e.conftest import login


def test_unread_count_open_and_read(page, live_server, researcher, legal, contributor):
    version = make_approved_version(organization=contributor.organization, steward=contributor)
    agreement = make_agreement(researcher=researcher, versions=[version], state="submitted", accepted=True)
    with transaction.atomic():
        send_agreement_email(agreement_id=agreement.pk, event="submitted")

    login(page, live_server, legal.username)
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text("1")
    page.locator(".inbox-link").click()
    expect(page.locator("h1")).to_have_text("Inbox")
    page.get_by_role("button", name=f"New access request #{agreement.pk}").click()
    expect(page).to_have_url(f"{live_server.url}/agreements/{agreement.pk}/")
    expect(badge).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})  # the inbox link stays on a phone
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator(".inbox-link")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
