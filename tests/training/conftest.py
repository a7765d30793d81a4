from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from training.core import build_tiny_bert  # noqa: E402
from training.models import BaseModel  # noqa: E402
from tests.training.factories import make_agreement_in_force, make_training_version  # noqa: E402


@pytest.fixture(scope="session")
def tiny_bert_path(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert-django"))


@pytest.fixture
def tiny_base_model(db, tiny_bert_path):
    return BaseModel.objects.create(
        name="tiny-bert", source=BaseModel.Source.PATH, local_path=str(tiny_bert_path), license="Apache-2.0",
        supported_tasks=["text_classification"],
    )


@pytest.fixture
def covered_version(db, researcher, legal, contributor):
    """An approved version with a real scrubbed file, covered by an agreement in force for training."""
    version = make_training_version()
    version.agreement = make_agreement_in_force(researcher=researcher, legal=legal, versions=[version])
    return version


@pytest.fixture
def tiny_hyper():
    return {"epochs": 2, "batch_size": 8, "max_length": 32, "learning_rate": 5e-3, "seed": 1}


@pytest.fixture
def gpu_handoffs(monkeypatch):
    """Every run handed to the gpu queue (the launch's on-commit hand-over), recorded instead of sent."""
    from training.services import runs

    sent: list[int] = []
    monkeypatch.setattr(runs.train_run, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    return sent
