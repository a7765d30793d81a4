"""Fixtures for the fine-tuning core: a tiny BERT built once, small generated ticket files.

No database: these tests exercise plain Python (the core must not import Django).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from training.core import InputFile, TrainConfig, build_tiny_bert, sha256_file
from training.core.synthetic import write_tickets_jsonl


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tickets_file(tmp_path_factory: pytest.TempPathFactory) -> InputFile:
    path = write_tickets_jsonl(tmp_path_factory.mktemp("data") / "tickets.jsonl", 240, seed=7, max_words=60)
    return InputFile(path=path, sha256=sha256_file(path))


@pytest.fixture
def make_config(tiny_model_dir: Path) -> Callable[..., TrainConfig]:
    def factory(**overrides: object) -> TrainConfig:
        settings: dict[str, object] = {
            "base_model_path": str(tiny_model_dir),
            "text_fields": ("subject", "body"),
            "label_field": "label",
            "epochs": 2,
            "batch_size": 16,
            "max_length": 64,
            "learning_rate": 2e-3,
            "seed": 3,
            "device": "cpu",
            "progress_every": 5,
        }
        settings.update(overrides)
        return TrainConfig(**settings)  # type: ignore[arg-type]

    return factory


@pytest.fixture(autouse=True)
def _single_torch_thread() -> object:
    """The tiny model gains nothing from threads, and on a shared, loaded CI box spinning
    intra-op threads make these tests several times slower. Restored for other suites."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
