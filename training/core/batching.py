"""Length-bucketed batching: batches of similar length so dynamic padding wastes little compute.

Shuffle everything, cut into large chunks, sort each chunk by length, cut into batches, shuffle
the batches. Randomness stays (chunk membership and batch order change every epoch) while
padding almost disappears. Seeded per epoch so a resumed run sees the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import Sampler


class LengthBucketBatchSampler(Sampler[list[int]]):
    def __init__(
        self,
        lengths: Sequence[int],
        *,
        batch_size: int,
        seed: int,
        chunk_batches: int = 50,
        shuffle: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.chunk_size = batch_size * max(1, chunk_batches)
        self.shuffle = shuffle
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[list[int]]:
        yield from self.batches()

    def batches(self) -> list[list[int]]:
        if not self.shuffle:
            # Evaluation: one global sort, longest first (any OOM shows up on the first batch).
            order = sorted(range(len(self.lengths)), key=lambda index: -self.lengths[index])
            return _cut(order, self.batch_size)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches: list[list[int]] = []
        for start in range(0, len(order), self.chunk_size):
            chunk = sorted(order[start : start + self.chunk_size], key=lambda index: -self.lengths[index])
            batches.extend(_cut(chunk, self.batch_size))
        permutation = torch.randperm(len(batches), generator=generator).tolist()
        return [batches[index] for index in permutation]


def _cut(indices: list[int], batch_size: int) -> list[list[int]]:
    return [indices[start : start + batch_size] for start in range(0, len(indices), batch_size)]
