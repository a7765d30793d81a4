"""A contributor uploads a CSV in the browser, watches a real worker scrub it, reads the report, approves."""
import re

import pytest
from playwright.sync_api import expect

from datasets_app.models import DatasetVersion
from tests.conftest import point_storages_at, reset_storages
from tests.datasets_app.conftest import TICKETS, csv_bytes
from tests.e2e.conftest import login


@pytest.fixture
def worker_env(monkeypatch, tmp_path, settings):
    """The worker and the live server share storage folders; shards are small so several run."""
    for name, sub in (("MEDIA_ROOT", "media"), ("QUARANTINE_ROOT", "quarantine")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("ACCORD_SCRUB_SHARD_ROWS", "10")
    settings.ACCORD_SCRUB_SHARD_ROWS = 10
    point_storages_at(settings, tmp_path)
    yield
    reset_storages()


@pytest.mark.worker
def test_contributor_uploads_watches_scrub_and_approves(worker_env, celery_worker_process, contributor, page,
                                                        live_server, tmp_path):
    rows = [dict(t, ticket_id=f"T-{i}") for i, t in enumerate(TICKETS * 20)]  # 60 rows, 6 shards
    data = tmp_path / "support_tickets.csv"
    data.write_bytes(csv_bytes(rows))

    login(page, live_server, contributor.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    page.get_by_role("link", name="New dataset").click()
    page.fill("input[name=title]", "Browser tickets")
    page.select_option("select[name=license]", "CC-BY-4.0")
    page.fill("textarea[name=attribution_text]", "Test Company support team")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.locator("h1")).to_have_text("Browser tickets")

    page.set_input_files("input[name=file]", str(data))
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(r"/datasets/versions/\d+/$"))
    # Validation runs on the worker; the page reloads itself when the columns are known.
    expect(page.get_by_role("button", name="Start scrubbing")).to_be_visible(timeout=90_000)
    page.check("input[name=text_fields][value=subject]")
    page.check("input[name=text_fields][value=body]")
    page.select_option("select[name=label_field]", "category")
    page.get_by_role("button", name="Start scrubbing").click()

    expect(page.locator("#scrub-progress")).to_contain_text("rows", timeout=20_000)
    # The live part updates itself and, when done, the page reloads into the report.
    expect(page.get_by_role("heading", name="PII report")).to_be_visible(timeout=180_000)
    expect(page.get_by_test_id("sample")).to_contain_text("<PERSON>")
    expect(page.locator("main")).not_to_contain_text("John Smith")
    expect(page.get_by_test_id("total-findings")).not_to_have_text("0")

    version = DatasetVersion.objects.get(dataset__title="Browser tickets")
    assert version.status == DatasetVersion.Status.SCRUBBED and version.shard_count == 6
    if version.residual_count:
        page.fill("textarea[name=override_reason]", "Reviewed by the steward: the hits are not personal data.")
    page.get_by_role("button", name="Approve and freeze").click()
    expect(page.locator(".alert-ok")).to_contain_text("frozen")
    version.refresh_from_db()
    assert version.status == DatasetVersion.Status.APPROVED and version.approved_by_id == contributor.pk
