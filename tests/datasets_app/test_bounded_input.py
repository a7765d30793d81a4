"""Bounded input (issue 14, G10): what a version may hold once decompressed follows the upload limit,
rows are capped per version, JSONL nesting is bounded, and no value of a declared text field leaves
unscrubbed whatever JSON type it has."""
import gzip
import json
import os
import random

import pytest
from django.core.files.storage import default_storage

from datasets_app.models import DatasetVersion
from datasets_app.scrubbing.fileio import json_depth_exceeds
from datasets_app.scrubbing.pipeline import rebuild_with, text_leaves
from tests.datasets_app.conftest import TICKETS, csv_bytes, jsonl_bytes

pytestmark = pytest.mark.django_db
Status = DatasetVersion.Status


def _compressible_csv(target_bytes: int) -> bytes:
    """A CSV that gzips about 20:1 (like the issue's 2 MB -> 40 MB upload), below the ratio guard."""
    rng = random.Random(7)
    words = ["refund", "router", "invoice", "delivery", "password", "account", "late", "broken"]
    lines = [b"id,text\n"]
    size = 0
    i = 0
    while size < target_bytes:
        line = f"{i},{' '.join(rng.choice(words) for _ in range(12))}\n".encode()
        lines.append(line)
        size += len(line)
        i += 1
    return b"".join(lines)


def test_gzip_expanding_past_the_upload_limit_times_the_factor_is_refused(dataset, contributor, upload, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 100_000
    settings.ACCORD_MAX_EXPANSION_FACTOR = 4
    raw = _compressible_csv(800_000)  # 8x the upload limit once decompressed
    data = gzip.compress(raw)
    assert len(data) < settings.ACCORD_MAX_UPLOAD_BYTES  # the upload itself is within the limit
    version = upload(dataset, data, "big.csv.gz", contributor)
    assert version.status == Status.FAILED
    assert "decompressed size exceeds the limit of 400000 bytes" in version.failure_reason


def test_gzip_within_the_derived_cap_is_accepted(dataset, contributor, upload, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 100_000
    settings.ACCORD_MAX_EXPANSION_FACTOR = 4
    raw = _compressible_csv(300_000)
    version = upload(dataset, gzip.compress(raw), "ok.csv.gz", contributor)
    assert version.status == Status.UPLOADED and version.inspected_at, version.failure_reason
    assert version.row_count == raw.count(b"\n") - 1


def test_explicit_decompressed_cap_wins_over_the_derived_one(dataset, contributor, upload, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 10 * 1024**2
    settings.ACCORD_MAX_DECOMPRESSED_BYTES = 50_000
    version = upload(dataset, gzip.compress(_compressible_csv(100_000)), "x.csv.gz", contributor)
    assert version.status == Status.FAILED and "50000 bytes" in version.failure_reason


@pytest.mark.parametrize("maker,name", [(csv_bytes, "t.csv"), (jsonl_bytes, "t.jsonl")])
def test_row_cap_per_version(dataset, contributor, upload, settings, maker, name):
    settings.ACCORD_MAX_ROWS_PER_VERSION = len(TICKETS) - 1
    version = upload(dataset, maker(), name, contributor)
    assert version.status == Status.FAILED
    assert f"more than {len(TICKETS) - 1} data rows" in version.failure_reason
    settings.ACCORD_MAX_ROWS_PER_VERSION = len(TICKETS)
    assert upload(dataset, maker(), name, contributor).status == Status.UPLOADED


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deep_jsonl_nesting_is_refused_with_a_clear_reason(dataset, contributor, upload, depth):
    deep = "[" * depth + "]" * depth
    data = b'{"id": 1, "text": "ok"}\n' + f'{{"id": 2, "text": {deep}}}\n'.encode()
    version = upload(dataset, data, "deep.jsonl", contributor)
    assert version.status == Status.FAILED
    assert "line 2 is nested deeper than 32 levels" in version.failure_reason
    assert "RecursionError" not in version.failure_reason


def test_depth_check_is_iterative_and_exact():
    value = {"a": [[{"b": 1}]]}  # object > list > list > object: depth 4
    assert not json_depth_exceeds(value, 4)
    assert json_depth_exceeds(value, 3)
    deep: list = []
    cur = deep
    for _ in range(50_000):  # far past the interpreter's recursion limit
        cur.append([])
        cur = cur[0]
    assert json_depth_exceeds(deep, 32)


def test_walking_keeps_shape_and_order():
    value = {"who": ["a", 1, None, True, {"k": 2.5}]}
    leaves = text_leaves(value)
    assert leaves == ["who", "a", "1", "k", "2.5"]
    rebuilt = rebuild_with(value, iter(["who", "A", "1", "k", "<X>"]))
    assert rebuilt == {"who": ["A", 1, None, True, {"k": "<X>"}]}


PII_EMAIL = "john.smith@example.com"


def _read_jsonl(name: str) -> list[dict]:
    with default_storage.open(name, "rb") as fh:
        return [json.loads(line) for line in fh.read().decode().splitlines() if line.strip()]


def test_non_string_text_values_are_scrubbed_not_passed_through(dataset, contributor, upload, scrub):
    rows = [
        {"ticket_id": "T-1", "subject": "list", "body": [f"Call John Smith at {PII_EMAIL}"], "category": "a"},
        {"ticket_id": "T-2", "subject": "object", "body": {"note": f"write to {PII_EMAIL}",
                                                        PII_EMAIL: "the key is an address"}, "category": "b"},
        {"ticket_id": "T-3", "subject": "nested", "body": [[{"x": [f"mail {PII_EMAIL} now"]}]], "category": "a"},
        {"ticket_id": "T-4", "subject": "number", "body": 4111111111111111, "category": "b"},
        {"ticket_id": "T-5", "subject": "plain", "body": "Nothing personal here.", "category": "a"},
        {"ticket_id": "T-6", "subject": "nulls", "body": None, "category": "b"},
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    version = upload(dataset, data, "mixed.jsonl", contributor)
    version = scrub(version, contributor)
    assert version.status == Status.SCRUBBED, version.failure_reason
    out = _read_jsonl(version.scrubbed_file.name)
    text = json.dumps(out)
    assert PII_EMAIL not in text and "John Smith" not in text
    # A number goes through the scrubber as its text; one it finds nothing in stays a number.
    assert out[3]["body"] == 4111111111111111 or "<" in str(out[3]["body"])
    assert isinstance(out[0]["body"], list) and isinstance(out[1]["body"], dict)  # the shape is kept
    assert out[5]["body"] is None and out[4]["body"] == "Nothing personal here."
    findings = version.pii_report["by_field"]["body"]
    assert findings.get("EMAIL_ADDRESS", 0) >= 4  # every address inside the values was seen


def test_non_string_label_values_are_seen_by_the_checks(dataset, contributor, upload, scrub):
    """A label holding a list with an address inside is seen (profiled) and refused as a label."""
    from config.exceptions import ApplicationError

    rows = [{"ticket_id": f"T-{i}", "subject": "s", "body": "b", "category": [f"ask {PII_EMAIL}"]} for i in range(3)]
    version = upload(dataset, "".join(json.dumps(r) + "\n" for r in rows).encode(), "lbl.jsonl", contributor)
    with pytest.raises(ApplicationError, match="EMAIL_ADDRESS"):
        scrub(version, contributor)
