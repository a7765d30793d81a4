"""Reactions to lower layers' signals (they cannot import training)."""
from training.services import training_runs_stop_for_ended_agreement


def on_agreement_ended(sender, *, agreement, reason: str = "ended", actor=None, **kwargs) -> None:
    training_runs_stop_for_ended_agreement(agreement=agreement, reason=reason, actor=actor)
