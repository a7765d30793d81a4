"""Throughput of scrub_file vs a plain per-record presidio loop; optional peak-memory mode.

    python bench/scrub_speed.py [--n 2000] [--workers 0]
    python bench/scrub_speed.py --memory [--mb 1024] [--rows 3000]

Speed: both sides scrub the same records (subject, body, customer_note). The baseline is
presidio as usually written: AnalyzerEngine (explicit spaCy engine, default recognizers,
same entities) + AnonymizerEngine, one record field at a time. Last line: the ratio.

Memory: writes CSVs of two sizes (a quarter of --mb and --mb), scrubs a bounded prefix
(--rows rows) of each with the default workers, and samples the summed RSS of this
process and all its children. Equal peaks for both sizes show memory does not grow with
the file; the full 1 GB scrub is not run (it would take hours on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets_app.scrubbing import DEFAULT_ENTITIES, ScrubConfig, scrub_file  # noqa: E402
from datasets_app.scrubbing.config import DEFAULT_MODEL  # noqa: E402
from datasets_app.scrubbing.synthetic import TEXT_FIELDS, generate_tickets, write_csv  # noqa: E402


def presidio_loop(records: list[dict]) -> tuple[float, float]:
    """Seconds for a per-record analyze+anonymize loop (engine built beforehand)."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": DEFAULT_MODEL}],
        "ner_model_configuration": {"labels_to_ignore": ["CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"]},
    })
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
    anonymizer = AnonymizerEngine()
    entities = [e for e in DEFAULT_ENTITIES if e in analyzer.get_supported_entities("en")]
    started, cpu_started = time.perf_counter(), time.process_time()
    for record in records:
        for field in TEXT_FIELDS:
            results = analyzer.analyze(record[field], language="en", entities=entities)
            anonymizer.anonymize(record[field], results)
    return time.perf_counter() - started, time.process_time() - cpu_started


def _cpu_seconds() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def speed(args) -> None:
    records = generate_tickets(args.n, seed=4242)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "tickets.csv"
        write_csv(records, src)
        config = ScrubConfig(workers=args.workers)
        cpu_before = _cpu_seconds()
        report = scrub_file(src, Path(tmp) / "out.csv", text_fields=list(TEXT_FIELDS), config=config)
        accord_cpu = _cpu_seconds() - cpu_before  # workers have exited: their CPU time is counted
    accord_seconds = report["timings"]["seconds"]  # includes starting workers and loading models
    base_n = min(args.n, args.baseline_n)
    base_seconds, base_cpu = presidio_loop(records[:base_n])
    accord_rps = args.n / accord_seconds
    base_rps = base_n / base_seconds
    print(f"records={args.n} (baseline on the first {base_n}) cpus={os.cpu_count()} "
          f"workers={config.effective_workers} load={os.getloadavg()[0]:.1f}")
    print(f"accord scrub_file (incl. worker start-up): {accord_rps:8.1f} records/s wall, "
          f"{args.n / accord_cpu:8.1f} records per CPU-second  ({accord_seconds:.1f} s)")
    print(f"presidio per-record loop (engine prebuilt): {base_rps:8.1f} records/s wall, "
          f"{base_n / base_cpu:8.1f} records per CPU-second  ({base_seconds:.1f} s)")
    print(f"CPU-efficiency ratio: {(args.n / accord_cpu) / (base_n / base_cpu):.2f}x")
    print(f"speedup (wall records/s): {accord_rps / base_rps:.2f}x")


class RssSampler:
    """Peaks of (this process + all descendants) memory, sampled every 100 ms: summed RSS
    (counts pages shared by forked workers once per process, so it over-states) and summed
    PSS (shared pages split between the processes sharing them: the real footprint)."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = pss = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    info = p.memory_full_info()
                    total += info.rss
                    pss += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _write_big_csv(path: Path, megabytes: int) -> int:
    """Repeat synthetic tickets until the file reaches the size; returns rows written."""
    import csv

    block = generate_tickets(500, seed=77)
    target = megabytes << 20
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(block[0]))
        writer.writeheader()
        while fh.tell() < target:
            for record in block:
                writer.writerow({**record, "ticket_id": f"T-{rows:09d}"})
                rows += 1
    return rows


def measure_one(args) -> None:
    """Child mode: scrub a prefix of one file and print its peak memory (fresh process)."""
    import resource

    src = Path(args.measure)
    with RssSampler() as sampler, tempfile.TemporaryDirectory(dir=src.parent) as tmp:
        # only the prefix is read and scrubbed; the rest of the file is never loaded
        report = scrub_file(src, Path(tmp) / "out.csv", text_fields=list(TEXT_FIELDS),
                            config=ScrubConfig(workers=args.workers), end_row=args.rows)
    self_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"file {src.stat().st_size / 2**20:7.0f} MiB; scrubbed rows [0, {report['rows']}) at "
          f"{report['timings']['records_per_second']} rec/s; peak self+children: PSS "
          f"{sampler.peak_pss / 2**20:.0f} MiB, RSS sum {sampler.peak / 2**20:.0f} MiB; getrusage maxrss "
          f"self {self_max:.0f} MiB, largest child {child_max:.0f} MiB")
    print(f"PEAK_PSS {sampler.peak_pss}")


def memory(args) -> None:
    import subprocess

    peaks = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for mb in (max(args.mb // 4, 1), args.mb):
            src = Path(tmp) / f"big_{mb}.csv"
            rows = _write_big_csv(src, mb)
            print(f"wrote {src.name}: {rows} rows")
            out = subprocess.run([sys.executable, __file__, "--measure", str(src), "--rows", str(args.rows),
                                  "--workers", str(args.workers)], check=True, capture_output=True, text=True).stdout
            print(out.splitlines()[0])
            peaks.append(int(out.split("PEAK_PSS ")[1].split()[0]))
            src.unlink()
    print(f"peak memory ratio (big/small file): {peaks[1] / peaks[0]:.2f}; peak PSS {max(peaks) / 2**20:.0f} MiB "
          f"({'under' if max(peaks) < 1 << 30 else 'OVER'} 1 GiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="records for the speed run")
    parser.add_argument("--baseline-n", type=int, default=500, help="records for the (slow) presidio loop")
    parser.add_argument("--workers", type=int, default=0, help="0 = CPU count (the default config)")
    parser.add_argument("--memory", action="store_true", help="peak-memory mode")
    parser.add_argument("--mb", type=int, default=1024, help="size of the large CSV in memory mode")
    parser.add_argument("--rows", type=int, default=3000, help="rows scrubbed from each file in memory mode")
    parser.add_argument("--tmp", default=None, help="directory for the large files")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)  # child of --memory
    args = parser.parse_args()
    if args.measure:
        measure_one(args)
    elif args.memory:
        memory(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
