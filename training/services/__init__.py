"""Every write to base models and training runs, by concern:

- `registry`: the allowed base models;
- `launch`: validation, THE gate, the inputs and the hand-over to the gpu queue;
- `worker`: what the gpu worker does for one run (gate, hash checks, trainer, publishing);
- `ending`: cancel, and the runs an ended agreement stops (G5);
- `reaper`: runs whose worker went silent;
- `runs`: what they share, THE one run-ending transition (`training_run_end`) among it.

Callers import from `training.services`; the names below are its public face.
"""
from training import core  # noqa: F401  (the trainer, reachable as services.core)
from training.services.ending import training_run_cancel, training_runs_stop_for_ended_agreement
from training.services.launch import LIMITS, default_fields, training_run_launch
from training.services.reaper import training_runs_reap_stale
from training.services.registry import base_model_register
from training.services.runs import heartbeat_timeout, max_attempts, new_run_dir, training_run_end
from training.services.worker import training_run_execute

__all__ = [
    "LIMITS", "base_model_register", "default_fields", "heartbeat_timeout", "max_attempts", "new_run_dir",
    "training_run_cancel", "training_run_end", "training_run_execute", "training_run_launch",
    "training_runs_reap_stale", "training_runs_stop_for_ended_agreement",
]
