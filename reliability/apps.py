from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    """How Accord survives a lost worker, broker or database connection: the task outbox, the
    broker's queue depths, the health endpoints and the operations page. A low layer: it imports
    only accounts (roles and navigation, for the page); datasets_app and training enqueue through
    it, run their own reconcilers and report their work in progress to the page through a hook."""

    name = "reliability"
    verbose_name = "Reliability (outbox, health, operations)"

    def ready(self) -> None:
        from accounts.registry import register_nav
        from accounts.roles import Role
        from reliability import watchdog

        register_nav("Operations", "reliability:operations", roles=[Role.ADMIN], order=60)
        watchdog.connect()  # a worker whose consumer wedged ends itself, to be restarted fresh
