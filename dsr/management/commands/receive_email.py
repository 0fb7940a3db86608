"""`manage.py receive_email --organization SLUG < message.eml`: the MTA pipe.

For operators whose mail server delivers the privacy address to a command (Postfix
`mailbox_command`, an alias `"|/path/manage.py receive_email --organization ilumen"`).
The message is recorded once (docs/EMAIL.md), exactly as from the IMAP poll; the date of
receipt is the organisation's own `Received:` header, else the moment of delivery.

Exit codes follow sysexits.h, which mail servers understand: 0 recorded (or recorded
before), 65 (EX_DATAERR) larger than MAIL_MAX_BYTES: its headers are recorded as an inbox
item that says so, and the server returns the message to its sender, 67 (EX_NOUSER) no
such organisation, 75 (EX_TEMPFAIL) the desk could not record it now: the mail server
keeps it and tries again.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from accounts.models import Organization
from dsr.mail.receive import mail_max_bytes, mail_process

EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75
_CHUNK = 1024 * 1024


def _headers_of(head: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        position = head.find(separator)
        if position != -1:
            return head[: position + len(separator)]
    return head[: 256 * 1024]


class Command(BaseCommand):
    help = "Record one e-mail read from standard input for an organisation (MTA pipe)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organization", required=True, help="the organisation's slug")

    def handle(self, *args: object, organization: str, **options: object) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            self.stderr.write(f"receive_email: no organisation {organization!r}")
            sys.exit(EX_NOUSER)
        limit = mail_max_bytes()
        stream = sys.stdin.buffer
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                # Keep the headers only, read (and drop) the rest to learn the size.
                head = _headers_of(b"".join(chunks) + chunk)
                chunks = []
                while True:
                    rest = stream.read(_CHUNK)
                    if not rest:
                        break
                    size += len(rest)
                try:
                    mail_process(org, head, full_size=size)
                except Exception as exc:
                    self.stderr.write(f"receive_email: not recorded ({type(exc).__name__})")
                    sys.exit(EX_TEMPFAIL)
                self.stderr.write(
                    f"receive_email: message of {size} bytes is larger than the desk's limit "
                    f"of {limit} bytes; its headers were recorded"
                )
                sys.exit(EX_DATAERR)
            chunks.append(chunk)
        raw = b"".join(chunks)
        try:
            outcome = mail_process(org, raw)
        except Exception as exc:
            self.stderr.write(f"receive_email: not recorded ({type(exc).__name__})")
            sys.exit(EX_TEMPFAIL)
        state = "recorded before" if outcome.duplicate else outcome.status
        self.stdout.write(f"receive_email: {state}")
