"""Streaming, validating readers and atomic writers for CSV / JSONL (optionally gzip).

Nothing here reads a whole file: lines are read with a byte limit, gzip input is
counted as it decompresses, and every problem becomes a ScrubInputError naming the line.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Sequence

from .config import DEFAULT_MAX_COMPRESSION_RATIO, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_LINE_BYTES
from .columns import HEADER_HINT, header_problem
from .errors import ScrubInputError

GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("csv", "jsonl")
JSONL_KEY_HINT = "the JSON keys look like data: use field names as keys"
_RATIO_FLOOR = 16 << 20  # small files may compress extremely well; only judge ratio past this
# JSON Lines rows are records: a value nested deeper than this is refused with a clear reason
# (without it, 100,000 nested brackets end in a RecursionError instead of an answer).
DEFAULT_MAX_JSON_DEPTH = 32


@dataclass
class FileInfo:
    format: str
    compressed: bool
    columns: list[str]
    row_count: int
    size: int
    sha256: str
    profile: dict = field(default_factory=dict)  # per column: counts and ratios only (columns.py)


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO
    max_rows: int | None = None  # rows per file (a version); None: no cap
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH


def limits_for(*, max_line_bytes: int | None = None, max_decompressed_bytes: int | None = None,
               max_rows: int | None = None) -> Limits:
    """Limits with the defaults for whatever is not given."""
    return Limits(max_line_bytes=max_line_bytes or DEFAULT_MAX_LINE_BYTES,
                  max_decompressed_bytes=max_decompressed_bytes or DEFAULT_MAX_DECOMPRESSED_BYTES,
                  max_rows=max_rows or None)


def sha256_file(path, *, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_gzip(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


class _GuardedGzip(io.RawIOBase):
    """Decompresses while counting, refusing gzip bombs by size or ratio."""

    def __init__(self, path, limits: Limits):
        self._compressed_size = max(os.path.getsize(path), 1)
        self._inner = gzip.open(path, "rb")
        self._limits = limits
        self.decompressed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self._inner.readinto(buffer)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ScrubInputError(f"the gzip data is corrupt or truncated ({exc}); re-compress and upload again") from exc
        self.decompressed += n
        if self.decompressed > self._limits.max_decompressed_bytes:
            raise ScrubInputError(
                f"decompressed size exceeds the limit of {self._limits.max_decompressed_bytes} bytes "
                "(possible gzip bomb; the limit follows the upload limit); upload a smaller file or split it")
        if (self.decompressed > _RATIO_FLOOR
                and self.decompressed / self._compressed_size > self._limits.max_compression_ratio):
            raise ScrubInputError(
                f"compression ratio exceeds {self._limits.max_compression_ratio:g}:1 (possible gzip bomb); "
                "upload the file uncompressed or split it")
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


@contextlib.contextmanager
def open_binary(path, limits: Limits) -> Iterator[tuple[IO[bytes], bool]]:
    path = Path(path)
    if not path.is_file():
        raise ScrubInputError(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise ScrubInputError(f"{path.name} is empty (0 bytes); upload a file with a header and rows")
    compressed = is_gzip(path)
    raw: IO[bytes] = io.BufferedReader(_GuardedGzip(path, limits), 1 << 16) if compressed else open(path, "rb")
    try:
        yield raw, compressed
    finally:
        raw.close()


def iter_lines(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, str]]:
    """(1-based line number, decoded line incl. newline), with size/NUL/UTF-8 checks."""
    line_no = 0
    limit = limits.max_line_bytes
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        line_no += 1
        if len(line) > limit and not line.endswith(b"\n"):
            raise ScrubInputError(f"line {line_no} is longer than the limit of {limit} bytes; "
                                  "split long values or raise the line limit")
        if b"\x00" in line:
            raise ScrubInputError(f"line {line_no} contains NUL bytes: this looks like a binary file, "
                                  "not CSV/JSONL text")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScrubInputError(f"line {line_no} is not valid UTF-8 (byte offset {exc.start} in the line); "
                                  "re-save the file as UTF-8") from exc
        if line_no == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield line_no, text


def detect_format(path, fmt: str | None, limits: Limits) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ScrubInputError(f"unknown format {fmt!r}; use one of {FORMATS}")
        return fmt
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    with open_binary(path, limits) as (stream, _):
        for _, line in iter_lines(stream, limits):
            if line.strip():
                return "jsonl" if line.lstrip().startswith("{") else "csv"
    raise ScrubInputError(f"{Path(path).name} contains only blank lines")


@dataclass
class RecordStream:
    """Rows of a file: CSV rows as lists, JSONL rows as dicts; columns known for CSV up front."""

    format: str
    compressed: bool
    columns: list[str] = field(default_factory=list)
    rows: Iterator = iter(())


def _csv_rows(lines: Iterator[tuple[int, str]], limits: Limits, name: str) -> tuple[list[str], Iterator[list[str]]]:
    current = {"line": 0}

    def texts() -> Iterator[str]:
        for line_no, text in lines:
            current["line"] = line_no
            yield text

    csv.field_size_limit(max(csv.field_size_limit(), limits.max_line_bytes))
    reader = csv.reader(texts(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ScrubInputError(f"{name} has no header row") from None
    except csv.Error as exc:
        raise ScrubInputError(f"malformed CSV header near line {current['line']}: {exc}") from exc
    # A header that is really a data row would make row values the column names, which are
    # stored and audited (G8, G10): refuse it, naming positions only, never the values.
    problem = header_problem(header)
    if problem:
        raise ScrubInputError(f"{name}: {problem}")

    def rows() -> Iterator[list[str]]:
        row_no = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ScrubInputError(
                    f"malformed CSV at data row {row_no + 1} (near line {current['line']}): {exc}; "
                    "check for an unbalanced quote") from exc
            if not row:
                continue  # blank line
            row_no += 1
            _check_row_cap(row_no, limits)
            if len(row) != len(header):
                raise ScrubInputError(
                    f"data row {row_no} (ending at line {current['line']}) has {len(row)} columns, the header "
                    f"has {len(header)}; check for an unbalanced quote or a stray delimiter")
            yield row

    return header, rows()


def _check_row_cap(row_no: int, limits: Limits) -> None:
    if limits.max_rows is not None and row_no > limits.max_rows:
        raise ScrubInputError(f"the file has more than {limits.max_rows} data rows, the limit for one version; "
                              "split it into several versions or ask an operator to raise the row limit")


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests lists/objects deeper than `limit` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _jsonl_rows(lines: Iterator[tuple[int, str]], limits: Limits = Limits()) -> Iterator[dict]:
    depth_hint = (f"nested deeper than {limits.max_json_depth} levels; flatten the record "
                  "(one JSON object per line with plain values)")
    row_no = 0
    for line_no, text in lines:
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScrubInputError(f"line {line_no} is not valid JSON: {exc.msg} at column {exc.colno}") from exc
        except RecursionError:  # the parser's own stack: far past any depth we accept
            raise ScrubInputError(f"line {line_no} is {depth_hint}") from None
        if not isinstance(value, dict):
            raise ScrubInputError(f"line {line_no} is a JSON {type(value).__name__}, expected an object "
                                  "({\"field\": value, ...}) per line")
        if json_depth_exceeds(value, limits.max_json_depth):
            raise ScrubInputError(f"line {line_no} is {depth_hint}")
        row_no += 1
        _check_row_cap(row_no, limits)
        yield value


@contextlib.contextmanager
def open_records(path, fmt: str | None, limits: Limits) -> Iterator[RecordStream]:
    fmt = detect_format(path, fmt, limits)
    with open_binary(path, limits) as (stream, compressed):
        lines = iter_lines(stream, limits)
        if fmt == "csv":
            header, rows = _csv_rows(lines, limits, Path(path).name)
            yield RecordStream("csv", compressed, header, rows)
        else:
            yield RecordStream("jsonl", compressed, [], _jsonl_rows(lines, limits))


def inspect_file(path, *, fmt: str | None = None, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                 max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
                 text_fields: Sequence[str] = (), profile: bool = False, max_rows: int | None = None) -> FileInfo:
    """Validate the whole file (streaming) and describe it; with `profile`, also count what each
    column holds (for role suggestions; no value is kept). Raises ScrubInputError."""
    from .columns import ColumnProfiler

    limits = limits_for(max_line_bytes=max_line_bytes, max_decompressed_bytes=max_decompressed_bytes,
                        max_rows=max_rows)
    with open_records(path, fmt, limits) as records:
        columns = list(records.columns)
        seen = dict.fromkeys(columns)
        profiler = ColumnProfiler(columns) if profile else None
        count = 0
        for row in records.rows:
            count += 1
            if profiler is not None:
                profiler.add(dict(zip(columns, row)) if records.format == "csv" else row)
            if records.format == "jsonl":
                for key in row:
                    if key not in seen:
                        seen[key] = None
        columns = list(seen)
        if records.format == "jsonl":
            problem = header_problem(columns)
            if problem:  # JSON keys are column names too: the same check, the same reason
                raise ScrubInputError(f"{Path(path).name}: {problem.replace(HEADER_HINT, JSONL_KEY_HINT)}")
        info = FileInfo(records.format, records.compressed, columns, count, os.path.getsize(path), sha256_file(path),
                        profiler.result() if profiler is not None else {})
    if count == 0:
        raise ScrubInputError(f"{Path(path).name} has no data rows")
    if text_fields:
        check_text_fields(text_fields, columns)
    return info


def count_rows(path, *, fmt: str | None = None, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
               max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES) -> int:
    limits = Limits(max_line_bytes=max_line_bytes, max_decompressed_bytes=max_decompressed_bytes)
    with open_records(path, fmt, limits) as records:
        return sum(1 for _ in records.rows)


def check_text_fields(text_fields: Sequence[str], columns: Sequence[str]) -> None:
    if not text_fields:
        raise ScrubInputError("no text fields given: name at least one column to scrub")
    missing = [f for f in text_fields if f not in columns]
    if missing:
        raise ScrubInputError(f"text field(s) {missing} not found; the file's columns are {list(columns)}")


@contextlib.contextmanager
def atomic_output(target, *, binary: bool = False) -> Iterator[IO]:
    """A temp file in the target's directory, moved into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class RowWriter:
    """Writes rows in the input's format (uncompressed UTF-8; CSV with '\\n' line ends)."""

    def __init__(self, fh: IO[str], fmt: str, columns: Sequence[str]):
        self.fmt = fmt
        self.fh = fh
        if fmt == "csv":
            self._csv = csv.writer(fh, lineterminator="\n")
            self._csv.writerow(columns)

    def write(self, row) -> None:
        if self.fmt == "csv":
            self._csv.writerow(row)
        else:
            self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")
