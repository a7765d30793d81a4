"""G3 (issue 8 hole 2): the steward's approval names the scrub output it reviewed; only the dataset's
steward scrubs, approves, rejects or purges, not any contributor of its organisation."""
import pytest
from django.urls import reverse

from accounts.roles import Role
from config.exceptions import ApplicationError
from datasets_app import services
from datasets_app.models import DatasetVersion

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status
REASON = "Reviewed by the steward: the hits are product names."


@pytest.fixture
def colleague(make_user, contributor):
    """Another contributor of the steward's organisation: may upload, may not decide."""
    return make_user(Role.CONTRIBUTOR, organization=contributor.organization)


def test_a_rescrub_after_review_makes_the_open_approval_fail(scrubbed_version, contributor, scrub):
    reviewed = scrubbed_version.scrubbed_sha256
    # The steward's approve form is open on `reviewed`; the version is scrubbed again, weaker.
    weaker = scrub(scrubbed_version, contributor, text_fields=("subject",), label_field="")
    assert weaker.status == Status.SCRUBBED and weaker.scrubbed_sha256 != reviewed
    with pytest.raises(ApplicationError) as info:
        services.version_approve(version=weaker, actor=contributor, scrubbed_sha256=reviewed, override_reason=REASON)
    assert info.value.status == 409 and info.value.code == "scrub_changed"
    fresh = DatasetVersion.objects.get(pk=weaker.pk)
    assert fresh.status == Status.SCRUBBED and fresh.approved_by is None
    # Approving what is there now, having read it, works.
    approved = services.version_approve(version=weaker, actor=contributor, scrubbed_sha256=weaker.scrubbed_sha256,
                                        override_reason=REASON)
    assert approved.status == Status.APPROVED and approved.scrubbed_sha256 == weaker.scrubbed_sha256


def test_an_approval_must_name_a_scrub(scrubbed_version, contributor):
    for sha in ("", "   "):
        with pytest.raises(ApplicationError) as info:
            services.version_approve(version=scrubbed_version, actor=contributor, scrubbed_sha256=sha,
                                     override_reason=REASON)
        assert info.value.code == "scrubbed_sha256_required"
    with pytest.raises(TypeError):  # not optional in the service either
        services.version_approve(version=scrubbed_version, actor=contributor)  # type: ignore[call-arg]
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED


def test_the_api_requires_the_sha_and_answers_409_on_another(api_client_for, contributor, scrubbed_version):
    client = api_client_for(contributor)
    url = f"/api/dataset-versions/{scrubbed_version.pk}/approve/"
    missing = client.post(url, {"override_reason": REASON}, format="json")
    assert missing.status_code == 400 and "scrubbed_sha256" in str(missing.json())
    other = client.post(url, {"override_reason": REASON, "scrubbed_sha256": "a" * 64}, format="json")
    assert other.status_code == 409 and other.json()["code"] == "scrub_changed"
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED
    ok = client.post(url, {"override_reason": REASON, "scrubbed_sha256": scrubbed_version.scrubbed_sha256.upper()},
                     format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_the_page_shows_the_sha_and_a_stale_form_gets_409(client, contributor, scrubbed_version, scrub):
    client.force_login(contributor)
    page = client.get(reverse("datasets:version-detail", args=[scrubbed_version.pk])).content.decode()
    reviewed = scrubbed_version.scrubbed_sha256
    assert f'data-testid="approve-sha256">{reviewed}<' in page
    assert f'name="scrubbed_sha256" value="{reviewed}"' in page
    scrub(scrubbed_version, contributor, text_fields=("body",), label_field="category")
    response = client.post(reverse("datasets:version-approve", args=[scrubbed_version.pk]),
                           {"scrubbed_sha256": reviewed, "override_reason": REASON})
    assert response.status_code == 409 and "changed since it was reviewed" in response.content.decode()
    missing = client.post(reverse("datasets:version-approve", args=[scrubbed_version.pk]), {"override_reason": REASON})
    assert missing.status_code == 400
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED


def test_another_contributor_of_the_organisation_cannot_scrub(dataset, contributor, colleague, upload,
                                                              scrubbed_version):
    # The colleague may upload a version...
    version = upload(dataset, b"subject,body,category\nHello,Printer jams,tech\n", "t.csv", colleague)
    assert version.status == Status.UPLOADED and version.inspected_at
    # ...but neither scrubs it nor re-scrubs the steward's reviewed one.
    for target in (version, scrubbed_version):
        with pytest.raises(ApplicationError) as info:
            services.version_scrub_start(version=target, actor=colleague, text_fields=["body"])
        assert info.value.status == 403
    fresh = DatasetVersion.objects.get(pk=scrubbed_version.pk)
    assert fresh.scrubbed_sha256 == scrubbed_version.scrubbed_sha256 and fresh.scrub_attempt == 1


def test_another_contributor_cannot_approve_reject_or_purge(scrubbed_version, contributor, colleague,
                                                            api_client_for, client):
    sha = scrubbed_version.scrubbed_sha256
    with pytest.raises(ApplicationError) as info:
        services.version_approve(version=scrubbed_version, actor=colleague, scrubbed_sha256=sha,
                                 override_reason=REASON)
    assert info.value.status == 403
    with pytest.raises(ApplicationError):
        services.version_reject(version=scrubbed_version, actor=colleague, reason="no")
    api = api_client_for(colleague)
    base = f"/api/dataset-versions/{scrubbed_version.pk}"
    assert api.post(f"{base}/scrub/", {"text_fields": ["body"]}, format="json").status_code == 403
    assert api.post(f"{base}/approve/", {"scrubbed_sha256": sha, "override_reason": REASON},
                    format="json").status_code == 403
    assert api.post(f"{base}/reject/", {"reason": "no"}, format="json").status_code == 403
    client.force_login(colleague)
    page = client.get(reverse("datasets:version-detail", args=[scrubbed_version.pk])).content.decode()
    assert "Start scrubbing" not in page and "Scrub again" not in page and "Approve and freeze" not in page
    response = client.post(reverse("datasets:version-scrub", args=[scrubbed_version.pk]),
                           {"role_0": "drop", "role_1": "scrub", "role_2": "scrub", "role_3": "label",
                            "operator": "replace"})
    assert response.status_code == 403
    services.version_approve(version=scrubbed_version, actor=contributor, scrubbed_sha256=sha, override_reason=REASON)
    with pytest.raises(ApplicationError) as info:
        services.version_purge_raw(version=scrubbed_version, actor=colleague)
    assert info.value.status == 403
    assert api.post(f"{base}/purge-raw/").status_code == 403
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).raw_purged_at is None


@pytest.mark.parametrize("change", [
    {"text_fields": ["subject", "body", "ticket_id"]},          # widen what the training gate reads
    {"label_field": "ticket_id"},                                # another column as the label
    {"column_roles": {"ticket_id": {"role": "keep", "reason": "edited in the database"},
                      "subject": {"role": "scrub", "reason": ""}, "body": {"role": "scrub", "reason": ""},
                      "category": {"role": "label", "reason": ""}}},  # roles no longer what was scrubbed
])
def test_released_columns_edited_behind_the_services_cannot_be_approved(scrubbed_version, contributor, change):
    DatasetVersion.objects.filter(pk=scrubbed_version.pk).update(**change)
    scrubbed_version.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        services.version_approve(version=scrubbed_version, actor=contributor,
                                 scrubbed_sha256=scrubbed_version.scrubbed_sha256, override_reason=REASON)
    assert info.value.status == 409 and "cannot be approved" in info.value.message
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED
