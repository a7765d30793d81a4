"""Task abstraction: what differs between fine-tuning kinds (model head, batching, metrics).

The training loop only talks to a `Task`. Text classification is the one shipped; a causal-LM
task would add a class with the same methods (AutoModelForCausalLM, labels = shifted input ids,
perplexity as metric, `uses_labels = False`) and one line in `TASKS`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from .data import Example, label_names
from .metrics import accuracy, confusion_matrix, macro_f1, per_label_report

TOKENIZE_CHUNK = 2048


class TokenizedExamples(torch.utils.data.Dataset):
    """Pre-tokenized examples, unpadded, in three flat tensors (padding happens per batch).

    Flat tensors rather than a list of Python lists: ~8x less memory, and forked data-loader
    workers share the pages instead of copying them as reference counts get touched.
    """

    def __init__(self, token_ids: torch.Tensor, offsets: torch.Tensor, labels: torch.Tensor) -> None:
        self.token_ids = token_ids  # int32, all examples back to back
        self.offsets = offsets  # int64, len(examples) + 1: example i is token_ids[offsets[i]:offsets[i+1]]
        self.labels = labels  # int64, one per example (unused by label-free tasks)

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[int]], labels: Sequence[int]) -> TokenizedExamples:
        lengths = torch.tensor([len(row) for row in rows], dtype=torch.long)
        offsets = torch.zeros(len(rows) + 1, dtype=torch.long)
        torch.cumsum(lengths, dim=0, out=offsets[1:])
        flat = torch.tensor(list(itertools.chain.from_iterable(rows)), dtype=torch.int32)
        return cls(flat, offsets, torch.tensor(list(labels), dtype=torch.long))

    @classmethod
    def concat(cls, parts: Sequence[TokenizedExamples]) -> TokenizedExamples:
        if not parts:
            return cls(
                torch.zeros(0, dtype=torch.int32), torch.zeros(1, dtype=torch.long), torch.zeros(0, dtype=torch.long)
            )
        lengths = torch.cat([part.lengths_tensor() for part in parts])
        offsets = torch.zeros(len(lengths) + 1, dtype=torch.long)
        torch.cumsum(lengths, dim=0, out=offsets[1:])
        return cls(torch.cat([part.token_ids for part in parts]), offsets, torch.cat([part.labels for part in parts]))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.token_ids[self.offsets[index] : self.offsets[index + 1]], int(self.labels[index])

    def lengths_tensor(self) -> torch.Tensor:
        return self.offsets[1:] - self.offsets[:-1]

    def lengths(self) -> list[int]:
        return self.lengths_tensor().tolist()

    def subset(self, indices: Sequence[int]) -> TokenizedExamples:
        index = torch.as_tensor(list(indices), dtype=torch.long)
        lengths = self.lengths_tensor()[index]
        offsets = torch.zeros(len(index) + 1, dtype=torch.long)
        torch.cumsum(lengths, dim=0, out=offsets[1:])
        starts = self.offsets[index]
        # Gather every kept example's token positions in one vectorised step.
        positions = torch.repeat_interleave(starts - offsets[:-1], lengths) + torch.arange(int(offsets[-1]))
        return TokenizedExamples(self.token_ids[positions], offsets, self.labels[index])


Item = tuple[torch.Tensor, int]


class Task(Protocol):
    name: str
    pipeline_tag: str
    uses_labels: bool
    label_kind: str  # how data.load_examples reads the label column: "class" | "raw" | "none"

    def label_names(self, examples: Sequence[Example]) -> list[str]: ...

    def build_tokenizer(self, base_model_path: Path) -> PreTrainedTokenizerBase: ...

    def build_model(self, base_model_path: Path, label_names: Sequence[str]) -> PreTrainedModel: ...

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        examples: Sequence[Example],
        label_ids: dict[str, int],
        max_length: int,
    ) -> TokenizedExamples: ...

    def collate(
        self, batch: Sequence[Item], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]: ...

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Per-batch tensors to keep for `metrics` (moved to CPU by the loop)."""
        ...

    def metrics(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, float]: ...

    def report(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, Any]:
        """The detailed evaluation (per label / per entity, confusion matrix) for the card."""
        ...


class TextClassificationTask:
    name = "text-classification"
    pipeline_tag = "text-classification"
    uses_labels = True
    label_kind = "class"

    def label_names(self, examples: Sequence[Example]) -> list[str]:
        return label_names(examples)

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
    ) -> TokenizedExamples:
        parts: list[TokenizedExamples] = []
        for start in range(0, len(examples), TOKENIZE_CHUNK):
            chunk = examples[start : start + TOKENIZE_CHUNK]
            ids = tokenizer(
                [example.text for example in chunk],
                truncation=True,
                max_length=max_length,
                return_attention_mask=False,
                return_token_type_ids=False,
            )["input_ids"]
            parts.append(TokenizedExamples.from_lists(ids, [label_ids[example.label] for example in chunk]))
        return TokenizedExamples.concat(parts)

    def collate(
        self, batch: Sequence[Item], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]:
        longest = max(len(ids) for ids, _ in batch)
        if pad_to_multiple_of:
            longest = (longest + pad_to_multiple_of - 1) // pad_to_multiple_of * pad_to_multiple_of
        input_ids = torch.full((len(batch), longest), pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, (ids, _) in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        labels = torch.tensor([label for _, label in batch], dtype=torch.long)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"predictions": outputs.logits.argmax(dim=-1), "targets": batch["labels"]}

    def metrics(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, float]:
        predictions, targets = collected["predictions"], collected["targets"]
        return {
            "accuracy": accuracy(predictions, targets),
            "macro_f1": macro_f1(predictions, targets, len(labels)),
        }

    def report(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, Any]:
        predictions, targets = collected["predictions"], collected["targets"]
        return {
            "kind": "per_label",
            "labels": list(labels),
            "per_label": per_label_report(predictions, targets, list(labels)),
            "confusion_matrix": confusion_matrix(predictions, targets, len(labels)),
        }


TASKS: dict[str, Task] = {TextClassificationTask.name: TextClassificationTask()}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}") from None
