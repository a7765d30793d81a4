"""Exceptions raised by the fine-tuning core.

Kept free of Django so the Django layer can map them onto its own `ApplicationError`s.
"""

from __future__ import annotations


class TrainingError(Exception):
    """Base class for every error the fine-tuning core raises on purpose."""


class DataIntegrityError(TrainingError):
    """An input file's sha256 differs from the approved one (governance invariant 1)."""

    def __init__(self, path: str, expected_sha256: str, actual_sha256: str) -> None:
        self.path = path
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(
            f"{path}: sha256 {actual_sha256} does not match the approved {expected_sha256}; refusing to read it"
        )


# Short alias: the brief and the Django layer call it `IntegrityError`.
IntegrityError = DataIntegrityError


class DataFormatError(TrainingError):
    """An input file cannot be parsed into (text, label) records."""


class CheckpointMismatchError(TrainingError):
    """The checkpoint found in the run dir was made by a different configuration or data."""


class RunStopped(TrainingError):
    """Training was stopped on purpose (cancellation, revoked agreement, ...).

    `reason` is a short machine-friendly string the caller can store on the run.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
