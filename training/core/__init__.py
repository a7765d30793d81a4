"""Accord's fine-tuning core: plain Python on torch + transformers (no Django, Celery or presidio).

The Django layer (training/services.py, tasks.py) wraps `train()`; bench/train.py and the GPU
box use it directly.
"""

from .artifacts import (
    ATTRIBUTION_MANIFEST,
    MANIFEST_SCHEMA_VERSION,
    MODEL_CARD,
    artifact_digests,
    read_attribution_manifest,
    validate_attribution_manifest,
    write_attribution_manifest,
    write_model_card,
)
from .base_models import ModelNotFoundError, package_model_path
from .data import Example, InputFile, iter_records, open_verified, sha256_file
from .errors import (
    CheckpointMismatchError,
    DataFormatError,
    DataIntegrityError,
    IntegrityError,
    RunStopped,
    TrainingError,
)
from .tasks import TASKS, Task, TextClassificationTask, get_task
from .tiny import build_tiny_bert, build_tiny_gpt2
from .trainer import EpochMetrics, TrainConfig, TrainResult, train

__all__ = [
    "ATTRIBUTION_MANIFEST",
    "MANIFEST_SCHEMA_VERSION",
    "MODEL_CARD",
    "TASKS",
    "CheckpointMismatchError",
    "DataFormatError",
    "DataIntegrityError",
    "EpochMetrics",
    "Example",
    "InputFile",
    "IntegrityError",
    "ModelNotFoundError",
    "RunStopped",
    "Task",
    "TextClassificationTask",
    "TrainConfig",
    "TrainResult",
    "TrainingError",
    "artifact_digests",
    "build_tiny_bert",
    "build_tiny_gpt2",
    "get_task",
    "iter_records",
    "open_verified",
    "package_model_path",
    "read_attribution_manifest",
    "sha256_file",
    "train",
    "validate_attribution_manifest",
    "write_attribution_manifest",
    "write_model_card",
]
