"""The e-mail channel (docs/EMAIL.md): the organisation's privacy mailbox, how the desk
signs its own mails, and every message that came in.

- `MailSettings`   per organisation: the From/Reply-To the desk's mails to subjects carry,
                   and the host names of the organisation's own mail servers (whose
                   `Received:` header dates a message's receipt).
- `Mailbox`        per organisation: the IMAP mailbox the worker polls (dsr/mail/imap.py).
- `InboundMail`    one received message, recorded exactly once (database constraints),
                   its original kept encrypted as evidence.
- `InboundAttachment` a file taken out of a received message and checked like an upload.

The outbound side's record is `OutboundEmail.message_id` (dsr/models/notifications.py):
the Message-ID the desk gave a mail it sent, which replies and bounces refer to.

Written by `dsr.mail.receive.mail_process` (classification, replies, bounces) and by the
desk's inbox (dsr/inbox/: guesses and the officer's decisions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from dsr.models.requests import Request


def _secret_get(encrypted: str) -> str:
    from dsr import crypto

    if not encrypted:
        return ""
    return crypto.decrypt(encrypted.encode()).decode()


def _secret_set(value: str) -> str:
    from dsr import crypto

    return crypto.encrypt(value.encode()).decode() if value else ""


class MailSettings(models.Model):
    """How the organisation's mail looks to subjects, and which mail servers are its own.

    - `from_address` / `from_name`: the `From:` of every mail the desk sends for this
      organisation to a subject (e.g. privacy@ilumen.be, "iLumen privacy"). Empty: the
      platform sender (settings.DEFAULT_FROM_EMAIL) is used. The address must be one the
      platform's outgoing server may send for (SPF/DKIM): that is the operator's job.
    - `reply_to_address`: the `Reply-To:`; empty means `from_address`, and if that is empty
      too, the organisation's `privacy_email`. Replies come back to the mailbox the desk
      reads, where dsr/mail/replies.py attaches them to their request.
    - `own_server_hostnames`: host names (one per line, e.g. "mx1.ilumen.be") of the
      organisation's own receiving mail servers. The date of receipt is the date in the
      topmost `Received:` header added BY one of these hosts; any other `Received:` header
      (which a sender can forge) is ignored. Empty: the IMAP internal date is used.
    """

    ORGANIZATION_PATH = "organization"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="mail_settings"
    )
    from_address = models.EmailField(_("sender address"), blank=True)
    from_name = models.CharField(_("sender name"), max_length=120, blank=True)
    reply_to_address = models.EmailField(_("reply-to address"), blank=True)
    own_server_hostnames = models.TextField(
        _("our mail servers"),
        blank=True,
        help_text=_(
            "Host names of your own receiving mail servers, one per line. The date of "
            "receipt is read from their Received header only."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mail settings")
        verbose_name_plural = _("mail settings")

    def __str__(self) -> str:
        return f"mail settings of {self.organization_id}"

    @property
    def hostnames(self) -> list[str]:
        return [
            line.strip().lower().rstrip(".")
            for line in self.own_server_hostnames.splitlines()
            if line.strip()
        ]


class MailboxAuth(models.TextChoices):
    PASSWORD = "password", _("Password")
    XOAUTH2 = "xoauth2", _("OAuth 2 access token (XOAUTH2)")


class Mailbox(models.Model):
    """The organisation's privacy mailbox, read over IMAP with TLS (port 993, implicit TLS).

    The worker polls every enabled mailbox (beat task `dsr.tasks.mail_poll_all`, one
    `dsr.tasks.mail_poll` per mailbox): each message in `folder` is recorded once as an
    `InboundMail`, then moved to `processed_folder` (created if missing).

    `secret_encrypted` holds a Fernet token (dsr/crypto.py) of the password, or of the
    OAuth 2 access token when `auth` is XOAUTH2; it is write-only in every form and never
    shown. The connection goes through dsr/egress.py: the host must resolve to public
    addresses unless DSR_EGRESS_ALLOW allows it; the certificate is verified for `host`
    (extra CA file: DSR_EGRESS_CA_FILE). `uidvalidity` is the folder's last seen
    UIDVALIDITY (informational; the unique constraint on InboundMail includes it).
    """

    ORGANIZATION_PATH = "organization"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="mailbox"
    )
    enabled = models.BooleanField(_("read this mailbox"), default=False)
    host = models.CharField(_("IMAP server"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    username = models.CharField(_("user name"), max_length=254)
    auth = models.CharField(
        _("sign in with"), max_length=10, choices=MailboxAuth.choices, default=MailboxAuth.PASSWORD
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(_("folder to read"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("folder for processed mail"), max_length=200, default="DSR-processed"
    )
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last failure in words safe to show (an egress class, "login refused"), never
    # the server's text.
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"

    @property
    def secret(self) -> str:
        return _secret_get(self.secret_encrypted)

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = _secret_set(value)

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class ReceivedAtSource(models.TextChoices):
    RECEIVED_HEADER = "received_header", _("Received header of our mail server")
    IMAP_INTERNAL_DATE = "imap_internal_date", _("Date the mailbox received it (IMAP)")
    PIPE = "pipe", _("Delivered by our mail server to the desk")


class InboundStatus(models.TextChoices):
    """What a received message is and what became of it.

    The desk's inbox shows NEW ones to decide on; the officer's decision moves them to
    CONVERTED, NOT_REQUEST or LINKED (dsr/inbox/). The others are decided automatically
    by dsr/mail/receive.py and never appear as inbox items."""

    NEW = "new", _("New, to be decided")
    CONVERTED = "converted", _("Turned into requests")
    NOT_REQUEST = "not_request", _("Not a request")
    LINKED = "linked", _("Linked to a request")
    REPLY = "reply", _("Reply on a request")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Bounce")
    LOOP = "loop", _("Mail loop")


INBOX_STATUSES = (
    InboundStatus.NEW,
    InboundStatus.CONVERTED,
    InboundStatus.NOT_REQUEST,
    InboundStatus.LINKED,
)


class InboundMail(models.Model):
    """One message received by the organisation's privacy address: IMAP or the MTA pipe.

    Exactly once: a message is identified by its `Message-ID` within the organisation
    (`message_key`, the normalised Message-ID, or "sha256:<hash of the raw bytes>" when
    the message has none) and, from IMAP, by (mailbox, UIDVALIDITY, UID). Both are unique
    constraints: the row is inserted before the message is moved to the processed folder,
    so a second poll (after a crash) finds it recorded and only moves it.

    Fields:
    - `received_at` the date of receipt (GDPR's clock starts here), and
      `received_at_source` / `received_at_host` how it was found: the `Received:` header
      of one of the organisation's servers (`MailSettings.own_server_hostnames`; the host
      is in `received_at_host`), the IMAP INTERNALDATE, or the pipe's delivery time.
    - `sender_address` / `sender_name`: the `From:` (lower-cased address); `reply_address`
      the `Reply-To:` if any (not trusted for matching replies).
    - `subject`, `body_text` (text/plain, or HTML reduced to plain text with no markup:
      safe to show escaped), `body_from_html` True when the text came from HTML.
    - `original` the whole message as received (RFC 822 bytes), Fernet-encrypted, with
      `original_size` and `original_sha256` of the plain bytes. `original_truncated` is
      never set today: messages over the size limit are refused by the pipe and left in
      the IMAP folder (docs/EMAIL.md).
    - `attachments` (InboundAttachment): files taken out of the message.
    - `status` (InboundStatus) and, for the officer's decisions, `decided_by`,
      `decided_at` and `not_request_reason`.
    - `requests`: the request(s) the message belongs to: the ones made from it
      (CONVERTED), the one it was linked to (LINKED), the one it replies to (REPLY), the
      one whose mail bounced (BOUNCE). Empty for NEW, NOT_REQUEST, AUTO_REPLY, LOOP.
    - `in_reply_to_email` the desk's OutboundEmail this message answers or bounces.
    - `language_guess` ("en"/"nl"/"fr" or "") and `rights_guess` (list of Right values)
      with `guess_detail` (the words that led to it, per right: {"access": ["inzage"]}):
      filled by dsr/inbox/guess.py, shown as a suggestion only.
    - `problems`: what the desk noticed while reading it, as a list of
      {"code": ..., "name": ...}: "attachment_refused" (name, reason), "malformed"
      (the MIME structure had defects; the text shown is what could be read).
    """

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="inbound_mails"
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    message_id = models.CharField(max_length=998, blank=True)
    message_key = models.CharField(max_length=998, editable=False)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    uid = models.PositiveBigIntegerField(null=True, blank=True)

    received_at = models.DateTimeField(_("received"))
    received_at_source = models.CharField(max_length=20, choices=ReceivedAtSource.choices)
    received_at_host = models.CharField(max_length=253, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    sender_address = models.CharField(_("sender"), max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    reply_address = models.CharField(max_length=254, blank=True)
    to_addresses = models.TextField(blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body_text = models.TextField(blank=True)
    body_from_html = models.BooleanField(default=False)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)

    original = models.FileField(upload_to="mail/%Y/%m/", max_length=255)
    original_size = models.PositiveBigIntegerField()
    original_sha256 = models.CharField(max_length=64)
    original_truncated = models.BooleanField(default=False)

    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.NEW
    )
    requests = models.ManyToManyField(Request, blank=True, related_name="inbound_mails")
    in_reply_to_email = models.ForeignKey(
        "OutboundEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    not_request_reason = models.TextField(blank=True)

    language_guess = models.CharField(max_length=2, blank=True)
    rights_guess = models.JSONField(default=list, blank=True)
    guess_detail = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("received e-mail")
        verbose_name_plural = _("received e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "message_key"], name="inbound_once_per_message_id"
            ),
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                name="inbound_once_per_uid",
                condition=Q(uid__isnull=False),
            ),
        ]
        indexes = [
            # The inbox: an organisation's messages in a status, newest first.
            models.Index(
                fields=["organization", "status", "-received_at"], name="inbound_by_status"
            ),
            # Replies by subject line: earlier mail from the same sender.
            models.Index(fields=["organization", "sender_address"], name="inbound_by_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_address}: {self.subject[:60]}"

    @property
    def is_inbox_item(self) -> bool:
        return self.status in INBOX_STATUSES


class InboundAttachment(models.Model):
    """A file found in a received message.

    `accepted` ones passed the upload checks (dsr/attachments.file_check, sanitised as
    from a subject: PDF/JPEG/PNG, no active content) and their checked bytes are stored
    encrypted in `file`; they become the request's attachments when the message becomes
    a request or is a reply. Refused ones (a .docx, an HTML page, a PDF with JavaScript)
    keep only their name, declared type, size, hash and `refusal` (the reason in words);
    their bytes stay only inside the encrypted original message.
    """

    ORGANIZATION_PATH = "inbound__organization"

    inbound = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=200)
    declared_type = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=100, blank=True, help_text=_("Sniffed"))
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    accepted = models.BooleanField(default=False)
    refusal = models.TextField(blank=True)
    file = models.FileField(upload_to="mail/%Y/%m/", max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
