from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from training.core import DataFormatError, DataIntegrityError, InputFile, iter_records, open_verified, sha256_file
from training.core.data import label_names, load_examples, split_indices


def _write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_open_verified_refuses_a_tampered_file_and_yields_nothing(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "scrubbed.jsonl", [{"text": "hello", "label": "a"}] * 3)
    approved = sha256_file(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "smuggled PII", "label": "a"}) + "\n")

    yielded: list[dict[str, str]] = []
    with pytest.raises(DataIntegrityError) as caught:
        for record in iter_records(InputFile(path, approved)):
            yielded.append(record)  # noqa: PERF402 - collect until the refusal
    assert yielded == []
    assert caught.value.expected_sha256 == approved
    assert caught.value.actual_sha256 == sha256_file(path)
    with pytest.raises(DataIntegrityError):
        open_verified(path, approved)


def test_open_verified_returns_the_hashed_handle_rewound(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc\n")
    with open_verified(path, sha256_file(path).upper()) as handle:
        assert handle.read() == b"abc\n"


def test_csv_gzip_and_jsonl_versions_combine_with_sorted_label_union(tmp_path: Path) -> None:
    csv_path = tmp_path / "v1.csv.gz"
    with gzip.open(csv_path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["subject", "body", "label"])
        writer.writeheader()
        writer.writerow({"subject": "Refund", "body": 'charged twice, "again"', "label": "billing"})
        writer.writerow({"subject": "No label", "body": "skipped", "label": ""})
    jsonl_path = _write_jsonl(tmp_path / "v2.jsonl", [{"subject": "Login", "body": "locked out", "label": "account"}])

    loaded = load_examples(
        [InputFile(csv_path, sha256_file(csv_path)), InputFile(jsonl_path, sha256_file(jsonl_path))],
        text_fields=("subject", "body"),
        label_field="label",
        separator=" | ",
    )
    assert [example.text for example in loaded.examples] == ['Refund | charged twice, "again"', "Login | locked out"]
    assert loaded.skipped == 1
    assert loaded.per_file_counts == [1, 1]
    assert label_names(loaded.examples) == ["account", "billing"]


def test_missing_field_and_bad_json_are_clear_errors(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", [{"body": "x", "label": "a"}])
    with pytest.raises(DataFormatError, match="lacks field"):
        load_examples([InputFile(path, sha256_file(path))], text_fields=("text",), label_field="label", separator=" ")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok", "label": "a"}\n{not json\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="line 2"):
        list(iter_records(InputFile(broken, sha256_file(broken))))


def test_split_is_deterministic_disjoint_and_keeps_one_validation_example() -> None:
    train, val = split_indices(100, val_fraction=0.1, seed=5)
    assert (train, val) == split_indices(100, val_fraction=0.1, seed=5)
    assert len(val) == 10 and not set(train) & set(val) and len(train) + len(val) == 100
    assert split_indices(100, val_fraction=0.1, seed=6) != (train, val)
    assert len(split_indices(3, val_fraction=0.01, seed=0)[1]) == 1


def test_gzip_handle_is_closed_with_the_reader_and_corrupt_gzip_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "a", "label": "x"}\n'))
    handle = open_verified(path, sha256_file(path))
    source = handle.fileobj  # type: ignore[attr-defined]
    handle.close()
    assert source.closed

    truncated = tmp_path / "t.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"text": "a", "label": "x"}\n' * 100)[:30])
    with pytest.raises(DataFormatError, match="gzip"):
        list(iter_records(InputFile(truncated, sha256_file(truncated))))


def test_three_way_split_is_seeded_disjoint_and_test_does_not_move_with_val_fraction() -> None:
    from training.core.data import split_three

    train, val, test = split_three(100, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    assert sorted(train + val + test) == list(range(100))
    assert (train, val, test) == split_three(100, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert split_three(100, val_fraction=0.3, test_fraction=0.2, seed=3)[2] == test
    assert split_three(100, val_fraction=0.1, test_fraction=0.2, seed=4)[2] != test
    assert split_three(10, val_fraction=0.1, test_fraction=0.0, seed=0)[2] == []


def test_declared_split_column_is_used_as_is_and_must_hold_train_and_validation() -> None:
    from training.core.data import split_three
    from training.core.errors import DataFormatError

    declared = ["train", "validation", "test", "train", "validation"]
    assert split_three(5, val_fraction=0.5, test_fraction=0.5, seed=0, declared=declared) == ([0, 3], [1, 4], [2])
    with pytest.raises(DataFormatError, match="no validation"):
        split_three(3, val_fraction=0.1, test_fraction=0.1, seed=0, declared=["train", "test", "train"])


def test_split_column_values_are_normalised_and_unknown_ones_refused(tmp_path: Path) -> None:
    from training.core.errors import DataFormatError

    path = tmp_path / "d.jsonl"
    rows = [{"text": "a", "label": "x", "fold": "Dev"}, {"text": "b", "label": "y", "fold": "TRAIN"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    loaded = load_examples([InputFile(path, sha256_file(path))], text_fields=("text",), label_field="label",
                           separator=" ", split_field="fold")
    assert [e.split for e in loaded.examples] == ["validation", "train"]
    path.write_text(json.dumps({"text": "a", "label": "x", "fold": "holdout"}) + "\n")
    with pytest.raises(DataFormatError, match="split column"):
        load_examples([InputFile(path, sha256_file(path))], text_fields=("text",), label_field="label",
                      separator=" ", split_field="fold")
