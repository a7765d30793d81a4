"""The auditor's page, exports and API; everyone else is refused."""
import csv
import io
import json

import pytest
from django.db import transaction

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


def test_verify_page_reports_an_intact_ledger(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/verify/")
    assert response.status_code == 200
    assert response.context["checked"] == 3 and response.context["problem"] is None
    assert "The ledger is intact" in response.content.decode()


@pytest.mark.parametrize("url", ["/audit/", "/audit/verify/", "/audit/export.csv", "/audit/export.json"])
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
