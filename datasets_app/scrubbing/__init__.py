"""Accord's PII scrubbing core: plain Python (presidio + spaCy), no Django.

Django wraps this in services and Celery tasks; see bench/README-scrub.md.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # never fetch at runtime

from .config import DEFAULT_ENTITIES, ScrubConfig  # noqa: E402
from .errors import ScrubInputError  # noqa: E402
from .fileio import FileInfo, count_rows, inspect_file, sha256_file  # noqa: E402
from .pipeline import merge_reports, merge_shards, scrub_file, scrub_texts  # noqa: E402
from .residual import residual_scan  # noqa: E402


def __getattr__(name: str):
    # Finding lives with the engine, which imports presidio: load it only when asked.
    if name == "Finding":
        from .engine import Finding

        return Finding
    raise AttributeError(name)


__all__ = [
    "DEFAULT_ENTITIES", "FileInfo", "Finding", "ScrubConfig", "ScrubInputError", "count_rows",
    "inspect_file", "merge_reports", "merge_shards", "residual_scan", "scrub_file", "scrub_texts",
    "sha256_file",
]
