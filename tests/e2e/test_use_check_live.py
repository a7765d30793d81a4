"""The live use-term check answers every change of uses or datasets, whatever the other fields hold
(issue 13): ticking uses before the title, purpose or end date are filled must not leave a stale
verdict on screen (htmx refuses to send a form that fails browser validation)."""
import pytest
from playwright.sync_api import expect

from tests.agreements.factories import make_approved_version
from tests.e2e.conftest import login


@pytest.fixture
def non_commercial(contributor):
    return make_approved_version(organization=contributor.organization, steward=contributor,
                                 title="Clinic letters", license="CC-BY-NC-4.0", use_terms=["GRU", "NCU"])


def test_verdict_follows_each_tick_with_the_rest_of_the_form_empty(page, live_server, researcher, non_commercial):
    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/agreements/request/?dataset={non_commercial.dataset_id}")
    checks = page.locator("#use-checks")
    overall = checks.locator("p", has_text="Overall")
    assert page.input_value("input[name=project_title]") == "" and page.input_value("textarea[name=purpose]") == ""

    # Commercial use first, title/purpose/end date still empty: refused at once.
    page.get_by_label("Commercial use").check()
    expect(overall).to_contain_text("Deny")
    expect(checks).to_contain_text("terms NCU allow non-commercial use only")

    # Taking it back and ticking training turns the verdict, again with nothing else filled.
    page.get_by_label("Commercial use").uncheck()
    page.get_by_label("Model training").check()
    expect(overall).not_to_contain_text("Deny")
    expect(checks).not_to_contain_text("non-commercial use only")

    # Unticking the dataset empties the check instead of keeping the old verdict.
    page.get_by_label("Clinic letters", exact=False).uncheck()
    expect(checks).to_contain_text("Choose dataset versions")
    page.get_by_label("Clinic letters", exact=False).check()
    page.get_by_label("Commercial use").check()
    expect(overall).to_contain_text("Deny")


def test_quick_ticks_end_on_the_verdict_for_the_last_one(page, live_server, researcher, non_commercial):
    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/agreements/request/?dataset={non_commercial.dataset_id}")
    commercial = page.get_by_label("Commercial use")
    for _ in range(3):
        commercial.check()
        commercial.uncheck()
    commercial.check()
    expect(page.locator("#use-checks p", has_text="Overall")).to_contain_text("Deny")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#use-checks p", has_text="Overall")).to_contain_text("Deny")
