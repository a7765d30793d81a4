"""The shell in a real browser: log in as each role, role-dependent navigation, errors, logout, the ledger."""
import re

import pytest
from django.db import transaction
from playwright.sync_api import expect

from accounts.roles import Role
from audit.services import record_event
from tests.e2e.conftest import login

ROLE_FIXTURES = {
    Role.CONTRIBUTOR: "contributor",
    Role.RESEARCHER: "researcher",
    Role.LEGAL: "legal",
    Role.ADMIN: "ml_admin",
    Role.AUDITOR: "auditor",
}


@pytest.mark.parametrize("role", list(ROLE_FIXTURES), ids=[r.value for r in ROLE_FIXTURES])
def test_each_role_logs_in_to_its_dashboard(role, request, page, live_server):
    user = request.getfixturevalue(ROLE_FIXTURES[role])

    login(page, live_server, user.username)

    expect(page).to_have_title(re.compile("Dashboard"))
    expect(page.locator(".who .pill-role")).to_have_text([role.value])
    expect(page.locator(".page-head .muted")).to_contain_text(role.label)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    ledger_link = nav.get_by_role("link", name="Audit ledger")
    if role is Role.AUDITOR:
        expect(ledger_link).to_be_visible()
        expect(page.locator(".panel h2", has_text="Audit ledger")).to_be_visible()
    else:
        expect(ledger_link).to_have_count(0)
        expect(page.locator(".panel h2", has_text="Audit ledger")).to_have_count(0)


def test_wrong_password_shows_an_error_and_stays_logged_out(page, live_server, researcher):
    login(page, live_server, researcher.username, "not-the-password", expect_success=False)

    expect(page.locator(".form-errors")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/dashboard/"))


def test_logout_ends_the_session(page, live_server, legal):
    login(page, live_server, legal.username)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/dashboard/"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_auditor_reads_and_filters_the_ledger(page, live_server, auditor, contributor):
    with transaction.atomic():
        record_event(actor=contributor, action="dataset.uploaded", target=("datasets.dataset", 7), after={"n": 1})
        record_event(actor=contributor, action="dataset.approved", target=("datasets.dataset", 7),
                     before={"state": "scrubbed"}, after={"state": "approved"})

    login(page, live_server, auditor.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit ledger").click()

    expect(page.locator("h1")).to_have_text("Audit ledger")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("dataset.approved")
    expect(rows.first).to_contain_text(contributor.username)

    page.fill("input[name=action]", "dataset.up")  # a prefix: the ledger filters by index, not substring
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dataset.uploaded")

    page.get_by_role("link", name="Verify chain").first.click()
    # G8: a background task walks the chain; the page follows it (2 events + the request itself)
    page.get_by_role("button", name="Start a verification").click()
    expect(page.get_by_role("status")).to_contain_text("3 events verified")
