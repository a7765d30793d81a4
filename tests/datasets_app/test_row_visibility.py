"""G7 (issue 8 hole 5): the scrubbed sample rows and masked residual examples are for the dataset's
steward only; researchers, legal, admins, auditors, other stewards and colleagues see counts."""
import pytest
from django.urls import reverse

from accounts.roles import Role
from datasets_app import selectors, services
from datasets_app.models import DatasetVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(scrubbed_version, contributor):
    # A residual example too, so the masked values are there to be leaked.
    DatasetVersion.objects.filter(pk=scrubbed_version.pk).update(
        pii_report={**scrubbed_version.pii_report,
                    "residual": {"total": 1, "by_entity": {"PERSON": 1}, "by_field": {"body": 1},
                                 "examples": [{"row": 1, "field": "body", "entity": "PERSON", "masked": "J***h"}]}},
        residual_count=1)
    scrubbed_version.refresh_from_db()
    return services.version_approve(version=scrubbed_version, actor=contributor,
                                    scrubbed_sha256=scrubbed_version.scrubbed_sha256,
                                    override_reason="Reviewed by the steward: a product name.")


@pytest.fixture
def others(make_user, contributor, researcher, legal, ml_admin, auditor):
    other_steward = make_user(Role.CONTRIBUTOR)  # a contributor (steward) of another organisation
    colleague = make_user(Role.CONTRIBUTOR, organization=contributor.organization)
    return {"researcher": researcher, "legal": legal, "admin": ml_admin, "auditor": auditor,
            "other steward": other_steward, "colleague": colleague}


def test_only_the_steward_gets_sample_rows_from_the_api(approved, contributor, others, api_client_for):
    url = f"/api/dataset-versions/{approved.pk}/"
    mine = api_client_for(contributor).get(url).json()["pii_report"]
    assert mine["sample"] and mine["residual"]["examples"]
    for who, user in others.items():
        response = api_client_for(user).get(url)
        assert response.status_code == 200, who
        report = response.json()["pii_report"]
        assert "sample" not in report and "examples" not in report["residual"], who
        assert report["residual"]["total"] == 1 and report["rows"] == 3, who  # counts stay
        assert "<PERSON>" not in str(report) and "J***h" not in str(report), who


def test_only_the_steward_sees_sample_rows_on_the_page(approved, contributor, others, client):
    client.force_login(contributor)
    page = client.get(reverse("datasets:version-detail", args=[approved.pk])).content.decode()
    assert 'data-testid="sample"' in page and "J***h" in page and "keeps rebooting" in page
    for who, user in others.items():
        client.force_login(user)
        response = client.get(reverse("datasets:version-detail", args=[approved.pk]))
        assert response.status_code == 200, who
        page = response.content.decode()
        assert 'data-testid="sample"' not in page, who
        assert "keeps rebooting" not in page and "J***h" not in page, who  # no row text, no masked value
        assert 'data-testid="column-table"' in page, who  # the roles and counts are for everyone


def test_the_selector_strips_rows_without_touching_the_stored_report(approved, researcher):
    report = selectors.pii_report_for(user=researcher, version=approved)
    assert "sample" not in report
    assert DatasetVersion.objects.get(pk=approved.pk).pii_report["sample"]  # the frozen report is unchanged
