"""Task abstraction: what differs between fine-tuning kinds (model head, batching, metrics).

The training loop only talks to a `Task`. Text classification is the one shipped; a causal-LM
task would add a class with the same methods (AutoModelForCausalLM, labels = shifted input ids,
perplexity as metric, `uses_labels = False`) and one line in `TASKS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from .data import Example
from .metrics import accuracy, macro_f1

TOKENIZE_CHUNK = 2048


@dataclass(slots=True)
class Encoded:
    """One pre-tokenized example (unpadded); padding happens per batch."""

    input_ids: list[int]
    label: int


class Task(Protocol):
    name: str
    pipeline_tag: str
    uses_labels: bool

    def build_tokenizer(self, base_model_path: Path) -> PreTrainedTokenizerBase: ...

    def build_model(self, base_model_path: Path, label_names: Sequence[str]) -> PreTrainedModel: ...

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        examples: Sequence[Example],
        label_ids: dict[str, int],
        max_length: int,
    ) -> list[Encoded]: ...

    def collate(
        self, batch: Sequence[Encoded], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]: ...

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Per-batch tensors to keep for `metrics` (moved to CPU by the loop)."""
        ...

    def metrics(self, collected: dict[str, torch.Tensor], num_labels: int) -> dict[str, float]: ...


class TextClassificationTask:
    name = "text-classification"
    pipeline_tag = "text-classification"
    uses_labels = True

    def build_tokenizer(self, base_model_path: Path) -> PreTrainedTokenizerBase:
        return AutoTokenizer.from_pretrained(str(base_model_path), local_files_only=True)

    def build_model(self, base_model_path: Path, label_names: Sequence[str]) -> PreTrainedModel:
        return AutoModelForSequenceClassification.from_pretrained(
            str(base_model_path),
            local_files_only=True,
            num_labels=len(label_names),
            id2label=dict(enumerate(label_names)),
            label2id={name: index for index, name in enumerate(label_names)},
            problem_type="single_label_classification",
            # fp32 master weights; speed comes from autocast, not from loading in half precision.
            dtype=torch.float32,
        )

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        examples: Sequence[Example],
        label_ids: dict[str, int],
        max_length: int,
    ) -> list[Encoded]:
        encoded: list[Encoded] = []
        for start in range(0, len(examples), TOKENIZE_CHUNK):
            chunk = examples[start : start + TOKENIZE_CHUNK]
            ids = tokenizer(
                [example.text for example in chunk],
                truncation=True,
                max_length=max_length,
                return_attention_mask=False,
                return_token_type_ids=False,
            )["input_ids"]
            encoded.extend(Encoded(row, label_ids[example.label]) for row, example in zip(ids, chunk, strict=True))
        return encoded

    def collate(
        self, batch: Sequence[Encoded], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]:
        longest = max(len(item.input_ids) for item in batch)
        if pad_to_multiple_of:
            longest = -(-longest // pad_to_multiple_of) * pad_to_multiple_of
        input_ids = torch.full((len(batch), longest), pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, item in enumerate(batch):
            length = len(item.input_ids)
            input_ids[row, :length] = torch.tensor(item.input_ids, dtype=torch.long)
            attention_mask[row, :length] = 1
        labels = torch.tensor([item.label for item in batch], dtype=torch.long)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"predictions": outputs.logits.argmax(dim=-1), "targets": batch["labels"]}

    def metrics(self, collected: dict[str, torch.Tensor], num_labels: int) -> dict[str, float]:
        predictions, targets = collected["predictions"], collected["targets"]
        return {
            "accuracy": accuracy(predictions, targets),
            "macro_f1": macro_f1(predictions, targets, num_labels),
        }


TASKS: dict[str, Task] = {TextClassificationTask.name: TextClassificationTask()}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}") from None
