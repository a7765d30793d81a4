"""Causal LM: a tiny GPT-2 built from a config, padding masked out of the loss, perplexity."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

from training.core import InputFile, TrainConfig, build_tiny_gpt2, sha256_file, train
from training.core.tasks import IGNORE_INDEX, CausalLMTask


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


def test_padding_is_masked_out_of_the_labels_but_the_end_of_text_is_learnt(tiny_gpt2: Path) -> None:
    task = CausalLMTask()
    tokenizer = task.build_tokenizer(tiny_gpt2)
    batch = [(torch.tensor([5, 6, 7, 3]), 0), (torch.tensor([8, 3]), 0)]
    collated = task.collate(batch, pad_token_id=tokenizer.pad_token_id, pad_to_multiple_of=None)
    assert collated["labels"].tolist() == [[5, 6, 7, 3], [8, 3, IGNORE_INDEX, IGNORE_INDEX]]
    assert collated["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]


def test_causal_lm_trains_and_perplexity_falls(tiny_gpt2: Path, tmp_path: Path) -> None:
    path = tmp_path / "lm.jsonl"
    phrases = ["my order is late again", "the app crashed after the update", "please reset my password"]
    path.write_text("".join(json.dumps({"text": phrases[i % 3]}) + "\n" for i in range(120)))
    config = TrainConfig(base_model_path=str(tiny_gpt2), task="causal-lm", text_fields=("text",), label_field="",
                         epochs=3, batch_size=8, max_length=32, learning_rate=5e-3, progress_every=0)
    result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=tmp_path / "run",
                   output_dir=tmp_path / "model", resume=False)
    first, last = result.history[0].metrics["perplexity"], result.history[-1].metrics["perplexity"]
    assert last < first / 3  # it learns the phrases (a random model starts near the vocabulary size)
    assert math.isclose(result.test_metrics["perplexity"], math.exp(result.test_metrics["token_loss"]), rel_tol=1e-6)
    assert result.label_names == [] and result.evaluation["kind"] == "language_model"
    AutoModelForCausalLM.from_pretrained(str(tmp_path / "model"), local_files_only=True)


def test_causal_lm_with_lora_targets_gpt2_attention(tiny_gpt2: Path, tmp_path: Path) -> None:
    path = tmp_path / "lm.jsonl"
    path.write_text("".join(json.dumps({"text": f"ticket {i} is about billing"}) + "\n" for i in range(40)))
    config = TrainConfig(base_model_path=str(tiny_gpt2), task="causal-lm", text_fields=("text",), label_field="",
                         epochs=1, batch_size=8, max_length=16, learning_rate=5e-3, progress_every=0, lora=True)
    result = train(config, inputs=[InputFile(path, sha256_file(path))], run_dir=tmp_path / "run",
                   output_dir=tmp_path / "model", resume=False)
    assert result.adapter["target_modules"] == ["c_attn"]
    assert (tmp_path / "model" / "adapter_model.safetensors").is_file()
