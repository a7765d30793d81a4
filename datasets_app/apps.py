from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets_app"
    verbose_name = "Datasets"

    def ready(self) -> None:
        from accounts.registry import register_demo_step, register_nav, register_panel
        from accounts.roles import Role
        from datasets_app import selectors
        from datasets_app.demo import seed_ner_tickets, seed_support_tickets
        from datasets_app.reconciler import scrubs_in_progress
        from reliability.operations import register_work_summary

        from datasets_app import notifications

        notifications.connect()  # the steward's inbox hears of finished and failed scrubs
        # Contributors manage their datasets here; everyone else browses agreements' catalogue.
        register_nav("Datasets", "datasets:dataset-list", roles=[Role.CONTRIBUTOR], order=20)
        register_panel("Your datasets", template="datasets_app/panel_contributor.html", roles=[Role.CONTRIBUTOR],
                       context=selectors.contributor_dashboard, order=20)
        register_work_summary("scrubs", scrubs_in_progress)  # a row of the operations page
        register_demo_step("Datasets: synthetic support tickets, uploaded and scrubbed", seed_support_tickets,
                           order=20)
        register_demo_step("Datasets: annotated tickets for NER (products, error codes)", seed_ner_tickets,
                           order=21)
