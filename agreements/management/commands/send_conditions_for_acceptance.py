"""Send legal's conditions to the researcher for agreements approved before conditions were part
of the signed text: until the researcher accepts the amended terms they are not in force (G4)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from agreements.services import agreement_send_conditions_for_acceptance
from agreements.terms import text_carries_conditions
from config.exceptions import ApplicationError


class Command(BaseCommand):
    help = ("Agreements approved with conditions that their accepted text does not name go back to the "
            "researcher to accept the amended terms (each audited and notified).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List them, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        candidates = Agreement.objects.filter(state=Agreement.State.APPROVED).exclude(conditions="").order_by("pk")
        due = [a.pk for a in candidates.only("pk", "terms_text", "conditions")
               if not text_carries_conditions(a.terms_text, a.conditions)]
        failed = 0
        for pk in due:
            if dry_run:
                self.stdout.write(f"agreement #{pk}: its conditions are not in the accepted text")
                continue
            try:
                agreement_send_conditions_for_acceptance(agreement=pk, actor=None)
            except ApplicationError as exc:
                failed += 1
                self.stderr.write(f"agreement #{pk}: {exc.message}")
            else:
                self.stdout.write(f"agreement #{pk}: amended terms sent to the researcher")
        self.stdout.write(f"{len(due)} agreement(s) {'to send' if dry_run else 'handled'}, {failed} refused.")
        if failed:
            raise CommandError(f"{failed} agreement(s) could not be sent; see above.")
