from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from accounts.registry import register_demo_step, register_nav, register_panel
        from accounts.roles import Role
        from agreements.signals import agreement_ended
        from reliability.operations import register_work_summary
        from training.demo import seed_base_model
        from training.receivers import on_agreement_ended
        from training.selectors import dashboard_summary
        from training.services.reaper import runs_in_progress

        from training import notifications

        notifications.connect()  # the launching admin's inbox hears how a run ended
        # A revoked or expired agreement stops the runs that depend on it (invariant 3).
        agreement_ended.connect(on_agreement_ended, dispatch_uid="training.stop_runs_on_agreement_ended")
        register_nav("Training", "training:run-list", roles=[Role.ADMIN], order=50)
        register_panel(
            "Training runs", template="training/panel.html", roles=[Role.ADMIN], context=dashboard_summary, order=40
        )
        register_demo_step("Register the demo base model", seed_base_model, order=40)
        register_work_summary("training runs", runs_in_progress)  # rows of the operations page
