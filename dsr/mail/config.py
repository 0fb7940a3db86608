"""Saving an organisation's mailbox and sender settings: one service, one Event."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Organization
from dsr import audit
from dsr.models import EventKind, Mailbox, MailSettings

SENDER_FIELDS = ("from_address", "from_name", "reply_to_address", "own_server_hostnames")
MAILBOX_FIELDS = ("enabled", "host", "port", "username", "auth", "folder", "processed_folder")


@transaction.atomic
def mail_config_save(
    *,
    organization: Organization,
    sender: dict,
    mailbox: dict | None,
    secret: str = "",
    actor: audit.Actor,
) -> tuple[MailSettings, Mailbox | None]:
    """Store the sender settings and (when `mailbox` is given) the IMAP mailbox.

    `secret` (password or OAuth 2 token) replaces the stored one only when not empty: the
    forms never show it, so an empty field keeps it. The Event names what changed, never
    a value of the secret (`secret_changed` only)."""
    settings_row, _ = MailSettings.objects.get_or_create(organization=organization)
    changed = [name for name in SENDER_FIELDS if getattr(settings_row, name) != sender[name]]
    for name in SENDER_FIELDS:
        setattr(settings_row, name, sender[name])
    settings_row.save()
    box = Mailbox.objects.filter(organization=organization).first()
    if mailbox is not None:
        if box is None:
            box = Mailbox(organization=organization)
            changed.append("mailbox")
        changed += [
            f"mailbox.{name}" for name in MAILBOX_FIELDS if getattr(box, name) != mailbox[name]
        ]
        for name in MAILBOX_FIELDS:
            setattr(box, name, mailbox[name])
        if secret:
            box.set_secret(secret)
        box.last_error = ""
        box.save()
    audit.record(
        organization=organization,
        kind=EventKind.MAIL_SETTINGS_SAVED,
        actor=actor,
        data={"changed": sorted(set(changed)), "secret_changed": bool(secret)},
    )
    return settings_row, box
