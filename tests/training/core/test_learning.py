"""The loop must learn, not only run (issue 12): a tiny BERT on an easily learnable synthetic task
(four ticket topics, each ticket opening with a topic word) ends far above chance on held-out data.

It fails if anything between the batches and the optimizer stops the model learning: labels
misaligned with their texts, a wrong attention mask, the optimizer or scheduler not stepping,
gradients dropped or clipped to nothing, the model left in eval mode."""

from __future__ import annotations

import math
from pathlib import Path

from training.core import InputFile, TrainConfig, sha256_file, train
from training.core.synthetic import write_tickets_jsonl

CHANCE = 0.25  # four balanced topics


def test_a_tiny_model_learns_an_easy_task_far_above_chance(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = write_tickets_jsonl(tmp_path / "easy.jsonl", 400, seed=1, max_words=12)
    config = TrainConfig(
        base_model_path=str(tiny_model_dir), text_fields=("body",), label_field="label", epochs=4,
        learning_rate=5e-3, batch_size=16, max_length=24, seed=1, device="cpu", progress_every=0,
    )
    result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=tmp_path / "run",
                   output_dir=tmp_path / "model", resume=False)
    first, last = result.history[0], result.history[-1]
    assert last.accuracy >= CHANCE + 0.5, [entry.accuracy for entry in result.history]
    assert result.test_metrics["accuracy"] >= CHANCE + 0.5, result.test_metrics
    # The validation loss falls well below a uniform guess (ln 4) and below where it started.
    assert last.val_loss < 0.5 * math.log(4) and last.val_loss < first.val_loss
    assert last.train_loss < first.train_loss
