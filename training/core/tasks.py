"""Task abstraction: what differs between fine-tuning kinds (model head, batching, metrics).

The training loop only talks to a `Task`. Text classification is the one shipped; a causal-LM
task would add a class with the same methods (AutoModelForCausalLM, labels = shifted input ids,
perplexity as metric, `uses_labels = False`) and one line in `TASKS`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .data import Example, label_names
from .errors import DataFormatError
from .metrics import accuracy, confusion_matrix, macro_f1, per_label_report

TOKENIZE_CHUNK = 2048


class TokenizedExamples(torch.utils.data.Dataset):
    """Pre-tokenized examples, unpadded, in three flat tensors (padding happens per batch).

    Flat tensors rather than a list of Python lists: ~8x less memory, and forked data-loader
    workers share the pages instead of copying them as reference counts get touched.
    """

    def __init__(
        self,
        token_ids: torch.Tensor,
        offsets: torch.Tensor,
        labels: torch.Tensor,
        token_labels: torch.Tensor | None = None,
    ) -> None:
        self.token_ids = token_ids  # int32, all examples back to back
        self.offsets = offsets  # int64, len(examples) + 1: example i is token_ids[offsets[i]:offsets[i+1]]
        self.labels = labels  # int64, one per example (unused by label-free tasks)
        # int64 aligned with token_ids (token classification; -100 = not scored), else None.
        self.token_labels = token_labels

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[int]], labels: Sequence[int]) -> TokenizedExamples:
        lengths = torch.tensor([len(row) for row in rows], dtype=torch.long)
        offsets = torch.zeros(len(rows) + 1, dtype=torch.long)
        torch.cumsum(lengths, dim=0, out=offsets[1:])
        flat = torch.tensor(list(itertools.chain.from_iterable(rows)), dtype=torch.int32)
        return cls(flat, offsets, torch.tensor(list(labels), dtype=torch.long))

    @classmethod
    def from_token_lists(cls, rows: Sequence[Sequence[int]], token_labels: Sequence[Sequence[int]]) -> TokenizedExamples:
        base = cls.from_lists(rows, [0] * len(rows))
        flat = torch.tensor(list(itertools.chain.from_iterable(token_labels)), dtype=torch.long)
        return cls(base.token_ids, base.offsets, base.labels, flat)

    @classmethod
    def concat(cls, parts: Sequence[TokenizedExamples]) -> TokenizedExamples:
        if not parts:
            return cls(
                torch.zeros(0, dtype=torch.int32), torch.zeros(1, dtype=torch.long), torch.zeros(0, dtype=torch.long)
            )
        lengths = torch.cat([part.lengths_tensor() for part in parts])
        offsets = torch.zeros(len(lengths) + 1, dtype=torch.long)
        torch.cumsum(lengths, dim=0, out=offsets[1:])
        token_labels = (
            torch.cat([part.token_labels for part in parts]) if parts[0].token_labels is not None else None
        )
        return cls(
            torch.cat([part.token_ids for part in parts]), offsets, torch.cat([part.labels for part in parts]), token_labels
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Any]:
        start, end = self.offsets[index], self.offsets[index + 1]
        if self.token_labels is not None:
            return self.token_ids[start:end], self.token_labels[start:end]
        return self.token_ids[start:end], int(self.labels[index])

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
        token_labels = self.token_labels[positions] if self.token_labels is not None else None
        return TokenizedExamples(self.token_ids[positions], offsets, self.labels[index], token_labels)


Item = tuple[torch.Tensor, Any]


class Task(Protocol):
    name: str
    pipeline_tag: str
    uses_labels: bool
    label_kind: str  # how data.load_examples reads the label column: "class" | "raw" | "none"
    # What the launch form suggests: one pass over short texts teaches a classifier; a tagger needs
    # more passes to place entity boundaries (demo NER set: entity F1 0.33 after one epoch at 1e-4,
    # 1.0 after three; bench/demo_training.py).
    suggested_epochs: int

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
    suggested_epochs = 1
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


IGNORE_INDEX = -100  # positions the loss and the metrics skip (special tokens, later sub-tokens, padding)


def _pad_ids(batch: Sequence[Item], pad_token_id: int, pad_to_multiple_of: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(ids) for ids, _ in batch)
    if pad_to_multiple_of:
        longest = (longest + pad_to_multiple_of - 1) // pad_to_multiple_of * pad_to_multiple_of
    input_ids = torch.full((len(batch), longest), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
    for row, (ids, _) in enumerate(batch):
        input_ids[row, : len(ids)] = ids
        attention_mask[row, : len(ids)] = 1
    return input_ids, attention_mask


def parse_annotation(label: Any) -> list[Any]:
    """A token-label cell as stored: a list, or its JSON text (CSV cells hold JSON)."""
    if isinstance(label, str):
        try:
            label = json.loads(label)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"token labels are neither a list nor JSON: {exc.msg}") from exc
    if not isinstance(label, list):
        raise DataFormatError("token labels must be a list of spans or of BIO tags")
    return label


def parse_tokens(text: Any) -> list[str] | None:
    """A token column (list or JSON list of strings) for BIO tags; None when `text` is running text."""
    if isinstance(text, list):
        return [str(token) for token in text]
    if isinstance(text, str) and text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        if isinstance(value, list):
            return [str(token) for token in value]
    return None


def _is_span(item: Any) -> bool:
    return isinstance(item, dict) and {"start", "end", "label"} <= item.keys()


class TokenClassificationTask:
    """Named-entity recognition with B-/I- tags, from span annotations or BIO tags.

    Labels are aligned to word pieces the usual way: the first sub-token of each word carries the
    word's tag, later sub-tokens and special tokens get -100 (ignored by the loss and the metrics).
    Span annotations (`[{"start", "end", "label"}]`, character offsets into the text) tag a word
    B- when the span starts in it and I- when it continues into it. Evaluation is seqeval's,
    entity level (an entity counts only when its type and both boundaries match).
    """

    name = "token-classification"
    suggested_epochs = 3
    pipeline_tag = "token-classification"
    uses_labels = True
    label_kind = "raw"

    def label_names(self, examples: Sequence[Example]) -> list[str]:
        kinds: set[str] = set()
        tags: set[str] = set()
        for example in examples:
            for item in parse_annotation(example.label):
                if _is_span(item):
                    kinds.add(str(item["label"]))
                elif isinstance(item, str):
                    tags.add(item)
                else:
                    raise DataFormatError("a token label is neither a {start, end, label} span nor a BIO tag")
        tags |= {f"{prefix}-{kind}" for kind in kinds for prefix in ("B", "I")}
        tags |= {f"I-{tag[2:]}" for tag in tags if tag.startswith("B-")}
        return ["O", *sorted(tags - {"O"}, key=lambda tag: (tag[2:], tag[:1]))]

    def build_tokenizer(self, base_model_path: Path) -> PreTrainedTokenizerBase:
        tokenizer = AutoTokenizer.from_pretrained(str(base_model_path), local_files_only=True)
        if not tokenizer.is_fast:
            raise DataFormatError("token classification needs a fast tokenizer (offsets and word ids)")
        return tokenizer

    def build_model(self, base_model_path: Path, label_names: Sequence[str]) -> PreTrainedModel:
        return AutoModelForTokenClassification.from_pretrained(
            str(base_model_path),
            local_files_only=True,
            num_labels=len(label_names),
            id2label=dict(enumerate(label_names)),
            label2id={name: index for index, name in enumerate(label_names)},
            dtype=torch.float32,
        )

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        examples: Sequence[Example],
        label_ids: dict[str, int],
        max_length: int,
    ) -> TokenizedExamples:
        rows: list[list[int]] = []
        labels: list[list[int]] = []
        for example in examples:
            annotation = parse_annotation(example.label)
            tokens = parse_tokens(example.text)
            if annotation and not _is_span(annotation[0]):
                if tokens is None or len(tokens) != len(annotation):
                    raise DataFormatError("BIO tags need a token column with one tag per token")
                encoded = tokenizer(tokens, is_split_into_words=True, truncation=True, max_length=max_length,
                                    return_attention_mask=False, return_token_type_ids=False)
                word_tags = [label_ids[tag] for tag in annotation]
                aligned = self._align_words(encoded.word_ids(), word_tags)
            else:
                text = " ".join(tokens) if tokens is not None else str(example.text)
                encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True,
                                    return_attention_mask=False, return_token_type_ids=False)
                aligned = self._align_spans(encoded.word_ids(), encoded["offset_mapping"], annotation, label_ids)
            rows.append(encoded["input_ids"])
            labels.append(aligned)
        return TokenizedExamples.from_token_lists(rows, labels)

    @staticmethod
    def _align_words(word_ids: Sequence[int | None], word_tags: Sequence[int]) -> list[int]:
        aligned, previous = [], None
        for word in word_ids:
            aligned.append(IGNORE_INDEX if word is None or word == previous else word_tags[word])
            previous = word
        return aligned

    @staticmethod
    def _align_spans(
        word_ids: Sequence[int | None], offsets: Sequence[tuple[int, int]], spans: Sequence[dict], label_ids: dict[str, int]
    ) -> list[int]:
        ordered = sorted((int(s["start"]), int(s["end"]), str(s["label"])) for s in spans)
        aligned, previous = [], None
        for word, (start, end) in zip(word_ids, offsets):
            if word is None or word == previous:
                aligned.append(IGNORE_INDEX)
                previous = word
                continue
            previous = word
            tag = "O"
            for span_start, span_end, kind in ordered:
                if start < span_end and end > span_start:  # this word overlaps the span
                    tag = f"B-{kind}" if start <= span_start else f"I-{kind}"
                    break
            aligned.append(label_ids[tag])
        return aligned

    def collate(
        self, batch: Sequence[Item], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = _pad_ids(batch, pad_token_id, pad_to_multiple_of)
        labels = torch.full(input_ids.shape, IGNORE_INDEX, dtype=torch.long)
        for row, (_, tags) in enumerate(batch):
            labels[row, : len(tags)] = tags
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        scored = batch["labels"] != IGNORE_INDEX
        predictions = outputs.logits.argmax(dim=-1)
        # Flattened scored positions plus how many each sequence has, so batches of any width concatenate.
        return {"predictions": predictions[scored], "targets": batch["labels"][scored], "counts": scored.sum(dim=1)}

    @staticmethod
    def _sequences(collected: dict[str, torch.Tensor], labels: Sequence[str]) -> tuple[list[list[str]], list[list[str]]]:
        counts = collected["counts"].tolist()
        predicted = [labels[i] for i in collected["predictions"].tolist()]
        actual = [labels[i] for i in collected["targets"].tolist()]
        y_pred, y_true, position = [], [], 0
        for count in counts:
            y_pred.append(predicted[position : position + count])
            y_true.append(actual[position : position + count])
            position += count
        return y_true, y_pred

    def metrics(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, float]:
        from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

        y_true, y_pred = self._sequences(collected, labels)
        return {
            "precision": float(precision_score(y_true, y_pred, average="micro", zero_division=0)),
            "recall": float(recall_score(y_true, y_pred, average="micro", zero_division=0)),
            "f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "token_accuracy": float(accuracy_score(y_true, y_pred)),
        }

    def report(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, Any]:
        from seqeval.metrics import classification_report

        y_true, y_pred = self._sequences(collected, labels)
        table = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
        per_entity = {
            name: {"precision": float(s["precision"]), "recall": float(s["recall"]), "f1": float(s["f1-score"]),
                   "support": int(s["support"])}
            for name, s in table.items()
            if "avg" not in name
        }
        averages = {name: {k: float(v) for k, v in s.items()} for name, s in table.items() if "avg" in name}
        return {"kind": "per_entity", "labels": list(labels), "per_entity": per_entity, "averages": averages}


class CausalLMTask:
    """Causal language modelling on the scrubbed text: next-token loss, perplexity as the metric.

    Dynamic padding per length-bucketed batch (little padding is left to pack away); the loss is
    masked on padding (labels -100 wherever the attention mask is 0, so a pad token that doubles
    as end-of-sequence still ends every text and is learnt there).
    """

    name = "causal-lm"
    suggested_epochs = 1
    pipeline_tag = "text-generation"
    uses_labels = False
    label_kind = "none"

    def label_names(self, examples: Sequence[Example]) -> list[str]:
        return []

    def build_tokenizer(self, base_model_path: Path) -> PreTrainedTokenizerBase:
        tokenizer = AutoTokenizer.from_pretrained(str(base_model_path), local_files_only=True)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def build_model(self, base_model_path: Path, label_names: Sequence[str]) -> PreTrainedModel:
        return AutoModelForCausalLM.from_pretrained(str(base_model_path), local_files_only=True, dtype=torch.float32)

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        examples: Sequence[Example],
        label_ids: dict[str, int],
        max_length: int,
    ) -> TokenizedExamples:
        eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
        parts: list[TokenizedExamples] = []
        for start in range(0, len(examples), TOKENIZE_CHUNK):
            chunk = examples[start : start + TOKENIZE_CHUNK]
            ids = tokenizer([str(e.text) for e in chunk], truncation=True, max_length=max_length - 1,
                            return_attention_mask=False, return_token_type_ids=False)["input_ids"]
            if eos is not None:
                ids = [row + [eos] for row in ids]
            parts.append(TokenizedExamples.from_lists(ids, [0] * len(ids)))
        return TokenizedExamples.concat(parts)

    def collate(
        self, batch: Sequence[Item], *, pad_token_id: int, pad_to_multiple_of: int | None
    ) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = _pad_ids(batch, pad_token_id, pad_to_multiple_of)
        labels = input_ids.masked_fill(attention_mask == 0, IGNORE_INDEX)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def eval_outputs(self, outputs: Any, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits = outputs.logits[:, :-1].float()
        targets = batch["labels"][:, 1:]
        nll = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum"
        )
        return {"nll": nll.reshape(1).double(), "tokens": (targets != IGNORE_INDEX).sum().reshape(1)}

    def metrics(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, float]:
        tokens = int(collected["tokens"].sum())
        mean = float(collected["nll"].sum()) / max(1, tokens)
        return {"perplexity": float(torch.tensor(mean).exp()), "token_loss": mean}

    def report(self, collected: dict[str, torch.Tensor], labels: Sequence[str]) -> dict[str, Any]:
        return {"kind": "language_model", "tokens": int(collected["tokens"].sum()), **self.metrics(collected, labels)}


TASKS: dict[str, Task] = {
    TextClassificationTask.name: TextClassificationTask(),
    TokenClassificationTask.name: TokenClassificationTask(),
    CausalLMTask.name: CausalLMTask(),
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}") from None
