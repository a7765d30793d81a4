"""Scrubbed files reach the trainer through the storage API, by content hash, also from remote storage."""
from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage

from tests.training.factories import make_training_version, tamper
from training.core import DataIntegrityError, sha256_file
from training.inputs import cache_dir, verified_inputs

pytestmark = pytest.mark.django_db


def make_storage_remote(monkeypatch):
    """Make the default storage behave like S3 from here on: no local path, bytes only through open()."""
    real_path = FileSystemStorage.path

    def no_path(self, name):
        raise NotImplementedError("remote storage")

    monkeypatch.setattr(FileSystemStorage, "path", no_path)
    # open() of the filesystem backend needs its own path; S3 would stream instead.
    monkeypatch.setattr(FileSystemStorage, "_open", lambda self, name, mode="rb": open(real_path(self, name), mode))


def test_local_storage_is_read_in_place(contributor):
    version = make_training_version()
    [source] = verified_inputs([version])
    assert source.sha256 == version.scrubbed_sha256 and str(source.path).endswith(version.scrubbed_file.name)


def test_remote_storage_is_downloaded_into_a_cache_named_by_sha256(contributor, monkeypatch):
    version = make_training_version(seed=11)
    make_storage_remote(monkeypatch)
    [source] = verified_inputs([version])
    assert source.path.startswith(str(cache_dir())) and version.scrubbed_sha256 in source.path
    assert sha256_file(source.path) == version.scrubbed_sha256


def test_tampered_remote_file_is_refused_and_not_cached(contributor, monkeypatch):
    version = make_training_version(seed=12)
    tamper(version)  # needs the real local path, before storage turns "remote"

    make_storage_remote(monkeypatch)
    with pytest.raises(DataIntegrityError):
        verified_inputs([version])
    assert not list(cache_dir().glob(f"{version.scrubbed_sha256}*"))
