"""File handling: formats, gzip, order, atomic output, shards, bad input."""

import csv
import gzip
import json
import os

import pytest

from datasets_app.scrubbing import (ScrubConfig, ScrubInputError, count_rows, inspect_file, merge_reports,
                                    merge_shards, scrub_file, sha256_file)
from datasets_app.scrubbing import pipeline
from datasets_app.scrubbing.synthetic import TEXT_FIELDS, generate_labelled, generate_tickets, write_csv, write_jsonl

RECORDS = generate_tickets(40, seed=11)


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _jsonl_rows(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _check_preserved(rows):
    assert [r["ticket_id"] for r in rows] == [r["ticket_id"] for r in RECORDS]
    assert [r["category"] for r in rows] == [r["category"] for r in RECORDS]


def test_csv_scrub_keeps_order_and_other_fields(tmp_path, config):
    src, dst = tmp_path / "t.csv", tmp_path / "out" / "t.csv"
    write_csv(RECORDS, src)
    report = scrub_file(src, dst, text_fields=list(TEXT_FIELDS), config=config)
    rows = _csv_rows(dst)
    _check_preserved(rows)
    assert report["rows"] == len(RECORDS)
    assert report["output_sha256"] == sha256_file(dst)
    assert report["by_entity"]["PERSON"] > 0
    assert set(report["by_field"]) == set(TEXT_FIELDS)
    assert json.dumps(report)  # JSON-serialisable
    assert not [p for p in dst.parent.iterdir() if p.name.endswith(".part")]


def test_jsonl_gzip_input(tmp_path, config):
    plain, gz = tmp_path / "t.jsonl", tmp_path / "t.data"  # no extension: detected by magic bytes
    write_jsonl(RECORDS, plain)
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    info = inspect_file(gz)
    assert (info.format, info.compressed, info.row_count) == ("jsonl", True, len(RECORDS))
    assert info.columns == ["ticket_id", "subject", "body", "customer_note", "category"]
    dst = tmp_path / "out.jsonl"
    report = scrub_file(gz, dst, text_fields=["body"], config=config)
    rows = _jsonl_rows(dst)
    _check_preserved(rows)
    assert [r["subject"] for r in rows] == [r["subject"] for r in RECORDS]  # not a text field: untouched
    assert report["input_compressed"] is True


def test_labelled_values_do_not_survive(tmp_path, config):
    labelled = generate_labelled(30, seed=99)
    src, dst = tmp_path / "l.csv", tmp_path / "l.out.csv"
    write_csv([r for r, _ in labelled], src)
    scrub_file(src, dst, text_fields=list(TEXT_FIELDS), config=config)
    rows = _csv_rows(dst)
    spans = [(row[f], s.value) for row, (_, sp) in zip(rows, labelled) for f in TEXT_FIELDS for s in sp[f]]
    leaked = [v for out, v in spans if v in out]
    assert len(leaked) <= 0.03 * len(spans), leaked


def test_shards_merge_equals_single_pass_with_two_workers(tmp_path, config):
    cfg = ScrubConfig(workers=2)
    src = tmp_path / "t.csv"
    write_csv(RECORDS, src)
    single = tmp_path / "single.csv"
    whole = scrub_file(src, single, text_fields=list(TEXT_FIELDS), config=cfg)
    assert count_rows(src) == len(RECORDS)
    bounds = [(0, 15), (15, 31), (31, None)]
    shards, reports = [], []
    for i, (start, end) in enumerate(bounds):
        shard = tmp_path / f"shard{i}.csv"
        # shards run in-process (workers=1): output must not depend on the worker count
        reports.append(scrub_file(src, shard, text_fields=list(TEXT_FIELDS), config=config,
                                  start_row=start, end_row=end))
        shards.append(shard)
    merged = tmp_path / "merged.csv"
    digest = merge_shards(shards, merged, fmt="csv")
    assert merged.read_bytes() == single.read_bytes()
    assert digest == whole["output_sha256"]
    combined = merge_reports(reports, output_sha256=digest)
    assert combined["rows"] == whole["rows"]
    assert combined["by_entity"] == whole["by_entity"]
    assert combined["residual"]["total"] == whole["residual"]["total"]


def test_jsonl_shards_merge(tmp_path, config):
    src = tmp_path / "t.jsonl"
    write_jsonl(RECORDS, src)
    single = tmp_path / "s.jsonl"
    scrub_file(src, single, text_fields=["body"], config=config)
    parts = []
    for i, (start, end) in enumerate([(0, 20), (20, None)]):
        parts.append(tmp_path / f"p{i}.jsonl")
        scrub_file(src, parts[-1], text_fields=["body"], config=config, start_row=start, end_row=end)
    merge_shards(parts, tmp_path / "m.jsonl", fmt="jsonl")
    assert (tmp_path / "m.jsonl").read_bytes() == single.read_bytes()


def test_failure_midway_leaves_no_output(tmp_path, config, monkeypatch):
    src, dst = tmp_path / "t.csv", tmp_path / "t.out.csv"
    write_csv(RECORDS, src)
    dst.write_text("previous good output")
    calls = {"n": 0}
    real = pipeline._scrub_task

    def flaky(texts, cfg=None, contexts=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker crashed")
        return real(texts, cfg, contexts)

    monkeypatch.setattr(pipeline, "_scrub_task", flaky)
    monkeypatch.setattr(pipeline, "ROWS_PER_TASK", 8)  # several batches, so the failure is midway
    with pytest.raises(RuntimeError):
        scrub_file(src, dst, text_fields=["body"], config=config)
    assert calls["n"] == 2
    assert dst.read_text() == "previous good output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.out.csv"]


def test_progress_is_reported(tmp_path, config):
    src = tmp_path / "t.csv"
    write_csv(RECORDS, src)
    seen = []
    scrub_file(src, tmp_path / "o.csv", text_fields=["subject"], config=config, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(RECORDS), len(RECORDS))


# -- bad input ---------------------------------------------------------------------------
def _write(path, data: bytes):
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "unbalanced_quote": (b'id,body\n1,"hello\n2,world\n', "csv", "quote"),
    "wrong_columns": (b"id,body\n1,hello\n2,world,extra\n", "csv", "row 2"),
    "not_utf8": (b"id,body\n1,caf\xe9\n", "csv", "line 2"),
    "nul_bytes": (b"id,body\n1,he\x00llo\n", "csv", "binary"),
    "empty": (b"", "csv", "empty"),
    "header_only": (b"id,body\n", "csv", "no data rows"),
    "bad_json": (b'{"body": "ok"}\n{"body": oops}\n', "jsonl", "line 2"),
    "json_not_object": (b'{"body": "ok"}\n["a", "list"]\n', "jsonl", "line 2"),
    "long_line": (b"id,body\n1," + b"x" * 5000 + b"\n", "csv", "line 2"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_raises_helpful_error(tmp_path, config, name):
    data, fmt, hint = BAD_INPUTS[name]
    path = _write(tmp_path / f"bad.{fmt}", data)
    with pytest.raises(ScrubInputError, match=hint):
        inspect_file(path, max_line_bytes=1000)
    cfg = ScrubConfig(workers=1, max_line_bytes=1000)
    with pytest.raises(ScrubInputError):
        inspect_file(path, max_line_bytes=1000)
        scrub_file(path, tmp_path / "out", fmt=fmt, text_fields=["body"], config=cfg)
    assert not (tmp_path / "out").exists()


def test_missing_text_field_and_empty_fields(tmp_path, config):
    src = tmp_path / "t.csv"
    write_csv(RECORDS, src)
    with pytest.raises(ScrubInputError, match="nope"):
        scrub_file(src, tmp_path / "o.csv", text_fields=["nope"], config=config)
    with pytest.raises(ScrubInputError, match="text field"):
        scrub_file(src, tmp_path / "o.csv", text_fields=[], config=config)
    with pytest.raises(ScrubInputError, match="nope"):
        inspect_file(src, text_fields=["nope"])
    jl = tmp_path / "t.jsonl"
    write_jsonl(RECORDS, jl)
    with pytest.raises(ScrubInputError, match="nope"):
        scrub_file(jl, tmp_path / "o.jsonl", text_fields=["nope"], config=config)
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "o.csv").exists()


def test_gzip_bomb_refused(tmp_path):
    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb") as fh:
        fh.write(b"id,body\n")
        fh.write(b"1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" * 1_200_000)  # ~38 MB that compresses >200:1
    with pytest.raises(ScrubInputError, match="gzip bomb"):
        inspect_file(bomb)
    with pytest.raises(ScrubInputError, match="gzip bomb"):
        inspect_file(bomb, max_decompressed_bytes=10_000)
    assert os.path.getsize(bomb) < 1_000_000
