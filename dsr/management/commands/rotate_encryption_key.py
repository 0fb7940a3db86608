"""`python manage.py rotate_encryption_key [--dry-run]`: everything under the newest key.

Put the new key first in DSR_ENCRYPTION_KEYS (keep the old ones after it), restart the
processes, run this command, then remove the old key. It may be stopped and run again at
any time: what is already under the newest key is skipped. Exits 1 when something could
not be read with any of the configured keys (listed by row, never by content).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dsr import keyrotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored file and encrypted database field under the newest key of "
        "DSR_ENCRYPTION_KEYS (resumable; --dry-run only counts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="read and count what would be re-encrypted; change nothing",
        )

    def handle(self, *args: object, **options: object) -> None:
        dry_run = bool(options["dry_run"])
        keys = settings.ENCRYPTION_KEYS
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}re-encrypting under key "
            f"{keyrotation.fingerprint(keys[0])} (newest of {len(keys)}; fingerprints are "
            "digests, not keys)"
        )
        if len(keys) == 1:
            self.stdout.write("Only one key is configured: everything should already be current.")
        try:
            report = keyrotation.rotate(dry_run=dry_run)
        except OSError as error:
            # The storage did not answer (dsr.storage.StorageUnavailable is an OSError), or
            # the disk failed: what was done stays done; run the command again later.
            raise CommandError(
                f"The file storage failed ({type(error).__name__}); nothing is half-written. "
                "Run the command again when it answers: what is done is skipped."
            ) from error
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(
            f"{report.total(keyrotation.ROTATED)} rotated, "
            f"{report.total(keyrotation.WOULD_ROTATE)} to rotate, "
            f"{report.total(keyrotation.CURRENT)} already current, "
            f"{report.total(keyrotation.PLAIN)} not encrypted, "
            f"{report.total(keyrotation.MISSING)} missing, "
            f"{report.total(keyrotation.GONE)} deleted meanwhile, "
            f"{report.total(keyrotation.UNREADABLE)} unreadable"
        )
        if not report.ok:
            raise CommandError(
                "Not readable with any configured key (keep the old keys until resolved): "
                + ", ".join(report.unreadable[:20])
                + (" ..." if len(report.unreadable) > 20 else "")
            )
        if dry_run:
            self.stdout.write("Nothing was changed.")
        elif report.total(keyrotation.WOULD_ROTATE) == 0:
            self.stdout.write(
                self.style.SUCCESS(
                    "Done. Once every process runs with the new key first, the old keys may be "
                    "removed from DSR_ENCRYPTION_KEYS."
                )
            )
