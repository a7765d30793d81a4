"""Reading scrubbed dataset files, opened by content hash.

Governance invariant 1: a run reads only the scrubbed file whose sha256 was approved. The file is
opened once, hashed through that same handle, rewound and only then parsed, so nothing is yielded
before the check passes and a file swapped on disk after the check is not the one read.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import torch

from .errors import DataFormatError, DataIntegrityError

HASH_CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
# Scrubbed records can carry long free text; the csv module's 128 KiB default is too small.
CSV_FIELD_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    """One scrubbed dataset version to train on: where it is and the sha256 it must have.

    `format` is "csv" or "jsonl"; None guesses from the name (".csv", ".jsonl", ".ndjson",
    ".json", optionally followed by ".gz") or, failing that, from the first byte.
    """

    path: str | os.PathLike[str]
    sha256: str
    format: str | None = None
    # (run field, this file's column) pairs: a file whose released text column is `body` is read
    # as the run's `text`. Only the mapped names are visible to the run; () = names as they are.
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Example:
    """One training record. `label` is a class name (classification), a list of spans or of
    (token, tag) pairs (token classification) or "" (causal LM); `split` is the steward-declared
    split ("train" / "validation" / "test") when the run reads a split column, else ""."""

    text: str
    label: Any
    split: str = ""


def sha256_of(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as handle:
        return sha256_of(handle)


def open_verified(path: str | os.PathLike[str], expected_sha256: str) -> IO[bytes]:
    """Open `path` for binary reading after checking its sha256; raise DataIntegrityError if it differs.

    The returned handle is the one that was hashed (rewound to the start), transparently
    gunzipped when the file is gzip. The caller closes it (use it as a context manager).
    """
    raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    try:
        actual = sha256_of(raw)
        if actual != expected_sha256.strip().lower():
            raise DataIntegrityError(str(path), expected_sha256, actual)
        raw.seek(0)
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            return _OwningGzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        raw.seek(0)
        return raw
    except BaseException:
        raw.close()
        raise


class _OwningGzipFile(gzip.GzipFile):
    """A GzipFile that also closes the verified handle it reads from (plain GzipFile leaves it open)."""

    def close(self) -> None:
        source = self.fileobj
        try:
            super().close()
        finally:
            if source is not None:
                source.close()


def _normalise_format(declared: str | None) -> str | None:
    """Accept "CSV", "jsonl", "ndjson", "json", "csv.gz", ... as declared by the caller."""
    if not declared:
        return None
    name = declared.strip().lower().removeprefix(".").removesuffix(".gz").removesuffix("+gzip")
    return "jsonl" if name in ("jsonl", "ndjson", "json") else name


def guess_format(path: str | os.PathLike[str], first_byte: bytes) -> str:
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "jsonl" if first_byte == b"{" else "csv"


def iter_records(source: InputFile) -> Iterator[dict[str, Any]]:
    """Yield each record of a verified CSV or JSONL file as a dict (streamed, never fully loaded)."""
    binary = open_verified(source.path, source.sha256)
    with binary:
        try:
            fmt = _normalise_format(source.format) or guess_format(source.path, _first_non_space_byte(binary))
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
            try:
                if fmt == "csv":
                    yield from _iter_csv(text, source.path)
                elif fmt == "jsonl":
                    yield from _iter_jsonl(text, source.path)
                else:
                    raise DataFormatError(f"{source.path}: unknown format {fmt!r} (expected csv or jsonl)")
            finally:
                text.detach()  # `with binary` closes the handle, exactly once
        except UnicodeDecodeError as exc:
            raise DataFormatError(f"{source.path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
        except (gzip.BadGzipFile, EOFError) as exc:
            raise DataFormatError(f"{source.path}: corrupt or truncated gzip data: {exc}") from exc


def _first_non_space_byte(binary: IO[bytes]) -> bytes:
    """Peek the first meaningful byte (to tell JSONL from CSV) and rewind."""
    head = binary.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    binary.seek(0)
    return head[:1]


def _iter_csv(text: io.TextIOBase, path: Any) -> Iterator[dict[str, Any]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(text)
    try:
        yield from reader
    except csv.Error as exc:
        raise DataFormatError(f"{path}: malformed CSV near line {reader.line_num}: {exc}") from exc


def _iter_jsonl(text: io.TextIOBase, path: Any) -> Iterator[dict[str, Any]]:
    for line_number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{path}: line {line_number} is not valid JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise DataFormatError(f"{path}: line {line_number} is not a JSON object")
        yield record


SPLIT_ALIASES = {"train": "train", "training": "train", "validation": "validation", "val": "validation",
                 "valid": "validation", "dev": "validation", "test": "test", "testing": "test"}


def record_to_example(
    record: dict[str, Any],
    *,
    text_fields: Sequence[str],
    label_field: str | None,
    separator: str,
    split_field: str | None = None,
    label_kind: str = "class",
) -> Example | None:
    """Join the text fields; None when the record has no text or no label (skipped, counted).

    `label_kind`: "class" (a class name), "raw" (the field's value as stored: span annotations,
    BIO tags; parsed by the task) or "none" (causal LM: no label column)."""
    parts = [str(record[field]) for field in text_fields if record.get(field) not in (None, "")]
    if not parts:
        return None
    split = ""
    if split_field:
        declared = str(record.get(split_field) or "").strip().lower()
        if declared not in SPLIT_ALIASES:
            raise DataFormatError(
                f"split column {split_field!r} holds {declared[:20]!r}; expected one of train, validation, test"
            )
        split = SPLIT_ALIASES[declared]
    if label_kind == "none":
        return Example(text=separator.join(parts), label="", split=split)
    label = record.get(label_field) if label_field else ""
    if label_kind == "raw":
        if label is None or label == "":
            return None
        first = record.get(text_fields[0])
        # A token column (BIO tags beside it) stays a list of tokens; running text is joined.
        text = first if len(text_fields) == 1 and isinstance(first, list) else separator.join(parts)
        return Example(text=text, label=label, split=split)
    if label is None or (label_field and str(label).strip() == ""):
        return None
    return Example(text=separator.join(parts), label=str(label).strip(), split=split)


@dataclass
class LoadedData:
    examples: list[Example]
    skipped: int
    per_file_counts: list[int]


def load_examples(
    inputs: Sequence[InputFile],
    *,
    text_fields: Sequence[str],
    label_field: str | None,
    separator: str,
    split_field: str | None = None,
    label_kind: str = "class",
) -> LoadedData:
    """Read every input (each verified before its first record) into one combined list."""
    if not inputs:
        raise DataFormatError("no input files given")
    examples: list[Example] = []
    skipped = 0
    counts: list[int] = []
    for source in inputs:
        before = len(examples)
        mapping = dict(source.columns)
        wanted = [*text_fields, *([label_field] if label_field else []), *([split_field] if split_field else [])]
        for record in iter_records(source):
            if mapping:
                record = {name: record[mapping.get(name, name)] for name in wanted if mapping.get(name, name) in record}
            _require_fields(record, source, [*text_fields, *([split_field] if split_field else [])],
                            label_field if label_kind != "none" else None)
            example = record_to_example(record, text_fields=text_fields, label_field=label_field, separator=separator,
                                        split_field=split_field, label_kind=label_kind)
            if example is None:
                skipped += 1
            else:
                examples.append(example)
        counts.append(len(examples) - before)
    if not examples:
        raise DataFormatError("the input files contain no usable (text, label) records")
    return LoadedData(examples=examples, skipped=skipped, per_file_counts=counts)



def _require_fields(
    record: dict[str, Any], source: InputFile, text_fields: Sequence[str], label_field: str | None
) -> None:
    wanted = [*text_fields, *([label_field] if label_field else [])]
    missing = [field for field in wanted if field not in record]
    if missing:
        raise DataFormatError(f"{source.path}: record lacks field(s) {', '.join(missing)}")


def label_names(examples: Sequence[Example]) -> list[str]:
    """The label set: the sorted union over all inputs (stable ids across runs on the same data)."""
    return sorted({example.label for example in examples})


def split_indices(count: int, *, val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Deterministic shuffled train/validation split; validation has at least one example."""
    if count < 2:
        raise DataFormatError(f"need at least 2 records to hold one out for validation, got {count}")
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(count, generator=generator).tolist()
    val_size = min(count - 1, max(1, round(count * val_fraction)))
    return sorted(order[val_size:]), sorted(order[:val_size])


