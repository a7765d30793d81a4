"""The surrogate operator and token-label re-mapping through the services: chosen per version (form
and API), named in the PII report, identity columns still dropped (G2), spans kept true on the
approved file, and a span column that cannot carry text past the residual check (G2)."""
import csv
import io
import json

import pytest
from django.core.files.storage import default_storage

from datasets_app import services
from datasets_app.models import DatasetVersion
from tests.datasets_app.conftest import TICKETS, csv_bytes, jsonl_bytes
from tests.datasets_app.factories import DatasetFactory

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status
NAME = "Anna Kowalski"


def _ner_rows(n=12):
    rows = []
    for i in range(n):
        text = f"{NAME} reports that Router X2 shows E{400 + i}. Call +44 20 7946 0958."
        start = text.index("Router X2")
        code = text.index(f"E{400 + i}")
        rows.append({"ticket_id": f"N-{i}", "customer_email": f"anna{i}@corp.example.com", "text": text,
                     "entities": [{"start": start, "end": start + 9, "label": "PRODUCT"},
                                  {"start": code, "end": code + 4, "label": "ERROR_CODE"}]})
    return rows


def _start(version, actor, roles, operator, capture):
    with capture(execute=True):
        services.version_scrub_start(version=version, column_roles=roles, operator=operator, actor=actor)
    version.refresh_from_db()
    return version


def _rows_of(version):
    with default_storage.open(version.scrubbed_file.name, "rb") as fh:
        data = fh.read().decode()
    if version.format == "csv":
        return list(csv.DictReader(io.StringIO(data)))
    return [json.loads(line) for line in data.splitlines() if line.strip()]


NER_ROLES = {"ticket_id": {"role": "drop"}, "customer_email": {"role": "drop"}, "text": {"role": "scrub"},
             "entities": {"role": "label"}}


