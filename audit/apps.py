from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit ledger"

    def ready(self) -> None:
        from audit import checks  # noqa: F401  (registers the deploy check for the ledger key)
        from accounts.registry import register_nav, register_panel
        from accounts.roles import Role
        from audit.selectors import dashboard_summary

        register_nav("Audit ledger", "audit:event-list", roles=[Role.AUDITOR], order=90)
        register_panel(
            "Audit ledger",
            template="audit/panel.html",
            roles=[Role.AUDITOR],
            context=dashboard_summary,
            order=10,
        )
