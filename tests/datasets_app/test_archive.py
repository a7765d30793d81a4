"""Archiving a failed or rejected version (issue 13): the steward only (G3); it leaves the lists and
the dashboard but keeps its row, its page and an audit event (G8)."""
import pytest

from accounts.roles import Role
from audit.models import AuditEvent
from config.exceptions import ApplicationError
from datasets_app import services
from datasets_app.models import DatasetVersion
from datasets_app.selectors import contributor_dashboard, dataset_get
from tests.datasets_app.factories import DatasetFactory


def _version(dataset, status):
    return DatasetVersion.objects.create(dataset=dataset, number=dataset.versions.count() + 1, status=status,
                                         created_by=dataset.steward, raw_sha256="0" * 64)


@pytest.fixture
def dataset(contributor):
    return DatasetFactory(organization=contributor.organization, steward=contributor)


def test_steward_archives_a_failed_version_hidden_from_lists_kept_in_the_ledger(dataset, contributor, client):
    failed = _version(dataset, "failed")
    kept = _version(dataset, "uploaded")
    assert failed in contributor_dashboard(contributor)["failed"]

    services.version_archive(version=failed, actor=contributor)

    failed.refresh_from_db()
    assert failed.archived_at and failed.archived_by == contributor and failed.status == "failed"
    assert [v.pk for v in dataset_get(user=contributor, pk=dataset.pk).versions.all()] == [kept.pk]
    assert failed not in contributor_dashboard(contributor)["failed"]
    event = AuditEvent.objects.get(action="dataset_version.archived")
    assert event.actor == contributor and event.target_id == str(failed.pk)
    assert event.after == {"status": "failed", "archived": True}

    client.force_login(contributor)
    assert f"/datasets/versions/{failed.pk}/" not in client.get(f"/datasets/{dataset.pk}/").content.decode()
    page = client.get(f"/datasets/versions/{failed.pk}/").content.decode()
    assert 'id="archived-note"' in page and 'id="archive"' not in page


@pytest.mark.parametrize("status", ["uploaded", "scrubbing", "scrubbed", "approved"])
def test_only_failed_or_rejected_versions_are_archived(dataset, contributor, status):
    version = _version(dataset, status)
    with pytest.raises(ApplicationError) as exc:
        services.version_archive(version=version, actor=contributor)
    assert exc.value.status == 409
    assert not DatasetVersion.objects.filter(pk=version.pk, archived_at__isnull=False).exists()


def test_only_the_datasets_steward_archives(dataset, contributor, make_user, researcher, legal):
    version = _version(dataset, "rejected")
    colleague = make_user(Role.CONTRIBUTOR, organization=contributor.organization)
    for actor in (colleague, researcher, legal):
        with pytest.raises(ApplicationError) as exc:
            services.version_archive(version=version, actor=actor)
        assert exc.value.status == 403
    services.version_archive(version=version, actor=contributor)
    with pytest.raises(ApplicationError) as exc:
        services.version_archive(version=version, actor=contributor)
    assert exc.value.status == 409  # archived once, the second time is refused
    assert AuditEvent.objects.filter(action="dataset_version.archived").count() == 1


def test_archive_through_the_page_asks_for_confirmation(dataset, contributor, client):
    version = _version(dataset, "failed")
    client.force_login(contributor)
    page = client.get(f"/datasets/versions/{version.pk}/").content.decode()
    assert 'id="archive"' in page and 'data-confirm="Archive version' in page
    response = client.post(f"/datasets/versions/{version.pk}/archive/")
    assert response.status_code == 302 and response["Location"] == f"/datasets/{dataset.pk}/"
    version.refresh_from_db()
    assert version.archived_at is not None
