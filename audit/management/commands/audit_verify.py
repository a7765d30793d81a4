from django.core.management.base import BaseCommand, CommandError

from audit.services import ledger_verification_run


class Command(BaseCommand):
    help = (
        "Verify the audit ledger: each event's keyed hash and link, and the table against the signed "
        "checkpoints outside the database (missing tail, truncation, rewritten history). Incremental "
        "from the last verified checkpoint unless --full. Exits non-zero naming what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Walk the whole chain from event #1.")

    def handle(self, *args, full=False, **options):
        verification = ledger_verification_run(full=full)
        if verification.status != "intact":
            raise CommandError(
                f"Audit ledger is NOT intact after {verification.checked} good events: {verification.problem}")
        start = f" after checkpointed event #{verification.start_seq}" if verification.start_seq else ""
        self.stdout.write(self.style.SUCCESS(
            f"Audit ledger intact: {verification.checked} events verified{start}; "
            f"{verification.checkpoints_checked} checkpoints agree."))
