"""LoRA (PEFT) for every task: the adapter settings, per-architecture target modules, the base pointer.

With `TrainConfig.lora`, the base model's weights stay frozen and only low-rank adapters (plus the
task head) train. The artifact is the adapter (adapter_config.json + adapter_model.safetensors)
and `base_model.json`, which names the base model by the sha256 of its files: loading the adapter
on any other weights is detectable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

BASE_POINTER = "base_model.json"

# The attention projections LoRA adapts by default, per `config.model_type`.
DEFAULT_TARGET_MODULES: dict[str, list[str]] = {
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "xlm-roberta": ["query", "value"],
    "electra": ["query", "value"],
    "distilbert": ["q_lin", "v_lin"],
    "deberta-v2": ["query_proj", "value_proj"],
    "gpt2": ["c_attn"],
    "gpt_neox": ["query_key_value"],
    "llama": ["q_proj", "v_proj"],
    "mistral": ["q_proj", "v_proj"],
    "qwen2": ["q_proj", "v_proj"],
    "phi": ["q_proj", "v_proj"],
    "opt": ["q_proj", "v_proj"],
}
PEFT_TASK_TYPES = {"text-classification": "SEQ_CLS", "token-classification": "TOKEN_CLS", "causal-lm": "CAUSAL_LM"}


def target_modules_for(model_type: str, requested: Sequence[str] = ()) -> list[str]:
    if requested:
        return list(requested)
    if model_type in DEFAULT_TARGET_MODULES:
        return DEFAULT_TARGET_MODULES[model_type]
    raise ValueError(f"no default LoRA target modules for model type {model_type!r}; name them (lora_target_modules)")


def wrap(model: torch.nn.Module, *, task: str, r: int, alpha: int, dropout: float, target_modules: Sequence[str]):
    """`model` with LoRA adapters on `target_modules`; the task head (classifier) stays fully trainable."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        task_type=PEFT_TASK_TYPES[task],
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=target_modules_for(model.config.model_type, target_modules),
    )
    return get_peft_model(model, config)


def model_directory_sha256(path: str | Path) -> str:
    """One digest over a model directory: each file's relative path and content, in sorted order."""
    root = Path(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def adapter_summary(model: Any, *, base_model_path: str | Path, r: int, alpha: int, dropout: float) -> dict[str, Any]:
    peft_config = model.peft_config["default"]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return {
        "type": "lora",
        "r": r,
        "alpha": alpha,
        "dropout": dropout,
        "target_modules": sorted(peft_config.target_modules),
        "base_model_sha256": model_directory_sha256(base_model_path),
        "trainable_parameters": trainable,
        "total_parameters": total,
    }


def write_base_pointer(output_dir: Path, summary: dict[str, Any]) -> Path:
    target = output_dir / BASE_POINTER
    target.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target
