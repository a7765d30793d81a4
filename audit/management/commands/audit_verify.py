from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit ledger's hash chain; exits non-zero naming the first bad event."

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if problem:
            raise CommandError(f"Audit ledger is NOT intact after {checked} good events: {problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit ledger intact: {checked} events verified."))
