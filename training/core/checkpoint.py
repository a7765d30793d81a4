"""Per-epoch checkpoints, written atomically, and finding the latest complete one.

Layout: <run_dir>/checkpoints/epoch-0003/{model.safetensors, optimizer.pt, scheduler.pt, rng.pt,
state.json}. Each is written into a hidden temp dir and renamed into place, so a directory named
epoch-NNNN is always complete: a crash mid-write leaves only a temp dir, which is swept later.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model

CHECKPOINTS = "checkpoints"
STATE_FILE = "state.json"
_COMPLETE = re.compile(r"^epoch-(\d{4,})$")


def checkpoints_root(run_dir: Path) -> Path:
    return Path(run_dir) / CHECKPOINTS


def save_checkpoint(
    run_dir: Path,
    *,
    epoch: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    state: dict[str, Any],
    keep: int,
) -> Path:
    """Write the checkpoint after `epoch` completed epochs; keep only the newest `keep` ones."""
    root = checkpoints_root(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"epoch-{epoch:04d}"
    temp = root / f".tmp-epoch-{epoch:04d}-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    save_model(model, str(temp / "model.safetensors"))
    torch.save(optimizer.state_dict(), temp / "optimizer.pt")
    torch.save(scheduler.state_dict(), temp / "scheduler.pt")
    torch.save(_rng_state(), temp / "rng.pt")
    # state.json last: it is what the loader reads first.
    (temp / STATE_FILE).write_text(json.dumps({**state, "epoch": epoch}, indent=2, sort_keys=True))
    _fsync_tree(temp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(temp, final)
    _fsync_dir(root)
    _prune(root, keep=keep)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    root = checkpoints_root(run_dir)
    if not root.is_dir():
        return None
    complete = [path for path in root.iterdir() if _COMPLETE.match(path.name) and (path / STATE_FILE).is_file()]
    return max(complete, key=_epoch_of, default=None)


def _epoch_of(checkpoint: Path) -> int:
    match = _COMPLETE.match(checkpoint.name)
    return int(match.group(1)) if match else -1


def read_state(checkpoint: Path) -> dict[str, Any]:
    return json.loads((checkpoint / STATE_FILE).read_text())


def load_checkpoint(
    checkpoint: Path,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
) -> dict[str, Any]:
    """Restore weights, optimizer, scheduler and RNG in place; return the saved state dict."""
    load_model(model, str(checkpoint / "model.safetensors"), strict=True, device=str(device))
    optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", map_location=device, weights_only=True))
    scheduler.load_state_dict(torch.load(checkpoint / "scheduler.pt", weights_only=True))
    _restore_rng(torch.load(checkpoint / "rng.pt", weights_only=True))
    return read_state(checkpoint)


def sweep_temp_dirs(run_dir: Path) -> None:
    """Remove leftovers of checkpoints whose writing was interrupted."""
    root = checkpoints_root(run_dir)
    if root.is_dir():
        for path in root.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _prune(root: Path, *, keep: int) -> None:
    complete = sorted(path for path in root.iterdir() if _COMPLETE.match(path.name))
    for old in complete[: max(0, len(complete) - max(1, keep))]:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # platforms without directory fds (Windows): best effort
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
