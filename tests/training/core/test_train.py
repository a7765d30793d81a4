from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from training.core import (
    CheckpointMismatchError,
    DataIntegrityError,
    InputFile,
    RunStopped,
    TrainConfig,
    build_tiny_bert,
    train,
)
from training.core.checkpoint import latest_checkpoint

PROGRESS_KEYS = {"step", "total_steps", "epoch", "loss", "samples_per_sec", "elapsed"}


def test_tiny_bert_builds_and_loads_offline_for_classification(tmp_path: Path) -> None:
    directory = build_tiny_bert(tmp_path / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(str(directory), num_labels=3, local_files_only=True)
    assert model.config.hidden_size == 32 and model.config.num_hidden_layers == 2
    assert "[UNK]" not in tokenizer.tokenize("Password reset failed, order #42!")
    with torch.no_grad():
        logits = model(**tokenizer(["hello", "my refund is late"], padding=True, return_tensors="pt")).logits
    assert logits.shape == (2, 3)


def test_two_epochs_report_metrics_write_checkpoints_and_a_reloadable_model(
    make_config: Callable[..., TrainConfig], tickets_file: InputFile, tmp_path: Path
) -> None:
    events: list[dict[str, Any]] = []
    result = train(
        make_config(),
        inputs=[tickets_file],
        run_dir=tmp_path / "run",
        output_dir=tmp_path / "model",
        progress=events.append,
    )

    assert [entry.epoch for entry in result.history] == [1, 2]
    for entry in result.history:
        assert entry.train_loss > 0 and entry.val_loss > 0
        assert 0.0 <= entry.accuracy <= 1.0 and 0.0 <= entry.macro_f1 <= 1.0
    assert result.label_names == ["billing", "bug", "login", "shipping"]
    # A seeded three-way split: 10% validation, 10% test held out and scored once at the end.
    assert result.num_train + result.num_val + result.num_test == 240 and result.num_val == result.num_test == 24
    assert set(result.test_metrics) == {"loss", "accuracy", "macro_f1"}
    assert result.final_metrics["test_accuracy"] == result.test_metrics["accuracy"]
    assert result.evaluation["split"] == "test" and result.evaluation["labels"] == result.label_names
    assert sum(sum(row) for row in result.evaluation["confusion_matrix"]) == 24
    assert sum(entry["support"] for entry in result.evaluation["per_label"].values()) == 24
    assert result.device == "cpu" and result.precision == "fp32" and result.samples_per_sec > 0
    assert result.resumed_from_epoch == 0 and result.global_steps == 2 * 12
    assert all(PROGRESS_KEYS <= event.keys() for event in events)
    assert [event["metrics"]["epoch"] for event in events if "metrics" in event] == [1, 2]
    assert [path.name for path in sorted((tmp_path / "run" / "checkpoints").iterdir())] == ["epoch-0001", "epoch-0002"]
    state = json.loads((tmp_path / "run" / "checkpoints" / "epoch-0002" / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]) == 2

    model = AutoModelForSequenceClassification.from_pretrained(str(tmp_path / "model"), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path / "model"), local_files_only=True)
    assert model.config.id2label == dict(enumerate(result.label_names))
    with torch.no_grad():
        logits = model(**tokenizer(["refund for my invoice", "app crash"], padding=True, return_tensors="pt")).logits
    assert {model.config.id2label[index] for index in logits.argmax(-1).tolist()} <= set(result.label_names)


def test_between_epochs_can_stop_and_resume_continues_from_the_last_checkpoint(
    make_config: Callable[..., TrainConfig], tickets_file: InputFile, tmp_path: Path
) -> None:
    config = make_config(epochs=3)
    calls: list[str] = []

    def revoke_before_second_epoch() -> None:
        calls.append("revoked")
        raise RunStopped("agreement_revoked")

    with pytest.raises(RunStopped) as caught:
        train(
            config,
            inputs=[tickets_file],
            run_dir=tmp_path / "run",
            output_dir=tmp_path / "model",
            between_epochs=revoke_before_second_epoch,
        )
    assert caught.value.reason == "agreement_revoked" and calls == ["revoked"]
    assert latest_checkpoint(tmp_path / "run").name == "epoch-0001"
    assert not (tmp_path / "model").exists()
    first_epoch = json.loads((tmp_path / "run" / "checkpoints" / "epoch-0001" / "state.json").read_text())["history"][0]

    events: list[dict[str, Any]] = []
    resumed = train(
        config,
        inputs=[tickets_file],
        run_dir=tmp_path / "run",
        output_dir=tmp_path / "model",
        progress=events.append,
        between_epochs=lambda: calls.append("checked"),
    )
    assert resumed.resumed_from_epoch == 1
    assert [entry.epoch for entry in resumed.history] == [1, 2, 3]
    assert resumed.history[0].train_loss == first_epoch["train_loss"]  # restored, not re-run
    assert {event["epoch"] for event in events} == {2, 3}  # epoch 1 not repeated
    assert calls == ["revoked", "checked", "checked"]  # before epochs 2 and 3
    assert resumed.global_steps == 3 * 12
    assert latest_checkpoint(tmp_path / "run").name == "epoch-0003"

    # A crash after the last checkpoint: resuming only re-saves the model, and (path, sha256) tuples work.
    again = train(
        config,
        inputs=[(tickets_file.path, tickets_file.sha256)],
        run_dir=tmp_path / "run",
        output_dir=tmp_path / "model2",
    )
    assert again.resumed_from_epoch == 3 and len(again.history) == 3 and (tmp_path / "model2" / "config.json").is_file()

    with pytest.raises(CheckpointMismatchError):
        train(
            make_config(epochs=3, learning_rate=1e-4),
            inputs=[tickets_file],
            run_dir=tmp_path / "run",
            output_dir=tmp_path / "other",
        )


def test_should_stop_cancels_within_a_step_without_writing_a_checkpoint(
    make_config: Callable[..., TrainConfig], tickets_file: InputFile, tmp_path: Path
) -> None:
    polls: list[int] = []

    def cancel_after_three_polls() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(RunStopped) as caught:
        train(
            make_config(),
            inputs=[tickets_file],
            run_dir=tmp_path / "run",
            output_dir=tmp_path / "model",
            should_stop=cancel_after_three_polls,
        )
    assert caught.value.reason == "cancelled"
    assert len(polls) == 4
    assert latest_checkpoint(tmp_path / "run") is None


def test_a_tampered_input_stops_training_before_any_step(
    make_config: Callable[..., TrainConfig], tickets_file: InputFile, tmp_path: Path
) -> None:
    wrong = InputFile(tickets_file.path, "0" * 64)
    steps: list[dict[str, Any]] = []
    with pytest.raises(DataIntegrityError):
        train(
            make_config(),
            inputs=[tickets_file, wrong],
            run_dir=tmp_path / "run",
            output_dir=tmp_path / "model",
            progress=steps.append,
        )
    assert steps == [] and latest_checkpoint(tmp_path / "run") is None


def test_core_imports_no_django_celery_presidio_or_sklearn() -> None:
    import subprocess
    import sys

    code = (
        "import sys, training.core, training.core.synthetic; "
        "bad = [m for m in ('django', 'celery', 'presidio_analyzer', 'sklearn') if m in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
