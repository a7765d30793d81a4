from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Agreements"

    def ready(self) -> None:
        from accounts.registry import register_demo_step, register_nav, register_panel
        from accounts.roles import Role
        from agreements import rules  # noqa: F401 (registers the permissions)
        from agreements import selectors
        from agreements.demo import seed_agreements

        from accounts.notifications import register_category

        register_category("agreement", "Access requests and agreements")
        register_nav("Catalogue", "agreements:catalogue", roles=[Role.RESEARCHER, Role.LEGAL, Role.ADMIN], order=30)
        register_nav("Agreements", "agreements:list",
                     roles=[Role.RESEARCHER, Role.CONTRIBUTOR, Role.LEGAL, Role.ADMIN, Role.AUDITOR], order=40)
        register_nav("Review queue", "agreements:queue", roles=[Role.LEGAL], order=35)
        register_panel("My access requests", template="agreements/panel_researcher.html", roles=[Role.RESEARCHER],
                       context=selectors.my_requests_summary, order=10)
        register_panel("Legal review queue", template="agreements/panel_legal.html", roles=[Role.LEGAL],
                       context=selectors.queue_summary, order=10)
        register_panel("Awaiting your countersignature", template="agreements/panel_steward.html",
                       roles=[Role.CONTRIBUTOR], context=selectors.countersign_summary, order=15)
        register_demo_step("Agreements: one in force on the demo dataset, one waiting for legal", seed_agreements,
                           order=30)
