from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from training.models import TrainingTask
from training.services import base_model_register


class Command(BaseCommand):
    help = "Register (or update) an allowed base model from a local directory or an installed Python package."

    def add_arguments(self, parser):
        parser.add_argument("name")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--path", default="", help="Local model directory (config.json + weights)")
        source.add_argument("--package", default="", help="Installed Python package that ships the model")
        parser.add_argument("--license", required=True, help="SPDX identifier, e.g. Apache-2.0")
        parser.add_argument("--task", action="append", choices=TrainingTask.values, dest="tasks")
        parser.add_argument("--inactive", action="store_true")

    def handle(self, *args, **options):
        try:
            model = base_model_register(
                name=options["name"], local_path=options["path"], package_name=options["package"],
                license=options["license"], supported_tasks=options["tasks"] or [TrainingTask.TEXT_CLASSIFICATION],
                is_active=not options["inactive"], actor=None,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{model.name} ({model.license}) -> {model.resolve_path()}"))
