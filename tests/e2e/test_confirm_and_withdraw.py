"""Undo where it is safe, confirmation where it is not (issue 13): a researcher withdraws a draft after
a confirmation dialog; legal's revocation asks first and Cancel changes nothing; a steward archives a
failed version, which leaves the list."""
import pytest
from playwright.sync_api import expect

from agreements.models import Agreement
from audit.models import AuditEvent
from datasets_app.models import DatasetVersion
from tests.agreements.factories import make_agreement, make_approved_version
from tests.datasets_app.factories import DatasetFactory
from tests.e2e.conftest import login


@pytest.fixture
def version(contributor):
    return make_approved_version(organization=contributor.organization, steward=contributor,
                                 title="Customer support tickets", license="CC-BY-4.0", use_terms=["GRU"])


def test_researcher_withdraws_a_draft_after_confirming(page, live_server, researcher, version):
    draft = make_agreement(researcher=researcher, versions=[version], state="draft")
    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/agreements/{draft.pk}/")

    page.get_by_role("button", name="Withdraw request").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Withdraw request #{draft.pk}?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    draft.refresh_from_db()
    assert draft.state == Agreement.State.DRAFT

    page.get_by_role("button", name="Withdraw request").click()
    page.get_by_role("dialog").get_by_role("button", name="Withdraw request").click()
    expect(page.locator(".messages")).to_contain_text("Request withdrawn")
    expect(page.locator(".page-head .status").first).to_have_text("Withdrawn")
    expect(page.get_by_role("button", name="Withdraw request")).to_have_count(0)
    assert AuditEvent.objects.filter(action="agreement.withdrawn", actor=researcher).count() == 1


def test_revoking_asks_first_and_cancel_changes_nothing(page, live_server, researcher, legal, version):
    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                               countersigned=True, legal=legal)
    login(page, live_server, legal.username)
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    revoke = page.locator("#revoke")
    revoke.locator("textarea[name=reason]").fill("Breach of the data-use terms")

    revoke.get_by_role("button", name="Revoke agreement").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("cannot be undone")
    page.keyboard.press("Escape")  # a native <dialog> closes on Escape: nothing is sent
    expect(dialog).to_have_count(0)
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.APPROVED

    revoke.get_by_role("button", name="Revoke agreement").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke agreement").click()
    expect(page.locator(".messages")).to_contain_text("Agreement revoked")
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.REVOKED
    assert agreement.revocation_reason == "Breach of the data-use terms"


def test_steward_archives_a_failed_version(page, live_server, contributor):
    dataset = DatasetFactory(organization=contributor.organization, steward=contributor, title="Broken upload")
    failed = DatasetVersion.objects.create(dataset=dataset, number=1, status="failed", created_by=contributor,
                                           raw_sha256="0" * 64, failure_reason="Not UTF-8 at byte 12")
    login(page, live_server, contributor.username)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/")
    page.get_by_role("link", name="v1").first.click()
    page.get_by_role("button", name="Archive version").click()
    page.get_by_role("dialog").get_by_role("button", name="Archive version").click()
    expect(page.locator(".messages")).to_contain_text("archived")
    expect(page.get_by_role("link", name="v1")).to_have_count(0)
    failed.refresh_from_db()
    assert failed.archived_at is not None and failed.status == "failed"
