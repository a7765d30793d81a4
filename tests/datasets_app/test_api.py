"""The API: the same services behind thin views, clean JSON errors, no raw data anywhere."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets_app.models import DatasetVersion
from tests.datasets_app.conftest import csv_bytes, gz, jsonl_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


@pytest.fixture
def steward_api(api_client_for, contributor):
    return api_client_for(contributor)


def test_contributor_creates_uploads_scrubs_and_approves(steward_api, django_capture_on_commit_callbacks):
    created = steward_api.post("/api/my-datasets/", {"title": "Tickets", "license": "cc-by-4.0",
                                                  "tags": ["Support"], "use_terms": ["GRU"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["license"] == "CC-BY-4.0" and created.json()["tags"] == ["support"]
    dataset_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = steward_api.post(f"/api/my-datasets/{dataset_id}/versions/",
                                    {"file": SimpleUploadedFile("t.jsonl.gz", gz(jsonl_bytes()))},
                                    format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    version_id = uploaded.json()["id"]
    detail = steward_api.get(f"/api/dataset-versions/{version_id}/").json()
    assert detail["status"] == "uploaded" and detail["format"] == "jsonl" and detail["compressed"] is True
    assert set(detail["columns"]) == {"ticket_id", "subject", "body", "category"}
    with django_capture_on_commit_callbacks(execute=True):
        started = steward_api.post(f"/api/dataset-versions/{version_id}/scrub/",
                                   {"text_fields": ["subject", "body"], "label_field": "category"}, format="json")
    assert started.status_code == 200, started.json()
    detail = steward_api.get(f"/api/dataset-versions/{version_id}/").json()
    assert detail["status"] == "scrubbed", detail["failure_reason"]
    assert detail["progress"] == 100 and detail["pii_report"]["by_entity"]["PERSON"] >= 2
    approved = steward_api.post(f"/api/dataset-versions/{version_id}/approve/",
                                {"override_reason": "Checked by the steward: not personal data.",
                                 "scrubbed_sha256": detail["scrubbed_sha256"]}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = steward_api.post(f"/api/dataset-versions/{version_id}/scrub/", {"text_fields": ["body"]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_bad_requests_get_clear_errors(steward_api, dataset, upload, contributor):
    bad_license = steward_api.post("/api/my-datasets/", {"title": "X", "license": "GPL-ish"}, format="json")
    assert bad_license.status_code == 400 and "SPDX" in bad_license.json()["message"]
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    missing = steward_api.post(f"/api/dataset-versions/{version.pk}/scrub/", {"text_fields": ["nope"]},
                               format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "unknown_field"
    assert "nope" in missing.json()["message"]


def test_oversized_api_upload_is_413(steward_api, dataset, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 50
    response = steward_api.post(f"/api/my-datasets/{dataset.pk}/versions/",
                                {"file": SimpleUploadedFile("t.csv", csv_bytes())}, format="multipart")
    assert response.status_code == 413 and "upload limit" in response.json()["message"]
    assert not DatasetVersion.objects.exists()


def test_researcher_sees_only_approved_and_never_raw(api_client_for, researcher, scrubbed_version, contributor):
    from datasets_app import services

    client = api_client_for(researcher)
    assert client.get(f"/api/dataset-versions/{scrubbed_version.pk}/").status_code == 404
    assert client.get("/api/my-datasets/").json()["results"] == []
    assert client.post(f"/api/dataset-versions/{scrubbed_version.pk}/approve/", {}, format="json").status_code == 404
    services.version_approve(version=scrubbed_version, actor=contributor,
                             scrubbed_sha256=scrubbed_version.scrubbed_sha256,
                             override_reason="Checked by the steward: not personal data.")
    body = client.get(f"/api/dataset-versions/{scrubbed_version.pk}/").json()
    assert body["status"] == "approved" and body["pii_report"]["rows"] == 3
    assert "raw_file" not in body and "John Smith" not in str(body)
    purge = client.post(f"/api/dataset-versions/{scrubbed_version.pk}/purge-raw/")
    assert purge.status_code == 403
    upload = client.post(f"/api/my-datasets/{scrubbed_version.dataset_id}/versions/",
                         {"file": SimpleUploadedFile("t.csv", csv_bytes())}, format="multipart")
    assert upload.status_code == 403


def test_schema_lists_the_dataset_endpoints(api_client_for, auditor):
    schema = api_client_for(auditor).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/my-datasets/", "/api/my-datasets/{id}/versions/", "/api/dataset-versions/{id}/approve/"):
        assert path in schema
