"""The API: scoping, transitions answering 403/409 with a reason, the catalogue, the schema."""
import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from agreements.models import Agreement
from tests.agreements.factories import make_approved_version

pytestmark = pytest.mark.django_db


def _request_body(version, **over):
    body = {"dataset_versions": [version.pk], "project_title": "Ticket router", "purpose": "Route tickets.",
            "intended_uses": ["model_training"],
            "requested_end_date": (timezone.localdate() + dt.timedelta(days=100)).isoformat()}
    body.update(over)
    return body


def test_full_journey_over_the_api(api_client_for, researcher, legal, contributor, version):
    r_client, l_client, s_client = api_client_for(researcher), api_client_for(legal), api_client_for(contributor)
    resp = r_client.post("/api/access-requests/", _request_body(version), format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    pk, sha = body["id"], body["terms_sha256"]
    assert body["state"] == "draft" and body["in_force"] is False

    assert r_client.post(f"/api/agreements/{pk}/accept/", {"terms_sha256": sha}, format="json").status_code == 200
    assert r_client.post(f"/api/agreements/{pk}/submit/").json()["state"] == "submitted"
    expires = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    resp = l_client.post(f"/api/agreements/{pk}/approve/", {"expires_at": expires}, format="json")
    assert resp.status_code == 200 and resp.json()["state"] == "approved" and resp.json()["in_force"] is False
    resp = s_client.post(f"/api/agreements/{pk}/countersign/")
    assert resp.status_code == 200, resp.json()
    assert resp.json()["in_force"] is True and resp.json()["problems"] == []
    resp = l_client.post(f"/api/agreements/{pk}/revoke/", {"reason": "Consent withdrawn"}, format="json")
    assert resp.json()["state"] == "revoked" and resp.json()["in_force"] is False


def test_researcher_cannot_read_anothers_request(api_client_for, researcher, make_user, university, version):
    other = make_user(Role.RESEARCHER, organization=university)
    pk = api_client_for(researcher).post("/api/access-requests/", _request_body(version), format="json").json()["id"]
    assert api_client_for(other).get(f"/api/agreements/{pk}/").status_code == 404
    assert api_client_for(other).get("/api/agreements/").json()["results"] == []
    assert [a["id"] for a in api_client_for(researcher).get("/api/agreements/").json()["results"]] == [pk]


def test_steward_sees_agreements_on_their_datasets_only(api_client_for, researcher, contributor, version,
                                                        make_user, university):
    client = api_client_for(researcher)
    mine = client.post("/api/access-requests/", _request_body(version), format="json").json()
    foreign = make_approved_version(title="Other org data")
    other = client.post("/api/access-requests/", _request_body(foreign), format="json").json()
    for a in (mine, other):
        client.post(f"/api/agreements/{a['id']}/accept/", {"terms_sha256": a["terms_sha256"]}, format="json")
        client.post(f"/api/agreements/{a['id']}/submit/")
    ids = [a["id"] for a in api_client_for(contributor).get("/api/agreements/").json()["results"]]
    assert ids == [mine["id"]]
    outsider = make_user(Role.CONTRIBUTOR, organization=university)
    resp = api_client_for(outsider).post(f"/api/agreements/{mine['id']}/countersign/")
    # Not theirs to see: the same 404 as a missing agreement (no existence oracle, issue 10).
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"


def test_transitions_answer_403_and_409_with_reasons(api_client_for, researcher, legal, submitted):
    pk = submitted.pk
    resp = api_client_for(researcher).post(f"/api/agreements/{pk}/approve/",
                                           {"expires_at": "2099-01-01"}, format="json")
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert "legal" in resp.json()["message"]
    resp = api_client_for(legal).post(f"/api/agreements/{pk}/accept/", {"terms_sha256": submitted.terms_sha256},
                                      format="json")
    assert resp.status_code == 403
    resp = api_client_for(researcher).post(f"/api/agreements/{pk}/submit/")
    assert resp.status_code == 409 and "is submitted; it cannot be submitted" in resp.json()["message"]
    assert api_client_for(legal).post(f"/api/agreements/{pk}/reject/", {"reason": "No"}, format="json").status_code == 200
    resp = api_client_for(legal).post(f"/api/agreements/{pk}/approve/", {"expires_at": "2099-01-01"}, format="json")
    assert resp.status_code == 409 and resp.json()["code"] == "conflict"
    assert Agreement.objects.get(pk=pk).state == "rejected"


def test_bad_input_is_a_clear_400_and_nothing_is_stored(api_client_for, researcher, version):
    client = api_client_for(researcher)
    resp = client.post("/api/access-requests/", _request_body(version, intended_uses=["mind_reading"]), format="json")
    assert resp.status_code == 400 and "intended_uses" in resp.json()["extra"]["fields"]
    resp = client.post("/api/access-requests/", _request_body(version, requested_end_date="2001-01-01"), format="json")
    assert resp.status_code == 400 and "future" in resp.json()["message"]
    resp = client.post("/api/access-requests/", _request_body(version, dataset_versions=[999999]), format="json")
    assert resp.status_code == 400
    assert Agreement.objects.count() == 0


def test_catalogue_lists_requestable_datasets_with_filters(api_client_for, researcher, contributor, version):
    make_approved_version(organization=contributor.organization, steward=contributor, title="Clinic notes",
                          license="CC-BY-NC-4.0", use_terms=["NCU"])
    from datasets_app.models import DatasetVersion
    from tests.agreements.factories import DatasetFactory

    unfinished = DatasetFactory(title="Not yet scrubbed")
    DatasetVersion.objects.create(dataset=unfinished, number=1, status="scrubbing", created_by=unfinished.steward)
    client = api_client_for(researcher)
    titles = [d["title"] for d in client.get("/api/datasets/").json()["results"]]
    assert titles == ["Clinic notes", "Customer support tickets"]
    assert [d["title"] for d in client.get("/api/datasets/?use_term=NCU").json()["results"]] == ["Clinic notes"]
    assert [d["title"] for d in client.get("/api/datasets/?license=CC-BY-4.0").json()["results"]] == [
        "Customer support tickets"]
    first = client.get("/api/datasets/?q=support").json()["results"][0]
    assert first["pii_summary"]["by_entity"] == {"PERSON": 40, "EMAIL_ADDRESS": 12}  # the API keeps the codes
    assert first["pii_summary"]["labels"] == {"PERSON": "Person's name", "EMAIL_ADDRESS": "E-mail address"}
    assert first["pii_summary"]["residual_total"] == 1
    assert "rows" not in first and "scrubbed_file" not in first
    assert api_client_for(contributor).get("/api/datasets/").status_code == 403


def test_transitions_are_in_the_openapi_schema(api_client_for, auditor):
    resp = api_client_for(auditor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    paths = resp.json()["paths"] if resp["Content-Type"].endswith("json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(resp.content)["paths"]
    for action in ("submit", "accept", "countersign", "approve", "return", "reject", "revoke"):
        assert f"/api/agreements/{{id}}/{action}/" in paths
    assert "/api/access-requests/" in paths and "/api/datasets/" in paths


@pytest.mark.parametrize("action, body", [("submit", {}), ("accept", {"terms_sha256": "0" * 64}), ("countersign", {}),
                                          ("review", {}), ("approve", {"expires_at": "2099-01-01"}),
                                          ("return", {"comment": "c"}), ("reject", {"reason": "r"}),
                                          ("revoke", {"reason": "r"})])
def test_an_agreement_the_caller_may_not_see_answers_like_a_missing_one(action, body, api_client_for, submitted,
                                                                        make_user, university):
    """Issue 10: no existence oracle. Another researcher gets the very answer a missing id gets."""
    other = api_client_for(make_user(Role.RESEARCHER, organization=university))
    hidden = other.post(f"/api/agreements/{submitted.pk}/{action}/", body, format="json")
    missing = other.post(f"/api/agreements/{submitted.pk + 1000}/{action}/", body, format="json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "not_found"
    assert hidden.json()["message"].replace(str(submitted.pk), "N") == \
        missing.json()["message"].replace(str(submitted.pk + 1000), "N")
    assert Agreement.objects.get(pk=submitted.pk).state == "submitted"
