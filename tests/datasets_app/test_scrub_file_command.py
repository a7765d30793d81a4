"""`manage.py scrub_file`: the same pipeline on a local file, every other field and the row order kept."""
import csv
import json

import pytest
from django.core.management import CommandError, call_command

from tests.datasets_app.conftest import TICKETS, csv_bytes, gz, jsonl_bytes


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("scrub_file", *args, stdout=out)
    return json.loads(out.getvalue())


def test_csv_keeps_other_fields_and_row_order(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(csv_bytes())
    report = run(str(source), str(target), "--text-fields", "subject,body", "--workers", "1")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["ticket_id"] for r in rows] == [t["ticket_id"] for t in TICKETS]
    assert [r["category"] for r in rows] == [t["category"] for t in TICKETS]
    assert [r["subject"] for r in rows] == [t["subject"] for t in TICKETS]  # nothing to scrub there
    assert "John Smith" not in rows[0]["body"] and "<PERSON>" in rows[0]["body"]
    assert report["rows"] == 3 and report["fields"] == ["subject", "body"]
    assert report["by_entity"]["EMAIL_ADDRESS"] == 1 and report["by_entity"]["CREDIT_CARD"] == 1
    assert report["config"]["operators"]["PERSON"] == "replace"
    assert report["output_sha256"]


def test_gzipped_jsonl_with_pseudonyms(tmp_path):
    rows = [{"id": i, "text": f"Ticket from Olga Petrova, case {i}", "meta": {"n": i}} for i in range(4)]
    source, target = tmp_path / "in.jsonl.gz", tmp_path / "out.jsonl"
    source.write_bytes(gz(jsonl_bytes(rows)))
    report = run(str(source), str(target), "--format", "jsonl", "--text-fields", "text",
                 "--operator", "pseudonym", "--secret", "k1", "--workers", "1")
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in out] == [0, 1, 2, 3] and out[2]["meta"] == {"n": 2}
    tokens = {r["text"].split(",")[0] for r in out}
    assert len(tokens) == 1 and "Petrova" not in tokens.pop()
    assert report["config"]["pseudonym_secret_fingerprint"].startswith("sha256:") and "k1" not in json.dumps(report)


def test_surrogates_with_span_labels_re_mapped(tmp_path):
    text = "Olga Petrova says SyncDrive fails."
    rows = [{"id": i, "text": text, "entities": [{"start": 18, "end": 27, "label": "PRODUCT"}]} for i in range(3)]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(jsonl_bytes(rows))
    report = run(str(source), str(target), "--text-fields", "text", "--keep-fields", "entities",
                 "--token-label-field", "entities", "--operator", "surrogate", "--secret", "k1", "--workers", "1")
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert len({r["text"] for r in out}) == 1 and "Petrova" not in out[0]["text"] and "<PERSON>" not in out[0]["text"]
    span = out[0]["entities"][0]
    assert out[0]["text"][span["start"]:span["end"]] == "SyncDrive"
    assert report["config"]["operator"] == "surrogate" and report["residual"]["total"] == 0
    with pytest.raises(CommandError, match="secret"):
        run(str(source), str(target), "--text-fields", "text", "--operator", "surrogate", "--secret", "")


def test_keep_fields_drops_every_other_column(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(csv_bytes())
    report = run(str(source), str(target), "--text-fields", "body", "--keep-fields", "category", "--workers", "1")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(rows[0]) == ["body", "category"] and report["output_columns"] == ["body", "category"]
    assert "T-1" not in target.read_text() and "Refund please" not in target.read_text()


@pytest.mark.parametrize("content,args,message", [
    (b"id,text\n1,\"open\n", ["--text-fields", "text"], "malformed CSV"),
    (b"id,text\n1,ok\n", ["--text-fields", "nope"], "not found"),
    (b"", ["--text-fields", "text"], "empty"),
])
def test_bad_input_is_a_clear_error_and_no_output(tmp_path, content, args, message):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(source), str(target), *args, "--workers", "1")
    assert not target.exists() and not list(tmp_path.glob(".out.csv*"))


def test_pseudonym_needs_a_secret(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes())
    with pytest.raises(CommandError, match="secret"):
        call_command("scrub_file", str(source), str(tmp_path / "o.csv"), "--operator", "pseudonym", "--secret", "")


@pytest.mark.django_db
def test_command_and_sharded_celery_path_give_the_same_bytes(tmp_path, dataset, contributor, upload, scrub, settings):
    settings.ACCORD_SCRUB_SHARD_ROWS = 2  # three rows -> two shards, merged
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(csv_bytes())
    report = run(str(source), str(target), "--text-fields", "subject,body", "--keep-fields", "category",
                 "--workers", "1")
    version = scrub(upload(dataset, csv_bytes(), "in.csv", contributor), contributor, text_fields=("subject", "body"))
    assert version.shard_count == 2
    assert version.scrubbed_sha256 == report["output_sha256"]
    assert version.pii_report["by_entity"] == report["by_entity"]
    assert version.pii_report["residual"]["total"] == report["residual"]["total"]
