"""Governed columns (G2, issue 8 hole 1): every column has a role the steward set; only scrub, label
and keep columns reach the scrubbed file; the residual check covers each of them; a label that is
an identifier is refused; no earlier scrub output outlives the approval."""
import csv
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from config.exceptions import ApplicationError
from datasets_app import services
from datasets_app.models import DatasetVersion, ImmutableVersionError
from datasets_app.storage import scrubbed_folder, scrubbed_outputs
from tests.datasets_app.conftest import IDENTITY_FIELDS, csv_bytes, identity_rows, identity_values, jsonl_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def scrubbed_bytes(version) -> bytes:
    with default_storage.open(version.scrubbed_file.name, "rb") as fh:
        return fh.read()


def start(version, actor, roles, capture, **kwargs):
    with capture(execute=True):
        services.version_scrub_start(version=version, actor=actor, column_roles=roles, **kwargs)
    version.refresh_from_db()
    return version


def test_inspection_suggests_roles_and_drops_identity_columns_by_default(identity_version):
    version, _rows = identity_version
    suggested = services.suggested_roles(version)
    assert {c: r["role"] for c, r in suggested.items()} == {
        "customer_name": "drop", "email": "drop", "phone": "drop", "address": "drop",
        "subject": "scrub", "body": "scrub", "label": "label",
    }
    assert all(r["reason"] for r in suggested.values())
    # The profile holds counts and ratios only: no value of the file.
    assert not any(v in json.dumps(version.column_profile) for v in identity_values(_rows))


