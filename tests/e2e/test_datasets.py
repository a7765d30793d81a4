"""A contributor uploads a CSV in the browser, watches a real worker scrub it, sets column roles, reads
the report, approves; the approved file holds only the released columns."""
import hashlib
import re

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from datasets_app.models import DatasetVersion
from tests.conftest import point_storages_at, reset_storages
from datasets_app.storage import scrubbed_outputs
from tests.datasets_app.conftest import IDENTITY_FIELDS, csv_bytes, identity_rows, identity_values
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
def test_contributor_sets_column_roles_and_the_approved_file_holds_no_dropped_value(
        worker_env, celery_worker_process, contributor, page, live_server, tmp_path):
    """Issue 8, hole 1 in the browser: identity columns are suggested as dropped, the steward
    approves, and the approved file (read byte by byte) holds no value of a dropped column."""
    rows = identity_rows(60)  # 60 rows, 6 shards
    data = tmp_path / "support_tickets.csv"
    data.write_bytes(csv_bytes(rows, IDENTITY_FIELDS))

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
    roles = page.get_by_test_id("column-roles")
    expected = {"customer_name": "drop", "email": "drop", "phone": "drop", "address": "drop",
                "subject": "scrub", "body": "scrub", "label": "label"}
    for column, role in expected.items():
        expect(roles.locator(f'select[data-column="{column}"]')).to_have_value(role)
        expect(roles.locator(f'tr[data-column="{column}"] [data-testid="suggested-role"]')).to_contain_text(role)
    page.get_by_role("button", name="Start scrubbing").click()

    expect(page.locator("#scrub-progress")).to_contain_text("rows", timeout=20_000)
    # The live part updates itself and, when done, the page reloads into the report.
    expect(page.get_by_role("heading", name="PII report")).to_be_visible(timeout=180_000)
    table = page.get_by_test_id("column-table")
    for column in ("customer_name", "email", "phone", "address"):
        expect(table.locator(f'tr[data-column="{column}"]')).to_contain_text("no (dropped)")
    expect(table.locator('tr[data-column="label"]')).to_contain_text("yes")
    expect(page.get_by_test_id("sample")).to_be_visible()
    main = page.locator("main")
    for value in sorted(identity_values(rows)):
        expect(main).not_to_contain_text(value)

    version = DatasetVersion.objects.get(dataset__title="Browser tickets")
    assert version.status == DatasetVersion.Status.SCRUBBED and version.shard_count == 6
    expect(page.get_by_test_id("approve-sha256")).to_have_text(version.scrubbed_sha256)
    if version.residual_count:
        page.fill("textarea[name=override_reason]", "Reviewed by the steward: the hits are not personal data.")
    page.get_by_role("button", name="Approve and freeze").click()
    page.get_by_role("dialog").get_by_role("button", name="Approve and freeze").click()  # the confirmation step
    expect(page.locator(".alert-ok")).to_contain_text("frozen")
    version.refresh_from_db()
    assert version.status == DatasetVersion.Status.APPROVED and version.approved_by_id == contributor.pk

    # The approved file, byte by byte: its header is the released columns, no dropped value is in it,
    # and it is the only file of the version left in media storage.
    with default_storage.open(version.scrubbed_file.name, "rb") as handle:
        approved = handle.read()
    assert hashlib.sha256(approved).hexdigest() == version.scrubbed_sha256
    assert approved.split(b"\n", 1)[0] == b"subject,body,label"
    leaked = [value for value in identity_values(rows) if value.encode("utf-8") in approved]
    assert leaked == []
    # Nor a piece of one: a surname, a town, a run of phone digits.
    pieces = {p for v in identity_values(rows) for p in re.split(r"[\s,@.+]+", v)
              if (p.isalpha() and p[:1].isupper() and len(p) >= 5) or (p.isdigit() and len(p) >= 4)}
    assert {"Hartmann", "Springfield", "7946"} <= pieces
    assert [p for p in sorted(pieces) if p.encode() in approved] == []
    assert scrubbed_outputs(version.dataset_id, version.number) == [version.scrubbed_file.name]
