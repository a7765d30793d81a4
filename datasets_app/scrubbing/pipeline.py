"""File-level scrubbing: stream rows, scrub text fields in batches over worker processes,
write atomically, and report. Also shard ranges, shard merging and report merging."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from collections import Counter, deque
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .config import ScrubConfig
from .errors import ScrubInputError
from .fileio import (Limits, RowWriter, atomic_output, check_text_fields, count_rows, open_records,
                     sha256_file)
from .residual import ResidualTally, find_residuals, mask
from .spans import Edit, SpanError, blank_edits, remap_spans, split_tokens

ROWS_PER_TASK = 64  # rows sent to a worker at once
_ENGINES: dict = {}
_BOUND: dict = {}


def get_engine(config: ScrubConfig):
    """One engine per process and detection config (building one loads spaCy and the name lists);
    operators and key are bound on top of it, so another operator or dataset loads nothing."""
    from .engine import ScrubEngine

    detection = (config.entities, config.score_threshold, config.language, config.model, config.chunk_chars,
                 config.allow_list, config.batch_size, config.scrub_all_dates)
    if detection not in _ENGINES:
        _ENGINES.clear()  # keep at most one (they are large)
        _BOUND.clear()
        _ENGINES[detection] = ScrubEngine(config)
    operators = (detection, tuple(sorted(config.operators.items())), config.operator, config.pseudonym_secret)
    if operators not in _BOUND:
        if len(_BOUND) >= 8:
            _BOUND.clear()
        _BOUND[operators] = _ENGINES[detection].with_operators(config)
    return _BOUND[operators]


def scrub_texts(texts: list[str], *, config: ScrubConfig):
    """In-process scrub of plain strings: [(scrubbed text, [Finding, ...]), ...]."""
    return get_engine(config).scrub(list(texts))


def residuals_of(scrubbed: str, edits: Sequence[Edit]) -> list[tuple[str, str]]:
    """The residual check on a scrubbed text, minus what the scrubber wrote there: a surrogate
    looks like PII by design; a real value beside it is still found (keyed by offsets)."""
    return find_residuals(blank_edits(scrubbed, edits))


# -- worker side ---------------------------------------------------------------------------
_worker_config: ScrubConfig | None = None


def _init_worker(config: ScrubConfig) -> None:
    global _worker_config
    _worker_config = config
    get_engine(config)


def _scrub_task(texts: list[str], config: ScrubConfig | None = None, contexts: list[str] | None = None):
    """Scrub a batch; return only what the parent needs (no raw values): the scrubbed text, the
    kinds found, the masked residuals and the edits (offsets) for span re-mapping."""
    engine = get_engine(config or _worker_config)
    out = []
    for scrubbed, findings, edits in engine.scrub_with_edits(texts, contexts=contexts):
        residuals = [(entity, mask(value)) for entity, value in residuals_of(scrubbed, edits)]
        out.append((scrubbed, [f.entity_type for f in findings], residuals, edits))
    return out


# -- parent side ---------------------------------------------------------------------------
def _batches(rows: Iterator, start_row: int, end_row: int | None, size: int) -> Iterator[tuple[int, list]]:
    """(absolute index of first row, rows) for rows in [start_row, end_row)."""
    batch: list = []
    first = start_row
    for index, row in enumerate(rows):
        if index < start_row:
            continue
        if end_row is not None and index >= end_row:
            break
        if not batch:
            first = index
        batch.append(row)
        if len(batch) == size:
            yield first, batch
            batch = []
    if batch:
        yield first, batch


def _field_getter(fmt: str, columns: Sequence[str], text_fields: Sequence[str]):
    if fmt == "csv":
        positions = [columns.index(f) for f in text_fields]

        def get(row):
            return [row[p] for p in positions]

        def put(row, values):
            for p, v in zip(positions, values):
                row[p] = v
    else:
        def get(row):
            return [row.get(f) for f in text_fields]

        def put(row, values):
            for f, v in zip(text_fields, values):
                if f in row:
                    row[f] = v
    return get, put


def _start_pool(config: ScrubConfig, workers: int):
    """Fork workers from a parent that already holds a built engine (no per-worker model
    loading, shared pages) when that is safe - a single-threaded parent on a platform with
    fork; otherwise spawn fresh interpreters that build their own engine."""
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        get_engine(config)
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("spawn")
    return ctx.Pool(workers, initializer=_init_worker, initargs=(config,))


class _Results:
    """Runs batches in order on a pool with a bounded number in flight (bounded memory)."""

    def __init__(self, config: ScrubConfig):
        self.config = config
        self.workers = config.effective_workers
        self.pool = None
        if multiprocessing.current_process().daemon:
            # e.g. inside a Celery prefork child, which may not have children: run in-process
            self.workers = 1
        if self.workers > 1:
            self.pool = _start_pool(config, self.workers)

    def map(self, jobs: Iterable[tuple[object, list[str], list[str] | None]]) -> Iterator[tuple[object, list]]:
        if self.pool is None:
            for tag, texts, contexts in jobs:
                yield tag, _scrub_task(texts, self.config, contexts)
            return
        pending: deque = deque()
        for tag, texts, contexts in jobs:
            pending.append((tag, self.pool.apply_async(_scrub_task, (texts, None, contexts))))
            if len(pending) >= self.workers * 3:
                tag0, res = pending.popleft()
                yield tag0, res.get()
        while pending:
            tag0, res = pending.popleft()
            yield tag0, res.get()

    def close(self, ok: bool) -> None:
        if self.pool is not None:
            (self.pool.close if ok else self.pool.terminate)()
            self.pool.join()


def scrub_file(input_path, output_path, *, fmt: str | None = None, text_fields: Sequence[str],
               config: ScrubConfig, start_row: int = 0, end_row: int | None = None,
               progress: Callable[[int, int], None] | None = None,
               keep_fields: Sequence[str] | None = None, token_label_field: str | None = None) -> dict:
    """Scrub rows [start_row, end_row) of a CSV/JSONL(.gz) file into output_path (atomic).

    Output is uncompressed, in the input's format, rows in order. `keep_fields` are the other
    columns written verbatim (a version's label and keep columns); every column not scrubbed and
    not in it is dropped before anything is written (G2). `keep_fields=None` keeps every column
    (the command-line tool's behaviour). The residual check runs on every written column.
    `token_label_field`: a written column of token labels over the one text field, kept true
    through the scrub (spans re-mapped, a token column scrubbed token for token; see
    `TokenLabels`). Returns a JSON-serialisable report.
    """
    if not text_fields:
        raise ScrubInputError("no text fields given: name at least one column to scrub")
    if token_label_field is not None:
        if len(text_fields) != 1:
            raise ScrubInputError("token labels point into one text column: give exactly one column to scrub "
                                  f"(got {len(text_fields)})")
        if token_label_field in text_fields or (keep_fields is not None and token_label_field not in keep_fields):
            raise ScrubInputError(f"the token-label column {token_label_field!r} must be written as it is, "
                                  "not scrubbed or dropped")
    if start_row < 0 or (end_row is not None and end_row < start_row):
        raise ScrubInputError(f"invalid row range [{start_row}, {end_row})")
    text_fields = list(text_fields)
    if keep_fields is not None:
        keep_fields = [f for f in dict.fromkeys(keep_fields) if f not in text_fields]
    limits = Limits(max_line_bytes=config.max_line_bytes, max_decompressed_bytes=config.max_decompressed_bytes)
    started = time.perf_counter()
    total = (end_row - start_row) if end_row is not None else -1
    if progress is not None and end_row is None:
        total = max(count_rows(input_path, fmt=fmt, max_line_bytes=config.max_line_bytes,
                               max_decompressed_bytes=config.max_decompressed_bytes) - start_row, 0)
    by_field = {f: Counter() for f in text_fields}
    residual = ResidualTally()
    rows_done = 0
    seen_fields: set[str] = set()
    with open_records(input_path, fmt, limits) as records:
        if records.format == "csv":
            check_text_fields(text_fields, records.columns)
            if keep_fields:
                missing = [f for f in keep_fields if f not in records.columns]
                if missing:
                    raise ScrubInputError(f"field(s) {missing} to keep not found; the file's columns are "
                                          f"{list(records.columns)}")
        get, put = _field_getter(records.format, records.columns, text_fields)
        labels = None
        if token_label_field is not None:
            if records.format == "csv" and token_label_field not in records.columns:
                raise ScrubInputError(f"token-label column {token_label_field!r} not found; the file's columns are "
                                      f"{list(records.columns)}")
            labels = TokenLabels(*_field_getter(records.format, records.columns, [token_label_field]))
        plan = _RowPlanner(get, labels, surrogates=config.uses_surrogates)
        project, out_columns = _projection(records.format, records.columns, text_fields, keep_fields)
        runner = _Results(config)
        ok = False
        try:
            with atomic_output(output_path) as fh:
                writer = RowWriter(fh, records.format, out_columns)
                for (first, rows), results in _run_batches(runner, records.rows, plan, start_row, end_row):
                    _apply(rows, results, first, plan, put, text_fields, by_field, residual, seen_fields)
                    for offset, row in enumerate(rows):
                        row = project(row)
                        _check_verbatim(row, records.format, out_columns, text_fields, residual, first + offset)
                        writer.write(row)
                    rows_done += len(rows)
                    if progress is not None:
                        progress(rows_done, total)
                if records.format == "jsonl" and start_row == 0 and end_row is None:
                    missing = [f for f in text_fields if f not in seen_fields]
                    if missing:
                        raise ScrubInputError(f"text field(s) {missing} do not occur in any row of the file")
            ok = True
        finally:
            runner.close(ok)
    seconds = time.perf_counter() - started
    by_entity: Counter = Counter()
    for counts in by_field.values():
        by_entity.update(counts)
    return {
        "rows": rows_done,
        "start_row": start_row,
        "end_row": end_row,
        "format": records.format,
        "input_compressed": records.compressed,
        "output_compressed": False,
        "fields": text_fields,
        "kept_fields": list(keep_fields) if keep_fields is not None else None,
        "output_columns": out_columns,
        "total_findings": sum(by_entity.values()),
        "by_entity": dict(sorted(by_entity.items())),
        "by_field": {f: dict(sorted(c.items())) for f, c in by_field.items()},
        "residual": residual.as_dict(),
        "timings": {"seconds": round(seconds, 3),
                    "records_per_second": round(rows_done / seconds, 2) if seconds > 0 else None},
        "config": config.as_dict(),
        "output_sha256": sha256_file(output_path),
    }


def _projection(fmt: str, columns: Sequence[str], text_fields: Sequence[str], keep_fields: Sequence[str] | None):
    """(row -> the row as written, the written columns). Dropped columns never reach the writer.
    For JSONL the written columns are the allowed keys (a row holds those it has)."""
    if keep_fields is None:
        return (lambda row: row), list(columns)
    allowed = set(text_fields) | set(keep_fields)
    if fmt == "csv":
        positions = [i for i, c in enumerate(columns) if c in allowed]
        return (lambda row: [row[i] for i in positions]), [columns[i] for i in positions]
    return (lambda row: {k: v for k, v in row.items() if k in allowed}), [*text_fields, *keep_fields]


def _verbatim_text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _check_verbatim(row, fmt: str, out_columns: Sequence[str], text_fields: Sequence[str],
                    residual: ResidualTally, row_index: int) -> None:
    """The residual check on the columns written as they are (label, keep): the scrubbed ones
    were checked by the worker. Every written column is covered (G2)."""
    if fmt == "csv":
        items = ((c, v) for c, v in zip(out_columns, row) if c not in text_fields)
    else:
        items = ((c, v) for c, v in row.items() if c not in text_fields)
    for column, value in items:
        text = _verbatim_text(value)
        if text:
            residual.add(text, row=row_index, field=column)


def _run_batches(runner: _Results, rows, plan: "_RowPlanner", start_row, end_row):
    def jobs():
        for first, batch in _batches(rows, start_row, end_row, ROWS_PER_TASK):
            texts: list[str] = []
            contexts: list[str] | None = [] if plan.surrogates else None
            for offset, row in enumerate(batch):
                leaves = [t for field_leaves, _ in plan.leaves(row, first + offset) for t in field_leaves]
                texts += leaves
                if contexts is not None:  # a surrogate must bring in no word of its row
                    contexts += ["\n".join(leaves)] * len(leaves)
            yield (first, batch), texts, contexts
    return runner.map(jobs())


class TokenLabels:
    """A token-label column (the training target of NER) kept true through the scrub.

    - Span annotations (`[{"start", "end", "label"}]`, offsets into the text field) are re-mapped
      onto the scrubbed text; a span overlapping a replacement takes the replacement's extent.
      Nothing but start, end and label is written (no surface text rides in a label, G2).
    - BIO tags (`["O", "B-X", ...]`) beside a token column (a list of tokens, or its JSON text in a
      CSV cell): the tokens are scrubbed together as `" ".join(tokens)` (NER needs the context)
      and cut back into as many tokens (`spans.split_tokens`), so tag i still belongs to token i.
      A scrubbed token holds its replacement (a tag, pseudonym or surrogate word) and keeps its tag.
    An empty cell (null, "", []) passes as it is. Anything else stops the scrub with the row number
    (G10); no value is named.
    """

    def __init__(self, get, put):
        self._get, self._put = get, put

    def read(self, row, index: int) -> tuple[str, list] | None:
        """("spans" | "tags", parsed cell) or None for an empty cell."""
        value = self._get(row)[0]
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ScrubInputError(f"row {index + 1}: the token-label column is not JSON") from None
        if not isinstance(value, list):
            raise ScrubInputError(f"row {index + 1}: the token-label column must hold a list of spans or BIO tags")
        if not value:
            return None
        if all(isinstance(item, str) for item in value):
            if not all(t == "O" or (t[:2] in ("B-", "I-") and len(t) > 2) for t in value):
                raise ScrubInputError(f"row {index + 1}: a BIO tag is not O, B-TYPE or I-TYPE")
            return "tags", value
        if all(isinstance(item, dict) for item in value):
            return "spans", value
        raise ScrubInputError(f"row {index + 1}: the token-label column mixes spans and tags or holds other values")

    def write(self, row, spans: list[dict]) -> None:
        was_text = isinstance(self._get(row)[0], str)
        self._put(row, [json.dumps(spans, ensure_ascii=False) if was_text else spans])


class _RowPlanner:
    """The texts of a row sent to the scrubber, per text field: its leaves, and (for a token
    column under BIO tags) the tokens they were joined from."""

    def __init__(self, get, labels: TokenLabels | None, *, surrogates: bool):
        self.get, self.labels, self.surrogates = get, labels, surrogates

    def leaves(self, row, index: int) -> list[tuple[list[str], list[str] | None]]:
        values = self.get(row)
        cell = self.labels.read(row, index) if self.labels is not None else None
        if cell is not None and cell[0] == "tags":
            tokens = _tokens_of(values[0])
            if tokens is None:
                raise ScrubInputError(f"row {index + 1}: BIO tags need a token column (a list of tokens)")
            if len(tokens) != len(cell[1]):
                raise ScrubInputError(f"row {index + 1}: {len(cell[1])} BIO tags for {len(tokens)} tokens")
            return [([" ".join(tokens)], tokens)]
        return [(text_leaves(value), None) for value in values]


def _tokens_of(value) -> list[str] | None:
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return value
    return None


def _apply(rows, results, first, plan: _RowPlanner, put, text_fields, by_field, residual: ResidualTally,
           seen_fields) -> None:
    cursor = 0
    for offset, row in enumerate(rows):
        index = first + offset
        values = plan.get(row)
        new_values = []
        edits_of_first: list[Edit] | None = None
        for field, value, (leaves, tokens) in zip(text_fields, values, plan.leaves(row, index)):
            if isinstance(row, dict) and field in row:
                seen_fields.add(field)
            if not leaves:  # null, true/false: nothing a person can be named in
                new_values.append(value)
                continue
            done = results[cursor:cursor + len(leaves)]
            cursor += len(leaves)
            for _scrubbed, entities, residuals, _edits in done:
                by_field[field].update(entities)
                for entity, masked in residuals:
                    residual.count(entity, masked, row=index, field=field)
            if tokens is not None:
                scrubbed, _, _, edits = done[0]
                new_tokens = split_tokens(tokens, scrubbed, edits)
                new_values.append(json.dumps(new_tokens, ensure_ascii=False) if isinstance(value, str) else new_tokens)
            else:
                new_values.append(rebuild_with(value, iter([r[0] for r in done])))
                if edits_of_first is None and isinstance(value, str):
                    edits_of_first = done[0][3]
        if plan.labels is not None:
            cell = plan.labels.read(row, index)
            if cell is not None and cell[0] == "spans":
                if not isinstance(values[0], str):
                    raise ScrubInputError(f"row {index + 1}: span annotations need running text in the text column")
                try:
                    spans = remap_spans(cell[1], edits_of_first or [], text_length=len(values[0]))
                except SpanError as exc:
                    raise ScrubInputError(f"row {index + 1}: {exc}") from None
                plan.labels.write(row, spans)
        put(row, new_values)


# -- walking the values of a declared text field (JSONL may hold any JSON value there) -----
# A list, an object or a number in a text field is never written unscrubbed: every string in
# it (object keys included) and every number as its text goes through the scrubber and the
# residual check, and the value is rebuilt with the same shape. Depth is bounded by the reader
# (fileio.Limits.max_json_depth), so the recursion here is shallow.
def text_leaves(value) -> list[str]:
    """The texts of `value` in a fixed order: strings, keys and numbers; not null or booleans."""
    out: list[str] = []
    _collect(value, out)
    return out


def _collect(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif value is None or isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        out.append(str(value))
    elif isinstance(value, list):
        for item in value:
            _collect(item, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            out.append(str(key))
            _collect(item, out)
    else:  # nothing else comes out of a CSV or JSON reader; refuse rather than pass it through
        raise ScrubInputError(f"a text field holds a value of type {type(value).__name__}, which cannot be scrubbed")


def rebuild_with(value, scrubbed: Iterator[str]):
    """`value` with each of its texts (in text_leaves order) replaced by the next scrubbed one. A
    number the scrubber left alone stays a number; one it changed becomes the scrubbed text."""
    if isinstance(value, str):
        return next(scrubbed)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        text = next(scrubbed)
        return value if text == str(value) else text
    if isinstance(value, list):
        return [rebuild_with(item, scrubbed) for item in value]
    rebuilt = {}
    for key, item in value.items():
        new_key = next(scrubbed)
        if new_key in rebuilt:  # two keys scrubbed to the same placeholder: keep both values
            new_key = f"{new_key}#{len(rebuilt)}"
        rebuilt[new_key] = rebuild_with(item, scrubbed)
    return rebuilt


def merge_shards(shard_paths: Sequence, output_path, *, fmt: str) -> str:
    """Concatenate shard outputs in order (CSV header kept once) atomically; return sha256."""
    if not shard_paths:
        raise ScrubInputError("no shard files to merge")
    header: list[str] | None = None
    with atomic_output(output_path, binary=True) as out:
        for path in shard_paths:
            with open(path, "rb") as fh:
                if fmt == "csv":
                    shard_header, header_bytes = _read_csv_header(fh, Path(path).name)
                    if header is None:
                        header = shard_header
                        out.write(header_bytes)
                    elif shard_header != header:
                        raise ScrubInputError(f"shard {Path(path).name} has a different header")
                shutil.copyfileobj(fh, out, 1 << 20)
    return sha256_file(output_path)


def _read_csv_header(fh, name: str) -> tuple[list[str], bytes]:
    """Parse the header record (may span lines) leaving fh just after it."""
    import csv

    raw: list[bytes] = []

    def lines():
        while True:
            line = fh.readline()
            if not line:
                return
            raw.append(line)
            yield line.decode("utf-8")

    try:
        header = next(csv.reader(lines()))
    except StopIteration:
        raise ScrubInputError(f"shard {name} is empty") from None
    return header, b"".join(raw)


def merge_reports(reports: Sequence[dict], *, output_sha256: str | None = None) -> dict:
    """Combine shard reports (in shard order) into one report for the whole file."""
    if not reports:
        raise ValueError("no reports to merge")
    base_config = {k: v for k, v in reports[0]["config"].items() if k != "workers"}
    by_entity: Counter = Counter()
    by_field: dict[str, Counter] = {}
    residual_counts: Counter = Counter()
    residual_fields: Counter = Counter()
    examples: list[dict] = []
    rows = 0
    seconds = 0.0
    for report in reports:
        if {k: v for k, v in report["config"].items() if k != "workers"} != base_config:
            raise ValueError("shard reports were produced with different scrubber configs")
        rows += report["rows"]
        seconds += report["timings"]["seconds"]
        by_entity.update(report["by_entity"])
        for field, counts in report["by_field"].items():
            by_field.setdefault(field, Counter()).update(counts)
        residual_counts.update(report["residual"]["by_entity"])
        residual_fields.update(report["residual"].get("by_field", {}))
        examples.extend(report["residual"]["examples"])
    return {
        "rows": rows,
        "start_row": reports[0]["start_row"],
        "end_row": reports[-1]["end_row"],
        "format": reports[0]["format"],
        "input_compressed": reports[0]["input_compressed"],
        "output_compressed": False,
        "fields": reports[0]["fields"],
        "kept_fields": reports[0].get("kept_fields"),
        "output_columns": reports[0].get("output_columns"),
        "total_findings": sum(by_entity.values()),
        "by_entity": dict(sorted(by_entity.items())),
        "by_field": {f: dict(sorted(c.items())) for f, c in by_field.items()},
        "residual": {"total": sum(residual_counts.values()), "by_entity": dict(sorted(residual_counts.items())),
                     "by_field": dict(sorted(residual_fields.items())),
                     "examples": examples[:ResidualTally.MAX_EXAMPLES]},
        "timings": {"seconds": round(seconds, 3), "shards": len(reports),
                    "records_per_second": round(rows / seconds, 2) if seconds > 0 else None},
        "config": reports[0]["config"],
        "output_sha256": output_sha256,
    }