def test_the_scrubbed_file_holds_only_released_columns(identity_version, contributor,
                                                       django_capture_on_commit_callbacks):
    version, rows = identity_version
    version = start(version, contributor, services.suggested_roles(version), django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert version.text_fields == ["subject", "body"] and version.label_field == "label"
    data = scrubbed_bytes(version)
    header = next(csv.reader(io.StringIO(data.decode())))
    assert header == ["subject", "body", "label"]
    leaked = [v for v in identity_values(rows) if v.encode() in data]
    assert leaked == []
    # The report's column table: every upload column with its role, residual counts for the written ones.
    table = {c["name"]: c for c in version.pii_report["columns"]}
    assert set(table) == set(IDENTITY_FIELDS)
    assert table["email"]["role"] == "drop" and table["email"]["written"] is False
    assert table["email"]["residual"] is None
    assert table["label"]["written"] and table["label"]["residual"] == 0
    assert version.pii_report["sample"] and all(set(r) == {"subject", "body", "label"}
                                                for r in version.pii_report["sample"])


def test_the_older_form_drops_every_column_it_does_not_name(identity_version, contributor,
                                                            django_capture_on_commit_callbacks):
    """The attack in the issue: scrub `subject,body` and the raw names, e-mails and phones stayed."""
    version, rows = identity_version
    with django_capture_on_commit_callbacks(execute=True):
        services.version_scrub_start(version=version, actor=contributor, text_fields=["subject", "body"])
    version.refresh_from_db()
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert {c: r["role"] for c, r in version.column_roles.items()}["email"] == "drop"
    data = scrubbed_bytes(version)
    assert data.split(b"\n")[0] == b"subject,body"  # no label named: the label column is not released either
    assert [v for v in identity_values(rows) if v.encode() in data] == []


@pytest.mark.parametrize("label", ["email", "customer_name", "phone"])
def test_a_label_that_looks_like_an_identifier_is_refused(identity_version, contributor, label):
    version, _rows = identity_version
    roles = {"subject": "scrub", label: "label"}
    for kwargs in ({"column_roles": roles}, {"text_fields": ["subject"], "label_field": label}):
        with pytest.raises(ApplicationError) as info:
            services.version_scrub_start(version=version, actor=contributor, **kwargs)
        assert info.value.status == 400 and "cannot be the label" in info.value.message
    fresh = DatasetVersion.objects.get(pk=version.pk)
    assert fresh.status == Status.UPLOADED and fresh.column_roles == {} and fresh.label_field == ""


def test_nearly_unique_values_are_refused_as_a_label(dataset, contributor, upload):
    rows = [{"ticket": f"case {i:04d}", "body": "The printer jams again.", "outcome": f"R{i:05d}"} for i in range(30)]
    version = upload(dataset, csv_bytes(rows, ["ticket", "body", "outcome"]), "t.csv", contributor)
    with pytest.raises(ApplicationError, match="identifier, not a label"):
        services.version_scrub_start(version=version, actor=contributor,
                                     column_roles={"body": "scrub", "outcome": "label"})


def test_keep_needs_a_reason_and_never_takes_an_identity_column(identity_version, contributor):
    version, _rows = identity_version
    with pytest.raises(ApplicationError, match="say why it is not personal data"):
        services.version_scrub_start(version=version, actor=contributor,
                                     column_roles={"body": "scrub", "subject": {"role": "keep", "reason": ""}})
    for column in ("email", "phone", "customer_name", "address"):
        with pytest.raises(ApplicationError, match=f"{column} cannot be kept"):
            services.version_scrub_start(version=version, actor=contributor, column_roles={
                "body": "scrub", column: {"role": "keep", "reason": "Our customers agreed to this."}})
    with pytest.raises(ApplicationError, match="only one column can be the label"):
        services.version_scrub_start(version=version, actor=contributor,
                                     column_roles={"body": "scrub", "label": "label", "subject": "label"})
    with pytest.raises(ApplicationError, match="unknown role"):
        services.version_scrub_start(version=version, actor=contributor, column_roles={"body": "publish"})
    with pytest.raises(ApplicationError, match="not a column"):
        services.version_scrub_start(version=version, actor=contributor, column_roles={"bodies": "scrub"})
    assert DatasetVersion.objects.get(pk=version.pk).status == Status.UPLOADED


def test_the_residual_check_covers_kept_and_label_columns(dataset, contributor, upload,
                                                          django_capture_on_commit_callbacks):
    """Another column: a kept column with one e-mail in it is counted, and approval needs a reason."""
    rows = [{"body": "The app crashes on start.", "product": "Helix Desk", "label": "bug"} for _ in range(30)]
    rows[7]["product"] = "contact ops.lead@example.com"
    version = upload(dataset, csv_bytes(rows, ["body", "product", "label"]), "t.csv", contributor)
    version = start(version, contributor, {
        "body": "scrub", "label": "label",
        "product": {"role": "keep", "reason": "Product names are not personal data."}},
        django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert version.pii_report["residual"]["by_field"] == {"product": 1}
    assert version.residual_count == 1
    table = {c["name"]: c for c in version.pii_report["columns"]}
    assert table["product"]["role"] == "keep" and table["product"]["residual"] == 1
    assert table["product"]["reason"] == "Product names are not personal data."
    with pytest.raises(ApplicationError) as info:
        services.version_approve(version=version, actor=contributor, scrubbed_sha256=version.scrubbed_sha256)
    assert info.value.code == "residual_override_required"


def test_jsonl_output_holds_only_released_keys(dataset, contributor, upload, django_capture_on_commit_callbacks):
    rows = identity_rows(6)
    version = upload(dataset, jsonl_bytes(rows), "t.jsonl", contributor)
    version = start(version, contributor, {"subject": "scrub", "body": "scrub", "label": "label"},
                    django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    lines = [json.loads(line) for line in scrubbed_bytes(version).decode().splitlines()]
    assert all(set(line) == {"subject", "body", "label"} for line in lines)
    assert [v for v in identity_values(rows) if v in scrubbed_bytes(version).decode()] == []


def test_a_rescrub_deletes_the_previous_output(identity_version, contributor, django_capture_on_commit_callbacks):
    version, _rows = identity_version
    version = start(version, contributor, services.suggested_roles(version), django_capture_on_commit_callbacks)
    first = version.scrubbed_file.name
    assert default_storage.exists(first)
    version = start(version, contributor, {"body": "scrub", "label": "label"}, django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED and version.scrubbed_file.name != first
    assert not default_storage.exists(first)
    event = AuditEvent.objects.filter(action="dataset_version.scrub_started",
                                      target_id=str(version.pk)).order_by("-seq").first()
    assert event.after["discarded_output"]["name"] == first
    assert scrubbed_outputs(version.dataset_id, version.number) == [version.scrubbed_file.name]


def test_approval_deletes_every_other_output_of_the_version(identity_version, contributor,
                                                            django_capture_on_commit_callbacks):
    version, _rows = identity_version
    version = start(version, contributor, services.suggested_roles(version), django_capture_on_commit_callbacks)
    # A leftover from an earlier attempt (a crash between publish and record, an older layout).
    folder = scrubbed_folder(version.dataset_id, version.number)
    stray = default_storage.save(f"{folder}/a0-old.csv", ContentFile(b"customer_name\nEvelyn Hartmann\n"))
    flat = default_storage.save(f"scrubbed/{version.dataset_id}/v{version.number}-old.csv", ContentFile(b"x\n"))
    other = default_storage.save(f"scrubbed/{version.dataset_id}/v{version.number + 10}-other.csv", ContentFile(b"y\n"))
    with django_capture_on_commit_callbacks(execute=True):
        services.version_approve(version=version, actor=contributor, scrubbed_sha256=version.scrubbed_sha256)
    assert not default_storage.exists(stray) and not default_storage.exists(flat)
    assert default_storage.exists(version.scrubbed_file.name)
    assert default_storage.exists(other)  # another version's file is not this version's to delete
    event = AuditEvent.objects.get(action="dataset_version.approved", target_id=str(version.pk))
    assert sorted(event.after["deleted_outputs"]) == sorted([stray, flat])


def test_a_rolled_back_approval_deletes_nothing(identity_version, contributor, django_capture_on_commit_callbacks):
    version, _rows = identity_version
    version = start(version, contributor, services.suggested_roles(version), django_capture_on_commit_callbacks)
    stray = default_storage.save(f"{scrubbed_folder(version.dataset_id, version.number)}/a0-old.csv",
                                 ContentFile(b"x\n"))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.version_approve(version=version, actor=contributor, scrubbed_sha256=version.scrubbed_sha256)
        raise RuntimeError("the request failed after the approval")
    assert default_storage.exists(stray)
    assert DatasetVersion.objects.get(pk=version.pk).status == Status.SCRUBBED


def test_column_roles_of_an_approved_version_are_frozen(identity_version, contributor,
                                                        django_capture_on_commit_callbacks):
    version, _rows = identity_version
    version = start(version, contributor, services.suggested_roles(version), django_capture_on_commit_callbacks)
    services.version_approve(version=version, actor=contributor, scrubbed_sha256=version.scrubbed_sha256)
    widened = {**version.column_roles, "email": {"role": "keep", "reason": "changed after approval"}}
    fresh = DatasetVersion.objects.get(pk=version.pk)
    fresh.column_roles = widened
    with pytest.raises(ImmutableVersionError):
        fresh.save()
    with pytest.raises(ImmutableVersionError):
        DatasetVersion.objects.filter(pk=version.pk).update(column_roles=widened)
    for column, value in (("column_roles", json.dumps(widened)), ("text_fields", json.dumps(["email"])),
                          ("optional_entities", json.dumps(["URL"]))):
        with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE datasets_app_datasetversion SET {column} = %s WHERE id = %s",
                               [value, version.pk])
    assert DatasetVersion.objects.get(pk=version.pk).column_roles["email"]["role"] == "drop"


def test_optional_entities_reach_the_scrubber_and_the_report_names_what_is_not_scrubbed(
        identity_version, contributor, django_capture_on_commit_callbacks):
    version, _rows = identity_version
    with pytest.raises(ApplicationError, match="Unknown entity kind"):
        services.version_scrub_start(version=version, actor=contributor, text_fields=["body"],
                                     optional_entities=["MEDICAL_HISTORY"])
    version = start(version, contributor, {"body": "scrub", "label": "label"}, django_capture_on_commit_callbacks,
                    optional_entities=["URL"])
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert "URL" in version.scrubber_config["entities"] and version.optional_entities == ["URL"]
    assert "URL" not in version.pii_report["not_scrubbed"]
    assert {"ORGANIZATION", "NRP", "USERNAME"} <= set(version.pii_report["not_scrubbed"])


@pytest.mark.parametrize("every_date", [True, False])
def test_a_steward_may_scrub_every_date_not_only_dates_of_birth(every_date, dataset, contributor, upload,
                                                                 django_capture_on_commit_callbacks):
    """HIPAA Safe Harbor: any date tied to a person is an identifier; "DATE" turns the option on per dataset."""
    rows = [{"body": f"The outage began on 12 March 2024 and ticket {n} was closed.", "label": "outage"}
            for n in range(6)]
    version = upload(dataset, csv_bytes(rows, ["body", "label"]), "dates.csv", contributor)
    version = start(version, contributor, {"body": "scrub", "label": "label"}, django_capture_on_commit_callbacks,
                    optional_entities=["DATE"] if every_date else [])
    assert version.status == Status.SCRUBBED, version.failure_reason
    with default_storage.open(version.scrubbed_file.name, "rb") as handle:
        scrubbed = handle.read().decode()
    assert ("12 March 2024" in scrubbed) is not every_date
    assert version.scrubber_config["scrub_all_dates"] is every_date
    assert ("DATE" in version.pii_report["not_scrubbed"]) is not every_date


def test_the_api_takes_column_roles_and_refuses_bad_ones(identity_version, contributor, api_client_for,
                                                         django_capture_on_commit_callbacks):
    version, rows = identity_version
    client = api_client_for(contributor)
    url = f"/api/dataset-versions/{version.pk}/scrub/"
    refused = client.post(url, {"column_roles": {"body": {"role": "scrub"}, "email": {"role": "label"}}},
                          format="json")
    assert refused.status_code == 400 and "email cannot be the label" in refused.json()["message"]
    bad_role = client.post(url, {"column_roles": {"body": {"role": "publish"}}}, format="json")
    assert bad_role.status_code == 400
    detail = client.get(f"/api/dataset-versions/{version.pk}/").json()
    assert detail["column_profile"]["email"]["suggested"]["role"] == "drop"
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(url, {"column_roles": {"subject": {"role": "scrub"}, "body": {"role": "scrub"},
                                                "label": {"role": "label"}}, "optional_entities": ["URL"]},
                         format="json")
    assert ok.status_code == 200, ok.json()
    body = client.get(f"/api/dataset-versions/{version.pk}/").json()
    assert body["status"] == "scrubbed" and body["column_roles"]["email"]["role"] == "drop"
    assert body["text_fields"] == ["subject", "body"] and body["label_field"] == "label"
    assert [v for v in identity_values(rows) if v in str(body)] == []


def test_a_record_id_may_be_kept_with_a_reason_but_a_person_id_may_not(dataset, contributor, upload):
    rows = [{"ticket_id": f"T-{i}", "customer_id": f"C-{i}", "body": "The printer jams.", "label": "hw"}
            for i in range(12)]
    version = upload(dataset, csv_bytes(rows, ["ticket_id", "customer_id", "body", "label"]), "t.csv", contributor)
    assert services.suggested_roles(version)["ticket_id"]["role"] == "drop"  # never keep by default
    reason = "Ticket numbers are not personal data."
    with pytest.raises(ApplicationError, match="customer_id cannot be kept"):
        services.version_scrub_start(version=version, actor=contributor, column_roles={
            "body": "scrub", "customer_id": {"role": "keep", "reason": reason}})
    version = services.version_scrub_start(version=version, actor=contributor, column_roles={
        "body": "scrub", "label": "label", "ticket_id": {"role": "keep", "reason": reason}})
    assert version.column_roles["ticket_id"] == {"role": "keep", "reason": reason}
    assert version.column_roles["customer_id"]["role"] == "drop"


def test_a_token_label_column_may_be_the_label_but_not_one_carrying_text_or_names():
    """Span annotations are unique per row because offsets are; they may take the label role (G2),
    but only as {start, end, label} over a few entity types: a span that carries its surface text,
    or 'entity types' that are really people's names, stays refused like any identifier."""
    import json

    from datasets_app.scrubbing.columns import label_refusal, profile_rows

    def profile(values):
        return profile_rows([{"entities": v} for v in values], ["entities"], "jsonl")["entities"]

    spans = [json.dumps([{"start": i, "end": i + 4, "label": "PRODUCT"}]) for i in range(60)]
    assert label_refusal("entities", profile(spans)) is None
    bio = [json.dumps(["O"] * (i % 7) + ["B-ERROR_CODE", "I-ERROR_CODE"]) for i in range(60)]
    assert label_refusal("tags", profile(bio)) is None
    with_text = [json.dumps([{"start": 0, "end": 4, "label": "PERSON", "text": f"Jo{i}"}]) for i in range(60)]
    assert "identifier" in label_refusal("entities", profile(with_text))
    names_as_types = [json.dumps([{"start": 0, "end": 4, "label": f"Person{i}"}]) for i in range(60)]
    assert "identifier" in label_refusal("entities", profile(names_as_types))


def _split_rows(count: int = 30) -> list[dict]:
    cycle = ("train",) * 6 + ("validation", "test")
    return [{"body": f"The app crashes on start, case {i}.", "label": "bug" if i % 2 else "billing",
             "split": cycle[i % len(cycle)]} for i in range(count)]


def test_a_split_column_is_suggested_released_verbatim_and_residual_checked(
    dataset, contributor, upload, django_capture_on_commit_callbacks
):
    """Issue 12: a steward may declare the train/validation/test column; like a label it is written
    as it is and residual-checked (G2), and the version names it as its split column."""
    version = upload(dataset, csv_bytes(_split_rows(), ["body", "label", "split"]), "t.csv", contributor)
    assert services.suggested_roles(version)["split"]["role"] == "split"
    assert version.column_profile["split"]["split_values"] == 1.0
    version = start(version, contributor, {"body": "scrub", "label": "label", "split": "split"},
                    django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    assert version.split_field == "split" and version.text_fields == ["body"] and version.label_field == "label"
    rows = list(csv.DictReader(io.StringIO(scrubbed_bytes(version).decode())))
    assert [row["split"] for row in rows] == [row["split"] for row in _split_rows()]
    table = {c["name"]: c for c in version.pii_report["columns"]}
    assert table["split"]["role"] == "split" and table["split"]["written"] and table["split"]["residual"] == 0


def test_a_split_column_must_hold_split_names_only_and_be_one(dataset, contributor, upload):
    rows = _split_rows()
    rows[3]["split"] = "holdout-anna"  # one value that is not train/validation/test
    version = upload(dataset, csv_bytes(rows, ["body", "label", "split"]), "t.csv", contributor)
    with pytest.raises(ApplicationError, match="split cannot be the split column: not every value"):
        services.version_scrub_start(version=version, actor=contributor,
                                     column_roles={"body": "scrub", "label": "label", "split": "split"})
    clean = upload(dataset, csv_bytes(_split_rows(), ["body", "label", "split"]), "t.csv", contributor)
    with pytest.raises(ApplicationError, match="only one column can be the split"):
        services.version_scrub_start(version=clean, actor=contributor,
                                     column_roles={"body": "scrub", "label": "split", "split": "split"})


def test_an_identity_column_is_never_a_split_column(identity_version, contributor):
    version, _rows = identity_version
    for column in ("email", "customer_name"):
        with pytest.raises(ApplicationError, match=f"{column} cannot be the split column"):
            services.version_scrub_start(version=version, actor=contributor,
                                         column_roles={"body": "scrub", column: "split"})
    assert DatasetVersion.objects.get(pk=version.pk).status == Status.UPLOADED
