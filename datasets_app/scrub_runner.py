"""The seam between Django and the scrubbing core: shard plans, shard files and their merge.

Plain Python over local paths (no Django), so the Celery path and `scrub_file` run the very same
core functions: `scrubbing.scrub_file` on each shard, then `merge_shards` and `merge_reports`.
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from datasets_app.scrubbing import config as scrub_config_module
from datasets_app.scrubbing import (
    DEFAULT_ENTITIES,
    ScrubConfig,
    ScrubInputError,
    inspect_file,
    merge_reports,
    merge_shards,
    scrub_file,
)
from datasets_app.scrubbing.config import KEYED_OPERATORS
from datasets_app.scrubbing.fileio import FileInfo, Limits, RowWriter, atomic_output, limits_for, open_records

__all__ = ["ScrubConfig", "inspect_file", "ShardPlan", "MergedOutput", "config_for", "inspect", "split", "scrub_shard", "merge"]

SAMPLE_ROWS = 10


# Kinds a steward may add to the default set; the scrubbing config names them when it has them.
# "DATE" is every date, not only dates of birth (HIPAA Safe Harbor treats any date tied to a person
# as an identifier): the scrubbing core's `scrub_all_dates`, chosen per dataset like the other kinds.
ALL_DATES = "DATE"
OPTIONAL_ENTITIES: tuple[str, ...] = (
    *getattr(scrub_config_module, "OPTIONAL_ENTITIES", ("ORGANIZATION", "NRP", "URL", "USERNAME")), ALL_DATES,
)


def config_for(*, operator: str, pseudonym_secret: str, max_line_bytes: int, workers: int = 1,
               optional_entities: Sequence[str] = ()) -> ScrubConfig:
    """A version's scrubber configuration. Inside a Celery worker one process scrubs one shard
    (workers=1: prefork children may not fork); parallelism comes from shards over workers."""
    # The key only matters to the keyed operators (pseudonym, surrogate); left out otherwise, so the
    # configuration (and its fingerprint in reports) does not change with a key nothing uses.
    secret = pseudonym_secret if operator in KEYED_OPERATORS else ""
    chosen = set(optional_entities)
    extra = [e for e in OPTIONAL_ENTITIES if e in chosen and e not in DEFAULT_ENTITIES and e != ALL_DATES]
    return ScrubConfig(entities=(*DEFAULT_ENTITIES, *extra), operator=operator, pseudonym_secret=secret,
                       max_line_bytes=max_line_bytes, workers=workers, scrub_all_dates=ALL_DATES in chosen)


def not_scrubbed(config: ScrubConfig) -> list[str]:
    """Kinds the platform knows that this configuration does not look for: the report names them,
    so the steward knows what the scrubber does not promise."""
    looked_for = {*config.entities, *([ALL_DATES] if config.scrub_all_dates else [])}
    return [e for e in (*DEFAULT_ENTITIES, *OPTIONAL_ENTITIES) if e not in looked_for]


def format_from_name(name: str) -> str | None:
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image", b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or an Excel/Word file)",
    b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "a program", b"SQLite format 3": "a SQLite database",
    b"\xd0\xcf\x11\xe0": "an old Office document", b"BZh": "a bzip2 archive", b"\xfd7zXZ": "an xz archive",
}


def sniff_binary(path: Path) -> None:
    """Name a binary upload for what it is, before any line-level error would."""
    import gzip
    import zlib

    with open(path, "rb") as raw:
        head = raw.read(8192)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as inner:
                head = inner.read(8192)
        except (OSError, EOFError, zlib.error) as exc:
            raise ScrubInputError(f"the gzip data is corrupt or truncated ({exc}); re-compress the file and "
                                  "upload it again") from exc
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise ScrubInputError(f"this is a binary file ({what}), not CSV or JSON Lines text; export the data as "
                                  "CSV (UTF-8) or JSONL and upload that")
    if b"\x00" in head:
        raise ScrubInputError("this looks like a binary file (it contains NUL bytes), not CSV or JSON Lines text; "
                              "export the data as CSV (UTF-8) or JSONL and upload that")


def inspect(path: Path, *, original_name: str = "", max_line_bytes: int | None = None,
            profile: bool = False, max_decompressed_bytes: int | None = None,
            max_rows: int | None = None) -> FileInfo:
    if path.exists() and path.stat().st_size:
        sniff_binary(path)
    kwargs = {"max_line_bytes": max_line_bytes} if max_line_bytes else {}
    if max_decompressed_bytes:
        kwargs["max_decompressed_bytes"] = max_decompressed_bytes
    if max_rows:
        kwargs["max_rows"] = max_rows
    if profile:
        kwargs["profile"] = True
    info = inspect_file(path, fmt=format_from_name(original_name or path.name), **kwargs)
    if info.format == "csv" and not info.columns:
        raise ScrubInputError("the CSV has no columns in its header")
    return info


@dataclass(frozen=True)
class ShardPlan:
    row_count: int
    shard_rows: int

    @property
    def shard_count(self) -> int:
        return max(1, math.ceil(self.row_count / self.shard_rows))

    def rows_in(self, index: int) -> int:
        return min(self.row_count, (index + 1) * self.shard_rows) - index * self.shard_rows


def _plan_path(directory: Path) -> Path:
    return directory / "plan.json"


def shard_input(directory: Path, index: int, fmt: str) -> Path:
    return directory / f"shard-{index:05d}.input.{fmt}"


def shard_output(directory: Path, index: int, fmt: str) -> Path:
    return directory / f"shard-{index:05d}.{fmt}"


def shard_report(directory: Path, index: int) -> Path:
    return directory / f"shard-{index:05d}.report.json"


def existing_plan(directory: Path) -> ShardPlan | None:
    """The plan of an earlier, complete split in `directory` (a resumed scrub reuses it)."""
    try:
        plan = _load_plan(directory)
    except (OSError, ValueError, KeyError):
        return None
    fmt = json.loads(_plan_path(directory).read_text()).get("format")
    if fmt and all(shard_input(directory, i, fmt).exists() for i in range(plan.shard_count)):
        return plan
    return None


def shard_done(directory: Path, index: int, fmt: str) -> dict | None:
    """The report of a shard already scrubbed (output and report both in place), else None."""
    report_path, output_path = shard_report(directory, index), shard_output(directory, index, fmt)
    if not (report_path.exists() and output_path.exists()):
        return None
    try:
        return json.loads(report_path.read_text())
    except (OSError, ValueError):
        return None


def count_start(directory: Path, index: int) -> int:
    """How often shard `index` has been started (this start included): a shard whose worker dies on
    it every time (out of memory) is requeued each time; the count lets the service stop that."""
    path = directory / f"shard-{index:05d}.starts"
    try:
        starts = int(path.read_text() or 0) + 1
    except (OSError, ValueError):
        starts = 1
    with atomic_output(path) as fh:
        fh.write(str(starts))
    return starts


def split(source: Path, *, fmt: str, shard_rows: int, out_dir: Path, max_line_bytes: int,
          max_decompressed_bytes: int | None = None, max_rows: int | None = None,
          on_shard: Callable[[int], None] | None = None) -> ShardPlan:
    """One streaming pass over the raw file (decompressing, validating again) that writes each
    shard's rows to a file of its own, so every shard task reads only its rows, not the file
    up to them. Each shard file is written to a temp name and moved into place when complete."""
    shard_rows = max(1, shard_rows)
    limits = limits_for(max_line_bytes=max_line_bytes, max_decompressed_bytes=max_decompressed_bytes,
                        max_rows=max_rows)
    row_count = 0
    with open_records(source, fmt, limits) as records:
        rows = iter(records.rows)
        index = 0
        exhausted = False
        while not exhausted:
            written = 0
            with atomic_output(shard_input(out_dir, index, records.format)) as fh:
                writer = RowWriter(fh, records.format, records.columns)
                for row in rows:
                    writer.write(row)
                    written += 1
                    if written == shard_rows:
                        break
                else:
                    exhausted = True
            if written == 0:
                shard_input(out_dir, index, records.format).unlink()
                break
            row_count += written
            index += 1
            if on_shard is not None:
                on_shard(index)  # a heartbeat: splitting a large file takes a while
    if row_count == 0:
        raise ScrubInputError("the file has no data rows to scrub")
    plan = ShardPlan(row_count=row_count, shard_rows=shard_rows)
    with atomic_output(_plan_path(out_dir)) as fh:
        json.dump({"row_count": plan.row_count, "shard_rows": plan.shard_rows, "format": fmt}, fh)
    return plan


def _load_plan(directory: Path) -> ShardPlan:
    data = json.loads(_plan_path(directory).read_text())
    return ShardPlan(row_count=data["row_count"], shard_rows=data["shard_rows"])


def scrub_shard(directory: Path, index: int, *, config: ScrubConfig, fmt: str, text_fields: Sequence[str],
                keep_fields: Sequence[str] = (), progress: Callable[[int], None] | None = None,
                token_label_field: str | None = None) -> dict:
    """`keep_fields`: the label and keep columns, written verbatim; every other column is dropped (G2).
    `token_label_field`: a label column of NER spans or BIO tags, kept true through the scrub."""
    # Scrub one shard file with the core's `scrub_file`. Output and report are each written to
    # a temp name and moved into place, so a retried shard overwrites a whole file or nothing.
    plan = _load_plan(directory)
    done_so_far = 0

    def on_progress(rows_done: int, _total: int) -> None:
        nonlocal done_so_far
        if progress is not None and rows_done > done_so_far:
            progress(rows_done - done_so_far)
            done_so_far = rows_done

    report = scrub_file(shard_input(directory, index, fmt), shard_output(directory, index, fmt), fmt=fmt,
                        text_fields=list(text_fields), config=config, start_row=0, end_row=plan.rows_in(index),
                        progress=on_progress, keep_fields=list(keep_fields), token_label_field=token_label_field)
    offset = index * plan.shard_rows  # rows in the report count from the start of the whole file
    report["start_row"], report["end_row"] = offset, offset + report["rows"]
    for example in report.get("residual", {}).get("examples", []):
        example["row"] += offset
    with atomic_output(shard_report(directory, index)) as fh:
        json.dump(report, fh)
    return report


@dataclass(frozen=True)
class MergedOutput:
    path: Path
    sha256: str
    size: int
    report: dict


def merge(directory: Path, *, shard_count: int, fmt: str, sample_rows: int = SAMPLE_ROWS) -> MergedOutput:
    outputs = [shard_output(directory, i, fmt) for i in range(shard_count)]
    reports_paths = [shard_report(directory, i) for i in range(shard_count)]
    missing = [p.name for p in [*outputs, *reports_paths] if not p.exists()]
    if missing:
        raise ScrubInputError(f"scrubbing did not finish: shard files missing ({', '.join(missing[:5])}); re-run it")
    merged_path = directory / f"scrubbed.{fmt}"
    sha256 = merge_shards(outputs, merged_path, fmt=fmt)
    report = merge_reports([json.loads(p.read_text()) for p in reports_paths], output_sha256=sha256)
    written = report.get("output_columns") or report.get("fields", [])
    if fmt == "csv":
        with open_records(merged_path, fmt, Limits()) as records:
            header = list(records.columns)
        if header != list(written):  # G2: the file holds exactly the columns with a written role
            raise ScrubInputError("the merged file's columns differ from the columns given a role; re-run the scrub")
    report["sample"] = sample_of(merged_path, fmt=fmt, fields=written, rows=sample_rows)
    return MergedOutput(path=merged_path, sha256=sha256, size=os.path.getsize(merged_path), report=report)


def sample_of(path: Path, *, fmt: str, fields: Sequence[str], rows: int) -> list[dict]:
    """The first rows of the scrubbed output: its written columns only (dropped ones never reach it)."""
    sample: list[dict] = []
    with open_records(path, fmt, Limits()) as records:
        for row in records.rows:
            if fmt == "csv":
                row = dict(zip(records.columns, row))
            sample.append({f: row.get(f) for f in fields})
            if len(sample) >= rows:
                break
    return sample
