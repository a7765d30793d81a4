from __future__ import annotations

import random

import pytest
import torch

from training.core.batching import LengthBucketBatchSampler
from training.core.metrics import accuracy, macro_f1


def _padded_tokens(batches: list[list[int]], lengths: list[int]) -> int:
    return sum(len(batch) * max(lengths[index] for index in batch) for batch in batches)


def test_length_buckets_cover_every_example_once_and_cut_padding() -> None:
    rng = random.Random(0)
    lengths = [rng.randint(3, 300) for _ in range(1000)]
    sampler = LengthBucketBatchSampler(lengths, batch_size=16, seed=1, chunk_batches=20)
    batches = list(sampler)
    assert sorted(index for batch in batches for index in batch) == list(range(1000))
    assert len(batches) == len(sampler) == 63

    random_order = list(range(1000))
    rng.shuffle(random_order)
    random_batches = [random_order[start : start + 16] for start in range(0, 1000, 16)]
    assert _padded_tokens(batches, lengths) < 0.6 * _padded_tokens(random_batches, lengths)


def test_length_buckets_are_seeded_per_epoch() -> None:
    sampler = LengthBucketBatchSampler(list(range(200)), batch_size=8, seed=1)
    first = sampler.batches()
    assert first == sampler.batches()
    sampler.set_epoch(1)
    assert first != sampler.batches()


def test_macro_f1_and_accuracy_match_sklearn() -> None:
    from sklearn import metrics  # test-only cross-check against the reference implementation

    generator = torch.Generator().manual_seed(0)
    targets = torch.randint(0, 5, (300,), generator=generator)
    predictions = torch.where(
        torch.rand(300, generator=generator) < 0.6, targets, torch.randint(0, 5, (300,), generator=generator)
    )
    predictions[predictions == 4] = 3  # one class never predicted
    assert macro_f1(predictions, targets, 5) == pytest.approx(metrics.f1_score(targets, predictions, average="macro"))
    assert accuracy(predictions, targets) == pytest.approx(metrics.accuracy_score(targets, predictions))
    # Labels absent from both targets and predictions do not count (sklearn's behaviour).
    assert macro_f1(torch.tensor([0, 1]), torch.tensor([0, 1]), 10) == pytest.approx(1.0)


def test_tokenized_examples_subset_and_collate_pad_dynamically() -> None:
    from training.core.tasks import TextClassificationTask, TokenizedExamples

    examples = TokenizedExamples.from_lists([[7, 8, 9], [4], [5, 6]], [0, 1, 2])
    picked = examples.subset([2, 0])
    assert [(ids.tolist(), label) for ids, label in (picked[0], picked[1])] == [([5, 6], 2), ([7, 8, 9], 0)]
    assert picked.lengths() == [2, 3] and len(examples.subset([])) == 0

    task = TextClassificationTask()
    batch = task.collate([picked[0], picked[1]], pad_token_id=0, pad_to_multiple_of=None)
    assert batch["input_ids"].tolist() == [[5, 6, 0], [7, 8, 9]]
    assert batch["attention_mask"].tolist() == [[1, 1, 0], [1, 1, 1]]
    assert batch["labels"].tolist() == [2, 0] and batch["input_ids"].dtype == torch.long
    assert task.collate([picked[0]], pad_token_id=0, pad_to_multiple_of=8)["input_ids"].shape == (1, 8)
