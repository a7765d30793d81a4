"""Moving bytes: raw uploads into quarantine (hashed while streamed), scrubbed files into place.

Nothing here reads a whole file into memory; everything goes through fixed-size chunks.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages

CHUNK = 1 << 20


class UploadTooLarge(Exception):
    pass


def quarantine() -> Storage:
    return storages["quarantine"]


def scrubbed_storage() -> Storage:
    return default_storage


def max_upload_bytes() -> int:
    return settings.ACCORD_MAX_UPLOAD_BYTES


class _HashingFile(File):
    """A File whose chunks are hashed and counted as the storage consumes them."""

    def __init__(self, source: IO[bytes], *, limit: int) -> None:
        super().__init__(source)
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0
        self.limit = limit

    def _account(self, data: bytes) -> bytes:
        self.bytes_read += len(data)
        if self.bytes_read > self.limit:
            raise UploadTooLarge(
                f"The file is larger than the upload limit of {self.limit:,} bytes; split it or ask an "
                "operator to raise ACCORD_MAX_UPLOAD_BYTES."
            )
        self.sha256.update(data)
        return data

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        while data := self.file.read(chunk_size or CHUNK):
            yield self._account(data)

    def read(self, size: int = -1) -> bytes:
        return self._account(self.file.read(size))

    def __iter__(self):  # FileSystemStorage iterates chunks(); keep any other path hashed too
        return self.chunks()

    @property
    def size(self) -> int:  # unknown until read; storages that ask get "stream it"
        return getattr(self.file, "size", None) or 0


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


def store_raw(*, source: IO[bytes], filename: str) -> StoredFile:
    """Stream `source` into quarantine storage, computing its sha256 on the way."""
    if hasattr(source, "seek"):
        source.seek(0)
    hashing = _HashingFile(source, limit=max_upload_bytes())
    safe = Path(filename).name or "upload"
    # A folder of its own per upload: the name is never taken, so a refused upload's partial
    # bytes can be removed without any risk of touching another upload.
    target = f"raw/{uuid.uuid4().hex}/{safe}"
    try:
        name = quarantine().save(target, hashing)
    except BaseException:
        if quarantine().exists(target):
            quarantine().delete(target)
        raise
    return StoredFile(name=name, sha256=hashing.sha256.hexdigest(), size=hashing.bytes_read)


def sha256_of_path(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while data := handle.read(CHUNK):
            digest.update(data)
    return digest.hexdigest()


@contextmanager
def local_copy(storage: Storage, name: str) -> Iterator[Path]:
    """A local path for a stored file: the file itself on a filesystem storage, else a temp copy."""
    try:
        yield Path(storage.path(name))
        return
    except NotImplementedError:
        pass
    fd, tmp = tempfile.mkstemp(prefix="accord-", suffix=Path(name).suffix)
    try:
        with os.fdopen(fd, "wb") as out, storage.open(name, "rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
        yield Path(tmp)
    finally:
        os.unlink(tmp)


def work_dir(version_id: int, attempt: int) -> Path:
    """Shards of one scrub attempt. Under the quarantine root: shard inputs are raw text.

    Workers on several machines share it the way they share the quarantine volume.
    """
    path = Path(settings.QUARANTINE_ROOT) / "work" / f"v{version_id}-a{attempt}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_work_dir(version_id: int, attempt: int) -> None:
    shutil.rmtree(Path(settings.QUARANTINE_ROOT) / "work" / f"v{version_id}-a{attempt}", ignore_errors=True)


class _FinishedFile(File):
    """A complete local file; a filesystem storage moves it into place instead of copying."""

    def __init__(self, handle, path: Path) -> None:
        super().__init__(handle)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def publish_scrubbed(*, local_path: Path, name: str) -> str:
    """Put a finished scrubbed file into storage under a fresh name; returns the stored name.

    The local file was written completely (to a temp name, then renamed) before this is called,
    and the version only points at the stored name after this returns, so a crash leaves no
    half-written file marked as done. A filesystem storage moves the file (no second copy).
    """
    with open(local_path, "rb") as handle:
        return scrubbed_storage().save(name, _FinishedFile(handle, local_path))


def scrubbed_folder(dataset_id: int, number: int) -> str:
    """Every scrub output of one version lives in a folder of its own (G2: they can be found and
    removed, so the approved file is the only one of the version left)."""
    return f"scrubbed/{dataset_id}/v{number}"


def scrubbed_outputs(dataset_id: int, number: int) -> list[str]:
    """Stored scrub outputs of a version (its folder, and the older flat names `v<n>-...`)."""
    storage = scrubbed_storage()
    names: list[str] = []
    for folder, prefix in ((scrubbed_folder(dataset_id, number), ""), (f"scrubbed/{dataset_id}", f"v{number}-")):
        try:
            _dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError, NotImplementedError):
            continue
        names += [f"{folder}/{name}" for name in files if name.startswith(prefix) and not name.startswith(".")]
    return sorted(names)


def delete_scrubbed(names: list[str]) -> None:
    storage = scrubbed_storage()
    for name in names:
        if name:
            storage.delete(name)
