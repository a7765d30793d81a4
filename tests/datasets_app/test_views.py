"""The browser pages: upload, field choice, live progress, the PII report and the steward's decision."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from datasets_app.models import Dataset, DatasetVersion
from tests.datasets_app.conftest import csv_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def test_contributor_walks_the_whole_path_in_the_browser(client, contributor, django_capture_on_commit_callbacks):
    client.force_login(contributor)
    assert client.get(reverse("datasets:dataset-list")).status_code == 200
    response = client.post(reverse("datasets:dataset-create"), {"title": "Tickets", "license": "CC-BY-4.0",
                                                                 "tags": "support, english"})
    dataset = Dataset.objects.get(title="Tickets")
    assert response.status_code == 302 and dataset.steward == contributor
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("datasets:version-upload", args=[dataset.pk]),
                               {"file": SimpleUploadedFile("tickets.csv", csv_bytes())})
    version = DatasetVersion.objects.get(dataset=dataset)
    assert response.status_code == 302 and response["Location"] == reverse("datasets:version-detail",
                                                                           args=[version.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Start scrubbing" in page and 'data-column="body"' in page  # the detected columns, with roles
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("datasets:version-scrub", args=[version.pk]),
                               {"role_0": "drop", "role_1": "scrub", "role_2": "scrub", "role_3": "label",
                                "operator": "replace"})
    assert response.status_code == 302
    page = client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()
    assert "PII report" in page and "&lt;PERSON&gt;" in page and "John Smith" not in page
    assert "Approve and freeze" in page
    progress = client.get(reverse("datasets:version-progress", args=[version.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"  # done: reload to show the report
    version.refresh_from_db()
    data = {"override_reason": "Reviewed: remaining hits are not personal data."} if version.residual_count else {}
    assert version.scrubbed_sha256 in page  # the page names the scrub the approval is for
    data["scrubbed_sha256"] = version.scrubbed_sha256
    response = client.post(reverse("datasets:version-approve", args=[version.pk]), data)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == Status.APPROVED
    assert "frozen" in client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()


def test_progress_partial_polls_while_scrubbing(client, contributor, dataset, upload):
    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    from datasets_app import services

    services.version_scrub_start(version=version, text_fields=["body"], actor=contributor)  # not executed
    DatasetVersion.objects.filter(pk=version.pk).update(rows_done=1, rows_total=3, shard_count=2)
    client.force_login(contributor)
    response = client.get(reverse("datasets:version-progress", args=[version.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'rows-done">1</span> of 3 rows' in html and "33%" in html
    assert "HX-Refresh" not in response


def test_failed_upload_shows_the_reason(client, contributor, dataset, django_capture_on_commit_callbacks):
    client.force_login(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("datasets:version-upload", args=[dataset.pk]),
                               {"file": SimpleUploadedFile("t.csv", "id,text\n1,caf\u00e9\n".encode("latin-1"))})
    page = client.get(response["Location"]).content.decode()
    assert "Failed:" in page and "not valid UTF-8" in page


def test_oversized_browser_upload_is_refused(client, contributor, dataset, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 10
    client.force_login(contributor)
    response = client.post(reverse("datasets:version-upload", args=[dataset.pk]),
                           {"file": SimpleUploadedFile("t.csv", csv_bytes() * 200)})
    assert response.status_code == 413 and "upload limit" in response.content.decode()
    assert not DatasetVersion.objects.exists()


def test_residual_hits_block_approval_without_reason(client, contributor, scrubbed_version):
    DatasetVersion.objects.filter(pk=scrubbed_version.pk).update(residual_count=3)
    client.force_login(contributor)
    response = client.post(reverse("datasets:version-approve", args=[scrubbed_version.pk]),
                           {"scrubbed_sha256": scrubbed_version.scrubbed_sha256})
    assert response.status_code == 409 and "residual check" in response.content.decode()
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED


def test_others_cannot_see_or_decide(client, researcher, make_user, contributor, scrubbed_version):
    from accounts.roles import Role

    client.force_login(researcher)
    assert client.get(reverse("datasets:version-detail", args=[scrubbed_version.pk])).status_code == 404
    colleague = make_user(Role.CONTRIBUTOR, organization=contributor.organization)
    client.force_login(colleague)
    page = client.get(reverse("datasets:version-detail", args=[scrubbed_version.pk])).content.decode()
    assert "Approve and freeze" not in page
    response = client.post(reverse("datasets:version-approve", args=[scrubbed_version.pk]),
                           {"override_reason": "x" * 30, "scrubbed_sha256": scrubbed_version.scrubbed_sha256})
    assert response.status_code == 403
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED


def test_dashboards_show_dataset_panels(client, contributor, researcher, scrubbed_version):
    client.force_login(contributor)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Your datasets" in page and str(scrubbed_version) in page
    client.force_login(researcher)
    assert "Your datasets" not in client.get(reverse("dashboard")).content.decode()


def test_steward_edits_licence_and_terms_others_cannot(client, contributor, make_user, dataset):
    from accounts.roles import Role
    from audit.models import AuditEvent

    colleague = make_user(Role.CONTRIBUTOR, organization=contributor.organization)
    client.force_login(colleague)
    assert client.get(reverse("datasets:dataset-edit", args=[dataset.pk])).status_code == 403
    client.force_login(contributor)
    assert "Edit details" in client.get(reverse("datasets:dataset-detail", args=[dataset.pk])).content.decode()
    response = client.post(reverse("datasets:dataset-edit", args=[dataset.pk]), {
        "title": dataset.title, "license": "CC-BY-NC-4.0", "attribution_text": "Test Co.", "tags": "a, B",
        "use_terms": ["NCU", "PUB"],
    })
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert (dataset.license, dataset.tags, dataset.use_terms) == ("CC-BY-NC-4.0", ["a", "b"], ["NCU", "PUB"])
    assert AuditEvent.objects.filter(action="dataset.updated", target_id=str(dataset.pk)).exists()


@pytest.mark.parametrize("added", [[], ["ORGANIZATION", "NRP"]])
def test_the_report_says_what_is_not_promised_and_the_steward_adds_kinds_in_the_browser(
        added, client, contributor, dataset, upload, django_capture_on_commit_callbacks):
    """Issue 9: organisations and nationalities are not promised by default; the page says so, and the
    steward may add them per dataset from the scrub form, after which they are scrubbed and no longer
    listed as missing."""
    rows = [{"body": f"Ticket {n}: the European Commission asked our Norwegian team for the report.",
             "label": "policy"} for n in range(8)]
    version = upload(dataset, csv_bytes(rows, ["body", "label"]), "orgs.csv", contributor)
    client.force_login(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("datasets:version-scrub", args=[version.pk]),
                               {"role_0": "scrub", "role_1": "label", "operator": "replace",
                                "optional_entities": added})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == Status.SCRUBBED, version.failure_reason
    page = client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()
    promised = page.split('data-testid="not-scrubbed"', 1)[1].split("</ul>", 1)[0]
    with version.scrubbed_file.open("rb") as handle:
        scrubbed = handle.read().decode()
    not_looked_for = promised.split("Not looked for in this scrub:", 1)[1].split("</li>", 1)[0] \
        if "Not looked for in this scrub:" in promised else ""
    for kind in ("ORGANIZATION", "NRP"):
        assert (f"#pii-{kind}" in not_looked_for) is not bool(added)
    assert "#pii-USERNAME" in promised and "organisations" in promised
    assert ("European Commission" in scrubbed) is not bool(added)
    assert ("Norwegian" in scrubbed) is not bool(added)
