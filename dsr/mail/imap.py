"""Reading an organisation's mailbox over IMAP with TLS (imap-tools), under the egress policy.

The connection: the host is resolved once and checked by dsr/egress.py (public addresses
only unless DSR_EGRESS_ALLOW allows the network), the socket goes to the checked address,
and TLS verifies the certificate for the configured host name (extra CA file:
DSR_EGRESS_CA_FILE). Implicit TLS only (IMAPS, port 993 by default): no plain-text IMAP.
Sign-in with a password or an OAuth 2 access token (XOAUTH2, Microsoft 365 / Google).

The poll (`mailbox_poll`), exactly once:
1. list the UIDs in the folder and their sizes and internal dates;
2. per message: fetch it (`BODY.PEEK[]`, so nothing is marked read), `mail_process` it,
   which commits its InboundMail row under unique constraints, or finds it recorded;
3. move the recorded messages to the processed folder (UID MOVE), in small batches.
A crash before 2's commit leaves the message in the folder for the next poll; a crash
between 2 and 3 leaves a recorded message there, which the next poll finds recorded and
only moves. A message larger than settings.MAIL_MAX_BYTES is not downloaded: its headers
are recorded as an inbox item that says so, and the message itself is moved to the
processed folder, where it stays as evidence.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from imap_tools import BaseMailBox
from imap_tools.errors import MailboxLoginError

from dsr import audit, egress
from dsr.mail.receive import mail_max_bytes, mail_process, own_hostnames
from dsr.models import InboundMail, Mailbox, MailboxAuth

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60.0
# UIDs listed per FETCH of sizes, and bytes downloaded per FETCH of bodies at most.
META_BATCH = 500
BODY_BATCH_BYTES = 4 * 1024 * 1024
MOVE_BATCH = 100
# Messages recorded per transaction: fewer commits, and the organisation's audit chain is
# held for a fraction of a second at most. A crash before the commit records none of them,
# and they are still in the folder.
COMMIT_BATCH = 20

_META = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)|INTERNALDATE (\"[^\"]+\")", re.IGNORECASE)


class MailboxError(Exception):
    """The mailbox could not be read; `str()` is safe to show (no server text)."""


class _PinnedIMAP4SSL(imaplib.IMAP4_SSL):
    """IMAP over TLS to the address the egress policy checked, verified for the name."""

    def _create_socket(self, timeout):
        sock = egress.connect(self.host, self.port, timeout or TIMEOUT_SECONDS)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class PolicyMailBox(BaseMailBox):
    """imap-tools' mailbox over `_PinnedIMAP4SSL`."""

    def __init__(self, host: str, port: int, timeout: float = TIMEOUT_SECONDS) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        super().__init__()

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _PinnedIMAP4SSL(
            self._host, self._port, ssl_context=egress.tls_context(), timeout=self._timeout
        )


def mailbox_connect(mailbox: Mailbox, *, folder: str | None = None) -> PolicyMailBox:
    """A signed-in connection, the folder selected. Raises MailboxError with a safe text."""
    try:
        client = PolicyMailBox(mailbox.host, mailbox.port)
    except egress.EgressError as error:
        raise MailboxError(str(error)) from None
    except (OSError, imaplib.IMAP4.error):
        raise MailboxError("unreachable: the TLS handshake or greeting failed") from None
    try:
        if mailbox.auth == MailboxAuth.XOAUTH2:
            client.xoauth2(mailbox.username, mailbox.secret, initial_folder=None)
        else:
            client.login(mailbox.username, mailbox.secret, initial_folder=None)
    except (MailboxLoginError, imaplib.IMAP4.error):
        # A NO to LOGIN (imap-tools) or to AUTHENTICATE (imaplib raises it itself).
        _close(client)
        raise MailboxError("the server refused the sign-in") from None
    except Exception:
        _close(client)
        raise MailboxError("the sign-in failed") from None
    try:
        client.folder.set(folder or mailbox.folder)
    except Exception:
        _close(client)
        raise MailboxError("the folder could not be opened") from None
    return client


def _close(client: BaseMailBox) -> None:
    with contextlib.suppress(Exception):  # the connection is gone already
        client.logout()


def mailbox_test(mailbox: Mailbox) -> str:
    """Connect, sign in, open the folder: '' when it works, else why not (safe to show)."""
    try:
        client = mailbox_connect(mailbox)
    except MailboxError as error:
        return str(error)
    _close(client)
    return ""


@dataclass
class PollResult:
    recorded: int = 0
    duplicates: int = 0
    failed: int = 0
    moved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _internal_date(raw: bytes) -> datetime | None:
    try:
        parts = imaplib.Internaldate2tuple(b"INTERNALDATE " + raw)
    except Exception:
        return None
    if parts is None:
        return None
    import time

    return datetime.fromtimestamp(time.mktime(parts), tz=UTC)


def _meta(client: PolicyMailBox, uids: list[str]) -> dict[int, tuple[int, datetime | None]]:
    """{uid: (size, internal date)} for these UIDs."""
    status, data = client.client.uid("FETCH", ",".join(uids), "(UID RFC822.SIZE INTERNALDATE)")
    if status != "OK":
        raise MailboxError("the server did not list the messages")
    found: dict[int, tuple[int, datetime | None]] = {}
    for line in data:
        text = line[0] if isinstance(line, tuple) else line
        if not isinstance(text, bytes):
            continue
        uid = size = None
        when = None
        for match in _META.finditer(text):
            if match.group(1):
                uid = int(match.group(1))
            elif match.group(2):
                size = int(match.group(2))
            elif match.group(3):
                when = _internal_date(match.group(3))
        if uid is not None:
            found[uid] = (size or 0, when)
    return found


