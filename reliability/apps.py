from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    """How Accord survives a lost worker, broker or database connection: the task outbox, the
    broker's queue depths and the health endpoints. The lowest layer: it imports no Accord app;
    datasets_app and training enqueue through it and run their own reconcilers."""

    name = "reliability"
    verbose_name = "Reliability (outbox, health)"
