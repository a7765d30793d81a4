"""Agreement journeys in a real browser: request → accept → legal approves → steward countersigns
→ in force; legal approves with a condition → the researcher accepts the amended terms → the
steward countersigns them → in force; and legal returns a request with a comment, the researcher
edits and resubmits."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements import services
from agreements.models import Agreement
from agreements.selectors import agreement_in_force
from tests.agreements.factories import make_approved_version
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def version(contributor):
    return make_approved_version(organization=contributor.organization, steward=contributor,
                                 title="Customer support tickets", license="CC-BY-4.0", use_terms=["GRU"])


def _switch_user(page, live_server, user):
    page.context.clear_cookies()
    login(page, live_server, user.username)


def test_request_accept_approve_countersign_in_force(page, live_server, researcher, legal, contributor, version):
    # The researcher finds the dataset in the catalogue.
    login(page, live_server, researcher.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.fill("input[name=q]", "support")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Customer support tickets").click()
    expect(page.locator("h1")).to_have_text("Customer support tickets")
    expect(page.get_by_text("PERSON")).to_be_visible()

    # … requests access; the use-term check updates live as uses are ticked.
    page.get_by_role("link", name="Request access").click()
    page.fill("input[name=project_title]", "Ticket routing model")
    page.fill("textarea[name=purpose]", "Fine-tune an encoder to route support tickets.")
    page.get_by_label("Model training").check()
    expect(page.locator("#use-checks")).to_contain_text("terms GRU allow general research use")
    page.get_by_role("button", name="Create request").click()

    # … reads and accepts the exact terms, then submits.
    expect(page.locator("#terms-text")).to_contain_text("Ticket routing model")
    page.get_by_role("button", name="Accept these terms").click()
    expect(page.locator("#signatures")).to_contain_text("Researcher: accepted")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".page-head .status").first).to_have_text("Submitted")
    agreement = Agreement.objects.get(access_request__project_title="Ticket routing model")
    assert agreement.accepted_sha256 == agreement.terms_sha256 and agreement.accepted_ip == "127.0.0.1"

    # Legal approves it from the review queue.
    _switch_user(page, live_server, legal)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Ticket routing model").click()
    expect(page.locator("#use-checks")).to_contain_text("Approve")
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("dialog").get_by_role("button", name="Approve").click()  # the confirmation step
    expect(page.locator(".messages")).to_contain_text("Agreement approved.")
    expect(page.locator("#in-force")).to_have_text("Not yet in force")

    # The steward countersigns from their dashboard.
    _switch_user(page, live_server, contributor)
    page.get_by_role("link", name=re.compile("Ticket routing model")).click()
    page.get_by_role("button", name=re.compile("Countersign for")).click()
    expect(page.locator(".messages")).to_contain_text("Countersigned")

    # The researcher sees the agreement in force.
    _switch_user(page, live_server, researcher)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    page.get_by_role("link", name="Ticket routing model").click()
    expect(page.locator("#in-force")).to_have_text("In force")
    assert agreement_in_force(Agreement.objects.get(pk=agreement.pk))


def test_legal_adds_a_condition_the_researcher_re_accepts_and_the_steward_countersigns_again(
        page, live_server, researcher, legal, contributor, version):
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="Churn study", purpose="Predict ticket escalation.",
        intended_uses=["model_training"], requested_end_date=timezone.localdate() + dt.timedelta(days=90),
        actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=researcher)
    services.agreement_submit(agreement=agreement, actor=researcher)
    original_sha = agreement.terms_sha256

    # Legal approves with a condition: the confirmation says it goes back to the researcher.
    login(page, live_server, legal.username)
    page.goto(f"{live_server.url}/agreements/review/")
    page.get_by_role("link", name="Churn study").click()
    page.fill("textarea[name=conditions]", "No re-identification attempts.")
    page.get_by_role("button", name="Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("the amended terms go back to the researcher")
    dialog.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Approved with conditions.")
    expect(page.locator(".page-head .status").first).to_have_text(
        "Approved with conditions, awaiting the researcher's acceptance")
    expect(page.locator("#in-force")).to_have_text("Not yet in force")
    expect(page.locator("#conditions-pending")).to_contain_text("waiting for the researcher to accept the amended terms")
    page.goto(f"{live_server.url}/agreements/review/")
    expect(page.locator("#awaiting-researcher")).to_contain_text("1 approved with conditions is waiting")
    assert not agreement_in_force(Agreement.objects.get(pk=agreement.pk))

    # The researcher reads it on the dashboard and in the inbox, then accepts the amended terms.
    _switch_user(page, live_server, researcher)
    expect(page.get_by_text("Conditions added: please accept the amended terms")).to_be_visible()
    page.get_by_role("link", name="Churn study").click()
    expect(page.locator("#conditions-pending")).to_contain_text("Please accept the amended terms.")
    expect(page.locator("#terms-text")).to_contain_text("6a. Conditions.")
    expect(page.locator("#terms-text")).to_contain_text("- No re-identification attempts.")
    page.get_by_role("button", name="Accept the amended terms").click()
    expect(page.locator(".messages")).to_contain_text("Amended terms accepted.")
    expect(page.locator(".page-head .status").first).to_have_text("Approved")
    expect(page.locator("#in-force")).to_have_text("Not yet in force")
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.accepted_sha256 == stored.terms_sha256 != original_sha
    assert not agreement_in_force(stored)

    # The steward countersigns the amended text; the agreement is in force.
    _switch_user(page, live_server, contributor)
    page.get_by_role("link", name=re.compile("Churn study")).click()
    expect(page.locator("#conditions")).to_contain_text("No re-identification attempts.")
    page.get_by_role("button", name=re.compile("Countersign for")).click()
    expect(page.locator(".messages")).to_contain_text("Countersigned")
    expect(page.locator("#in-force")).to_have_text("In force")
    assert agreement_in_force(Agreement.objects.get(pk=agreement.pk))


def test_legal_returns_with_a_comment_and_the_researcher_resubmits(page, live_server, researcher, legal, version):
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="Sentiment study", purpose="Broad purpose.",
        intended_uses=["model_training"], requested_end_date=timezone.localdate() + dt.timedelta(days=90),
        actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=researcher)
    services.agreement_submit(agreement=agreement, actor=researcher)

    login(page, live_server, legal.username)
    page.goto(f"{live_server.url}/agreements/review/")
    page.get_by_role("link", name="Sentiment study").click()
    page.fill("#return-form textarea[name=comment]", "Please narrow the purpose to billing tickets.")
    page.get_by_role("button", name="Return to researcher").click()
    expect(page.locator(".page-head .status").first).to_have_text("Changes requested")

    _switch_user(page, live_server, researcher)
    page.get_by_role("link", name="Sentiment study").click()  # from the dashboard panel
    expect(page.locator("#review-comment")).to_have_text("Please narrow the purpose to billing tickets.")
    page.get_by_role("link", name="Edit request").click()
    page.fill("textarea[name=purpose]", "Sentiment of billing tickets only.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#terms-text")).to_contain_text("Sentiment of billing tickets only.")
    page.get_by_role("button", name="Accept these terms").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".page-head .status").first).to_have_text("Submitted")

    _switch_user(page, live_server, legal)
    page.goto(f"{live_server.url}/agreements/review/")
    expect(page.get_by_role("link", name="Sentiment study")).to_be_visible()
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.state == "submitted" and stored.accepted_sha256 == stored.terms_sha256
    assert "billing tickets only" in stored.terms_text
