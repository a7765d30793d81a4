"""Approved versions are frozen; only the steward decides; raw files never reach researchers."""
import pytest
from django.core.files.storage import storages

from audit.models import AuditEvent
from config.exceptions import ApplicationError
from datasets_app import selectors, services
from datasets_app.models import DatasetVersion, ImmutableVersionError
from accounts.roles import Role

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def approve(version, actor):
    reason = "Reviewed by the steward: the hits are ticket numbers." if version.residual_count else ""
    return services.version_approve(version=version, actor=actor, override_reason=reason,
                                    scrubbed_sha256=version.scrubbed_sha256)


@pytest.fixture
def approved(scrubbed_version, contributor):
    return approve(scrubbed_version, contributor)


@pytest.mark.parametrize("field,value", [
    ("scrubbed_sha256", "0" * 64), ("raw_sha256", "f" * 64), ("pii_report", {"rows": 0}),
    ("scrubber_config", {}), ("text_fields", ["subject"]), ("residual_count", 99), ("label_field", "x"),
])
def test_any_change_to_an_approved_version_fails(approved, field, value):
    version = DatasetVersion.objects.get(pk=approved.pk)
    setattr(version, field, value)
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        DatasetVersion.objects.filter(pk=approved.pk).update(**{field: value})
    fresh = DatasetVersion.objects.get(pk=approved.pk)
    assert getattr(fresh, field) == getattr(approved, field)


def test_an_approved_version_cannot_be_deleted_rescrubbed_or_rejected(approved, contributor):
    with pytest.raises(ImmutableVersionError):
        DatasetVersion.objects.get(pk=approved.pk).delete()
    with pytest.raises(ImmutableVersionError):
        DatasetVersion.objects.filter(pk=approved.pk).delete()
    with pytest.raises(ApplicationError) as info:
        services.version_scrub_start(version=approved, text_fields=["body"], actor=contributor)
    assert info.value.status == 409
    with pytest.raises(ApplicationError):
        services.version_reject(version=approved, actor=contributor, reason="changed my mind")
    assert DatasetVersion.objects.get(pk=approved.pk).status == Status.APPROVED


def test_residual_hits_need_a_written_override(scrubbed_version, contributor):
    DatasetVersion.objects.filter(pk=scrubbed_version.pk).update(residual_count=2)
    scrubbed_version.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        services.version_approve(version=scrubbed_version, actor=contributor,
                                 scrubbed_sha256=scrubbed_version.scrubbed_sha256)
    assert info.value.code == "residual_override_required"
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED
    version = services.version_approve(version=scrubbed_version, actor=contributor,
                                       scrubbed_sha256=scrubbed_version.scrubbed_sha256,
                                       override_reason="The two hits are our public support hotline.")
    assert version.status == Status.APPROVED
    assert version.residual_override_reason == "The two hits are our public support hotline."
    event = AuditEvent.objects.get(action="dataset_version.approved", target_id=str(version.pk))
    assert event.after["residual_override_reason"].startswith("The two hits")


def test_only_the_steward_approves(scrubbed_version, make_user, contributor, researcher, legal, ml_admin):
    colleague = make_user(Role.CONTRIBUTOR, organization=contributor.organization)
    for someone in (colleague, researcher, legal, ml_admin):
        with pytest.raises(ApplicationError) as info:
            services.version_approve(version=scrubbed_version, actor=someone, override_reason="x" * 20,
                                     scrubbed_sha256=scrubbed_version.scrubbed_sha256)
        assert info.value.status == 403
        with pytest.raises(ApplicationError):
            services.version_reject(version=scrubbed_version, actor=someone, reason="no")
    assert DatasetVersion.objects.get(pk=scrubbed_version.pk).status == Status.SCRUBBED


def test_reject_needs_a_reason_and_allows_a_rescrub(scrubbed_version, contributor, scrub):
    with pytest.raises(ApplicationError):
        services.version_reject(version=scrubbed_version, actor=contributor, reason="  ")
    version = services.version_reject(version=scrubbed_version, actor=contributor, reason="Missed a field")
    assert version.status == Status.REJECTED and version.rejection_reason == "Missed a field"
    version = scrub(version, contributor, text_fields=("subject", "body"))
    assert version.status == Status.SCRUBBED and version.scrub_attempt == 2


def test_other_organisations_cannot_upload(dataset, make_user, researcher):
    import io

    outsider = make_user(Role.CONTRIBUTOR)  # a contributor of another organisation
    for someone in (outsider, researcher):
        with pytest.raises(ApplicationError) as info:
            services.version_upload(dataset=dataset, file=io.BytesIO(b"a\n1\n"), filename="x.csv", actor=someone)
        assert info.value.status == 403
    assert not DatasetVersion.objects.exists()


def test_researchers_see_approved_versions_only(scrubbed_version, researcher, contributor, dataset):
    assert not selectors.versions_visible_to(researcher).exists()
    assert not selectors.datasets_visible_to(researcher).exists()
    approve(scrubbed_version, contributor)
    assert list(selectors.versions_visible_to(researcher)) == [scrubbed_version]
    assert list(selectors.datasets_visible_to(researcher)) == [dataset]


def test_steward_purges_the_raw_file_of_an_approved_version(scrubbed_version, contributor, researcher,
                                                            django_capture_on_commit_callbacks):
    raw_name = scrubbed_version.raw_file.name
    with pytest.raises(ApplicationError):  # not approved yet
        services.version_purge_raw(version=scrubbed_version, actor=contributor)
    version = approve(scrubbed_version, contributor)
    with pytest.raises(ApplicationError):
        services.version_purge_raw(version=version, actor=researcher)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.version_purge_raw(version=version, actor=contributor)
    assert not storages["quarantine"].exists(raw_name)
    version.refresh_from_db()
    assert version.raw_purged_at and not version.raw_file.name
    assert version.raw_sha256 and version.status == Status.APPROVED  # the record of what it was stays
    assert AuditEvent.objects.filter(action="dataset_version.raw_purged", target_id=str(version.pk)).exists()


def test_every_state_change_writes_one_audit_event(scrubbed_version, contributor):
    actions = list(AuditEvent.objects.filter(target_type="datasets_app.datasetversion",
                                             target_id=str(scrubbed_version.pk)).order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["dataset_version.uploaded", "dataset_version.inspected", "dataset_version.scrub_started",
                       "dataset_version.scrubbed"]


def test_the_database_refuses_raw_sql_changes_to_an_approved_version(approved):
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE datasets_app_datasetversion SET scrubbed_sha256 = %s WHERE id = %s",
                           ["0" * 64, approved.pk])
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE datasets_app_datasetversion SET status = 'scrubbed' WHERE id = %s", [approved.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM datasets_app_datasetversion WHERE id = %s", [approved.pk])
    # Purging the raw file stays possible: those columns are not frozen.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE datasets_app_datasetversion SET raw_purged_at = CURRENT_TIMESTAMP WHERE id = %s",
                       [approved.pk])
    fresh = DatasetVersion.objects.get(pk=approved.pk)
    assert fresh.scrubbed_sha256 == approved.scrubbed_sha256 and fresh.status == Status.APPROVED
    assert fresh.raw_purged_at is not None