def split_three(
    count: int,
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    declared: Sequence[str] | None = None,
) -> tuple[list[int], list[int], list[int]]:
    """Train / validation / test indices.

    With `declared` (the steward's split column, one of train/validation/test per example) that
    split is used as is; it must give train and validation at least one example each. Otherwise a
    seeded shuffle holds out `test_fraction` for test (0 = no test split) and `val_fraction` for
    validation, each at least one example when its fraction is above zero. The test examples are
    chosen first, so changing `val_fraction` never moves an example into or out of test.
    """
    if declared is not None and any(declared):
        buckets: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
        for index, name in enumerate(declared):
            buckets[name or "train"].append(index)
        missing = [name for name in ("train", "validation") if not buckets[name]]
        if missing:
            raise DataFormatError(f"the declared split has no {' and no '.join(missing)} examples")
        return buckets["train"], buckets["validation"], buckets["test"]
    if not 0.0 <= test_fraction < 1.0:
        raise DataFormatError(f"test_fraction must be in [0, 1), got {test_fraction}")
    test_size = 0 if test_fraction == 0 else max(1, round(count * test_fraction))
    if count - test_size < 2:
        raise DataFormatError(
            f"need at least {test_size + 2} records for train, validation and test splits, got {count}"
        )
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(count, generator=generator).tolist()
    test, rest = order[:test_size], order[test_size:]
    val_size = min(len(rest) - 1, max(1, round(count * val_fraction)))
    return sorted(rest[val_size:]), sorted(rest[:val_size]), sorted(test)
