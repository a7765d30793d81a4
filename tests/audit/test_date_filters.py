"""Date filters on the audit ledger answer 400 with the reason for any value, never 500 (issue 14)."""
import pytest

from audit.services import record_event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value,reason", [
    ("2020-01-01T00:00:00+99:00", "valid date/time"),
    ("2020-01-01T00:00:00+23:59:59.9999999", "offset"),
    ("2020-01-01T00:00:00+15:30", "offset"),
    ("2020-01-01T00:00:00-16:00", "offset"),
    ("9999-12-31T23:59:59-12:00", "out of range"),
    ("0001-01-01T00:00:00+05:00", "out of range"),
    ("2020-13-01", "valid date/time"),
    ("x" * 500, "valid date/time"),
])
@pytest.mark.parametrize("param", ["since", "until"])
def test_bad_dates_are_refused_with_the_reason(api_client_for, auditor, value, reason, param):
    response = api_client_for(auditor).get("/api/audit-events/", {param: value})
    assert response.status_code == 400, response.content
    assert reason in str(response.json()["extra"]["fields"][param])


def test_good_dates_with_offsets_still_filter(api_client_for, auditor):
    event = record_event(actor=None, action="test.happened", target=auditor, after={})
    client = api_client_for(auditor)
    at = event.created_at
    # +14:00 and -12:00 are real offsets: the same instant written both ways finds the event.
    for tz in ("+14:00", "-12:00"):
        import datetime as dt

        hours = 14 if tz == "+14:00" else -12
        local = at.astimezone(dt.timezone(dt.timedelta(hours=hours)))
        since = local.replace(microsecond=0).isoformat()
        response = client.get("/api/audit-events/", {"since": since, "action": "test.happened"})
        assert response.status_code == 200
        assert [e["seq"] for e in response.json()["results"]] == [event.seq]
        later = (local + dt.timedelta(seconds=2)).isoformat()
        assert client.get("/api/audit-events/", {"since": later, "action": "test.happened"}).json()["results"] == []