def _bodies(client: PolicyMailBox, uids: list[int], part: str) -> dict[int, bytes]:
    status, data = client.client.uid(
        "FETCH", ",".join(str(uid) for uid in uids), f"(UID BODY.PEEK[{part}])"
    )
    if status != "OK":
        raise MailboxError("the server did not send the messages")
    bodies: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = re.search(rb"UID (\d+)", item[0])
            if match:
                bodies[int(match.group(1))] = item[1]
    return bodies


def _ensure_folder(client: PolicyMailBox, name: str) -> None:
    if not client.folder.exists(name):
        client.folder.create(name)


def mailbox_poll(mailbox: Mailbox, *, limit: int | None = None) -> PollResult:
    """Record every message in the mailbox's folder once, then move it (module docstring).
    Updates the mailbox's last poll, success and error."""
    result = PollResult()
    mailbox.last_polled_at = timezone.now()
    try:
        client = mailbox_connect(mailbox)
    except MailboxError as error:
        mailbox.last_error = str(error)[:300]
        mailbox.save(update_fields=["last_polled_at", "last_error"])
        raise
    try:
        _ensure_folder(client, mailbox.processed_folder)
        client.folder.set(mailbox.folder)
        uidvalidity = int(client.folder.status(mailbox.folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        uids = client.uids("ALL")
        if limit is not None:
            uids = uids[:limit]
        done: list[int] = []
        for start in range(0, len(uids), META_BATCH):
            meta = _meta(client, uids[start : start + META_BATCH])
            batch: list[int] = []
            batch_bytes = 0
            for uid in sorted(meta):
                size = meta[uid][0]
                if size > mail_max_bytes():
                    _process(mailbox, client, [uid], meta, uidvalidity, result, done, True)
                    continue
                if batch and batch_bytes + size > BODY_BATCH_BYTES:
                    _process(mailbox, client, batch, meta, uidvalidity, result, done, False)
                    batch, batch_bytes = [], 0
                batch.append(uid)
                batch_bytes += size
                if len(done) >= MOVE_BATCH:
                    _move(client, mailbox, done, result)
            if batch:
                _process(mailbox, client, batch, meta, uidvalidity, result, done, False)
            _move(client, mailbox, done, result)
        _move(client, mailbox, done, result)
    except MailboxError as error:
        mailbox.last_error = str(error)[:300]
        mailbox.save(update_fields=["last_polled_at", "last_error"])
        _close(client)
        raise
    except (OSError, imaplib.IMAP4.error) as error:
        mailbox.last_error = "the connection to the mail server broke off"
        mailbox.save(update_fields=["last_polled_at", "last_error"])
        _close(client)
        raise MailboxError(mailbox.last_error) from error
    _close(client)
    mailbox.uidvalidity = uidvalidity
    mailbox.last_success_at = timezone.now()
    mailbox.last_error = (
        f"{result.failed} message(s) could not be processed and stay in the folder"
        if result.failed
        else ""
    )
    mailbox.save(update_fields=["last_polled_at", "last_success_at", "last_error", "uidvalidity"])
    return result


def _process(
    mailbox: Mailbox,
    client: PolicyMailBox,
    uids: list[int],
    meta: dict[int, tuple[int, datetime | None]],
    uidvalidity: int,
    result: PollResult,
    done: list[int],
    headers_only: bool,
) -> None:
    recorded_before = set(
        InboundMail.objects.filter(
            mailbox=mailbox, uidvalidity=uidvalidity, uid__in=uids
        ).values_list("uid", flat=True)
    )
    for uid in recorded_before:  # recorded by a poll that stopped before moving them
        result.duplicates += 1
        done.append(uid)
    wanted = [uid for uid in uids if uid not in recorded_before]
    if not wanted:
        return
    bodies = _bodies(client, wanted, "HEADER" if headers_only else "")
    hostnames = own_hostnames(mailbox.organization)
    organization = mailbox.organization
    for start in range(0, len(wanted), COMMIT_BATCH):
        committed: list[int] = []
        # The batch's events are chained at its end: the audit head's lock is held for
        # the commit only, not while the messages are read and stored.
        with transaction.atomic(), audit.appended_at_end(organization):
            for uid in wanted[start : start + COMMIT_BATCH]:
                raw = bodies.pop(uid, None)
                if raw is None:  # expunged meanwhile by someone else
                    continue
                size, when = meta[uid]
                waiting = audit._waiting(organization)
                queued = len(waiting) if waiting is not None else 0
                try:
                    outcome = mail_process(
                        organization,
                        raw,
                        mailbox=mailbox,
                        uid=uid,
                        uidvalidity=uidvalidity,
                        internal_date=when,
                        full_size=size if headers_only else None,
                        hostnames=hostnames,
                    )
                except Exception:
                    # Not recorded (its savepoint rolled back, its events dropped): it stays
                    # in the folder, tried again at the next poll; never lost or halved.
                    if waiting is not None:
                        del waiting[queued:]
                    log.exception("mailbox %s: message UID %s not processed", mailbox.pk, uid)
                    result.failed += 1
                    continue
                if outcome.duplicate:
                    result.duplicates += 1
                else:
                    result.recorded += 1
                    result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
                committed.append(uid)
        # Moved only once committed.
        done.extend(committed)


def _move(client: PolicyMailBox, mailbox: Mailbox, done: list[int], result: PollResult) -> None:
    if not done:
        return
    client.move([str(uid) for uid in done], mailbox.processed_folder)
    result.moved += len(done)
    done.clear()
