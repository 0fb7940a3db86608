"""`manage.py mail_poll [--organization SLUG]`: read the enabled mailboxes now, in this
process (what the beat task `dsr.tasks.mail_poll` does in the worker)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dsr.mail.imap import MailboxError, mailbox_poll
from dsr.models import Mailbox


class Command(BaseCommand):
    help = "Poll the enabled IMAP mailboxes once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organization", help="only this organisation's mailbox (slug)")

    def handle(self, *args: object, organization: str | None = None, **options: object) -> None:
        mailboxes = Mailbox.objects.filter(enabled=True).select_related("organization")
        if organization:
            mailboxes = mailboxes.filter(organization__slug=organization)
        failed = False
        for mailbox in mailboxes:
            try:
                result = mailbox_poll(mailbox)
            except MailboxError as error:
                failed = True
                self.stderr.write(f"{mailbox.organization.slug}: {error}")
                continue
            self.stdout.write(
                f"{mailbox.organization.slug}: {result.recorded} recorded, "
                f"{result.duplicates} recorded before, {result.failed} failed, {result.moved} moved"
            )
        if failed:
            raise CommandError("some mailboxes could not be read")
