"""Getting an approved, scrubbed file onto the training machine, by content hash.

With local storage the worker reads the stored file in place. With remote storage (S3 and co.
through django-storages) the bytes are copied once into a cache named by their approved sha256;
a copy whose digest differs is discarded and refused. Either way the trainer re-checks the digest
through the very handle it reads (training.core.open_verified).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from datasets_app.models import DatasetVersion
from training.core import DataIntegrityError, InputFile, open_verified

CHUNK = 1 << 20


def cache_dir() -> Path:
    path = Path(settings.ACCORD_RUNS_ROOT) / "input-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path_for(version: DatasetVersion) -> Path:
    field = version.scrubbed_file
    try:
        return Path(field.storage.path(field.name))
    except NotImplementedError:  # remote storage: no local path
        return _download_to_cache(version)


def _download_to_cache(version: DatasetVersion) -> Path:
    expected = version.scrubbed_sha256.lower()
    suffix = "".join(Path(version.scrubbed_file.name).suffixes[-2:])
    target = cache_dir() / f"{expected}{suffix}"
    if target.exists():
        return target
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(dir=cache_dir(), prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out, version.scrubbed_file.storage.open(version.scrubbed_file.name, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise DataIntegrityError(version.scrubbed_file.name, expected, digest.hexdigest())
        os.replace(temp_name, target)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
    return target


def verified_inputs(versions: list[DatasetVersion], *, column_maps: dict[int, dict[str, str]] | None = None,
                    fields: list[str] | None = None) -> list[InputFile]:
    """InputFiles for the trainer, each checked against the sha256 recorded at approval, each read
    under the run's field names through its column mapping (`fields`: the run's fields).

    Raises DataIntegrityError for the first file whose bytes differ: nothing of it is parsed.
    """
    inputs = []
    for version in versions:
        path = local_path_for(version)
        with open_verified(path, version.scrubbed_sha256):
            pass  # refuse here, before the trainer (and its tokenizer, model load, ...) starts
        mapping = (column_maps or {}).get(version.pk) or {}
        columns = tuple((name, mapping.get(name, name)) for name in fields or ()) if mapping else ()
        inputs.append(InputFile(path=str(path), sha256=version.scrubbed_sha256, format=version.format or None,
                                columns=columns))
    return inputs