@pytest.mark.parametrize("operator", ["replace", "pseudonym", "surrogate"])
def test_spans_stay_on_their_products_in_the_approved_file(dataset, contributor, upload,
                                                           django_capture_on_commit_callbacks, operator):
    rows = _ner_rows()
    version = upload(dataset, jsonl_bytes(rows), "ner.jsonl", contributor)
    version = _start(version, contributor, NER_ROLES, operator, django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    out = _rows_of(version)
    assert len(out) == len(rows)
    for raw, new in zip(rows, out):
        assert set(new) == {"text", "entities"}  # G2: the identity columns are dropped under every operator
        assert NAME not in new["text"] and "7946" not in new["text"]
        assert [new["text"][s["start"]:s["end"]] for s in new["entities"]] == \
            [raw["text"][s["start"]:s["end"]] for s in raw["entities"]]
    report = version.pii_report
    assert report["operator"]["name"] == operator and report["config"]["operator"] == operator
    assert report["token_labels"] == {"column": "entities", "remapped": True}
    assert version.residual_count == 0
    services.version_approve(version=version, scrubbed_sha256=version.scrubbed_sha256, actor=contributor)
    version.refresh_from_db()
    assert version.status == Status.APPROVED and version.scrubber_config["operator"] == operator


def test_surrogate_mode_still_drops_identity_columns_and_keeps_one_fake_per_person(
        dataset, contributor, upload, django_capture_on_commit_callbacks):
    """G2: the operator changes what replaces PII in scrub columns, never which columns are written."""
    rows = [dict(t, customer_name="John Smith") for t in TICKETS] + [
        {"ticket_id": "T-4", "subject": "Again", "body": "John Smith here again, about my refund.",
         "category": "billing", "customer_name": "John Smith"}]
    fields = ["ticket_id", "subject", "body", "category", "customer_name"]
    version = upload(dataset, csv_bytes(rows, fields), "t.csv", contributor)
    roles = {"ticket_id": {"role": "drop"}, "subject": {"role": "scrub"}, "body": {"role": "scrub"},
             "category": {"role": "label"}, "customer_name": {"role": "drop"}}
    version = _start(version, contributor, roles, "surrogate", django_capture_on_commit_callbacks)
    assert version.status == Status.SCRUBBED, version.failure_reason
    out = _rows_of(version)
    assert list(out[0]) == ["subject", "body", "category"]
    text = " ".join(r["body"] for r in out)
    for secret in ("John Smith", "7946 0958", "john.smith@example.com", "4111 1111 1111 1111", "Maria García"):
        assert secret not in text
    assert "<PERSON>" not in text and "@example." in text  # realistic values, reserved e-mail domains
    first = out[0]["body"].split("this is ")[1].split(".")[0]
    assert out[3]["body"].startswith(f"{first} here again")  # one person, one fake across rows
    assert version.residual_count == 0  # the surrogates are not counted as leftovers
    assert version.dataset.pseudonym_secret not in json.dumps(version.pii_report)


def test_two_datasets_get_different_fakes_for_the_same_person(contributor, upload, scrub):
    fakes = []
    for _ in range(2):
        dataset = DatasetFactory(organization=contributor.organization, steward=contributor,
                                 pseudonym_secret=f"dataset-key-{len(fakes)}")
        version = scrub(upload(dataset, csv_bytes(), "t.csv", contributor), contributor, operator="surrogate")
        assert version.status == Status.SCRUBBED, version.failure_reason
        fakes.append(_rows_of(version)[0]["body"].split("this is ")[1].split(".")[0])
    assert fakes[0] != fakes[1]


def test_a_span_column_cannot_smuggle_text(dataset, contributor, upload, django_capture_on_commit_callbacks):
    """G2: a label column whose spans carry their surface text is no token-label column: it is refused
    as the label (nearly unique per row, names in it), so the name never reaches the file."""
    from config.exceptions import ApplicationError

    rows = _ner_rows()
    for row in rows:
        row["entities"] = [dict(s, text=NAME) for s in row["entities"]]
    version = upload(dataset, jsonl_bytes(rows), "ner.jsonl", contributor)
    assert version.column_profile["entities"]["token_labels"] == 0
    with pytest.raises(ApplicationError, match="entities cannot be the label"):
        _start(version, contributor, NER_ROLES, "surrogate", django_capture_on_commit_callbacks)


def test_a_span_label_that_is_a_surname_is_refused(dataset, contributor, upload, django_capture_on_commit_callbacks):
    """G2: the entity types of a span column are written verbatim: one that is a person's name makes
    the column look like personal data, and it cannot be the label."""
    from config.exceptions import ApplicationError

    rows = _ner_rows()
    for row in rows:
        row["entities"][0]["label"] = "Kowalski"
    version = upload(dataset, jsonl_bytes(rows), "ner.jsonl", contributor)
    with pytest.raises(ApplicationError, match="entities cannot be the label: its values look like personal data"):
        _start(version, contributor, NER_ROLES, "surrogate", django_capture_on_commit_callbacks)


def test_token_labels_need_exactly_one_scrub_column(dataset, contributor, upload, django_capture_on_commit_callbacks):
    from config.exceptions import ApplicationError

    rows = [dict(r, note="extra text") for r in _ner_rows()]
    version = upload(dataset, jsonl_bytes(rows), "ner.jsonl", contributor)
    roles = {**NER_ROLES, "note": {"role": "scrub"}}
    with pytest.raises(ApplicationError, match="exactly one column the role scrub") as caught:
        _start(version, contributor, roles, "replace", django_capture_on_commit_callbacks)
    assert caught.value.code == "token_labels_need_one_text"
    version.refresh_from_db()
    assert version.status == Status.UPLOADED


def test_a_bad_span_cell_fails_the_scrub_with_its_row(dataset, contributor, upload, django_capture_on_commit_callbacks):
    """G10: a span beyond its text stops the scrub with the row number; nothing is published."""
    rows = _ner_rows()
    rows[5]["entities"][0]["end"] = 999
    version = upload(dataset, jsonl_bytes(rows), "ner.jsonl", contributor)
    version = _start(version, contributor, NER_ROLES, "replace", django_capture_on_commit_callbacks)
    assert version.status == Status.FAILED
    assert "row 6" in version.failure_reason and "outside its text" in version.failure_reason
    assert not version.scrubbed_file


def test_operator_is_chosen_in_the_form_and_the_api(contributor, dataset, upload, api_client_for,
                                                   django_capture_on_commit_callbacks):
    from datasets_app.forms import ColumnRolesForm

    version = upload(dataset, csv_bytes(), "t.csv", contributor)
    form = ColumnRolesForm(columns=version.columns)
    assert "surrogate" in dict(form.fields["operator"].choices)
    with django_capture_on_commit_callbacks(execute=True):
        started = api_client_for(contributor).post(
            f"/api/dataset-versions/{version.pk}/scrub/",
            {"text_fields": ["subject", "body"], "label_field": "category", "operator": "surrogate"}, format="json")
    assert started.status_code == 200, started.json()
    version.refresh_from_db()
    assert version.operator == "surrogate" and version.pii_report["operator"]["name"] == "surrogate"
    refused = api_client_for(contributor).post(f"/api/dataset-versions/{version.pk}/scrub/",
                                               {"text_fields": ["body"], "operator": "fake"}, format="json")
    assert refused.status_code == 400


def test_the_version_page_names_the_operator_and_the_remapped_column(dataset, contributor, upload, client,
                                                                    django_capture_on_commit_callbacks):
    from django.urls import reverse

    version = upload(dataset, jsonl_bytes(_ner_rows()), "ner.jsonl", contributor)
    version = _start(version, contributor, NER_ROLES, "surrogate", django_capture_on_commit_callbacks)
    client.force_login(contributor)
    page = client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()
    assert 'data-testid="pii-operator"' in page
    assert "Realistic surrogate</a>" in page and "becomes a realistic fake of the same kind" in page
    assert "<code>entities</code> were re-mapped" in page
