"""The training loop: `train(config, inputs=..., run_dir=..., output_dir=...) -> TrainResult`.

Our own loop rather than HF `Trainer`, because the governance hooks (cancellation every step,
agreement re-check between epochs, hash-verified inputs) and throughput choices (length buckets,
bf16 autocast, fused AdamW) are easier to hold in ~300 lines we own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from transformers import PreTrainedTokenizerBase

from .batching import LengthBucketBatchSampler
from .checkpoint import latest_checkpoint, load_checkpoint, read_state, save_checkpoint, sweep_temp_dirs
from .data import InputFile, load_examples, split_three
from . import lora
from .errors import CheckpointMismatchError, RunStopped
from .tasks import Item, Task, TokenizedExamples, get_task

ProgressCallback = Callable[[dict[str, Any]], None]
StopCheck = Callable[[], bool]
BetweenEpochs = Callable[[], None]


@dataclass(frozen=True)
class TrainConfig:
    base_model_path: str
    task: str = "text-classification"
    text_fields: tuple[str, ...] = ("text",)
    label_field: str = "label"
    text_separator: str = "\n"
    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 32
    eval_batch_size: int | None = None  # None: 2 x batch_size (no gradients to hold)
    max_length: int = 256
    seed: int = 42
    val_fraction: float = 0.1
    test_fraction: float = 0.1  # held out, evaluated once after the last epoch; 0 = no test split
    split_field: str | None = None  # a steward-declared split column (train/validation/test) instead
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N"
    precision: str = "auto"  # "auto" (bf16 autocast on CUDA if supported, else fp32) | "bf16" | "fp32"
    num_workers: int | None = None  # None: 4 on CUDA, 0 on CPU (worker start-up costs more than it saves there)
    bucket_chunk_batches: int = 50
    progress_every: int = 10
    keep_checkpoints: int = 2
    # LoRA (PEFT): freeze the base model, train low-rank adapters (and the task head) only.
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    lora_target_modules: tuple[str, ...] = ()  # () = the architecture's default (training.core.lora)

    def __post_init__(self) -> None:
        # Accept lists from JSON/Django while keeping the dataclass hashable.
        object.__setattr__(self, "text_fields", tuple(self.text_fields))
        object.__setattr__(self, "lora_target_modules", tuple(self.lora_target_modules or ()))
        if self.lora and (self.lora_r < 1 or self.lora_alpha < 1 or not 0.0 <= self.lora_dropout < 1.0):
            raise ValueError("lora_r and lora_alpha must be >= 1 and lora_dropout in [0, 1)")
        if self.epochs < 1 or self.batch_size < 1 or self.max_length < 2:
            raise ValueError("epochs, batch_size must be >= 1 and max_length >= 2")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError("val_fraction must be in (0, 1)")
        if not 0.0 <= self.test_fraction < 1.0 or self.val_fraction + self.test_fraction >= 1.0:
            raise ValueError("test_fraction must be in [0, 1) and leave room for training data")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text_fields"] = list(self.text_fields)
        data["lora_target_modules"] = list(self.lora_target_modules)
        return data


@dataclass
class EpochMetrics:
    epoch: int  # 1-based
    train_loss: float
    val_loss: float
    accuracy: float
    macro_f1: float
    train_seconds: float
    eval_seconds: float
    samples_per_sec: float
    metrics: dict[str, float] = field(default_factory=dict)  # every validation score of the task


@dataclass
class TrainResult:
    history: list[EpochMetrics]
    final_metrics: dict[str, float]
    label_names: list[str]
    samples_per_sec: float  # training samples / pure training-loop seconds, over epochs run in this call
    device: str
    precision: str
    num_train: int
    num_val: int
    skipped_records: int
    global_steps: int
    resumed_from_epoch: int  # 0 when started fresh
    num_test: int = 0
    # Scores on the held-out test split, computed once after the last epoch ({} without a test split).
    test_metrics: dict[str, float] = field(default_factory=dict)
    # The detailed evaluation (per label / per entity, confusion matrix) on test, else validation.
    evaluation: dict[str, Any] = field(default_factory=dict)
    adapter: dict[str, Any] = field(default_factory=dict)  # LoRA settings + base model sha256; {} = full weights
    durations: dict[str, float] = field(
        default_factory=dict
    )  # load (verify+read+tokenize), train, eval, checkpoint, save, total
    output_dir: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Runtime:
    device: torch.device
    autocast_dtype: torch.dtype | None
    num_workers: int
    pin_memory: bool
    pad_to_multiple_of: int | None


@dataclass
class _Prepared:
    """Everything derived from the inputs before the model exists."""

    tokenizer: PreTrainedTokenizerBase
    labels: list[str]
    train_set: TokenizedExamples
    val_set: TokenizedExamples
    test_set: TokenizedExamples
    skipped: int


@dataclass
class _State:
    """What a checkpoint carries forward between epochs (and across a resume)."""

    history: list[EpochMetrics] = field(default_factory=list)
    start_epoch: int = 0
    global_step: int = 0


class _Stopwatch:
    """Accumulates wall time per phase into `durations`."""

    def __init__(self) -> None:
        self.durations: dict[str, float] = {"train": 0.0, "eval": 0.0, "checkpoint": 0.0}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        begun = time.perf_counter()
        try:
            yield
        finally:
            self.durations[name] = self.durations.get(name, 0.0) + time.perf_counter() - begun


def train(
    config: TrainConfig,
    *,
    inputs: Sequence[InputFile | tuple[str | os.PathLike[str], str]],
    run_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    between_epochs: BetweenEpochs | None = None,
    resume: bool = True,
) -> TrainResult:
    """Fine-tune `config.base_model_path` on the verified `inputs`; save model + tokenizer to `output_dir`.

    - Every input is hash-checked before its first record is read (DataIntegrityError).
    - `should_stop()` is polled before every optimizer step (keep it cheap: read a flag, not the
      database on each call); True raises RunStopped("cancelled"). Nothing is saved for the
      partial epoch; the last per-epoch checkpoint stays resumable.
    - `between_epochs()` is called before every epoch but the first (so also before the first
      epoch of a resumed run that starts at epoch 2+); it raises to stop (RunStopped by
      convention, e.g. an agreement was revoked) and the exception propagates unchanged.
    - A checkpoint is written after every epoch in `run_dir`; with `resume=True` the latest complete
      one is restored (CheckpointMismatchError if it came from another config or other data).
    - `progress(info)` gets {"step", "total_steps", "epoch", "loss", "samples_per_sec", "elapsed"}
      every `progress_every` steps; at the end of each epoch the dict also has "metrics".
    """
    started = time.perf_counter()
    sources = [source if isinstance(source, InputFile) else InputFile(*source) for source in inputs]
    run_dir, output_dir = Path(run_dir), Path(output_dir)
    clock = _Stopwatch()
    task = get_task(config.task)
    runtime = _resolve_runtime(config)
    _check_stop(should_stop)

    with clock.phase("load"):
        data = _prepare_data(config, sources, task)
    torch.manual_seed(config.seed)  # classifier-head init and dropout are reproducible
    model = task.build_model(Path(config.base_model_path), data.labels)
    adapter: dict[str, Any] = {}
    if config.lora:
        model = lora.wrap(model, task=config.task, r=config.lora_r, alpha=config.lora_alpha,
                          dropout=config.lora_dropout, target_modules=config.lora_target_modules)
        adapter = lora.adapter_summary(model, base_model_path=config.base_model_path, r=config.lora_r,
                                       alpha=config.lora_alpha, dropout=config.lora_dropout)
    model = model.to(runtime.device)
    train_sampler = LengthBucketBatchSampler(
        data.train_set.lengths(),
        batch_size=config.batch_size,
        seed=config.seed,
        chunk_batches=config.bucket_chunk_batches,
    )
    val_sampler = LengthBucketBatchSampler(
        data.val_set.lengths(), batch_size=config.eval_batch_size or 2 * config.batch_size, seed=0, shuffle=False
    )
    total_steps = len(train_sampler) * config.epochs
    optimizer = _build_optimizer(model, config, runtime.device)
    scheduler = _linear_warmup_decay(optimizer, total_steps=total_steps, warmup_ratio=config.warmup_ratio)
    fingerprint = _fingerprint(
        config, sources, data.labels, len(data.train_set), len(data.val_set), len(data.test_set)
    )
    state = _restore_or_start(run_dir, resume, fingerprint, model, optimizer, scheduler, runtime.device)

    pad_token_id = data.tokenizer.pad_token_id if data.tokenizer.pad_token_id is not None else 0
    collate = _Collator(task, pad_token_id=pad_token_id, pad_to_multiple_of=runtime.pad_to_multiple_of)
    train_loader = _loader(data.train_set, train_sampler, collate, runtime)
    val_loader = _loader(data.val_set, val_sampler, collate, runtime)
    test_sampler = LengthBucketBatchSampler(
        data.test_set.lengths(), batch_size=config.eval_batch_size or 2 * config.batch_size, seed=0, shuffle=False
    )
    test_loader = _loader(data.test_set, test_sampler, collate, runtime)
    resumed_from = state.start_epoch
    samples_this_call = 0
    for epoch in range(state.start_epoch, config.epochs):
        if epoch > 0 and between_epochs is not None:
            between_epochs()
        train_sampler.set_epoch(epoch)
        with clock.phase("train"):
            epoch_started = time.perf_counter()
            train_loss, state.global_step, samples = _train_one_epoch(
                model,
                train_loader,
                optimizer,
                scheduler,
                runtime,
                config,
                epoch=epoch,
                global_step=state.global_step,
                total_steps=total_steps,
                progress=progress,
                should_stop=should_stop,
                run_started=started,
            )
            train_seconds = time.perf_counter() - epoch_started
        samples_this_call += samples
        with clock.phase("eval"):
            eval_started = time.perf_counter()
            val_loss, scores, _ = _evaluate(model, val_loader, task, runtime, labels=data.labels)
            eval_seconds = time.perf_counter() - eval_started
        metrics = EpochMetrics(
            epoch=epoch + 1,
            train_loss=train_loss,
            val_loss=val_loss,
            accuracy=scores.get("accuracy", float("nan")),
            macro_f1=scores.get("macro_f1", float("nan")),
            train_seconds=train_seconds,
            eval_seconds=eval_seconds,
            samples_per_sec=samples / train_seconds if train_seconds > 0 else 0.0,
            metrics=dict(scores),
        )
        state.history.append(metrics)
        with clock.phase("checkpoint"):
            _checkpoint(run_dir, epoch + 1, model, optimizer, scheduler, state, fingerprint, data.labels, config)
        if progress is not None:
            info = _progress_info(
                state.global_step, total_steps, epoch + 1, train_loss, metrics.samples_per_sec, started
            )
            progress(info | {"metrics": asdict(metrics)})

    with clock.phase("eval"):
        # The test split is scored once, after the last epoch: it never picks an epoch or a setting.
        final_split = "test" if len(data.test_set) else "validation"
        loss, scores, collected = _evaluate(
            model, test_loader if len(data.test_set) else val_loader, task, runtime, labels=data.labels
        )
        test_metrics = {"loss": loss, **scores} if len(data.test_set) else {}
        evaluation = {"split": final_split, **(task.report(collected, data.labels) if collected else {})}
    with clock.phase("save"):
        output_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(output_dir), safe_serialization=True)  # an adapter only, under LoRA
        data.tokenizer.save_pretrained(str(output_dir))
        if adapter:
            lora.write_base_pointer(output_dir, adapter)
    clock.durations["total"] = time.perf_counter() - started
    result = _result(state, data, runtime, clock.durations, samples_this_call, resumed_from, output_dir)
    result.test_metrics, result.evaluation, result.adapter = test_metrics, evaluation, adapter
    result.final_metrics.update({f"test_{name}": value for name, value in test_metrics.items()})
    return result


def _prepare_data(config: TrainConfig, sources: Sequence[InputFile], task: Task) -> _Prepared:
    """Read (hash-verified), label, tokenize once, and split deterministically (train/validation/test)."""
    loaded = load_examples(
        sources,
        text_fields=config.text_fields,
        label_field=config.label_field,
        separator=config.text_separator,
        split_field=config.split_field,
        label_kind=task.label_kind,
    )
    labels = task.label_names(loaded.examples)
    tokenizer = task.build_tokenizer(Path(config.base_model_path))
    label_ids = {name: index for index, name in enumerate(labels)}
    encoded = task.encode(tokenizer, loaded.examples, label_ids, config.max_length)
    train_index, val_index, test_index = split_three(
        len(encoded),
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
        declared=[example.split for example in loaded.examples] if config.split_field else None,
    )
    return _Prepared(
        tokenizer,
        labels,
        encoded.subset(train_index),
        encoded.subset(val_index),
        encoded.subset(test_index),
        loaded.skipped,
    )


def _restore_or_start(
    run_dir: Path,
    resume: bool,
    fingerprint: str,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
) -> _State:
    sweep_temp_dirs(run_dir)
    checkpoint = latest_checkpoint(run_dir) if resume else None
    if checkpoint is None:
        return _State()
    saved = read_state(checkpoint)
    if saved.get("fingerprint") != fingerprint:
        raise CheckpointMismatchError(
            f"{checkpoint} was written for a different configuration or data; use a fresh run dir or resume=False"
        )
    load_checkpoint(checkpoint, model=model, optimizer=optimizer, scheduler=scheduler, device=device)
    return _State(
        history=[EpochMetrics(**entry) for entry in saved["history"]],
        start_epoch=saved["epoch"],
        global_step=saved["global_step"],
    )


def _checkpoint(
    run_dir: Path,
    epoch: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    state: _State,
    fingerprint: str,
    labels: list[str],
    config: TrainConfig,
) -> None:
    save_checkpoint(
        run_dir,
        epoch=epoch,
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        state={
            "global_step": state.global_step,
            "history": [asdict(entry) for entry in state.history],
            "fingerprint": fingerprint,
            "label_names": labels,
        },
        keep=config.keep_checkpoints,
    )


def _result(
    state: _State,
    data: _Prepared,
    runtime: _Runtime,
    durations: dict[str, float],
    samples_this_call: int,
    resumed_from: int,
    output_dir: Path,
) -> TrainResult:
    last = state.history[-1]
    return TrainResult(
        history=state.history,
        final_metrics={
            "train_loss": last.train_loss,
            "val_loss": last.val_loss,
            **(last.metrics or {"accuracy": last.accuracy, "macro_f1": last.macro_f1}),
        },
        label_names=data.labels,
        samples_per_sec=samples_this_call / durations["train"] if durations["train"] > 0 else 0.0,
        device=str(runtime.device),
        precision="bf16-autocast" if runtime.autocast_dtype is not None else "fp32",
        num_train=len(data.train_set),
        num_val=len(data.val_set),
        num_test=len(data.test_set),
        skipped_records=data.skipped,
        global_steps=state.global_step,
        resumed_from_epoch=resumed_from,
        durations=durations,
        output_dir=str(output_dir),
    )


def _resolve_runtime(config: TrainConfig) -> _Runtime:
    name = config.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    on_cuda = device.type == "cuda"
    if on_cuda:
        # TF32 for whatever still runs in fp32 under autocast. Legacy setters on purpose: setting
        # torch.backends.fp32_precision instead makes later reads of the legacy flags (by other
        # libraries in the same process) raise "mix of the legacy and new APIs" on torch >= 2.9.
        torch.set_float32_matmul_precision("high")
        torch.backends.cudnn.allow_tf32 = True
    wants_bf16 = config.precision == "bf16" or (config.precision == "auto" and on_cuda)
    if wants_bf16 and not (on_cuda and torch.cuda.is_bf16_supported()):
        if config.precision == "bf16":
            raise ValueError("precision='bf16' needs a CUDA device with bf16 support")
        wants_bf16 = False
    workers = config.num_workers if config.num_workers is not None else (min(4, os.cpu_count() or 1) if on_cuda else 0)
    return _Runtime(
        device=device,
        autocast_dtype=torch.bfloat16 if wants_bf16 else None,
        num_workers=workers,
        pin_memory=on_cuda,
        # Tensor cores like multiples of 8; on CPU every extra pad token is pure waste.
        pad_to_multiple_of=8 if on_cuda else None,
    )


def _build_optimizer(model: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    # No weight decay on biases and norm weights (the usual BERT recipe).
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if parameter.ndim < 2 or "norm" in name.lower() else decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    extra: dict[str, Any] = {"fused": True} if device.type == "cuda" else {"foreach": True}
    return torch.optim.AdamW(groups, lr=config.learning_rate, **extra)


def _linear_warmup_decay(
    optimizer: torch.optim.Optimizer, *, total_steps: int, warmup_ratio: float
) -> torch.optim.lr_scheduler.LambdaLR:
    warmup = math.ceil(total_steps * warmup_ratio)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class _Collator:
    """Picklable collate function (DataLoader workers pickle it)."""

    def __init__(self, task: Task, *, pad_token_id: int, pad_to_multiple_of: int | None) -> None:
        self.task = task
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, batch: Sequence[Item]) -> dict[str, torch.Tensor]:
        return self.task.collate(batch, pad_token_id=self.pad_token_id, pad_to_multiple_of=self.pad_to_multiple_of)


def _loader(
    dataset: TokenizedExamples, sampler: LengthBucketBatchSampler, collate: _Collator, runtime: _Runtime
) -> DataLoader:
    workers = runtime.num_workers if len(dataset) > 0 else 0
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=collate,
        num_workers=workers,
        pin_memory=runtime.pin_memory,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


def _autocast(runtime: _Runtime) -> contextlib.AbstractContextManager[Any]:
    if runtime.autocast_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=runtime.device.type, dtype=runtime.autocast_dtype)


def _to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: value.to(device, non_blocking=True) for key, value in batch.items()}


def _train_one_epoch(
    model: torch.nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    runtime: _Runtime,
    config: TrainConfig,
    *,
    epoch: int,
    global_step: int,
    total_steps: int,
    progress: ProgressCallback | None,
    should_stop: StopCheck | None,
    run_started: float,
) -> tuple[float, int, int]:
    """One pass over the training batches; returns (mean loss, global step, samples seen)."""
    model.train()
    # Losses stay on the device and are summed there: one host sync per progress report, not per step.
    loss_sum = torch.zeros((), device=runtime.device, dtype=torch.float64)
    window_sum = torch.zeros((), device=runtime.device, dtype=torch.float64)
    window_steps = 0
    samples = 0
    epoch_started = time.perf_counter()
    steps = 0
    for batch in loader:
        _check_stop(should_stop)
        batch = _to_device(batch, runtime.device)
        with _autocast(runtime):
            loss = model(**batch).loss
        loss.backward()
        if config.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        detached = loss.detach().double()
        loss_sum += detached
        window_sum += detached
        window_steps += 1
        steps += 1
        global_step += 1
        samples += batch["input_ids"].shape[0]
        if progress is not None and config.progress_every > 0 and global_step % config.progress_every == 0:
            elapsed = time.perf_counter() - epoch_started
            progress(
                _progress_info(
                    global_step,
                    total_steps,
                    epoch + 1,
                    (window_sum / window_steps).item(),
                    samples / elapsed if elapsed > 0 else 0.0,
                    run_started,
                )
            )
            window_sum.zero_()
            window_steps = 0
    if runtime.device.type == "cuda":
        torch.cuda.synchronize(runtime.device)  # so the caller's wall clock covers queued kernels
    return (loss_sum / max(1, steps)).item(), global_step, samples


@torch.no_grad()
def _evaluate(
    model: torch.nn.Module, loader: DataLoader, task: Task, runtime: _Runtime, *, labels: Sequence[str]
) -> tuple[float, dict[str, float], dict[str, torch.Tensor]]:
    model.eval()
    loss_sum = torch.zeros((), device=runtime.device, dtype=torch.float64)
    count = 0
    collected: dict[str, list[torch.Tensor]] = {}
    for batch in loader:
        batch = _to_device(batch, runtime.device)
        with _autocast(runtime):
            outputs = model(**batch)
        size = batch["input_ids"].shape[0]
        loss_sum += outputs.loss.detach().double() * size
        count += size
        for key, value in task.eval_outputs(outputs, batch).items():
            collected.setdefault(key, []).append(value.detach().cpu())
    merged = {key: torch.cat(values) for key, values in collected.items()}
    return (loss_sum / max(1, count)).item(), task.metrics(merged, labels) if merged else {}, merged


def _check_stop(should_stop: StopCheck | None) -> None:
    if should_stop is not None and should_stop():
        raise RunStopped("cancelled")


def _progress_info(
    step: int, total_steps: int, epoch: int, loss: float, samples_per_sec: float, run_started: float
) -> dict[str, Any]:
    return {
        "step": step,
        "total_steps": total_steps,
        "epoch": epoch,
        "loss": loss,
        "samples_per_sec": samples_per_sec,
        "elapsed": time.perf_counter() - run_started,
    }


def _fingerprint(
    config: TrainConfig, inputs: Sequence[InputFile], labels: list[str], num_train: int, num_val: int, num_test: int
) -> str:
    """What a checkpoint must match to be resumed: same hyperparameters, same data, same split."""
    settings = config.to_dict()
    for runtime_only in ("device", "num_workers", "progress_every", "keep_checkpoints"):
        settings.pop(runtime_only)
    payload = {
        "config": settings,
        "inputs": [source.sha256.lower() for source in inputs],
        "labels": labels,
        "split": [num_train, num_val, num_test],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
