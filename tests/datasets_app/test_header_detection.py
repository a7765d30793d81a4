"""G10 / G8 (issue 8 hole 6): a CSV without a header row would make its first data row the column
names, which are stored and audited forever. Such a header is refused, naming positions, never values."""
import json

import pytest
from django.core.files.storage import storages

from audit.models import AuditEvent
from datasets_app.models import DatasetVersion
from datasets_app.scrubbing.columns import HEADER_HINT, header_problem
from datasets_app.scrubbing.errors import ScrubInputError
from datasets_app.scrubbing.fileio import inspect_file

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status

HEADERLESS = [
    # (file, a value of the first row that must never be stored)
    (b"John Smith,john.smith@example.com,+44 20 7946 0958,Refund please\n"
     b"Maria Garcia,maria@example.org,+34 91 123 4567,Card charged twice\n", "john.smith@example.com"),
    (b"Evelyn Hartmann,Printer jams,billing\nGrace Lee,Router offline,technical\n", "Evelyn Hartmann"),
    (b"1001,Printer jams,billing\n1002,Router offline,technical\n", "1001"),
    (b"2024-03-01,Printer jams,billing\n2024-03-02,Router offline,technical\n", "2024-03-01"),
    (b"billing,Printer jams,billing\ntechnical,Router offline,technical\n", "Printer jams"),  # duplicate names
    (b"x,,Printer jams\ny,,Router offline\n", "Printer jams"),  # an empty name
]


@pytest.mark.parametrize("data,value", HEADERLESS)
def test_a_first_row_that_is_data_is_refused_and_never_stored(dataset, contributor, upload, data, value):
    version = upload(dataset, data, "no-header.csv", contributor)
    assert version.status == Status.FAILED
    assert HEADER_HINT in version.failure_reason
    assert version.columns == [] and version.column_profile == {}
    assert value not in version.failure_reason
    events = AuditEvent.objects.filter(target_id=str(version.pk), target_type="datasets_app.datasetversion")
    assert events.filter(action="dataset_version.failed").exists()
    assert not events.filter(action="dataset_version.inspected").exists()
    ledger = json.dumps([[e.before, e.after, e.metadata] for e in events], default=str)
    assert value not in ledger
    # Nothing stored is lost: the upload stays in quarantine with its hash.
    assert version.raw_sha256 and storages["quarantine"].exists(version.raw_file.name)


def test_a_real_header_passes_and_only_names_are_audited(dataset, contributor, upload):
    data = (b"customer_name,email,phone,First Name,Order Date\n"
            b"John Smith,j@example.com,+44 20 7946 0958,John,2024-01-01\n")
    version = upload(dataset, data, "ok.csv", contributor)
    assert version.status == Status.UPLOADED and version.inspected_at
    event = AuditEvent.objects.get(action="dataset_version.inspected", target_id=str(version.pk))
    assert event.after["columns"] == ["customer_name", "email", "phone", "First Name", "Order Date"]
    assert "j@example.com" not in json.dumps(event.after) and "John Smith" not in json.dumps(event.after)


def test_jsonl_keys_that_look_like_data_are_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"john@example.com": "hi", "text": "x"}\n')
    with pytest.raises(ScrubInputError, match="JSON keys look like data") as info:
        inspect_file(path)
    assert "john@example.com" not in str(info.value)


@pytest.mark.parametrize("header,expected", [
    (["ticket_id", "subject", "body", "category"], None),
    (["First Name", "Last Name", "Email Address", "Phone Number"], None),
    (["a", "a"], "column 2 repeats the name of column 1"),
    (["a", " ", "b"], "column 2 is empty"),
    (["name", "42"], "column 2 is a number"),
    (["x", "+1 415 555 0199"], "column 2 looks like a phone number"),
    (["x", "https://example.com/u/1"], "column 2 is a web address"),
])
def test_header_problem_names_positions(header, expected):
    problem = header_problem(header)
    if expected is None:
        assert problem is None
    else:
        assert problem.startswith(HEADER_HINT) and expected in problem
