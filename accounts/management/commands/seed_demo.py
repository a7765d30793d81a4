import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_people
from accounts.registry import demo_steps


class Command(BaseCommand):
    help = "Create (idempotently) the demo organisations, one user per role and the demo story."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with known passwords; it runs only with DJANGO_DEBUG=1.")

        def log(message: str) -> None:
            self.stdout.write(f"  {message}")

        with transaction.atomic():
            seed_people(log)
        # Each step commits on its own: a scrub or a training run enqueued by a step must see its rows.
        for step in demo_steps():
            self.stdout.write(f"- {step.name}")
            step.run(log)

        port = os.environ.get("PORT", "").strip() or "8000"  # platform/run-dev.sh serves on $PORT
        self.stdout.write(self.style.SUCCESS(f"\nAccord demo is ready. Log in at http://127.0.0.1:{port}/login/ as:"))
        for username, (_first, _last, _org, role) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<12} password {DEMO_PASSWORD:<12} {role.label}")
