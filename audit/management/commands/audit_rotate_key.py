import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.services import ledger_key_rotation_record


class Command(BaseCommand):
    help = (
        "Rotate the audit ledger's HMAC key. Step 1 (no option): print a new key id and secret and the "
        "environment to deploy: the new key becomes AUDIT_HMAC_KEY/AUDIT_HMAC_KEY_ID and the old one moves "
        "to AUDIT_HMAC_RETIRED_KEYS, so the events and checkpoints it signed still verify. Step 2 (--record, "
        "once deployed): write a `ledger.key_rotated` event and a checkpoint signed with the new key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--record", action="store_true", help="Record the rotation after deploying the new key.")
        parser.add_argument("--new-id", default="", help="Key id for the new key (default: next kN).")

    def handle(self, *args, record=False, new_id="", **options):
        if record:
            event = ledger_key_rotation_record(actor=None)
            self.stdout.write(self.style.SUCCESS(
                f"Recorded event #{event.seq}: new events are signed with key {event.after['key_id']!r} "
                f"(was {event.before['key_id']!r})."))
            return
        current = settings.AUDIT_HMAC_KEY_ID
        retired = dict(settings.AUDIT_HMAC_RETIRED_KEYS or {})
        if not new_id:
            n = 1
            while f"k{n}" in retired or f"k{n}" == current:
                n += 1
            new_id = f"k{n}"
        if new_id == current or new_id in retired:
            raise CommandError(f"Key id {new_id!r} is already in use.")
        if any(c in new_id for c in ",=") or any(c in settings.AUDIT_HMAC_KEY for c in ",="):
            raise CommandError("Key ids and secrets may not contain ',' or '='.")
        retired[current] = settings.AUDIT_HMAC_KEY
        self.stdout.write(
            "Deploy this environment to every web and worker process, then run "
            "`manage.py audit_rotate_key --record`:\n\n"
            f"AUDIT_HMAC_KEY_ID={new_id}\n"
            f"AUDIT_HMAC_KEY={secrets.token_hex(32)}\n"
            f"AUDIT_HMAC_RETIRED_KEYS={','.join(f'{k}={v}' for k, v in sorted(retired.items()))}\n\n"
            "Keep every retired key for as long as the events it signed must verify."
        )
