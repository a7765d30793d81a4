from django.core.management.base import BaseCommand

from audit.checkpoints import write_checkpoint


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head to the checkpoint storage (outside the database)."

    def handle(self, *args, **options):
        checkpoint = write_checkpoint(reason="manual")
        if checkpoint is None:
            self.stdout.write("The ledger is empty; nothing to checkpoint.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Wrote {checkpoint}."))
